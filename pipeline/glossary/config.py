"""The ``glossary:`` section of the configuration, with its defaults.

The glossary files are read once, at the edge (``translate``'s runner, ``translate-corpus``'s job), into a
:class:`pipeline.glossary.Glossary`; the document core and the checks only ever see that object. The
``term_missing`` check itself is switched by ``qa.term_missing.enabled`` (on by default: it flags nothing
without a glossary).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from pipeline.settings import Section

__all__ = ["GlossaryConfig"]


class GlossaryConfig(Section):
    files: list[str] = Field(
        default_factory=list,
        description="glossary files (TBX, CSV/TSV with en,<lang> or source,target columns, YAML map; see "
        "docs/glossary-xliff.md), merged in order; --glossary FILE adds one. Their terms are checked in every "
        "target (qa.term_missing)",
    )
    enforce: bool = Field(
        False,
        description="keep the glossary's terms through the model: each term found in a source is sent as a "
        "placeholder (1), (2), ... and the glossary's preferred form is put back in its place; a placeholder the "
        "model drops is flagged term_missing and counted in the report. The form put back is not inflected "
        "(docs/glossary-xliff.md); needs qa.term_missing.enabled",
    )

    @field_validator("files")
    @classmethod
    def _files(cls, v: list[str]) -> list[str]:
        for n, f in enumerate(v):
            if not f.strip():
                raise ValueError(f"item {n} is an empty file name")
        return list(dict.fromkeys(v))

"""The ``output:`` section of the configuration, with its defaults, and the formats it can name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, field_validator

from pipeline.registry import Registry
from pipeline.settings import Section, operational
from pipeline.write.output import OutputFormat

#: ``output.formats`` and ``corpus.formats``: name -> ``"module:attr"`` of an :class:`OutputFormat`
#: (:mod:`pipeline.registry`). A new format is one module with a ``FORMAT`` and one line here.
FORMATS: Registry[OutputFormat] = Registry(
    "formats",
    "output format",
    "output.formats",
    {
        "tmx": "pipeline.write.tmx:FORMAT",
        "jsonl": "pipeline.write.jsonl:FORMAT",
        "tsv": "pipeline.write.tsv:FORMAT",
        "moses": "pipeline.write.moses:FORMAT",
        "hf": "pipeline.write.hf:FORMAT",
        "parquet": "pipeline.write.hf:PARQUET",
        "xliff": "pipeline.write.xliff:FORMAT",
    },
)


#: a registered format's name (a config error names the list item and the known formats)
FormatName = Annotated[str, AfterValidator(lambda name: FORMATS.check(name))]


def formats_help() -> str:
    """Every registered format with its own description, for the settings that name formats."""
    described = ((name, FORMATS.load(name).description) for name in FORMATS.names())
    return ", ".join(f"{name} ({text})" if text else name for name, text in described)


def unmet_requirements(formats: Sequence[str], setting: str = "output.formats") -> list[str]:
    """A line for each format in ``formats`` whose ``requires`` are not all in ``formats`` (it is written
    all the same; the line says what is missing and how to add it)."""
    return [
        f"{name}: {FORMATS.load(name).description}; add {need} to {setting}"
        for name in formats
        for need in FORMATS.load(name).requires
        if need not in formats
    ]


def unique(v: list[str]) -> list[str]:
    """``v`` without repeats, in order."""
    return list(dict.fromkeys(v))


class OutputConfig(Section):
    """Where and how a run's outputs are written (none of it changes a corpus shard: shards use ``corpus:``)."""

    dir: str = operational("outputs", description="root folder; files go to <dir>/<lang>/")
    name: str = operational("{stem}", description="base name of the output files; {stem} = the input file's stem")
    formats: list[FormatName] = operational(
        ["tmx", "jsonl"],
        min_length=1,
        description=f"formats written into <dir>/<lang>/ as <name>.en-<lang>...: {formats_help()}; e.g. --set "
        "output.formats=[tmx,jsonl,moses,hf]",
    )
    creation_date: datetime | None = operational(
        None, description="fixed ISO-8601 UTC time stamp for outputs; null = $SOURCE_DATE_EPOCH if set, else now"
    )
    review: bool = operational(
        True, description="also write <name>.en-<lang>.review.html, a self-contained page to review and correct pairs"
    )

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[str]) -> list[str]:
        return unique(v)

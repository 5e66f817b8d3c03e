"""Quality checks over aligned pairs: flags per pair, a summary per run, and the wrong-language failure.

>>> pairs, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="ko")

Each check in :data:`CHECKS` (registered in ``pipeline/qa/config.py``, written in ``pipeline/qa/checks.py``) is a
pure function over the document's pairs
and adds its name to ``AlignedPair.flags`` (written to JSONL ``flags`` and TMX ``x-flags``) for the
pairs it flags; ``qa.<name>.enabled: false`` turns one off (a plugin's check too: its section is validated
with its own model), ``qa.enabled: false`` all of them.
:class:`QASummary` has the counts per flag (for the log and the run report), a short detail per
flagged pair (for the review page) and, when more than ``qa.fail_wrong_language_ratio`` of the judged
targets is in the wrong language, a one-line ``failure`` that the caller turns into
:class:`pipeline.errors.QualityError` (exit status 3) after writing the outputs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipeline.qa.base import Check, CheckResult, QAContext
from pipeline.qa.config import CHECKS, QAConfig
from pipeline.qa.language import LANG_NAMES, Identifier, fasttext_lite
from pipeline.records import AlignedPair

if TYPE_CHECKING:
    from pipeline.glossary.model import Glossary
    from pipeline.read.config import ReadConfig

__all__ = ["CHECKS", "Check", "CheckResult", "QAConfig", "QAContext", "QASummary", "failure_message", "run_qa"]

log = logging.getLogger(__name__)

_KNOWN_CAUSES = {
    "ko": "known for opus-mt-tc-big-en-ko's published files: check that the vocabulary repair ran",
    "uk": "or a multi-target model got the wrong >>xxx<< target token",
    "ru": "or a multi-target model got the wrong >>xxx<< target token",
}


@dataclass
class QASummary:
    """What the checks found in one document."""

    pairs: int = 0
    enabled: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # flag -> pairs flagged (enabled checks, zeros included)
    flagged: int = 0  # pairs with at least one flag
    details: dict[int, dict[str, str]] = field(default_factory=dict)  # pair id -> flag -> detail
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    lid: str = ""
    failure: str | None = None

    def line(self) -> str:
        """One log line: ``QA: 3 of 22 pairs flagged (number_mismatch 2, length_ratio 1)``."""
        if not self.enabled:
            return "QA: checks disabled"
        shown = ", ".join(f"{k} {v}" for k, v in self.counts.items() if v)
        return f"QA: {self.flagged} of {self.pairs} pairs flagged" + (f" ({shown})" if shown else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "flagged": self.flagged,
            "counts": dict(self.counts),
            "checks": {name: self.stats.get(name, {}) for name in self.enabled},
            "language_id": self.lid,
            "failure": self.failure,
            "details": {str(k): v for k, v in sorted(self.details.items())},
        }


def failure_message(lang: str, wrong: int, judged: int) -> str:
    name = LANG_NAMES.get(lang, lang)
    cause = _KNOWN_CAUSES.get(lang, "")
    return (
        f"{round(100 * wrong / judged)}% of {name} targets ({wrong} of {judged} judged) are not {name}: "
        f"the model or its tokenizer is broken" + (f" ({cause})" if cause else "")
    )


def _section(cfg: QAConfig, check: Check) -> Any:
    """The check's ``qa.<name>`` section: a built-in field, or a plugin check's validated section (one of the
    model's extra values); a plugin check whose section was not given runs with its model's defaults."""
    if check.name in QAConfig.model_fields:
        return getattr(cfg, check.name)
    given = (cfg.model_extra or {}).get(check.name)
    return given if given is not None else check.config()


def run_qa(
    pairs: Sequence[AlignedPair],
    cfg: QAConfig,
    *,
    src_lang: str,
    tgt_lang: str,
    identify: Identifier | None = None,
    glossary: Glossary | None = None,
    read: ReadConfig | None = None,
) -> tuple[list[AlignedPair], QASummary]:
    """Run the enabled checks; return the pairs with their flags added (existing flags kept first) and a summary.

    ``identify`` replaces the language identifier (default: fastText lite, loaded on first use, when
    ``qa.wrong_language.use_lid`` is on); ``glossary`` is the run's terms (``term_missing``; None: none given);
    ``read`` the run's ``read:`` section (the subtitle checks' limits, ``read.srt``; None: the defaults).
    """
    summary = QASummary(pairs=len(pairs))
    if not cfg.enabled:
        return list(pairs), summary
    checks: list[tuple[Check, Any]] = [(c, _section(cfg, c)) for c in map(CHECKS.load, CHECKS.names())]
    enabled = [(c, section) for c, section in checks if section.enabled and c.applies_to(pairs)]
    summary.enabled = [c.name for c, _ in enabled]
    lid_name = "off"
    if identify is None and cfg.wrong_language.enabled and cfg.wrong_language.use_lid:
        identify, lid_name = fasttext_lite()
    elif identify is not None:
        lid_name = "custom"
    summary.lid = lid_name if cfg.wrong_language.enabled else "off"
    ctx = QAContext(src_lang=src_lang, tgt_lang=tgt_lang, identify=identify, glossary=glossary, read=read)
    added: list[list[str]] = [[] for _ in pairs]
    for check, section in enabled:
        result = check.run(pairs, section, ctx)
        summary.counts[check.name] = len(result.flagged)
        if result.stats:
            summary.stats[check.name] = result.stats
        for i, detail in result.flagged.items():
            added[i].append(check.name)
            summary.details.setdefault(pairs[i].id, {})[check.name] = detail
    out = []
    for p, new in zip(pairs, added, strict=True):
        flags = tuple(dict.fromkeys((*p.flags, *new)))
        out.append(dataclasses.replace(p, flags=flags) if flags != p.flags else p)
    summary.flagged = sum(1 for new in added if new)
    lang_stats = summary.stats.get("wrong_language", {})
    judged, wrong = int(lang_stats.get("judged", 0)), int(lang_stats.get("wrong", 0))
    limit = cfg.fail_wrong_language_ratio
    if limit is not None and judged and wrong / judged > limit:
        summary.failure = failure_message(tgt_lang, wrong, judged)
    return out, summary

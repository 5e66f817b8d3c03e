"""What a quality check is (every registered check is a :class:`Check`), what it is given and what it returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from pipeline.records import AlignedPair

if TYPE_CHECKING:
    from pipeline.glossary.model import Glossary
    from pipeline.read.config import ReadConfig

__all__ = ["Check", "CheckFn", "CheckResult", "Identifier", "QAContext"]

#: A language identifier: text, k -> [(lang, probability)], best first.
Identifier = Callable[[str, int], list[tuple[str, float]]]


@dataclass(frozen=True)
class QAContext:
    src_lang: str
    tgt_lang: str
    identify: Identifier | None = None  # language identifier (None: script signals only)
    glossary: Glossary | None = None  # the run's terms (term_missing); None: no glossary given
    read: ReadConfig | None = None  # the run's read: section (the subtitle checks' limits); None: the defaults


@dataclass
class CheckResult:
    flagged: dict[int, str] = field(default_factory=dict)  # index in the pair sequence -> detail
    stats: dict[str, Any] = field(default_factory=dict)


CheckFn = Callable[[Sequence[AlignedPair], Any, QAContext], CheckResult]


@dataclass(frozen=True)
class Check:
    name: str  # the flag it sets, and its config section under `qa:`
    description: str
    config: type[BaseModel]
    run: CheckFn
    #: whether the check means anything for a document (None: always); one that does not apply is neither run
    #: nor counted (``tag_mismatch`` applies to documents with markup only)
    applies: Callable[[Sequence[AlignedPair]], bool] | None = None
    #: what a pair it flags needs (:mod:`pipeline.qa.risk`): ``check`` (a look: it may be right) or ``redo`` (a new
    #: translation: the target cannot be right as it is); a plugin's check is ``check`` unless it says otherwise
    risk: Literal["check", "redo"] = "check"

    def applies_to(self, pairs: Sequence[AlignedPair]) -> bool:
        return self.applies is None or self.applies(pairs)

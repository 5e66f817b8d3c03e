"""The repair ladder (``translate.repair``): degenerate translations decoded again until one passes the checks,
and the alternatives kept for the translator (``translate.alternatives``).

:mod:`pipeline.repair.ladder` is the ladder itself, pure (given how to decode, translate and judge);
:mod:`pipeline.repair.document` runs it over one document with the run's translator and checks.
"""

from __future__ import annotations

from pipeline.repair.document import Repaired, note_pairs, repair_document
from pipeline.repair.ladder import (
    CLAUSE_WORDS,
    Decode,
    Judge,
    LadderResult,
    Repair,
    UnitNote,
    Verdict,
    alternatives_of,
    run_ladder,
    split_clauses,
)

__all__ = [
    "CLAUSE_WORDS",
    "Decode",
    "Judge",
    "LadderResult",
    "Repair",
    "Repaired",
    "UnitNote",
    "Verdict",
    "alternatives_of",
    "note_pairs",
    "repair_document",
    "run_ladder",
    "split_clauses",
]

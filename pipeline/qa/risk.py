"""A risk level per pair, ``ok`` / ``check`` / ``redo``: what a translator post-editing the output should do with it.

The rule, from the pair's flags only (so every writer and the review page agree, and a reviewed file keeps it):

* ``redo``: a flag whose check declares ``risk="redo"`` (the target cannot be right as it is: ``empty_target``,
  ``wrong_language``, ``identical``, ``repetition``), or a runner's flag that says the source has no translation
  (``translation_failed``, ``no_target``);
* ``check``: any other flag (``length_ratio``, ``number_mismatch``, ``low_score``, ``low_mt_score``,
  ``term_missing``, ``tag_mismatch``, the subtitle flags, a plugin's check, ``no_source``), and a pair the repair
  ladder changed (its flags cleared, but the reviewer should see what the model first gave);
* ``ok``: no flag, or a pair a reviewer decided on (``reviewed:*``: they have looked at it).

It is not a quality estimate: the scores behind ``low_score`` and ``low_mt_score`` come from thresholds that no real
model weights here could calibrate. With weights, calibrate them on a document with a reference translation
(``python -m pipeline translate --lang uk --input DOC --ref REF.txt``: the evaluation file has each pair's chrF
beside its scores) and set ``qa.low_score.min_score`` / ``qa.low_mt_score.min_mt_score`` (that check is off by
default: ``qa.low_mt_score.enabled``) where the pairs with a low chrF start; the risk level follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pipeline.qa.config import CHECKS
from pipeline.records import NO_TARGET

__all__ = ["RISKS", "Risk", "risk_of"]

Risk = Literal["ok", "check", "redo"]
RISKS: tuple[Risk, ...] = ("ok", "check", "redo")  # in rising order

#: flags set by the runners, not by a check: a source without a translation needs one
_RUNNER_REDO = frozenset({"translation_failed", NO_TARGET})
_REVIEWED = "reviewed:"


def risk_of(flags: Sequence[str], *, repaired: bool = False) -> Risk:
    """The risk level of a pair with ``flags`` (``repaired``: the repair ladder changed its target)."""
    if any(f.startswith(_REVIEWED) for f in flags):
        return "ok"
    level: Risk = "check" if repaired else "ok"
    for flag in flags:
        if flag in _RUNNER_REDO or (flag in CHECKS and CHECKS.load(flag).risk == "redo"):
            return "redo"
        level = "check"
    return level

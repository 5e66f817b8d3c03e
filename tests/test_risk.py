"""The risk level of a pair (``ok`` / ``check`` / ``redo``, :mod:`pipeline.qa.risk`) and the per-pair table of
``<base>.eval.json`` that a user with real weights calibrates the thresholds on."""

from __future__ import annotations

import pytest

from pipeline.evaluate import pair_scores
from pipeline.qa import CHECKS
from pipeline.qa.base import Check
from pipeline.qa.risk import risk_of
from pipeline.records import AlignedPair

#: every built-in check's level: a new check must be given one here (and in the docs)
LEVELS = {
    "empty_target": "redo",
    "wrong_language": "redo",
    "identical": "redo",
    "repetition": "redo",
    "number_mismatch": "check",
    "length_ratio": "check",
    "low_score": "check",
    "low_mt_score": "check",
    "term_missing": "check",
    "tag_mismatch": "check",
    "cue_too_long": "check",
    "cue_too_fast": "check",
}


def test_every_check_declares_its_level() -> None:
    assert {name: CHECKS.load(name).risk for name in CHECKS.names()} == LEVELS


@pytest.mark.parametrize(
    ("flags", "repaired", "level"),
    [
        ((), False, "ok"),
        (("length_ratio",), False, "check"),
        (("low_mt_score", "number_mismatch"), False, "check"),
        (("number_mismatch", "repetition"), False, "redo"),  # the worst flag decides, in any order
        (("repetition", "number_mismatch"), False, "redo"),
        (("translation_failed",), False, "redo"),
        (("no_target",), False, "redo"),
        (("no_source",), False, "check"),
        (("some_plugin_flag",), False, "check"),  # a flag no check declares: a look
        ((), True, "check"),  # repaired: the reviewer should see what the model first gave
        (("reviewed:edited",), False, "ok"),
        (("reviewed:accepted", "repetition"), False, "ok"),
    ],
)
def test_risk_of(flags: tuple[str, ...], repaired: bool, level: str) -> None:
    assert risk_of(flags, repaired=repaired) == level


def test_a_plugin_check_can_declare_redo() -> None:
    CHECKS.add("plugin_redo", "test_risk:PLUGIN")
    try:
        assert risk_of(("plugin_redo",)) == "redo"
    finally:
        CHECKS.remove("plugin_redo")


_IDENTICAL = CHECKS.load("identical")
PLUGIN = Check("plugin_redo", "a plugin's check", _IDENTICAL.config, _IDENTICAL.run, risk="redo")


def test_pair_scores_give_each_pair_its_chrf_beside_its_signals() -> None:
    pairs = [
        AlignedPair(0, "en", "uk", "One.", "Один.", (0,), (0,), 0.9, 0.8),
        AlignedPair(1, "en", "uk", "Two.", "Два два два два.", (1,), (1,), 0.4, None, flags=("repetition",)),
        AlignedPair(2, "en", "uk", "", "Зайве.", (), (2,), 0.0, flags=("no_source",)),  # no source: no reference
    ]
    rows = pair_scores(pairs, ["Один.", "Два."])
    assert [r["id"] for r in rows] == [0, 1]
    assert rows[0]["chrf"] == 100.0 and 0 < rows[1]["chrf"] < 100
    assert [(r["score"], r["mt_score"], r["flags"], r["risk"]) for r in rows] == [
        (0.9, 0.8, [], "ok"),
        (0.4, None, ["repetition"], "redo"),
    ]

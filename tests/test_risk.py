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


def test_every_output_carries_the_same_risk_level(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Through ``translate``: a loop is redo, a number changed is check, a clean pair ok, in JSONL, TMX, XLIFF and
    the review page alike."""
    import json
    import re

    from lxml import etree
    from test_edge_control_chars import _Table

    from pipeline.config import load_config
    from pipeline.run import translate_file
    from pipeline.translate import Output

    sources = ["The committee met on Monday in the hall.", "It counted 300 votes in total.", "Nobody left early."]
    outputs = ["Комітет зібрався в понеділок у залі.", "Він нарахував 400 голосів загалом.",
               "Ніхто не не не не не не не не не не пішов."]  # fmt: skip
    src = tmp_path / "doc.txt"
    src.write_text("\n\n".join(sources) + "\n", encoding="utf-8")
    overrides = ["output.formats=[tmx,xliff,jsonl]", "check_links=false", "qa.fail_wrong_language_ratio=null",
                 "translate.repair.flags=[]"]  # fmt: skip
    cfg = load_config(lang="uk", overrides=overrides)
    table = {s: Output(o, 0.9) for s, o in zip(sources, outputs, strict=True)}
    translate_file(cfg, src, tmp_path / "out", translator=_Table(table))
    out = tmp_path / "out"
    records = [json.loads(x) for x in (out / "doc.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    want = ["ok", "check", "redo"]
    assert [r["risk"] for r in records] == want, [r["flags"] for r in records]
    tmx = etree.parse(str(out / "doc.en-uk.tmx"))
    assert [p.text for p in tmx.iter("prop") if p.get("type") == "x-risk"] == want
    xlf = etree.parse(str(out / "doc.en-uk.xlf"))
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    qualifiers = [t.get("state-qualifier") for t in xlf.iterfind(".//x:trans-unit/x:target", ns)]
    assert qualifiers == ["leveraged-mt", "leveraged-mt", "rejected-inaccurate"]
    page = (out / "doc.en-uk.review.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found[1])
    assert [p["risk"] for p in data["pairs"]] == want
    assert 'id="risk-filter"' in page

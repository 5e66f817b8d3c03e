"""Sentences without a counterpart reach the reviewer: pairs flagged no_target / no_source in every output of
``pipeline align`` and of ``translate`` with ``unit: paragraph``, counted in the summary and the report, left
out of TMX (CAT tools reject an empty <tuv>) and listed instead. The length-only aligner: no models."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.document import NO_SOURCE, NO_TARGET, to_pairs
from pipeline.records import Link, Sentence
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import TranslatorBase
from pipeline.write import read_jsonl

FAST = ["--set", "align.aligner=length"]

SRC = [
    "The committee met on Monday to discuss the budget for 2024.",
    "Members raised concerns about rising costs.",
    "The chair proposed a freeze on new hiring until March.",
    "Several delegates objected strongly to the proposal.",
    "A compromise was reached after three hours of debate.",
    "The vote passed with 12 members in favour and 3 against.",
    "Observers called the outcome a victory for the finance office.",
    "The next meeting is scheduled for 14 April.",
    "Minutes will be published on the council website.",
    "Questions may be sent to the secretary by email.",
    "The session closed at 6 p.m.",
    "Coffee was served in the hall afterwards.",
]
ADDED = "Ein völlig anderer Satz über Bergwanderungen im Herbst steht plötzlich hier."
#: the "translation": the source with sentence 5 left out and a foreign sentence added as target 8
TGT = SRC[:5] + SRC[6:9] + [ADDED] + SRC[9:]


def _files(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "s.txt").write_text("\n".join(SRC) + "\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("\n".join(TGT) + "\n", encoding="utf-8")
    return str(tmp_path / "s.txt"), str(tmp_path / "t.txt")


def _align(tmp_path: Path, fmt: str) -> str:
    src, tgt = _files(tmp_path)
    out = tmp_path / f"out.{fmt}"
    args = ["align", "--src", src, "--tgt", tgt, "--src-lang", "en", "--tgt-lang", "de", "--presegmented"]
    assert main([*args, "--format", fmt, "--out", str(out), *FAST]) == 0
    return out.read_text(encoding="utf-8")


def test_to_pairs_flags_each_side_without_a_counterpart() -> None:
    sents = [Sentence(i, f"Source {i}.", 0, 0, 0) for i in range(3)]
    links = [Link((0,), (0,), 0.9), Link((1,), (), 0.0), Link((), (1,), 0.0), Link((2,), (), 0.0)]
    pairs = to_pairs(sents, ["T0.", "Added."], links, src_lang="en", tgt_lang="de", failed={2: "boom"})
    assert [p.flags for p in pairs] == [(), (NO_TARGET,), (NO_SOURCE,), ("translation_failed",)]
    assert (pairs[1].src, pairs[1].tgt, pairs[2].src, pairs[2].tgt) == ("Source 1.", "", "", "Added.")
    assert NO_TARGET == "no_target" and NO_SOURCE == "no_source"


def test_align_beads_show_the_omission_and_the_addition(tmp_path: Path) -> None:
    lines = _align(tmp_path, "beads").splitlines()
    assert "[5]:[]:0.00" in lines and "[]:[8]:0.00" in lines
    assert sum(1 for line in lines if "[]" in line) == 2


@pytest.mark.parametrize("fmt", ["jsonl", "tsv"])
def test_align_jsonl_and_tsv_keep_them_as_flagged_pairs(tmp_path: Path, fmt: str) -> None:
    text = _align(tmp_path, fmt)
    if fmt == "jsonl":
        recs = [json.loads(line) for line in text.splitlines()]
        gone = {(tuple(r["src_idx"]), tuple(r["tgt_idx"])): r for r in recs if r["flags"]}
        assert gone[((5,), ())]["flags"] == [NO_TARGET] and gone[((5,), ())]["tgt"] == ""
        assert gone[((), (8,))]["flags"] == [NO_SOURCE] and gone[((), (8,))]["tgt"] == ADDED
        assert len(gone) == 2 and "unaligned" not in text
    else:  # source, target, score: no flags column, the empty side stays empty
        rows = [line.split("\t") for line in text.splitlines()]
        assert len(rows) == 13
        assert [SRC[5], "", "0.000"] in rows and ["", ADDED, "0.000"] in rows


def test_align_tmx_has_no_unit_with_an_empty_side_and_warns_with_the_indices(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        text = _align(tmp_path, "tmx")
    tree = etree.fromstring(text.encode("utf-8"))
    tus = tree.findall("body/tu")
    assert len(tus) == 11  # 13 beads, two of them with an empty side
    segs = [[seg.text for seg in tu.iter("seg")] for tu in tus]
    assert all(len(s) == 2 and all(x and x.strip() for x in s) for s in segs)
    assert SRC[5] not in text and ADDED not in text
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert "2 sentence(s) left out" in warned[0]
    assert "(no_target): 5;" in warned[0] and "(no_source): 8" in warned[0]


class _DropsAndAdds(TranslatorBase):
    """A stand-in model for a paragraph: copies it, leaves out sentence 5 and adds a sentence (as :data:`TGT`)."""

    name = "stand-in-1"
    model_id = "stand-in"
    model_revision = "none"
    device = "cpu"

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return [Output(" ".join(TGT) if t == " ".join(SRC) else t, 0.5) for t in texts]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:  # a word is a token
        return [len(t.split()) + 1 for t in texts]


def test_translate_paragraph_flags_counts_and_reports_them(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("Title\n\n" + " ".join(SRC) + "\n", encoding="utf-8")  # the title is copied whole
    overrides = [
        "translate.unit=paragraph", "align.aligner=length", "check_links=false",
        "output.formats=[jsonl,tmx,tsv]", "output.creation_date=2026-01-01T00:00:00Z", "qa.enabled=false",
    ]  # fmt: skip
    cfg = load_config(lang="uk", overrides=overrides)
    report = translate_file(cfg, src, tmp_path / "out", translator=_DropsAndAdds())  # type: ignore[arg-type]
    out = tmp_path / "out"
    records = [r.to_json() for r in read_jsonl(out / "in.en-uk.jsonl")]
    flagged: dict[str, list[dict[str, Any]]] = {NO_TARGET: [], NO_SOURCE: []}
    for r in records:
        for f in r["flags"]:
            flagged[f].append(r)
    assert [(r["src_idx"], r["tgt"]) for r in flagged[NO_TARGET]] == [([6], "")]  # SRC[5], after the title
    assert [(r["src_idx"], r["tgt"]) for r in flagged[NO_SOURCE]] == [([], ADDED)]
    body = json.loads((out / "in.en-uk.report.json").read_text(encoding="utf-8"))
    assert [(x["sentence"], x["text"]) for x in body["no_target"]] == [(6, SRC[5])]
    assert [(x["target"], x["text"]) for x in body["no_source"]] == [(9, ADDED)]
    # 12 sentences: the title and SRC, whose last two are one sentence to the segmenter ("6 p.m. Coffee")
    assert body["translated"] + len(body["no_target"]) == body["sentences"] == 12
    assert body["untranslated"] == [] and body["failed"] == []
    left_out = body["tmx_left_out"]
    assert [(x["empty"], x["src_idx"], x["tgt_idx"], x["flags"]) for x in left_out] == [
        ("target", [6], [], [NO_TARGET]), ("source", [], [9], [NO_SOURCE])
    ]  # fmt: skip
    tmx = (out / "in.en-uk.tmx").read_text(encoding="utf-8")
    assert ADDED not in tmx and SRC[5] not in tmx
    assert len(etree.fromstring(tmx.encode("utf-8")).findall("body/tu")) == len(records) - 2 == 11
    line = report.summary()
    assert "11 translated, 1 without a target (no_target), 1 target sentence(s) without a source (no_source)" in line

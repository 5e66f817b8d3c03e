"""Evaluation: sacrebleu BLEU/chrF with signatures, per-language tokenizers, reference files, eval.json."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, InputError
from pipeline.evaluate import BLEU_TOKENIZE, eval_report, eval_segments, evaluate, parse_references
from pipeline.records import AlignedPair, Signature

DATA = Path(__file__).resolve().parent / "data"
SIG = Signature("0.1.0", "rules-en.v1", "Helsinki-NLP/opus-mt-en-uk", "abc123", "transformers", "x", "beam4")
LOCAL_SIG = Signature("0.1.0", "rules-en.v1", "/tmp/model", "local", "transformers", "x", "beam4")


def lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def gold_beads(lang: str) -> list[tuple[list[int], list[int]]]:
    beads = []
    for line in lines(f"seed.en-{lang}.gold"):
        src, tgt = line.split(":")
        beads.append(([int(i) for i in re.findall(r"\d+", src)], [int(i) for i in re.findall(r"\d+", tgt)]))
    return beads


def gold_pairs(lang: str) -> list[AlignedPair]:
    """The project's reference translation as aligned pairs (one per gold bead)."""
    en, tgt = lines("seed.en.txt"), lines(f"seed.{lang}.txt")
    return [
        AlignedPair(
            id=n,
            src_lang="en",
            tgt_lang=lang,
            src=" ".join(en[i] for i in s),
            tgt=" ".join(tgt[j] for j in t),
            src_idx=tuple(s),
            tgt_idx=tuple(t),
            score=1.0,
        )
        for n, (s, t) in enumerate(gold_beads(lang))
    ]


def per_source_references(lang: str) -> list[str]:
    """One reference per English sentence: a merged (2-1) target goes to the first sentence, '' to the rest."""
    refs = [""] * len(lines("seed.en.txt"))
    tgt = lines(f"seed.{lang}.txt")
    for s, t in gold_beads(lang):
        refs[s[0]] = " ".join(tgt[j] for j in t)
    return refs


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_identical_hypotheses_score_100(lang: str) -> None:
    refs = lines(f"seed.{lang}.txt")
    r = evaluate(refs, refs, lang)
    assert r.bleu == pytest.approx(100.0) and r.chrf == pytest.approx(100.0)
    assert r.segments == len(refs) and r.lang == lang


def test_signatures_and_tokenizers() -> None:
    refs = lines("seed.ko.txt")
    ko = evaluate(refs, refs, "ko")
    assert ko.bleu_tokenize == "char" == BLEU_TOKENIZE["ko"] and ko.primary == "chrF"
    assert re.fullmatch(r"nrefs:1\|case:mixed\|eff:no\|tok:char\|smooth:exp\|version:\d+\.\d+\.\d+", ko.bleu_signature)
    assert re.fullmatch(r"nrefs:1\|case:mixed\|eff:yes\|nc:6\|nw:0\|space:no\|version:\d+\.\d+\.\d+", ko.chrf_signature)
    assert ko.bleu_verbose.startswith("BLEU = 100.00") and ko.chrf_verbose.startswith("chrF2 = 100.00")
    uk = evaluate(lines("seed.uk.txt"), lines("seed.uk.txt"), "uk")
    assert uk.bleu_tokenize == "13a" and "tok:13a" in uk.bleu_signature and uk.primary == "BLEU"
    assert evaluate(["a b"], ["a b"], "uk", bleu_tokenize="intl").bleu_tokenize == "intl"
    assert ko.summary().startswith("chrF2 100.00, BLEU 100.00 (tok:char) on 23 segments")
    assert uk.summary().startswith("BLEU 100.00, chrF2 100.00")


def test_scores_drop_for_wrong_hypotheses() -> None:
    refs = lines("seed.uk.txt")
    shuffled = refs[1:] + refs[:1]
    r = evaluate(shuffled, refs, "uk")
    assert 0 <= r.bleu < 20 and 0 < r.chrf < 50
    empty = evaluate([""] * len(refs), refs, "uk")
    assert empty.bleu == 0.0 and empty.chrf == 0.0


def test_evaluate_errors() -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        evaluate(["a", "b"], ["a"], "uk")
    with pytest.raises(ValueError, match="no segments"):
        evaluate([], [], "uk")
    with pytest.raises(ConfigError, match="cannot load the BLEU tokenizer 'nope'"):
        evaluate(["a"], ["a"], "uk", bleu_tokenize="nope")


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_gold_pairs_against_per_source_references_score_100(lang: str) -> None:
    """Bead-level segments: 1-2 and 2-1 gold beads put together the same text on both sides."""
    hyps, refs = eval_segments(gold_pairs(lang), per_source_references(lang))
    assert len(hyps) == len(gold_beads(lang))
    r = evaluate(hyps, refs, lang)
    assert r.bleu == pytest.approx(100.0) and r.chrf == pytest.approx(100.0)


def test_eval_segments_joins_sources_and_target_only_pairs() -> None:
    def pair(i: int, src_idx: tuple[int, ...], tgt: str) -> AlignedPair:
        return AlignedPair(i, "en", "uk", "s", tgt, src_idx, (i,) if tgt else (), 1.0)

    pairs = [pair(0, (), "lead"), pair(1, (0, 1), "A"), pair(2, (), "extra"), pair(3, (2,), ""), pair(4, (), "")]
    hyps, refs = eval_segments(pairs, ["r0", "r1", "r2"])
    assert hyps == ["lead A extra", ""] and refs == ["r0 r1", "r2"]
    with pytest.raises(ValueError, match="source sentence 2 has no reference"):
        eval_segments(pairs, ["r0", "r1"])


def test_parse_references() -> None:
    assert parse_references("a\n b \n\n", 2) == ["a", "b"]
    assert parse_references("a\n\nc", 3) == ["a", "", "c"]  # a blank line inside is an empty reference
    with pytest.raises(InputError) as ei:
        parse_references("a\nb\nc\n", 2, "ref.txt")
    msg = str(ei.value)
    assert "reference file ref.txt has 3 line(s) but the input has 2 sentence(s)" in msg
    assert "one reference translation per source sentence" in msg and "\n" not in msg


def test_eval_report() -> None:
    r = evaluate(["a b c"], ["a b c"], "ko")
    body = eval_report(r, reference="ref.ko.txt", signature=LOCAL_SIG)
    assert body["primary"] == "chrF" and body["reference"] == "ref.ko.txt" and body["segments"] == 1
    assert body["bleu"]["tokenize"] == "char" and body["bleu"]["signature"] == r.bleu_signature
    assert body["chrf"]["signature"] == r.chrf_signature and body["system"] == LOCAL_SIG.as_string()
    assert any("not comparable" in n for n in body["notes"]) and any("random" in n for n in body["notes"])
    assert eval_report(evaluate(["a"], ["a"], "uk"), reference="r", signature=SIG)["notes"] == []

"""Boundary scores (0.0, 1.0) and the promises ("never", "always", "exactly", "at least") of the QA, segment and
write modules' docstrings, each pinned by a case at its edge.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone

import pytest
from lxml import etree
from pydantic import ValidationError

from pipeline.align.hybrid import spans_to_links
from pipeline.qa import QAConfig, run_qa
from pipeline.records import AlignedPair, Signature
from pipeline.segment import get_segmenter
from pipeline.segment.layout import MAX_WORD
from pipeline.write import jsonl, tmx
from pipeline.write import xliff as xliff_writer

SIG = Signature("0.1.0", "rules-en.v2", "m", "r", "hf", "hybrid", "beam4")
WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)
NS = {"x": xliff_writer.NS}


def pair(n: int, score: float, mt: float | None, flags: tuple[str, ...] = ()) -> AlignedPair:
    return AlignedPair(n, "en", "uk", f"Source sentence number {n}.", f"Речення номер {n} і далі.", (n,), (n,), score,
                       mt, 0, flags)  # fmt: skip


# --------------------------------------------------------------------------- boundary scores in the writers

SCORES = [(0.0, 0.0), (1.0, 1.0), (0.0, None), (1.0, 0.0), (0.00004, 0.99996), (0.99995, 0.00005)]


@pytest.mark.parametrize(("score", "mt"), SCORES)
def test_tmx_scores_have_four_decimals_and_an_unset_model_score_is_left_out(score: float, mt: float | None) -> None:
    root = etree.fromstring(tmx.render([pair(0, score, mt)], signature=SIG, src_lang="en", tgt_lang="uk",
                                       creation_date=WHEN).encode("utf-8"))  # fmt: skip
    props = {p.get("type"): p.text for p in root.iter("prop")}
    assert props["x-score"] == f"{score:.4f}" and len(props["x-score"].split(".")[1]) == 4
    assert props.get("x-mt-score") == (None if mt is None else f"{mt:.4f}")
    assert "x-flags" not in props  # left out when empty


@pytest.mark.parametrize(("score", "mt"), SCORES)
def test_jsonl_boundary_scores_read_back(score: float, mt: float | None) -> None:
    rec = json.loads(jsonl.dumps_pair(pair(0, score, mt), SIG.as_string()))
    assert rec["score"] == score and rec["mt_score"] == mt


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("field", ["score", "mt_score"])
def test_jsonl_refuses_a_score_that_is_not_finite_naming_the_pair(bad: float, field: str) -> None:
    p = pair(7, bad, 0.5) if field == "score" else pair(7, 0.5, bad)
    with pytest.raises(ValueError, match=r"^pair 7: score/mt_score must be finite"):
        jsonl.dumps_pair(p, SIG.as_string())


@pytest.mark.parametrize(("mt", "quality"), [(0.0, "0"), (1.0, "100"), (0.004, "0"), (0.996, "100"), (0.815, "82")])
def test_xliff_match_quality_is_the_model_confidence_as_a_whole_percentage(mt: float, quality: str) -> None:
    root = etree.fromstring(xliff_writer.render([pair(0, 1.0, mt)], signature=SIG, src_lang="en", tgt_lang="uk",
                                                creation_date=WHEN).encode("utf-8"))  # fmt: skip
    alt = root.find(".//x:alt-trans", NS)
    assert alt is not None and alt.get("match-quality") == quality
    target = root.find(".//x:trans-unit/x:target", NS)
    assert target is not None and target.get("state-qualifier") == "leveraged-mt"


def test_xliff_without_a_model_score_has_no_match_quality_nor_leveraged_mt() -> None:
    root = etree.fromstring(xliff_writer.render([pair(0, 0.0, None)], signature=SIG, src_lang="en", tgt_lang="uk",
                                                creation_date=WHEN).encode("utf-8"))  # fmt: skip
    target = root.find(".//x:trans-unit/x:target", NS)
    assert target is not None and target.get("state-qualifier") is None
    alt = root.find(".//x:alt-trans", NS)
    assert alt is None or alt.get("match-quality") is None


@pytest.mark.parametrize("offset", [timedelta(hours=9), timedelta(hours=-5), timedelta(0)])
def test_tmx_creation_date_is_always_utc(offset: timedelta) -> None:
    local = datetime(2026, 1, 1, 9, 30, tzinfo=timezone(offset))
    root = etree.fromstring(tmx.render([pair(0, 1.0, None)], signature=SIG, src_lang="en", tgt_lang="uk",
                                       creation_date=local).encode("utf-8"))  # fmt: skip
    header = root.find("header")
    assert header is not None
    assert header.get("creationdate") == (local - offset).replace(tzinfo=None).strftime("%Y%m%dT%H%M%SZ")


def test_tmx_is_deterministic() -> None:
    pairs = [pair(n, n / 3, None) for n in range(3)]
    render = [tmx.render(pairs, signature=SIG, src_lang="en", tgt_lang="uk", creation_date=WHEN) for _ in range(2)]
    assert render[0] == render[1]


# --------------------------------------------------------------------------- boundary scores in the checks


@pytest.mark.parametrize(
    ("min_score", "score", "flagged"),
    [(1.0, 1.0, False), (1.0, 0.9999, True), (0.0, 0.0, False), (0.3, 0.3, False), (0.3, 0.2999, True)],
)
def test_low_score_at_the_ends_of_its_range(min_score: float, score: float, flagged: bool) -> None:
    cfg = QAConfig.model_validate({"low_score": {"min_score": min_score}, "wrong_language": {"use_lid": False}})
    out, summary = run_qa([pair(0, score, None)], cfg, src_lang="en", tgt_lang="uk")
    assert ("low_score" in out[0].flags) is flagged
    assert summary.counts["low_score"] == int(flagged)


@pytest.mark.parametrize(
    ("min_mt", "mt", "flagged"), [(1.0, 1.0, False), (1.0, 0.9999, True), (0.0, 0.0, False), (0.2, None, False)]
)
def test_low_mt_score_at_the_ends_of_its_range(min_mt: float, mt: float | None, flagged: bool) -> None:
    cfg = QAConfig.model_validate(
        {"low_mt_score": {"enabled": True, "min_mt_score": min_mt}, "wrong_language": {"use_lid": False}}
    )
    out, _ = run_qa([pair(0, 1.0, mt)], cfg, src_lang="en", tgt_lang="uk")
    assert ("low_mt_score" in out[0].flags) is flagged


@pytest.mark.parametrize(
    "section",
    [{"low_score": {"min_score": -0.01}}, {"low_score": {"min_score": 1.01}}, {"low_mt_score": {"min_mt_score": 1.5}},
     {"wrong_language": {"script_min_ratio": -0.1}}, {"fail_wrong_language_ratio": 1.01}],
)  # fmt: skip
def test_scores_outside_0_1_are_refused(section: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        QAConfig.model_validate(section)


def test_checks_never_change_pairs_and_existing_flags_stay_first() -> None:
    """``run_qa`` adds flags after the pair's own; the given sequence and its pairs are left as they were."""
    given = [pair(0, 0.1, None, ("reviewed:edit",)), pair(1, 1.0, None)]
    before = list(given)
    out, _ = run_qa(given, QAConfig.model_validate({"wrong_language": {"use_lid": False}}), src_lang="en",
                    tgt_lang="uk")  # fmt: skip
    assert given == before
    assert out[0].flags == ("reviewed:edit", "low_score") and out[1] is given[1]


@pytest.mark.parametrize("confidence", [-0.5, -0.0, 0.0, 1.0, 1.5, 1e9])
def test_aligner_link_scores_are_clamped_to_0_1(confidence: float) -> None:
    (link,) = spans_to_links([(0, 1, 0, 1)], [confidence])
    assert link.score == min(1.0, max(0.0, confidence)) and 0.0 <= link.score <= 1.0


# --------------------------------------------------------------------------- segment


def test_a_word_longer_than_max_word_is_never_an_abbreviation() -> None:
    """``MAX_WORD``: a longer "word" before a period is no abbreviation, so the period ends the sentence before a
    capital (one letter shorter, a listed abbreviation does not)."""
    seg = get_segmenter("en")
    long = "x" * (MAX_WORD + 1)
    text = f"We saw {long}. Then we left."
    assert [text[a:b] for a, b in seg.spans(text)] == [f"We saw {long}.", "Then we left."]
    text = "We met Dr. Then we left."
    assert len(seg.spans(text)) == 1


@pytest.mark.parametrize("bullet", list("•‣⁃◦▪●"))
def test_a_bullet_at_a_line_start_always_starts_an_item(bullet: str) -> None:
    seg = get_segmenter("en")
    text = f"Items to bring\n{bullet} a tent and a stove\n{bullet} two warm sleeping bags"
    got = [text[a:b] for a, b in seg.spans(text)]
    assert got[-2:] == [f"{bullet} a tent and a stove", f"{bullet} two warm sleeping bags"], got


@pytest.mark.parametrize("lang", ["en", "uk", "ru", "ko"])
@pytest.mark.parametrize("marker", ["1.", "2)", "•", "a.", "...", "?!", "…", "—", "10.)"])
@pytest.mark.parametrize("where", ["between", "first", "last"])
def test_never_a_sentence_that_is_only_a_marker_or_punctuation(marker: str, lang: str, where: str) -> None:
    """docs/segmentation.md: "it never emits a 'sentence' that is only a list marker, a lone punctuation run or a
    dateline"; and no text is lost on the way (the sentences cover the same words)."""
    seg = get_segmenter(lang)
    first, second = "The first point is clear.", "The second point follows here."
    text = {"between": f"{first} {marker} {second}", "first": f"{marker} {first} {second}",
            "last": f"{first} {second} {marker}"}[where]  # fmt: skip
    sentences = [text[a:b].strip() for a, b in seg.spans(text)]
    assert marker not in sentences, sentences
    assert " ".join(sentences).split() == text.split()


# --------------------------------------------------------------------------- each check's settings at their edges

#: Six pairs whose target/source length ratio is about 1 (sources of 12+ characters): length_ratio's background.
_EVEN = [
    (f"Sentence number {w} is here.", f"Речення номер {w} тут і є.")
    for w in ("one", "two", "three", "four", "five", "six")
]

# (id, check, qa settings, [(source, target)], the pairs the check flags)
EDGES: list[tuple[str, str, dict[str, object], list[tuple[str, str]], list[int]]] = [
    ("identical at min_letters 5", "identical", {}, [("Hello", "Hello"), ("Hell", "Hell")], [0]),
    ("identical at min_letters 3", "identical", {"identical": {"min_letters": 3}}, [("NATO", "NATO"), ("EU", "EU")],
     [0]),
    ("repetition x3 not x2", "repetition", {}, [("x", "так так так"), ("x", "так так")], [0]),
    ("repetition min_repeats 2", "repetition", {"repetition": {"min_repeats": 2}}, [("x", "так так"), ("x", "так")],
     [0]),
    ("repetition 4-grams, not 5", "repetition", {},
     [("x", " ".join(["раз два три чотири"] * 3)), ("x", " ".join(["раз два три чотири пʼять"] * 3))], [0]),
    ("repetition max_n 5", "repetition", {"repetition": {"max_n": 5}},
     [("x", " ".join(["раз два три чотири пʼять"] * 3))], [0]),
    ("letters: span 8, not 6", "repetition", {}, [("x", "хахахаха"), ("x", "хахаха")], [0]),
    ("letters: char_min_span 6", "repetition", {"repetition": {"char_min_span": 6}}, [("x", "хахаха")], [0]),
    ("numbers in a word loop are no loop", "repetition", {}, [("x", "7 7 7 7")], []),
    ("wrong_language script_min_letters 3", "wrong_language", {}, [("x", "abc"), ("x", "ab")], [0]),
    ("wrong_language script_min_letters 2", "wrong_language", {"wrong_language": {"script_min_letters": 2}},
     [("x", "ab")], [0]),
    ("uk: two Russian letters, not one", "wrong_language", {}, [("x", "Это был"), ("x", "Это")], [0]),
    ("uk: marker_min 1", "wrong_language", {"wrong_language": {"marker_min": 1}}, [("x", "Это")], [0]),
    ("script_min_ratio 0.5 exactly passes", "wrong_language", {},
     [("x", "Кот cat"), ("x", "Ко cat")], [1]),  # 3 of 6 letters Cyrillic: not below the ratio; 2 of 5: below
    ("length_ratio: five judged pairs", "length_ratio", {}, [*_EVEN[:4], ("Sentence number x is here.", "Р" * 200)],
     [4]),
    ("length_ratio: four are too few", "length_ratio", {}, [*_EVEN[:3], ("Sentence number x is here.", "Р" * 200)],
     []),
    ("length_ratio: a source under min_chars is not judged", "length_ratio", {},
     [*_EVEN[:5], ("Elevenchars", "Р" * 200)], []),
    ("length_ratio: a source of min_chars is", "length_ratio", {}, [*_EVEN[:5], ("Twelve chars", "Р" * 200)], [5]),
    ("length_ratio: min_factor 100 flags nothing", "length_ratio", {"length_ratio": {"min_factor": 100}},
     [*_EVEN[:5], ("Twelve chars", "Р" * 200)], []),
]  # fmt: skip


@pytest.mark.parametrize(("check", "settings", "texts", "flagged"), [e[1:] for e in EDGES], ids=[e[0] for e in EDGES])
def test_each_check_at_the_edge_of_its_settings(
    check: str, settings: dict[str, object], texts: list[tuple[str, str]], flagged: list[int]
) -> None:
    pairs = [AlignedPair(n, "en", "uk", s, t, (n,), (n,), 1.0, None, 0, ()) for n, (s, t) in enumerate(texts)]
    cfg = QAConfig.model_validate(
        {"fail_wrong_language_ratio": None, **settings, "wrong_language": {
            "use_lid": False, **settings.get("wrong_language", {})}}  # type: ignore[dict-item]
    )  # fmt: skip
    out, summary = run_qa(pairs, cfg, src_lang="en", tgt_lang="uk")
    assert [n for n, p in enumerate(out) if check in p.flags] == flagged
    assert summary.counts[check] == len(flagged)

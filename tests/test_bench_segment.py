"""`python -m pipeline bench-segment` on a small temporary cases folder: the per-list counts, the columns of
pySBD and sentencex (absent, or stand-ins), the speed rows and the last line. Needs neither pySBD nor sentencex."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest

from pipeline.bench.segmentation import SpeedRow, english_text, lang_of, load_case_lists, normalize
from pipeline.cli import main

EN = [
    {"text": "The cat sat. The dog ran.", "sentences": ["The cat sat.", "The dog ran."], "class": "plain"},
    # the same, expected with stray whitespace and an empty string: still a pass once normalised
    {"text": "It rained.  We stayed in.", "sentences": ["  It   rained. ", "", "We stayed\nin."], "class": "plain"},
    # fails on purpose: the first sentence matches, the next two are expected as one
    {
        "text": "Hello there. General Kenobi. You are bold.",
        "sentences": ["Hello there.", "General Kenobi. You are bold."],
        "class": "wrong",
    },
]
UK = [{"text": "Привіт, світе. Як справи?", "sentences": ["Привіт, світе.", "Як справи?"], "class": "plain"}]


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    (tmp_path / "en.json").write_text(json.dumps(EN, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "news-uk.json").write_text(json.dumps(UK, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def _row(out: list[str], name: str) -> list[str]:
    return next(line.split() for line in out if line.split()[:1] == [name])


def test_lang_of_and_normalize() -> None:
    assert [lang_of(Path(n)) for n in ("en.json", "ru-more.json", "news-uk.json", "ko.json")] == [
        "en",
        "ru",
        "uk",
        "ko",
    ]
    assert normalize([" a \n b ", "", "  ", "c"]) == ["a b", "c"]


def test_counts_and_last_line_without_pysbd_or_sentencex(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pysbd", None)  # import pysbd raises ImportError
    monkeypatch.setitem(sys.modules, "sentencex", None)
    assert main(["bench-segment", "--cases-dir", str(cases), "--size-mb", "0.02", "--repeat", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("note: ") and ".[bench]" in out[0]
    assert _row(out, "system")[:1] == ["system"] and "pysbd" not in " ".join(out[1:-1]).split()
    assert _row(out, "en") == ["en", "en", "3", "2/3"]
    assert _row(out, "news-uk") == ["news-uk", "uk", "1", "1/1"]
    assert "ours fails: en-3" in out
    for name in ("ours", "ours/whole"):
        row = next(line.split() for line in out if line.split()[:1] == [name] and len(line.split()) == 5)
        seconds, rate, spread, linearity = row[1:]
        low, high = map(float, spread.split("-"))
        assert low <= float(rate) <= high and float(linearity) > 0
    assert out[-1] == "golden en=2/3 ru=- ko=- uk=- pysbd_en=- pysbd_ru=- speed_vs_pysbd=-"


def test_pysbd_and_sentencex_columns(
    cases: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stand-ins: 'pySBD' never splits (passes none), 'sentencex' splits after every '. ' (passes what ours
    passes); pySBD has no Ukrainian, so that cell is '-'."""
    pysbd = types.ModuleType("pysbd")
    calls: list[tuple[str, bool, bool]] = []

    class Segmenter:
        def __init__(self, language: str, clean: bool, char_span: bool) -> None:
            calls.append((language, clean, char_span))

        def segment(self, text: str) -> list[str]:
            return [text]

    pysbd.Segmenter = Segmenter  # type: ignore[attr-defined]
    sentencex = types.ModuleType("sentencex")
    sentencex.segment = lambda lang, text: iter(re.split(r"(?<=[.?]) ", text))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pysbd", pysbd)
    monkeypatch.setitem(sys.modules, "sentencex", sentencex)
    news = [{"text": "Rain fell. It stopped.", "sentences": ["Rain fell.", "It stopped."], "class": "plain"}]
    (cases / "news-en.json").write_text(json.dumps(news), encoding="utf-8")
    assert main(["bench-segment", "--cases-dir", str(cases), "--no-speed"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert not any(line.startswith("note: ") for line in out)
    assert _row(out, "list") == ["list", "lang", "cases", "ours", "pysbd", "sentencex"]
    assert _row(out, "en") == ["en", "en", "3", "2/3", "0/3", "2/3"]
    assert _row(out, "news-uk") == ["news-uk", "uk", "1", "1/1", "-", "1/1"]
    assert _row(out, "news-en") == ["news-en", "en", "1", "1/1", "0/1", "1/1"]
    assert ["all", "en", "en", "4", "3/4", "0/4", "3/4"] in [line.split() for line in out]  # per language
    assert ["all", "uk", "uk", "1", "1/1", "-", "1/1"] in [line.split() for line in out]
    assert ("en", False, False) in calls and not any(c[0] == "uk" for c in calls)
    assert out[-1] == "golden en=2/3 ru=- ko=- uk=- pysbd_en=0/3 pysbd_ru=- speed_vs_pysbd=-"


def test_speed_text_is_four_equal_quarters_and_rows_take_medians(cases: Path) -> None:
    lists = load_case_lists(cases)
    text, quarter = english_text(lists, 40_000)
    assert text == "\n\n".join([quarter] * 4) and english_text(lists, 40_000) == (text, quarter)
    assert len(quarter.encode()) >= 10_000 and "The cat sat." in quarter and "Привіт" not in quarter
    row = SpeedRow("ours", 1.0, 1, seconds=[0.5, 2.0, 1.0], quarter_seconds=[0.2, 0.25, 0.3])
    assert row.rate == 1.0 and sorted(row.rates) == [0.5, 1.0, 2.0] and row.linearity == 4.0


def test_the_default_folder_is_in_the_repository() -> None:
    from pipeline.bench.segmentation import default_cases_dir
    from pipeline.config import repo_root

    assert default_cases_dir() == repo_root() / "tests" / "data" / "segment"

"""The catalogue of bad inputs (issue 6): each gives correct output, or one line on stderr and a non-zero exit.

Every case runs the real `translate` command (in process, tiny local model) on a file made for it.
Where a case succeeds, the test checks that every input sentence is in the output, and that the run's
summary and report account for each one. The 100,000-sentence case uses a stand-in translator (the
tiny model would take minutes; the point there is that segmentation, pairing, the checks and the
writers scale), and says so.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line_error
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import TranslatorBase
from pipeline.write import read_jsonl
from pipeline.write.tmx import seg_text

ROOT = Path(__file__).resolve().parent.parent
DTD = etree.DTD(str(ROOT / "tests" / "fixtures" / "tmx14b.dtd"))
FAST = [
    "--set",
    "translate.max_new_tokens=4",
    "--set",
    "translate.num_beams=1",
    "--set",
    "output.creation_date=2026-01-01T00:00:00Z",
    "--set",
    "output.review=false",
    "--no-cache",
]


def _run(model: Path, src: Path, out: Path, *extra: str) -> int:
    return main(["-q", "translate", "--lang", "uk", "--model", str(model), "--input", str(src), "--out", str(out),
                 *FAST, *extra])  # fmt: skip


def _outputs(out: Path, stem: str = "in") -> tuple[list[dict[str, Any]], etree._ElementTree, dict[str, Any]]:
    records = [r.to_json() for r in read_jsonl(out / f"{stem}.en-uk.jsonl")]
    tree = etree.parse(str(out / f"{stem}.en-uk.tmx"))
    assert DTD.validate(tree), DTD.error_log
    report = json.loads((out / f"{stem}.en-uk.report.json").read_text(encoding="utf-8"))
    return records, tree, report


def _accounted(records: list[dict[str, Any]], report: dict[str, Any]) -> None:
    """Every source sentence is in exactly one record, and translated + failed + untranslated + no_target =
    sentences."""
    covered = sorted(i for r in records for i in r["src_idx"])
    assert covered == list(range(report["sentences"]))
    bins = report["translated"] + len(report["failed"]) + len(report["untranslated"]) + len(report["no_target"])
    assert bins == report["sentences"]


# ----------------------------------------------------------------------------- errors: one line, exit 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            None,
            r"input file not found: .*in\.txt \(--input or config key input\); check the path given to --input",
            id="missing",
        ),
        pytest.param(b"", r"input file is empty: .*; give a file that contains text", id="empty"),
        pytest.param(b"  \n\n \t\n\r\n", r"input file is empty: .*; give a file that contains text", id="whitespace"),
        pytest.param(
            b"\xff\xfe\x00\xd8\x00\x00garbage\xff",
            r"starts with a UTF-16 byte-order mark but does not decode as UTF-16; re-save it as UTF-8",
            id="broken-utf16",
        ),
        pytest.param(
            b"caf\xe9 \x81\x8d au lait",
            r"is not UTF-8 text, and not in a legacy encoding of its language \(undecodable byte at offset 3\); "
            r"convert it to UTF-8, e\.g\. `iconv",
            id="undetectable-8-bit",
        ),
        pytest.param(
            "Два северокорейских солдата.".encode("cp1251"),
            r"is not UTF-8 text, and not in a legacy encoding of its language",
            id="cp1251-is-not-english",
        ),
        pytest.param(b"\x00\x01\x02\x03\xff" * 100, r"is binary data .*convert it to UTF-8", id="binary"),
        pytest.param(b"PK\x03\x04" + bytes(range(256)) * 8, r"is binary data", id="zip"),
        pytest.param(
            b"a\x00b\x00c\x00d\x00" * 200, r"looks like binary data \(many NUL characters\)", id="nul-heavy"
        ),  # fmt: skip
        pytest.param(b"Comments\n\nLeave a Reply\n", r"has no sentences left after segmentation", id="only-furniture"),
    ],
)
def test_bad_input_is_one_line_and_no_output(
    tmp_path: Path, en_uk_model: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, expected: str
) -> None:
    src = tmp_path / "in.txt"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out"
    assert _run(en_uk_model, src, out) == 2
    assert re.search(expected, one_line_error(capsys, "pipeline: error: "))
    assert not out.exists() or not any(out.iterdir())


def test_input_that_is_a_folder(tmp_path: Path, en_uk_model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(en_uk_model, tmp_path, tmp_path / "out") == 2
    assert "input file is a directory, not a file" in one_line_error(capsys, "pipeline: error: ")


# ----------------------------------------------------------------------------- decoded, with every sentence


def test_latin1_english_is_decoded_with_a_warning(
    tmp_path: Path, en_uk_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = "The café on the Rue Saint-Honoré served crème brûlée. Señor Müller paid 5 €, “naïvely”.\n"
    src = tmp_path / "in.txt"
    src.write_bytes(text.encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        assert _run(en_uk_model, src, tmp_path) == 0
    assert any("is not UTF-8: decoded as cp1252" in r.getMessage() for r in caplog.records)
    records, _, report = _outputs(tmp_path)
    assert [r["src"] for r in records] == [
        "The café on the Rue Saint-Honoré served crème brûlée.",
        "Señor Müller paid 5 €, “naïvely”.",
    ]
    assert report["input_encoding"] == "cp1252"
    _accounted(records, report)


@pytest.mark.parametrize(
    ("encode", "name"),
    [
        (lambda t: b"\xff\xfe" + t.encode("utf-16-le"), "utf-16"),
        (lambda t: b"\xfe\xff" + t.encode("utf-16-be"), "utf-16"),
        (lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(), "utf-8"),  # BOM and CRLF
        (lambda t: t.replace("\n", "\r").encode(), "utf-8"),  # old Mac line ends
    ],
    ids=["utf16le-bom", "utf16be-bom", "utf8-bom-crlf", "cr-only"],
)
def test_boms_and_line_ends_are_handled(tmp_path: Path, en_uk_model: Path, encode: Any, name: str) -> None:
    text = "Seoul said on Monday it would talk.\nThe talks start soon.\n\nA new paragraph begins here.\n"
    src = tmp_path / "in.txt"
    src.write_bytes(encode(text))
    assert _run(en_uk_model, src, tmp_path) == 0
    records, _, report = _outputs(tmp_path)
    assert [r["src"] for r in records] == [
        "Seoul said on Monday it would talk.",
        "The talks start soon.",
        "A new paragraph begins here.",
    ]
    assert [r["paragraph"] for r in records] == [0, 0, 1]
    assert report["input_encoding"] == name
    assert all("\r" not in r["src"] and "\ufeff" not in r["src"] for r in records)
    _accounted(records, report)


def test_xml_forbidden_characters_keep_the_tmx_valid_and_are_reported(
    tmp_path: Path, en_uk_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sources = ["The vote\x00 was close.", "A bell\x07 and a \x1b[1mbold\x1b[0m escape.", "Odd \ufffe here."]
    src = tmp_path / "in.txt"
    src.write_text("\n".join(sources) + "\n", encoding="utf-8")
    with caplog.at_level(logging.INFO):
        assert _run(en_uk_model, src, tmp_path) == 0
    records, tree, report = _outputs(tmp_path)
    _accounted(records, report)
    # JSON can carry every character: the JSONL keeps the source exactly
    assert [r["src"] for r in records] == sources
    # XML cannot: the TMX (still valid) writes each as <ph type="x-char">U+XXXX</ph>, read back exactly
    segs = [tu.find("tuv/seg") for tu in tree.iter("tu")]
    assert [seg_text(s) for s in segs] == sources
    assert [ph.text for ph in segs[0].iter("ph")] == ["U+0000"]
    assert report["tmx_char_placeholders"][:1] == [{"pair": 0, "chars": 1}]
    assert any("U+" in r.getMessage() or "x-char" in r.getMessage() for r in caplog.records)


def test_a_megabyte_line_without_a_boundary_is_translated_in_parts(
    tmp_path: Path, en_uk_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    words = "officials said the soldiers would stay in the country for now while talks went on".split()
    line = " ".join(words[i % len(words)] for i in range(190_000))[:1_000_000].strip()
    src = tmp_path / "in.txt"
    src.write_text(line + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert _run(en_uk_model, src, tmp_path, "--set", "output.formats=[jsonl,tmx]") == 0
    assert any("translating it in parts" in r.getMessage() for r in caplog.records)
    records, _, report = _outputs(tmp_path)
    assert len(records) == 1 and records[0]["src"] == line  # nothing truncated
    assert records[0]["tgt"]
    _accounted(records, report)


def test_a_sentence_over_the_model_limit_is_split_and_rejoined_not_truncated(tmp_path: Path, en_uk_model: Path) -> None:
    long = "The minister said " + ", ".join(f"item {n} was agreed" for n in range(60)) + "."
    src = tmp_path / "in.txt"
    src.write_text(f"Short one.\n\n{long}\n", encoding="utf-8")
    assert _run(en_uk_model, src, tmp_path, "--set", "translate.max_input_tokens=32") == 0
    records, _, report = _outputs(tmp_path)
    assert [r["src"] for r in records] == ["Short one.", long]
    assert all(r["tgt"] for r in records)
    _accounted(records, report)


def test_mixed_scripts_emoji_and_combining_marks_come_through_unchanged(tmp_path: Path, en_uk_model: Path) -> None:
    sentences = [
        "Kim Jong Un (김정은) met Putin (Путин) in Pyongyang 🇰🇵🤝🇷🇺.",
        "The cafe\u0301 and the re\u0301sume\u0301 use combining accents.",  # decomposed: kept as given
        "Family emoji 👨‍👩‍👧‍👦 and skin tones 👍🏽 stay whole.",
        "Arabic مرحبا and Hebrew שלום are right-to-left.",
    ]
    src = tmp_path / "in.txt"
    src.write_text(" ".join(sentences) + "\n", encoding="utf-8")
    assert _run(en_uk_model, src, tmp_path) == 0
    records, tree, report = _outputs(tmp_path)
    assert [r["src"] for r in records] == sentences
    assert [tu.find("tuv/seg").text for tu in tree.iter("tu")] == sentences
    _accounted(records, report)


class _StandIn(TranslatorBase):
    """A fast stand-in for a model (the text is not a translation): Ukrainian words plus the source's numbers."""

    name = "stand-in-1"
    model_id = "stand-in"
    model_revision = "none"
    device = "cpu"

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return [Output("Речення номер " + " ".join(re.findall(r"\d+", t)) + " — це ї переклад.", 0.5) for t in texts]


def _translate_sentences(folder: Path, n: int) -> tuple[list[str], Any, float]:
    """``n`` sentences, 10 to a paragraph, through translate_file with the stand-in: (sentences, report, CPU s)."""
    sents = [f"Sentence {i} reports that the talks on day {i % 31} went well." for i in range(n)]
    folder.mkdir()
    src = folder / "in.txt"
    src.write_text("\n\n".join(" ".join(sents[i : i + 10]) for i in range(0, n, 10)) + "\n", encoding="utf-8")
    cfg = load_config(
        lang="uk", overrides=["check_links=false", "output.review=false", "output.creation_date=2026-01-01T00:00:00Z"]
    )
    t0 = time.process_time()
    report = translate_file(cfg, src, folder, translator=_StandIn())  # type: ignore[arg-type]
    return sents, report, time.process_time() - t0


def test_a_hundred_thousand_sentences_and_four_times_the_input_costs_about_four_times_the_time(
    tmp_path: Path,
) -> None:
    """100,000 sentences come through whole, and cost about 4 times what 25,000 cost (linear, not quadratic).

    A ratio of two runs side by side, in CPU time of this process (other processes on a busy machine do
    not count), not a wall-clock limit: a slow machine is slow in both runs. Linear code measures about 4
    (the fixed costs of a run make it a little less); one step that is quadratic in the number of
    sentences (a list searched once per sentence) makes it 10 or more. The bound, 7, leaves room for noise."""
    _, small, t_small = _translate_sentences(tmp_path / "small", 25_000)
    assert small.sentences == 25_000
    n = 100_000
    sents, report, t_large = _translate_sentences(tmp_path / "large", n)
    assert t_large / t_small < 7, f"{n} sentences took {t_large:.1f}s CPU, {n // 4} took {t_small:.1f}s"
    assert report.sentences == n and report.translated == n and not report.failed
    assert f"uk: {n} sentences, {n} translated" in report.summary()
    lines = (tmp_path / "large" / "in.en-uk.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == n
    assert json.loads(lines[-1])["src"] == sents[-1] and json.loads(lines[-1])["src_idx"] == [n - 1]
    tus = sum(1 for _ in etree.iterparse(str(tmp_path / "large" / "in.en-uk.tmx"), tag="tu"))
    assert tus == n

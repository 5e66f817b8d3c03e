"""``pipeline align`` and ``pipeline bench-align`` from the command line (length-only aligner: no models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.align.metrics import check_links, parse_bead
from pipeline.cli import main
from pipeline.records import Link

DATA = Path(__file__).resolve().parent / "data"
FAST = ["--set", "align.aligner=length"]


def _links(text: str) -> list[Link]:
    out = []
    for line in text.splitlines():
        (s, t), score = parse_bead(line)
        assert score is not None
        out.append(Link(s, t, score))
    return out


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_beads_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    src, tgt = DATA / "seed.en.txt", DATA / "seed.ru.txt"
    args = ["align", "--src", str(src), "--tgt", str(tgt), "--src-lang", "en", "--tgt-lang", "ru", "--presegmented"]
    assert main([*args, *FAST]) == 0
    out = capsys.readouterr().out
    n = len(src.read_text(encoding="utf-8").splitlines())
    m = len(tgt.read_text(encoding="utf-8").splitlines())
    check_links(_links(out), n, m)
    assert out.splitlines()[0].startswith("[0]:[0]:")


@pytest.mark.parametrize("fmt", ["tsv", "jsonl", "tmx"])
def test_writer_formats_to_a_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    args = ["align", "--src", str(DATA / "seed.en.txt"), "--tgt", str(DATA / "seed.ko.txt")]
    args += ["--src-lang", "en", "--tgt-lang", "ko", "--presegmented", "--format", fmt, "--out", str(out), *FAST]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert "North Korean" in text
    if fmt == "jsonl":
        rec = json.loads(text.splitlines()[0])
        assert rec["src_idx"] == [0] and "length.v3" in rec["signature"]


def test_segments_unsegmented_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "a.txt", "The first sentence is here. The second one follows.\n\nA new paragraph starts.\n")
    tgt = _write(tmp_path, "b.txt", "Der erste Satz ist hier. Der zweite folgt.\n\nEin neuer Absatz beginnt.\n")
    assert main(["align", "--src", src, "--tgt", tgt, "--src-lang", "en", "--tgt-lang", "de", *FAST]) == 0
    check_links(_links(capsys.readouterr().out), 3, 3)


@pytest.mark.parametrize(
    "src_text, tgt_text, extra, needle",
    [
        ("", "Ein Satz.\n", [], "empty"),
        ("One sentence.\n", "   \n\n", [], "empty"),
        ("One sentence.\n", "Ein Satz.\n", ["--src-lang", "english!"], "language"),
        ("One sentence.\n", "Ein Satz.\n", ["--set", "align.embedder=laser"], "embedder"),
        ("One sentence.\n", "Ein Satz.\n", ["--set", "align.band=0"], "band"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], src_text: str, tgt_text: str, extra: list[str], needle: str
) -> None:
    src, tgt = _write(tmp_path, "s.txt", src_text), _write(tmp_path, "t.txt", tgt_text)
    args = ["align", "--src", src, "--tgt", tgt, "--src-lang", "en", "--tgt-lang", "de", *FAST, *extra]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and needle in err.lower()


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "align",
                "--src",
                "/nonexistent/x.txt",
                "--tgt",
                "/nonexistent/y.txt",
                "--src-lang",
                "en",
                "--tgt-lang",
                "de",
            ]
        )
        == 2
    )
    assert "not found" in capsys.readouterr().err


def test_lopsided_and_single_long_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    many = "".join(f"This is sentence number {k} of a long document.\n" for k in range(120))
    few = "".join(f"Satz {k}.\n" for k in range(12))
    one = "word " * 200_000 + "\n"  # one 1 MB line, no sentence end
    for s, t, n, m in ((many, few, 120, 12), (one, few, 1, 12), (few, one, 12, 1)):
        src, tgt = _write(tmp_path, "s.txt", s), _write(tmp_path, "t.txt", t)
        args = ["align", "--src", src, "--tgt", tgt, "--src-lang", "en", "--tgt-lang", "de", "--presegmented", *FAST]
        assert main(args) == 0
        check_links(_links(capsys.readouterr().out), n, m)
    src, tgt = _write(tmp_path, "s.txt", one), _write(tmp_path, "t.txt", few)
    assert main(["align", "--src", src, "--tgt", tgt, "--src-lang", "en", "--tgt-lang", "de", *FAST]) == 0


def test_bench_align_on_a_tiny_dev_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "dev" / "tiny"
    d.mkdir(parents=True)
    src = (DATA / "seed.en.txt").read_text(encoding="utf-8")
    (d / "a.src").write_text(src, encoding="utf-8")
    (d / "a.tgt").write_text((DATA / "seed.uk.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "a.gold").write_text((DATA / "seed.en-uk.gold").read_text(encoding="utf-8"), encoding="utf-8")
    (d / "meta.json").write_text(json.dumps({"src_lang": "en", "tgt_lang": "uk"}), encoding="utf-8")
    (tmp_path / "dev" / "README.md").write_text("# x\n## Published figures\n- none, a test\n", encoding="utf-8")
    args = ["bench-align", "--dev-dir", str(tmp_path / "dev"), "--set", "align.aligner=length", "--embedder", "none"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "length.v3 (baseline)" in out and "none, a test" in out


def test_bench_align_omission_mode_on_a_tiny_dev_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "dev"
    for name, lang in (("tiny", "uk"), ("tiny2", "ru")):
        d = root / name
        d.mkdir(parents=True)
        for k in range(2):  # two documents: foreign sentences come from the other one
            (d / f"{k}.src").write_text((DATA / "seed.en.txt").read_text(encoding="utf-8"), encoding="utf-8")
            (d / f"{k}.tgt").write_text((DATA / f"seed.{lang}.txt").read_text(encoding="utf-8"), encoding="utf-8")
            (d / f"{k}.gold").write_text((DATA / f"seed.en-{lang}.gold").read_text(encoding="utf-8"), encoding="utf-8")
        (d / "meta.json").write_text(json.dumps({"src_lang": "en", "tgt_lang": lang}), encoding="utf-8")
    args = ["bench-align", "--dev-dir", str(root), "--omissions", "--seeds", "3", "--embedder", "none"]
    assert main([*args, "--set", "align.aligner=length"]) == 0
    out = capsys.readouterr().out
    assert "omission mode, seeds 0..2 pooled" in out and "null P" in out and "null R" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("tiny ", "tiny2 "))]
    assert [r[0] for r in rows] == ["tiny", "tiny", "tiny2", "tiny2"]  # the aligner and the baseline per set
    for r in rows:
        bar = r.index("|")
        plain, omitted = r[bar - 4 : bar], [float(x) for x in r[bar + 1 : bar + 6]]
        assert plain[2:] == ["-", "0"] and omitted[4] > 0  # the seed gold has no null beads; the planted sets have
        assert all(0.0 <= x <= 1.0 for x in [float(plain[0]), *omitted[:4]])
        assert omitted[3] >= omitted[2]  # seen: found, or merged into a low_score pair
    assert out.count("planted:") == 2
    assert main([*args, "--seeds", "0"]) == 2


def test_bench_align_reads_the_reference_translations_layout(capsys: pytest.CaptureFixture[str]) -> None:
    """tests/data's <doc>.<src>.txt / <doc>.<tgt>.txt / <doc>.<src>-<tgt>.gold: one set per language pair."""
    args = ["bench-align", "--dev-dir", str(DATA), "--omissions", "--embedder", "none", "--no-baseline"]
    assert main([*args, "--set", "align.aligner=length"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.startswith("seed.")]
    assert [r[0] for r in rows] == ["seed.en-ko", "seed.en-ru", "seed.en-uk"]
    assert [r[5] for r in rows] == ["0", "0", "0"]  # the references have no null beads
    assert all(int(r[r.index("|") + 5]) > 0 for r in rows)  # their planted variants have
    assert main([*args, "--set", "align.aligner=length", "--sets", "seed.en-uk"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("seed.")] == [
        "seed.en-uk"
    ]


def test_bench_align_synthetic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench-align", "--synthetic", "300", "--embedder", "auto"]) == 0
    out = capsys.readouterr().out
    assert "search time" in out and "peak memory" in out and "300 x 300" in out


def test_language_code_that_does_not_match_the_text_warns(caplog: pytest.LogCaptureFixture) -> None:
    from pipeline.commands.align import script_mismatch

    ko = (DATA / "seed.ko.txt").read_text(encoding="utf-8").splitlines()
    assert script_mismatch(ko, "ko") is None and script_mismatch(ko, "xx") is None
    msg = script_mismatch(ko, "ru")
    assert msg is not None and "cyrillic" in msg and "hangul" in msg
    args = ["align", "--src", str(DATA / "seed.en.txt"), "--tgt", str(DATA / "seed.ko.txt")]
    with caplog.at_level("WARNING"):
        assert main([*args, "--src-lang", "en", "--tgt-lang", "ru", "--presegmented", *FAST]) == 0
    assert any("cyrillic" in r.getMessage() for r in caplog.records)


def test_find_omissions_turns_the_counterpart_test_on_and_set_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.align as align

    seen: list[float | str] = []
    real = align.get_aligner

    def spy(cfg, **kw):  # type: ignore[no-untyped-def]
        seen.append(cfg.counterpart)
        return real(cfg, **kw)

    monkeypatch.setattr(align, "get_aligner", spy)
    args = ["align", "--src", str(DATA / "seed.en.txt"), "--tgt", str(DATA / "seed.ru.txt"), "--src-lang", "en",
            "--tgt-lang", "ru", "--presegmented", "--out", str(tmp_path / "b"), *FAST]  # fmt: skip
    assert main(args) == 0
    assert main([*args, "--find-omissions"]) == 0
    assert main([*args, "--find-omissions", "--set", "align.counterpart=0.5"]) == 0
    assert seen == ["auto", 1.0, 0.5]  # auto: the embedder's profile

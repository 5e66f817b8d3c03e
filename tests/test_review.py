"""Review page (rendering, escaping, self-containment) and apply-review (decisions -> corrected TMX/JSONL)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.records import AlignedPair, Signature
from pipeline.review import (
    DECISIONS_FORMAT,
    apply_decisions,
    parse_decisions,
    parse_signature,
    render_review_page,
    review_data,
    run_hash,
    write_review_page,
)
from pipeline.write import read_jsonl, write_outputs

SIG = Signature("0.1.0", "rules-en.v1", "Helsinki-NLP/opus-mt-en-uk", "abc123", "transformers-5", "by-construction.v1",
                "beam4.max256", (("unit", "sentence"),))
XSS = '</script><script>window.__xss=1</script><img src=x onerror="window.__xss=1"> <!-- & &amp; \u2028'


def sample_pairs() -> list[AlignedPair]:
    """Pairs with markup, right-to-left text, emoji and combining marks, and one two-sentence bead."""
    rows = [
        ("About 300 soldiers died.", "Близько 400 військових загинули.", (0,), (0,)),
        (f"He wrote {XSS}", f"Він написав {XSS}", (1,), (1,)),
        ("The sign said \u05e9\u05dc\u05d5\u05dd and \u0645\u0631\u062d\u0628\u0627 \U0001f44b.",
         "На табличці було \u05e9\u05dc\u05d5\u05dd і \u0645\u0631\u062d\u0628\u0627 \U0001f44b.", (2,), (2,)),
        ("Cafe\u0301 owners \U0001f1fa\U0001f1e6 agreed.", "Власники кафе\u0301 \U0001f1fa\U0001f1e6 погодилися.",
         (3,), (3,)),
        ("Kursk is far. It is cold there.", "Курськ далеко. Там холодно.", (4, 5), (4, 5)),
        ("They waited.", "", (6,), ()),
        ("Kim Jong Un is the leader.", "Кім Чен Ин є лідером.", (7,), (7,)),
    ]
    return [AlignedPair(n, "en", "uk", s, t, si, ti, 0.9, 0.5, n // 2) for n, (s, t, si, ti) in enumerate(rows)]


def page_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html, re.S)
    assert m, "no data element"
    data: dict[str, Any] = json.loads(m.group(1))
    return data


def make_run(folder: Path, pairs: Sequence[AlignedPair] | None = None) -> tuple[Path, Path, list[AlignedPair]]:
    """A run folder as translate leaves it: JSONL + TMX + review page."""
    from pipeline.qa import QAConfig, run_qa

    flagged, summary = run_qa(pairs or sample_pairs(), QAConfig(), src_lang="en", tgt_lang="uk")
    base = "doc.en-uk"
    write_outputs(["jsonl", "tmx"], flagged, folder, base, signature=SIG, src_lang="en", tgt_lang="uk")
    jsonl = folder / f"{base}.jsonl"
    page = write_review_page(
        folder / f"{base}.review.html", flagged, signature=SIG.as_string(), src_lang="en", tgt_lang="uk",
        jsonl_path=jsonl, qa=summary.to_json(),
    )
    return jsonl, page, flagged


# --------------------------------------------------------------------------- the page


def test_page_is_self_contained_and_data_round_trips(tmp_path: Path) -> None:
    jsonl, page, pairs = make_run(tmp_path)
    html = page.read_text(encoding="utf-8")
    data = page_data(html)
    assert [p["src"] for p in data["pairs"]] == [p.src for p in pairs]  # markup, RTL, emoji: exact
    assert [p["tgt"] for p in data["pairs"]] == [p.tgt for p in pairs]
    assert data["run"]["hash"] == run_hash(read_jsonl(jsonl), SIG.as_string())
    assert data["run"]["jsonl_path"] == str(jsonl.resolve()) and data["format"] == DECISIONS_FORMAT
    assert data["pairs"][0]["flags"] == ["number_mismatch"] and "400" in data["pairs"][0]["details"]["number_mismatch"]
    assert data["pairs"][4]["src_cuts"] == [14] and data["pairs"][4]["tgt_cuts"] == [15]
    # Nothing from the data can end the script element or open a comment; the only scripts are ours.
    assert html.count("</script>") == 2 and "<!--" not in html and XSS not in html
    # No network: no external URL anywhere, a CSP that forbids loading anything.
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|<link\b|url\(""", html)
    assert "default-src 'none'" in html
    assert html.count('dir="auto"') >= 0 and 'dir: "auto"' in html  # text cells are built with dir=auto


def test_page_title_is_escaped() -> None:
    data = review_data([], signature="s", src_lang="en", tgt_lang="uk", title='a<b>&"c')
    html = render_review_page(data)
    assert "<title>Review: a&lt;b&gt;&amp;&quot;c</title>" in html


def test_run_writes_the_review_page_next_to_the_outputs(tmp_path: Path) -> None:
    _, page, _ = make_run(tmp_path)
    assert page.name == "doc.en-uk.review.html"
    assert page.stat().st_size < 200_000


# --------------------------------------------------------------------------- decisions


def _decisions(jsonl: Path, *items: dict[str, Any], run_hash_value: str | None = None) -> dict[str, Any]:
    return {
        "format": DECISIONS_FORMAT,
        "run": {"hash": run_hash_value or run_hash(read_jsonl(jsonl), SIG.as_string()), "jsonl_path": str(jsonl)},
        "decisions": list(items),
    }


def test_apply_reject_accept_merge_split(tmp_path: Path) -> None:
    jsonl, _, _ = make_run(tmp_path)
    pairs = read_jsonl(jsonl)
    doc = _decisions(
        jsonl,
        {"op": "accept", "id": 0},
        {"op": "reject", "id": 1},
        {"op": "merge", "ids": [2, 3]},
        {"op": "split", "id": 4, "src_at": [14], "tgt_at": [15]},
        {"op": "split", "id": 6, "src_at": [10], "tgt_at": [12]},  # inside one sentence
    )
    out, counts = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
    assert counts == {"reject": 1, "accept": 1, "merge": 1, "split": 2, "edit": 0}
    assert [p.id for p in out] == list(range(len(out)))
    assert out[0].flags == ("reviewed:accepted",) and out[0].src == pairs[0].src
    assert all(p.src != pairs[1].src for p in out)
    merged = out[1]
    assert merged.src == f"{pairs[2].src} {pairs[3].src}" and merged.src_idx == (2, 3) and merged.tgt_idx == (2, 3)
    assert merged.flags == ("reviewed:merged",)
    a, b = out[2], out[3]
    assert (a.src, a.tgt, a.src_idx, a.tgt_idx) == ("Kursk is far.", "Курськ далеко.", (4,), (4,))
    assert (b.src, b.tgt, b.src_idx, b.tgt_idx) == ("It is cold there.", "Там холодно.", (5,), (5,))
    assert out[4].src == pairs[5].src  # untouched pairs keep their flags
    assert out[4].flags == pairs[5].flags and "empty_target" in out[4].flags
    c, d = out[5], out[6]
    assert (c.src, c.tgt, c.src_idx) == ("Kim Jong U", "Кім Чен Ин є", (7,)) and d.src == "n is the leader."
    assert d.src_idx == (7,) and d.tgt == "лідером."


def test_apply_edit_replaces_the_target_and_keeps_the_rest(tmp_path: Path) -> None:
    jsonl, _, _ = make_run(tmp_path)
    pairs = read_jsonl(jsonl)
    new = "  Курськ —\nдалеко, \U0001f1fa\U0001f1e6 і там холодно. "
    doc = _decisions(jsonl, {"op": "edit", "id": 5, "tgt": new})
    out, counts = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
    assert counts["edit"] == 1 and len(out) == len(pairs)
    edited = out[5]
    assert edited.tgt == "Курськ — далеко, \U0001f1fa\U0001f1e6 і там холодно."  # whitespace normalised, text kept
    assert edited.src == pairs[5].src and edited.src_idx == pairs[5].src_idx and edited.tgt_idx == pairs[5].tgt_idx
    assert edited.flags == ("reviewed:edited",) and edited.mt_score is None and edited.score == pairs[5].score
    assert [p.tgt for i, p in enumerate(out) if i != 5] == [p.tgt for i, p in enumerate(pairs) if i != 5]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([{"op": "edit", "id": 2, "tgt": "  "}], r"decision 1 is malformed \(an edit needs the corrected target"),
        ([{"op": "edit", "id": 2}], r"decision 1 is malformed \(an edit needs the corrected target"),
        ([{"op": "edit", "id": 2, "tgt": "x"}, {"op": "reject", "id": 2}], r"pair 2 already has a decision \(edit 2\)"),
        ([{"op": "reject", "id": 99}], r"decision 1 \(reject 99\): the run has no pair 99"),
        ([{"op": "reject", "id": 1}, {"op": "accept", "id": 1}], r"pair 1 already has a decision \(reject 1\)"),
        ([{"op": "merge", "ids": [1, 3]}], r"only consecutive pairs can be merged"),
        ([{"op": "split", "id": 4, "src_at": [0], "tgt_at": [3]}], r"src_at offsets must increase strictly"),
        ([{"op": "split", "id": 4, "src_at": [3], "tgt_at": [99]}], r"tgt_at offsets must increase strictly"),
        ([{"op": "split", "id": 4, "src_at": [3, 9], "tgt_at": [3]}], r"decision 1 is malformed .*same number"),
        ([{"op": "split", "id": 4, "src_at": [13, 14], "tgt_at": [3, 9]}], r"part 2 has no source or no target"),
        ([{"op": "delete", "id": 4}], r"decision 1 is malformed \(op must be one of"),
        ([{"op": "merge", "ids": [4]}], r"a merge needs at least two ids"),
    ],
)
def test_bad_decisions_are_one_line_errors(tmp_path: Path, items: list[dict[str, Any]], expected: str) -> None:
    jsonl, _, _ = make_run(tmp_path)
    with pytest.raises(InputError, match=expected) as e:
        apply_decisions(read_jsonl(jsonl), parse_decisions(_decisions(jsonl, *items)), signature=SIG.as_string())
    assert "\n" not in str(e.value) and "export the decisions again" in str(e.value)


def test_decisions_for_another_run_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonl, _, _ = make_run(tmp_path)
    other = tmp_path / "decisions.json"
    other.write_text(json.dumps(_decisions(jsonl, {"op": "reject", "id": 0}, run_hash_value="0" * 20)), "utf-8")
    assert main(["apply-review", str(other), "--jsonl", str(jsonl), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.search(r"was made for run 0{20}, but the JSONL given is run [0-9a-f]{20}; pass the JSONL", err), err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, r"decisions file not found"),
        ("{not json", r"is not JSON \(line 1"),
        ('{"format": "other"}', r"is not a review decisions file"),
        ('{"format": "pipeline-review/1", "run": {}}', r"has no run hash"),
    ],
)
def test_malformed_decisions_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    path = tmp_path / "d.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["apply-review", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(expected, err), err


def test_apply_review_command_writes_corrected_tmx_and_jsonl(tmp_path: Path) -> None:
    jsonl, _, pairs = make_run(tmp_path)
    decisions = tmp_path / "elsewhere" / "doc.en-uk.review-decisions.json"
    decisions.parent.mkdir()
    decisions.write_text(json.dumps(_decisions(jsonl, {"op": "reject", "id": 5})), encoding="utf-8")
    assert main(["-q", "apply-review", str(decisions)]) == 0  # the JSONL is found from the recorded path
    fixed = read_jsonl(tmp_path / "doc.en-uk.reviewed.jsonl")
    assert [p.src for p in fixed] == [p.src for p in pairs if p.id != 5]
    first = json.loads((tmp_path / "doc.en-uk.reviewed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["signature"].startswith(SIG.as_string() + "|review:")
    tree = etree.parse(str(tmp_path / "doc.en-uk.reviewed.tmx"))
    assert len(tree.findall(".//tu")) == len(pairs) - 1
    # Moved away from the run and its recorded path gone: --jsonl is needed, and said so.
    jsonl.rename(tmp_path / "moved.jsonl")
    with pytest.raises(InputError, match=r"cannot find the run's JSONL .*; pass it with --jsonl"):
        from pipeline.commands import apply_review

        apply_review._resolve_jsonl(None, {"jsonl_path": str(jsonl), "jsonl": jsonl.name}, decisions)


def test_signature_round_trips() -> None:
    assert parse_signature(SIG.as_string()) == SIG
    with pytest.raises(InputError, match="is not of the form"):
        parse_signature("whatever")

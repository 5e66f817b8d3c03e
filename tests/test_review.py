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
from pipeline.records import AlignedPair, Signature, parse_signature, run_hash
from pipeline.review import (
    DECISIONS_FORMAT,
    Decision,
    apply_decisions,
    load_decisions,
    parse_decisions,
    render_review_page,
    review_data,
    write_review_page,
)
from pipeline.write import read_jsonl, write_outputs

SIG = Signature(
    "0.1.0",
    "rules-en.v1",
    "Helsinki-NLP/opus-mt-en-uk",
    "abc123",
    "transformers-5",
    "by-construction.v1",
    "beam4.max256",
    (("unit", "sentence"),),
)
XSS = '</script><script>window.__xss=1</script><img src=x onerror="window.__xss=1"> <!-- & &amp; \u2028'


def sample_pairs() -> list[AlignedPair]:
    """Pairs with markup, right-to-left text, emoji and combining marks, and one two-sentence bead."""
    rows = [
        ("About 300 soldiers died.", "Близько 400 військових загинули.", (0,), (0,)),
        (f"He wrote {XSS}", f"Він написав {XSS}", (1,), (1,)),
        (
            "The sign said \u05e9\u05dc\u05d5\u05dd and \u0645\u0631\u062d\u0628\u0627 \U0001f44b.",
            "На табличці було \u05e9\u05dc\u05d5\u05dd і \u0645\u0631\u062d\u0628\u0627 \U0001f44b.",
            (2,),
            (2,),
        ),
        (
            "Cafe\u0301 owners \U0001f1fa\U0001f1e6 agreed.",
            "Власники кафе\u0301 \U0001f1fa\U0001f1e6 погодилися.",
            (3,),
            (3,),
        ),
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
        folder / f"{base}.review.html",
        flagged,
        signature=SIG.as_string(),
        src_lang="en",
        tgt_lang="uk",
        jsonl_path=jsonl,
        qa=summary.to_json(),
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
    # Every text the page shows is built by its script (no text cell in the static HTML), each with dir=auto so
    # that right-to-left text displays right to left: the text cells, the target editor and the split editor's
    # two read-only texts. (test_review_browser.py checks the rendered attribute in Chromium.)
    assert 'const div = el("div", { cls: "text", dir: "auto", lang: lang });' in html
    textareas = re.findall(r'el\("textarea", \{([^}]*)\}', html)
    assert len(textareas) == 3 and all('dir: "auto"' in props for props in textareas), textareas
    assert 'dir="rtl"' not in html and 'dir="ltr"' not in html


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
    assert merged.tgt == f"{pairs[2].tgt} {pairs[3].tgt}"
    assert merged.flags == ("reviewed:merged",)
    a, b = out[2], out[3]
    assert (a.src, a.tgt, a.src_idx, a.tgt_idx) == ("Kursk is far.", "Курськ далеко.", (4,), (4,))
    assert (b.src, b.tgt, b.src_idx, b.tgt_idx) == ("It is cold there.", "Там холодно.", (5,), (5,))
    assert out[4].src == pairs[5].src  # untouched pairs keep their flags
    assert out[4].flags == pairs[5].flags and "empty_target" in out[4].flags
    c, d = out[5], out[6]
    assert (c.src, c.tgt, c.src_idx) == ("Kim Jong U", "Кім Чен Ин є", (7,)) and d.src == "n is the leader."
    assert d.src_idx == (7,) and d.tgt == "лідером."


def distinct_pairs() -> list[AlignedPair]:
    """Pairs whose sources, targets, scores, model scores and flags all differ, so that a decision that
    takes a field from the wrong pair (or from one pair of a group only) shows in the result."""
    rows = [
        ("Alpha one.", "Альфа один.", (0,), (0,), 0.91, 0.51, 0, ("number_mismatch",)),
        ("Bravo two.", "Браво два.", (1,), (1,), 0.92, 0.52, 0, ()),
        ("Charlie three.", "Чарлі три.", (2,), (2,), 0.83, 0.63, 0, ("length_ratio",)),
        ("Delta four.", "Дельта чотири.", (3,), (3,), 0.74, 0.44, 1, ()),
        ("Echo five.", "Ехо пʼять.", (4,), (4,), 0.95, None, 1, ()),
        ("Foxtrot six. Golf seven. Hotel eight.", "Фокстрот шість. Гольф сім. Готель вісім.", (5, 6, 7), (5, 6, 7),
         0.86, 0.56, 2, ("low_score",)),
        ("India nine.", "Індія девʼять.", (8,), (8,), 0.97, 0.57, 2, ()),
        ("Juliett ten.", "Джульєтта десять.", (9,), (9,), 0.88, 0.48, 3, ()),
        ("Kilo eleven.", "", (10,), (), 0.0, None, 3, ("empty_target",)),
        ("Lima twelve.", "Ліма дванадцять.", (11,), (10,), 0.99, 0.59, 3, ("identical",)),
    ]  # fmt: skip
    return [AlignedPair(n, "en", "uk", *row) for n, row in enumerate(rows)]


def test_every_decision_op_puts_each_text_where_it_belongs() -> None:
    """accept, reject, a 3-pair merge (all three targets, joined in order), a 3-part split (each part its
    own source, target and indices), edit, a merge with an empty target, and an untouched pair."""
    pairs = distinct_pairs()
    assert len({p.tgt for p in pairs}) == len(pairs) and len({p.src for p in pairs}) == len(pairs)
    doc = {
        "format": DECISIONS_FORMAT,
        "run": {"hash": run_hash(pairs, SIG.as_string())},
        "decisions": [
            {"op": "accept", "id": 0},
            {"op": "reject", "id": 1},
            {"op": "merge", "ids": [2, 3, 4]},
            {"op": "split", "id": 5, "src_at": [12, 24], "tgt_at": [15, 26]},
            {"op": "edit", "id": 6, "tgt": "Індія, девʼять."},
            {"op": "merge", "ids": [7, 8]},
        ],
    }
    out, counts = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
    assert counts == {"reject": 1, "accept": 1, "merge": 2, "split": 1, "edit": 1}
    got = [(p.id, p.src, p.tgt, p.src_idx, p.tgt_idx, p.score, p.mt_score, p.paragraph, p.flags) for p in out]
    assert got == [
        (0, "Alpha one.", "Альфа один.", (0,), (0,), 0.91, 0.51, 0, ("reviewed:accepted",)),
        (1, "Charlie three. Delta four. Echo five.", "Чарлі три. Дельта чотири. Ехо пʼять.", (2, 3, 4), (2, 3, 4),
         0.74, 0.44, 0, ("reviewed:merged",)),  # the lowest scores of the group, the first paragraph
        (2, "Foxtrot six.", "Фокстрот шість.", (5,), (5,), 0.86, 0.56, 2, ("reviewed:split",)),
        (3, "Golf seven.", "Гольф сім.", (6,), (6,), 0.86, 0.56, 2, ("reviewed:split",)),
        (4, "Hotel eight.", "Готель вісім.", (7,), (7,), 0.86, 0.56, 2, ("reviewed:split",)),
        (5, "India nine.", "Індія, девʼять.", (8,), (8,), 0.97, None, 2, ("reviewed:edited",)),
        (6, "Juliett ten. Kilo eleven.", "Джульєтта десять.", (9, 10), (9,), 0.0, 0.48, 3, ("reviewed:merged",)),
        (7, "Lima twelve.", "Ліма дванадцять.", (11,), (10,), 0.99, 0.59, 3, ("identical",)),  # untouched
    ]  # fmt: skip


def test_a_merge_keeps_every_target_of_its_pairs_in_order() -> None:
    pairs = distinct_pairs()
    for ids in ([0, 1], [2, 3, 4], [6, 7, 8, 9]):
        doc = {"format": DECISIONS_FORMAT, "run": {"hash": run_hash(pairs, SIG.as_string())},
               "decisions": [{"op": "merge", "ids": ids}]}  # fmt: skip
        out, _ = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
        merged = out[ids[0]]
        assert merged.tgt == " ".join(pairs[i].tgt for i in ids if pairs[i].tgt), ids
        assert merged.src == " ".join(pairs[i].src for i in ids), ids
        assert len(out) == len(pairs) - len(ids) + 1
        assert [p.tgt for p in out[: ids[0]] + out[ids[0] + 1 :]] == [p.tgt for p in pairs if p.id not in ids]


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


FIX = "export the decisions again from the review page"


def _doc(pairs: Sequence[AlignedPair], *items: Any) -> dict[str, Any]:
    return {"format": DECISIONS_FORMAT, "run": {"hash": run_hash(pairs, SIG.as_string())}, "decisions": list(items)}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"op": "delete", "id": 4}, "op must be one of reject, accept, merge, split, edit"),
        ("reject 4", "op must be one of reject, accept, merge, split, edit"),
        ({"op": "merge", "ids": 4}, "merge ids must be a list of integers"),
        ({"op": "merge", "ids": [4, "5"]}, "merge ids must be a list of integers"),
        ({"op": "merge", "ids": [True, 2]}, "merge ids must be a list of integers"),
        ({"op": "merge", "ids": [4]}, "a merge needs at least two ids"),
        ({"op": "reject"}, "id must be an integer"),
        ({"op": "accept", "id": "3"}, "id must be an integer"),
        ({"op": "reject", "id": True}, "id must be an integer"),
        ({"op": "split", "id": 4, "src_at": [3.5], "tgt_at": [3]}, "src_at must be a list of integers"),
        ({"op": "split", "id": 4, "src_at": [3], "tgt_at": None}, "tgt_at must be a list of integers"),
        ({"op": "split", "id": 4, "src_at": [], "tgt_at": []},
         "src_at and tgt_at need the same number (1 or more) of offsets"),
        ({"op": "split", "id": 4, "src_at": [3, 9], "tgt_at": [3]},
         "src_at and tgt_at need the same number (1 or more) of offsets"),
        ({"op": "edit", "id": 2, "tgt": " \n "},
         "an edit needs the corrected target text (tgt), not empty: reject the pair instead"),
    ],
)  # fmt: skip
def test_a_malformed_decision_is_named_with_what_is_wrong(item: Any, reason: str) -> None:
    """The message names the decision (counted from 1) and what is wrong with it, then how to fix it."""
    with pytest.raises(InputError) as e:
        parse_decisions(_doc(distinct_pairs(), {"op": "accept", "id": 0}, item))
    assert str(e.value) == f"decisions: decision 2 is malformed ({reason}); {FIX}"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "is not a review decisions file (format 'pipeline-review/1')"),
        ({"format": "pipeline-review/2", "run": {"hash": "h"}, "decisions": []},
         "is not a review decisions file (format 'pipeline-review/1')"),
        ({"format": DECISIONS_FORMAT, "decisions": []}, "has no run hash"),
        ({"format": DECISIONS_FORMAT, "run": {"hash": 5}, "decisions": []}, "has no run hash"),
        ({"format": DECISIONS_FORMAT, "run": {"hash": "h"}}, "has no decisions list"),
        ({"format": DECISIONS_FORMAT, "run": {"hash": "h"}, "decisions": {"op": "reject", "id": 1}},
         "has no decisions list"),
    ],
)  # fmt: skip
def test_a_malformed_decisions_document_is_named_with_its_source(data: Any, problem: str) -> None:
    with pytest.raises(InputError) as e:
        parse_decisions(data)
    assert str(e.value) == f"decisions {problem}; {FIX}"
    with pytest.raises(InputError) as e:
        parse_decisions(data, "review/d.json")
    assert str(e.value) == f"review/d.json {problem}; {FIX}"


def test_decisions_file_read_errors_say_what_to_do(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(InputError) as e:
        load_decisions(missing)
    assert str(e.value) == f"decisions file not found: {missing}; check the path of the exported file"
    binary = tmp_path / "d.json"
    binary.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(InputError) as e:
        load_decisions(binary)
    assert str(e.value).startswith(f"cannot read decisions file {binary}: 'utf-8' codec can't decode byte 0xff")
    assert str(e.value).endswith("; give the exported JSON file")
    with pytest.raises(InputError) as e:
        load_decisions(tmp_path)  # a folder
    assert str(e.value).startswith(f"cannot read decisions file {tmp_path}: ")
    assert str(e.value).endswith("; give the exported JSON file")
    binary.write_text("[1,\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_decisions(binary)
    assert str(e.value) == f"decisions file {binary} is not JSON (line 2: Expecting value); {FIX}"


def test_a_decisions_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    pairs = distinct_pairs()
    path = tmp_path / "d.json"
    path.write_text("\ufeff" + json.dumps(_doc(pairs, {"op": "reject", "id": 1})), encoding="utf-8")
    decisions = load_decisions(path)
    assert decisions.decisions == (Decision("reject", (1,)),) and decisions.source == str(path)


def test_errors_against_the_run_name_the_decisions_file(tmp_path: Path) -> None:
    pairs = distinct_pairs()
    path = tmp_path / "d.json"
    path.write_text(json.dumps(_doc(pairs, {"op": "accept", "id": 0}, {"op": "reject", "id": 99})), "utf-8")
    with pytest.raises(InputError) as e:
        apply_decisions(pairs, load_decisions(path), signature=SIG.as_string())
    assert str(e.value) == f"{path}: decision 2 (reject 99): the run has no pair 99; {FIX}"
    path.write_text(json.dumps(_doc(pairs, {"op": "accept", "id": 0}, {"op": "split", "id": 5, "src_at": [0],
                                                                       "tgt_at": [3]})), "utf-8")  # fmt: skip
    with pytest.raises(InputError) as e:
        apply_decisions(pairs, load_decisions(path), signature=SIG.as_string())
    assert str(e.value) == (
        f"{path}: decision 2 (split 5): src_at offsets must increase strictly inside the text (1..36); {FIX}"
    )


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"op": "accept", "id": 0}, {"op": "merge", "ids": [1, 3]}],
         "decision 2 (merge 1, 3): only consecutive pairs can be merged, in order"),
        ([{"op": "merge", "ids": [3, 2]}], "decision 1 (merge 3, 2): only consecutive pairs can be merged, in order"),
        ([{"op": "merge", "ids": [0, 1]}, {"op": "reject", "id": 1}],
         "decision 2 (reject 1): pair 1 already has a decision (merge 0, 1)"),
        ([{"op": "reject", "id": 0}, {"op": "split", "id": 5, "src_at": [12, 12], "tgt_at": [15, 26]}],
         "decision 2 (split 5): src_at offsets must increase strictly inside the text (1..36)"),
        ([{"op": "reject", "id": 0}, {"op": "split", "id": 5, "src_at": [12], "tgt_at": [40]}],
         "decision 2 (split 5): tgt_at offsets must increase strictly inside the text (1..39)"),
        ([{"op": "accept", "id": 1}, {"op": "reject", "id": 0}, {"op": "split", "id": 5, "src_at": [12, 13],
                                                                  "tgt_at": [15, 26]}],
         "decision 3 (split 5): part 2 has no source or no target text"),
    ],
)  # fmt: skip
def test_decisions_that_do_not_fit_the_run_are_named(items: list[dict[str, Any]], message: str) -> None:
    pairs = distinct_pairs()
    with pytest.raises(InputError) as e:
        apply_decisions(pairs, parse_decisions(_doc(pairs, *items)), signature=SIG.as_string())
    assert str(e.value) == f"decisions: {message}; {FIX}"


def test_a_merged_pair_takes_the_first_known_paragraph_and_the_first_pairs_record() -> None:
    """The paragraph is the first one any pair of the group has; with none (or no model score) it stays
    unset; the rest of the record (its document) is the first pair's."""
    pairs = [
        AlignedPair(0, "en", "uk", "One.", "Один.", (0,), (0,), 0.9, None, None, (), "d1"),
        AlignedPair(1, "en", "uk", "Two.", "Два.", (1,), (1,), 0.8, None, 4, (), "d2"),
        AlignedPair(2, "en", "uk", "Three.", "Три.", (2,), (2,), 0.7, None, None, (), "d2"),
        AlignedPair(3, "en", "uk", "Four.", "Чотири.", (3,), (3,), 0.6, None, None, (), "d2"),
    ]
    doc = _doc(pairs, {"op": "merge", "ids": [0, 1]}, {"op": "merge", "ids": [2, 3]})
    out, _ = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
    got = [(p.id, p.src, p.score, p.mt_score, p.paragraph, p.doc) for p in out]
    assert got == [(0, "One. Two.", 0.8, None, 4, "d1"), (1, "Three. Four.", 0.6, None, None, "d2")]


def test_a_split_bead_that_does_not_segment_into_its_sentences_gets_proportional_indices() -> None:
    """A two-sentence bead whose text the segmenter reads as one sentence: each half gets one index.
    A one-sentence target that reads as two sentences: both parts keep its one index."""
    pairs = [
        AlignedPair(0, "en", "uk", "alpha beta gamma delta", "сонце вітер хмари дощі", (5, 6), (5, 6), 0.9),
        AlignedPair(1, "en", "uk", "Kilo eleven and twelve.", "Кіло одинадцять. Ліма дванадцять.", (7,), (7,), 0.9),
    ]
    doc = _doc(pairs, {"op": "split", "id": 0, "src_at": [11], "tgt_at": [11]},
               {"op": "split", "id": 1, "src_at": [12], "tgt_at": [17]})  # fmt: skip
    out, _ = apply_decisions(pairs, parse_decisions(doc), signature=SIG.as_string())
    assert [(p.src, p.tgt, p.src_idx, p.tgt_idx) for p in out] == [
        ("alpha beta", "сонце вітер", (5,), (5,)),
        ("gamma delta", "хмари дощі", (6,), (6,)),
        ("Kilo eleven", "Кіло одинадцять.", (7,), (7,)),
        ("and twelve.", "Ліма дванадцять.", (7,), (7,)),
    ]


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

"""Inline codes through segmentation and translation (pipeline.read.codes), and a document with markup through the
whole ``translate`` run on a reader registered by the test (the seam, independent of the HTML/Markdown readers)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.read import READERS, Block, ReadConfig, SourceDocument
from pipeline.read.codes import protect_codes, restore_codes, segment_blocks, translated_blocks
from pipeline.records import InlineCode
from pipeline.segment import get_segmenter

SPANS = get_segmenter("en").spans


def _bold(cid: int, start: int, end: int) -> InlineCode:
    return InlineCode(cid, "bold", start, end, "<b>", "</b>")


def _br(cid: int, at: int) -> InlineCode:
    return InlineCode(cid, "br", at, at, "<br>", isolated=True)


def test_a_paired_code_never_cut_and_a_sentence_never_crosses_a_block() -> None:
    one = Block(1, "paragraph", "My name is Michael.", (_bold(1, 8, 10),))
    crossing = Block(2, "paragraph", "It rained. Then it stopped. Dry.", (_bold(2, 3, 16),))  # "rained. Then"
    third = Block(3, "paragraph", "No end here", ())
    seg = segment_blocks([one, crossing, third], SPANS)
    assert [s.text for s in seg.seg.sentences] == [
        "My name is Michael.",
        "It rained. Then it stopped.",
        "Dry.",
        "No end here",
    ]
    assert [s.paragraph for s in seg.seg.sentences] == [0, 1, 1, 2]
    assert seg.codes[0] == (_bold(1, 8, 10),) and seg.codes[1] == (_bold(2, 3, 16),) and seg.codes[2] == ()


def test_a_line_break_code_is_no_sentence_end_and_goes_with_its_sentence() -> None:
    text = "The first line goes on to the next line. Second sentence."
    block = Block(1, "paragraph", text, (_br(1, 14), _br(2, 40)))
    seg = segment_blocks([block], SPANS)
    assert [s.text for s in seg.seg.sentences] == ["The first line goes on to the next line.", "Second sentence."]
    assert seg.codes == ((_br(1, 14), _br(2, 40)), ())  # the one at the end of sentence 1 stays with it


def test_codes_come_back_where_the_model_put_their_placeholders() -> None:
    codes = (_bold(1, 0, 2), InlineCode(2, "link", 12, 16, '<a href="/k">', "</a>"), _br(3, 30))
    text = "My house in Kyiv, by the river"
    protected, slots = protect_codes(text, codes)
    assert protected == "(1) My (2) house in (3) Kyiv (4), by the river (5)"
    # a "translation" that moves words around, placeholders with them
    plain, placed = restore_codes("(5) By the river (3) KYIV (4), (1) MY (2) HOUSE", slots, len(text))
    assert plain == "By the river KYIV, MY HOUSE"
    assert [(c.id, plain[c.start : c.end], c.by_rule) for c in placed] == [(3, "", False), (2, "KYIV", False),
                                                                             (1, "MY", False)]  # fmt: skip


@pytest.mark.parametrize(
    ("translation", "want"),
    [
        ("Мій (1) дім (2) біля річки", [(1, "дім", False)]),  # kept
        ("Мій дім (2) біля річки", [(1, "Мій дім", True)]),  # the opening lost: from the start
        ("Мій (1) дім біля річки", [(1, "дім біля річки", True)]),  # the closing lost: to the end
        ("Мій дім біля річки", [(1, "", True)]),  # both lost: at the edge nearer to where it was
        ("Мій (2) дім (1) біля річки", [(1, "дім", True)]),  # in the wrong order
    ],
)
def test_a_lost_code_is_put_back_by_rule_and_marked(translation: str, want: list[tuple[int, str, bool]]) -> None:
    text = "My house by the river"
    _, slots = protect_codes(text, (_bold(1, 3, 8),))
    plain, placed = restore_codes(translation, slots, len(text))
    assert plain == re.sub(r" ?\(\d\)", "", translation).replace("  ", " ")
    assert [(c.id, plain[c.start : c.end], c.by_rule) for c in placed] == want
    if not want[0][1]:  # both lost: at the start, nearer to where it was (3:8 of 21 characters)
        assert placed[0].start == 0


def test_a_placeholder_number_the_text_already_has_is_skipped() -> None:
    protected, slots = protect_codes("See (1) above", (_br(1, 13),))
    assert protected == "See (1) above (2)" and slots[0].open == 2


def test_translated_blocks_join_sentences_and_shift_codes() -> None:
    block = Block(7, "paragraph", "One two. Three four.", (_bold(1, 0, 3), _bold(2, 9, 14)))
    seg = segment_blocks([block, Block(8, "paragraph", "  ", ())], SPANS)
    out = translated_blocks([block, Block(8, "paragraph", "  ", ())], seg,
                            [("Один два.", (_bold(1, 0, 4),)), ("Три чотири.", (_bold(2, 0, 3),))])  # fmt: skip
    assert out[0] == Block(7, "paragraph", "Один два. Три чотири.", (_bold(1, 0, 4), _bold(2, 10, 13)))
    assert out[1] == Block(8, "paragraph", "  ", ())  # no text: unchanged


# --------------------------------------------------------------------------- the whole run, on a test reader

_TAG = re.compile(r"<b>|</b>|<br>")


class _Mini:
    """A reader of a tiny markup: one block per line, <b>...</b> and <br> as codes."""

    name = "mini"
    extensions = (".mini",)

    def read(self, data: bytes, *, where: str, lang: str) -> SourceDocument:
        blocks = []
        for n, line in enumerate(data.decode("utf-8").splitlines()):
            text = ""
            codes: list[InlineCode] = []
            opened: list[tuple[int, int]] = []
            pos = 0
            for m in _TAG.finditer(line):
                text += line[pos : m.start()]
                pos = m.end()
                cid = len(codes) + len(opened) + 1 + 100 * n
                if m.group() == "<br>":
                    codes.append(InlineCode(cid, "br", len(text), len(text), "<br>", isolated=True))
                elif m.group() == "<b>":
                    opened.append((cid, len(text)))
                else:
                    oid, start = opened.pop()
                    codes.append(InlineCode(oid, "bold", start, len(text), "<b>", "</b>"))
            text += line[pos:]
            blocks.append(Block(n, "paragraph", text, tuple(sorted(codes, key=lambda c: (c.start, c.id)))))
        return SourceDocument("mini", "x-mini", tuple(blocks))

    def write(self, doc: SourceDocument, blocks: Sequence[Block]) -> bytes:
        lines = []
        for b in blocks:
            marks = [(c.start, 1, c.id, c.opening) for c in b.codes] + [
                (c.end, 0, c.id, c.closing) for c in b.codes if not c.isolated
            ]
            out, pos = "", 0
            for at, _, _, markup in sorted(marks):
                out += b.text[pos:at] + markup
                pos = at
            lines.append(out + b.text[pos:])
        return ("\n".join(lines) + "\n").encode("utf-8")


def make_mini(cfg: ReadConfig) -> _Mini:
    return _Mini()


@pytest.fixture
def mini_reader() -> Iterator[None]:
    READERS.add("mini", f"{__name__}:make_mini")
    yield
    READERS.remove("mini")


def test_a_document_with_codes_through_translate(tmp_path: Path, en_uk_model: Path, mini_reader: None) -> None:
    src = tmp_path / "page.mini"
    src.write_text("My name <b>is</b> Michael. I live in Kyiv.<br>\nThe river is <b>wide</b> here.\n", encoding="utf-8")
    args = ["-q", "translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(src), "--out",
            str(tmp_path / "out"), "--set", "translate.cache=false", "--set", "align.aligner=length",
            "--set", "qa.fail_wrong_language_ratio=null"]  # fmt: skip
    assert main(args) == 0
    out = tmp_path / "out"
    doc = (out / "page.uk.mini").read_text(encoding="utf-8").splitlines()
    records = [json.loads(x) for x in (out / "page.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["src"] for r in records] == ["My name is Michael.", "I live in Kyiv.", "The river is wide here."]
    # every code is in the translated document, once, in order; the copying model kept the placeholders
    assert [re.findall(_TAG, line) for line in doc] == [["<b>", "</b>", "<br>"], ["<b>", "</b>"]]
    for r in records:
        assert "(" not in r["tgt"]  # no placeholder is left in a translation
        for c in r.get("tgt_codes", []):
            assert not c.get("by_rule")
    first = records[0]
    assert first["src_codes"] == [{"id": 1, "kind": "bold", "start": 8, "end": 10, "opening": "<b>", "closing": "</b>",
                                   "isolated": False}]  # fmt: skip
    bold = first["tgt_codes"][0]
    assert first["tgt"][bold["start"] : bold["end"]]  # around the translation of "is": not empty
    report = json.loads((out / "page.en-uk.report.json").read_text(encoding="utf-8"))
    assert report["qa"]["counts"]["tag_mismatch"] == 0
    assert str(out / "page.uk.mini") in report["outputs"]


def test_a_code_the_model_drops_is_put_back_and_flagged(tmp_path: Path, en_uk_model: Path, mini_reader: None) -> None:
    src = tmp_path / "page.mini"
    src.write_text("The soldiers were captured near the town in the morning.<br>\n", encoding="utf-8")
    args = ["-q", "translate", "--lang", "uk", "--model", str(en_uk_model), "--input", str(src), "--out",
            str(tmp_path / "out"), "--set", "translate.cache=false", "--set", "align.aligner=length",
            "--set", "qa.fail_wrong_language_ratio=null", "--set", "translate.max_new_tokens=6"]  # fmt: skip
    assert main(args) == 0  # cut short: the model never writes the placeholder at the end
    rec = json.loads((tmp_path / "out" / "page.en-uk.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "tag_mismatch" in rec["flags"] and rec["tgt_codes"][0]["by_rule"] is True
    assert (tmp_path / "out" / "page.uk.mini").read_text(encoding="utf-8").count("<br>") == 1  # never lost


def test_review_decisions_keep_the_codes_at_their_words() -> None:
    """apply-review: an edit takes the codes the post-edited XLIFF gave it; a merge and a split move the codes
    with the text they belong to."""
    from pipeline.records import AlignedPair, run_hash
    from pipeline.review import apply_decisions, parse_decisions

    a = AlignedPair(0, "en", "uk", "My name is Michael.", "Мене звати Михайло.", (0,), (0,), 1.0,
                    src_codes=(_bold(1, 8, 10),), tgt_codes=(_bold(1, 5, 10),))  # fmt: skip
    b = AlignedPair(1, "en", "uk", "Kyiv.", "Київ.", (1,), (1,), 1.0, src_codes=(_br(2, 5),), tgt_codes=(_br(2, 5),))
    sig = "pipeline:1|seg:s|model:m@r|backend:b|dec:d|align:a"

    def run(*decisions: dict[str, object]) -> list[AlignedPair]:
        doc = {"format": "pipeline-review/1", "run": {"hash": run_hash([a, b], sig)}, "decisions": list(decisions)}
        return apply_decisions([a, b], parse_decisions(doc), signature=sig)[0]

    (merged,) = run({"op": "merge", "ids": [0, 1]})
    assert merged.src == "My name is Michael. Kyiv." and merged.src_codes == (_bold(1, 8, 10), _br(2, 25))
    assert merged.tgt_codes == (_bold(1, 5, 10), _br(2, 25))
    edited = run({"op": "edit", "id": 0, "tgt": "Я Михайло.", "tgt_codes": [_bold(1, 2, 9).to_json()]})[0]
    assert edited.tgt == "Я Михайло." and edited.tgt_codes == (_bold(1, 2, 9),)
    assert run({"op": "edit", "id": 0, "tgt": "Я."})[0].tgt_codes == ()  # the old offsets would not fit
    first, second = run({"op": "split", "id": 0, "src_at": [8], "tgt_at": [5]})[:2]
    assert (first.src, first.src_codes) == ("My name", ())  # the bold "is" went with the second part
    assert (second.src, second.src_codes) == ("is Michael.", (_bold(1, 0, 2),))

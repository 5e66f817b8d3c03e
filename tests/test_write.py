"""Writers: TMX (DTD-valid), JSONL (round-trip), TSV; atomic, deterministic output."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import pytest
from lxml import etree

import pipeline.write as write
from pipeline.errors import ConfigError, OutputError
from pipeline.io import atomic_write as real_atomic_write
from pipeline.records import AlignedPair, Signature
from pipeline.write import FORMATS as REGISTRY
from pipeline.write import read_jsonl, render_pairs, write_pairs, xml_safe
from pipeline.write.output import OutputFormat, resolve_creation_date
from pipeline.write.tmx import forbidden_counts, seg_text, tmx_date

DTD_PATH = Path(__file__).parent / "fixtures" / "tmx14b.dtd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
FORMATS = sorted(n for n in REGISTRY.names() if REGISTRY.load(n).text is not None)  # one-document formats
EXT = {n: REGISTRY.load(n).extension for n in FORMATS}
LANGS = ["ko", "uk", "ru"]

SIG = Signature(
    package_version="0.1.0",
    segmenter="rules-1",
    model="Helsinki-NLP/opus-mt-en-ko",
    model_revision="abc123",
    backend="torch-cpu",
    aligner="bleualign",
    decoding="beam4",
    extra=(("seed", "0"),),
)

TRICKY_TEXTS = [
    "Plain sentence.",
    "Markup <b>bold</b> & <i>it</i> &amp; &lt;already&gt; ]]> <![CDATA[x]]>",
    "Quotes \"double\" and 'single' and `back`",
    "Emoji 😀👩🏽‍💻 and flags 🇺🇦",
    "RTL: שלום עולם and مرحبا بالعالم \u200f mark",
    "Combining: e\u0301 a\u0308 \u0915\u094d\u0937 Zalgo z\u0336\u0351",
    "Whitespace\tkept\nacross lines\r\nand  double  spaces ",
    "Nonchar-like but allowed: \u0085 \ufdd0 \U0010fffd \U0001d11e",
]


def make_pair(i: int, src: str, tgt: str, tgt_lang: str = "ko", **kw: Any) -> AlignedPair:
    base: dict[str, Any] = dict(
        id=i,
        src_lang="en",
        tgt_lang=tgt_lang,
        src=src,
        tgt=tgt,
        src_idx=(i,),
        tgt_idx=(i,),
        score=0.5 + i / 100,
        mt_score=0.75,
        paragraph=i // 3,
        flags=(),
    )
    base.update(kw)
    return AlignedPair(**base)


def sample_pairs(tgt_lang: str = "ko") -> list[AlignedPair]:
    pairs = [make_pair(i, t, f"[{tgt_lang}] {t}", tgt_lang) for i, t in enumerate(TRICKY_TEXTS)]
    pairs.append(
        make_pair(
            len(pairs),
            "Two. Sentences.",
            "One.",
            tgt_lang,
            src_idx=(8, 9),
            tgt_idx=(8,),
            mt_score=None,
            paragraph=None,
            flags=("merged", "low-score"),
        )
    )
    pairs.append(make_pair(len(pairs), "Unmatched.", "", tgt_lang, tgt_idx=(), mt_score=None))
    return pairs


def render(fmt: str, pairs: list[AlignedPair], tgt_lang: str = "ko", **kw: Any) -> str:
    return render_pairs(fmt, pairs, signature=SIG, src_lang="en", tgt_lang=tgt_lang, creation_date=WHEN, **kw)


def parse_tmx(text: str) -> etree._ElementTree:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.ElementTree(etree.fromstring(text.encode("utf-8"), parser))


@pytest.fixture(scope="module")
def dtd() -> etree.DTD:
    return etree.DTD(str(DTD_PATH))


def props(el: etree._Element) -> dict[str, str]:
    return {p.get("type"): p.text or "" for p in el.findall("prop")}


# ---------------------------------------------------------------- TMX


@pytest.mark.parametrize("tgt_lang", LANGS)
@pytest.mark.parametrize("n", [0, 1, 10])
def test_tmx_valid_against_dtd(dtd: etree.DTD, tgt_lang: str, n: int) -> None:
    pairs = sample_pairs(tgt_lang)[:n]
    tree = parse_tmx(render("tmx", pairs, tgt_lang))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


def test_tmx_prolog_and_header() -> None:
    text = render("tmx", sample_pairs())
    lines = text.split("\n")
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1] == '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
    assert lines[2] == '<tmx version="1.4">'
    assert text.endswith("</tmx>\n") and "\r" not in text
    tree = parse_tmx(text)
    assert tree.docinfo.system_url == "tmx14.dtd"
    header = tree.getroot().find("header")
    assert header is not None
    assert dict(header.attrib) == {
        "creationtool": "pipeline",
        "creationtoolversion": "0.1.0",
        "segtype": "sentence",
        "o-tmf": "pipeline-jsonl",
        "adminlang": "en",
        "srclang": "en",
        "datatype": "plaintext",
        "creationdate": "20240506T070809Z",
    }
    hp = props(header)
    assert hp["x-signature"] == SIG.as_string()
    assert hp["x-sig-model"] == SIG.model and hp["x-sig-model-revision"] == SIG.model_revision
    assert hp["x-sig-extra-seed"] == "0"


@pytest.mark.parametrize("tgt_lang", LANGS)
def test_tmx_units_in_order_with_langs_and_props(tgt_lang: str) -> None:
    pairs = sample_pairs(tgt_lang)
    root = parse_tmx(render("tmx", pairs, tgt_lang)).getroot()
    tus = root.findall("body/tu")
    kept = [p for p in pairs if p.tgt]  # the last pair ("Unmatched.", no target) has no <tu>
    assert len(kept) == len(pairs) - 1
    assert [tu.get("tuid") for tu in tus] == [str(p.id) for p in kept]
    for tu, pair in zip(tus, kept, strict=True):
        tuvs = tu.findall("tuv")
        assert [t.get(XML_LANG) for t in tuvs] == ["en", tgt_lang]
        assert [t.findtext("seg") for t in tuvs] == [pair.src, pair.tgt]
        tp = props(tu)
        assert float(tp["x-score"]) == pytest.approx(pair.score, abs=1e-4)
        assert tp["x-src-idx"] == ",".join(map(str, pair.src_idx))
        assert tp["x-tgt-idx"] == ",".join(map(str, pair.tgt_idx))
        assert ("x-mt-score" in tp) == (pair.mt_score is not None)
        assert ("x-paragraph" in tp) == (pair.paragraph is not None)
        assert tp.get("x-flags", "") == ",".join(pair.flags)
    assert len(root.findall(".//tuv")) == 2 * len(kept)
    assert all(t.get(XML_LANG) for t in root.iter("tuv"))


@pytest.mark.parametrize("text", TRICKY_TEXTS, ids=range(len(TRICKY_TEXTS)))
def test_tmx_text_round_trips(text: str) -> None:
    root = parse_tmx(render("tmx", [make_pair(0, text, text + " →")])).getroot()
    assert [s.text for s in root.iter("seg")] == [text, text + " →"]
    assert root.find("body/tu/tuv/seg") is not None
    assert len(list(root.iter("seg"))[0]) == 0  # markup-like text stays text, never elements


def test_tmx_markup_is_escaped_in_output() -> None:
    out = render("tmx", [make_pair(0, "<b>a & b</b>", "&amp;")])
    assert "<seg>&lt;b&gt;a &amp; b&lt;/b&gt;</seg>" in out
    assert "<seg>&amp;amp;</seg>" in out


@pytest.mark.parametrize(
    ("dirty", "clean", "replaced"),
    [
        ("a\x00b", "a\ufffdb", 1),
        ("\x01\x02\x08x\x0b\x0c\x1f", "\ufffd\ufffd\ufffdx\ufffd\ufffd\ufffd", 6),
        ("tab\tlf\ncr\r ok", "tab\tlf\ncr\r ok", 0),
        ("bad\ufffe\uffffend", "bad\ufffd\ufffdend", 2),
        ("lone\ud800 \udfffsurrogates", "lone\ufffd \ufffdsurrogates", 2),
        ("fine\ufffd\U0001f600\u0085", "fine\ufffd\U0001f600\u0085", 0),
    ],
)
def test_xml_safe(dirty: str, clean: str, replaced: int) -> None:
    assert xml_safe(dirty) == (clean, replaced)


def test_tmx_forbidden_chars_escaped_and_reported(dtd: etree.DTD, caplog: pytest.LogCaptureFixture) -> None:
    pairs = [make_pair(0, "ok", "ok"), make_pair(7, "a\x00b\x07", "c\ud800d\uffff")]
    with caplog.at_level(logging.WARNING, logger="pipeline.write.tmx"):
        text = render("tmx", pairs)
    tree = parse_tmx(text)
    assert dtd.validate(tree)
    assert '<seg>a<ph type="x-char">U+0000</ph>b<ph type="x-char">U+0007</ph></seg>' in text
    assert '<seg>c<ph type="x-char">U+D800</ph>d<ph type="x-char">U+FFFF</ph></seg>' in text
    assert [seg_text(s) for s in tree.getroot().iter("seg")] == ["ok", "ok", "a\x00b\x07", "c\ud800d\uffff"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ['TMX tu 7: wrote 4 character(s) not allowed in XML as <ph type="x-char">U+XXXX</ph>']


def test_tmx_no_warning_for_clean_text(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        render("tmx", sample_pairs())
    assert not caplog.records


@pytest.mark.parametrize("fmt", FORMATS)
def test_deterministic(fmt: str, tmp_path: Path) -> None:
    a = render(fmt, sample_pairs())
    b = render(fmt, sample_pairs())
    assert a == b
    p1 = write_pairs(
        fmt,
        sample_pairs(),
        tmp_path / f"a{EXT[fmt]}",
        signature=SIG,
        src_lang="en",
        tgt_lang="ko",
        creation_date=WHEN,
    )
    p2 = write_pairs(
        fmt,
        sample_pairs(),
        tmp_path / f"b{EXT[fmt]}",
        signature=SIG,
        src_lang="en",
        tgt_lang="ko",
        creation_date=WHEN,
    )
    assert p1.read_bytes() == p2.read_bytes() == a.encode("utf-8")


def test_tmx_creation_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = render_pairs("tmx", [], signature=SIG, src_lang="en", tgt_lang="ko")
    assert 'creationdate="20231114T221320Z"' in out
    assert render_pairs("tmx", [], signature=SIG, src_lang="en", tgt_lang="ko") == out
    # naive datetimes are UTC; aware ones are converted to UTC
    assert tmx_date(datetime(2024, 1, 2, 3, 4, 5)) == "20240102T030405Z"
    assert tmx_date(datetime.fromisoformat("2024-01-02T05:04:05+02:00")) == "20240102T030405Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH"):
        resolve_creation_date()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert resolve_creation_date().tzinfo is not None


@pytest.fixture
def seoul_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is UTC+9 (POSIX rule: no tz database needed), restored afterwards."""
    monkeypatch.setenv("TZ", "KST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_tmx_dates_are_utc_whatever_the_local_time_zone(seoul_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert time.localtime(0).tm_hour == 9  # the fixture took effect
    # A naive datetime is UTC (not local time); an aware one is converted to UTC (not to local time).
    assert tmx_date(datetime(2024, 1, 2, 3, 4, 5)) == "20240102T030405Z"
    assert tmx_date(datetime.fromisoformat("2024-01-02T05:04:05+02:00")) == "20240102T030405Z"
    assert tmx_date(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "20240102T030405Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert resolve_creation_date() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert resolve_creation_date().utcoffset() == timedelta(0)
    out = render_pairs("tmx", [], signature=SIG, src_lang="en", tgt_lang="ko")
    assert 'creationdate="20231114T221320Z"' in out


@pytest.mark.parametrize("epoch", ["yesterday", "1.5e9", "99999999999999999999"])
def test_bad_source_date_epoch_says_what_to_set(monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", f" {epoch} ")
    with pytest.raises(ConfigError) as e:
        render_pairs("tmx", [], signature=SIG, src_lang="en", tgt_lang="ko")
    assert str(e.value) == (
        f"SOURCE_DATE_EPOCH is not a Unix timestamp: {epoch!r}; set it to whole seconds since 1970-01-01 UTC "
        "(e.g. `date +%s`), or unset it, or fix the time with --set output.creation_date=2024-01-01T00:00:00Z"
    )


def test_tmx_header_names_every_signature_field() -> None:
    """A reader finds each part of the signature under its own x-sig-* name, in this order."""
    header = parse_tmx(render("tmx", [])).getroot().find("header")
    assert header is not None
    assert [(p.get("type"), p.text) for p in header.findall("prop")] == [
        ("x-signature", SIG.as_string()),
        ("x-sig-package-version", "0.1.0"),
        ("x-sig-segmenter", "rules-1"),
        ("x-sig-model", "Helsinki-NLP/opus-mt-en-ko"),
        ("x-sig-model-revision", "abc123"),
        ("x-sig-backend", "torch-cpu"),
        ("x-sig-decoding", "beam4"),
        ("x-sig-aligner", "bleualign"),
        ("x-sig-extra-seed", "0"),
    ]


def test_tmx_unit_props_and_tuid_of_corpus_and_plain_pairs() -> None:
    """A corpus pair's unit is <doc>#<id> and starts with x-doc; a plain pair's is its id, without x-doc.
    Every prop has its value (scores with four decimals, the paragraph number, comma-joined lists)."""
    pairs = [
        make_pair(3, "A.", "ㄱ.", score=0.91234, mt_score=0.5, src_idx=(3, 4), tgt_idx=(3,), paragraph=2,
                  flags=("merged", "low-score"), doc="report-7"),
        make_pair(5, "B.", "ㄴ.", score=1.0, mt_score=None, src_idx=(5,), tgt_idx=(), paragraph=0),
    ]  # fmt: skip
    tus = parse_tmx(render("tmx", pairs)).getroot().findall("body/tu")
    assert [tu.get("tuid") for tu in tus] == ["report-7#3", "5"]
    assert [[(p.get("type"), p.text or "") for p in tu.findall("prop")] for tu in tus] == [
        [("x-doc", "report-7"), ("x-score", "0.9123"), ("x-mt-score", "0.5000"), ("x-src-idx", "3,4"),
         ("x-tgt-idx", "3"), ("x-paragraph", "2"), ("x-flags", "merged,low-score"), ("x-risk", "check")],
        [("x-score", "1.0000"), ("x-src-idx", "5"), ("x-tgt-idx", ""), ("x-paragraph", "0"), ("x-risk", "ok")],
    ]  # fmt: skip


def test_forbidden_counts_add_source_and_target_and_skip_clean_pairs() -> None:
    pairs = [make_pair(0, "ok", "ok"), make_pair(7, "a\x00b\x07", "c\ud800d"), make_pair(9, "x", "\uffff")]
    assert forbidden_counts(pairs) == {7: 3, 9: 1}


def test_seg_text_keeps_text_around_other_tools_inline_codes() -> None:
    """Only <ph type="x-char"> is read back as a character; other inline elements (a <ph> of another type,
    <bpt>/<ept>) are native codes of other tools: left out, with the text after them kept."""
    seg = etree.fromstring(
        '<seg>a<bpt i="1">&lt;b&gt;</bpt>b<ept i="1">&lt;/b&gt;</ept>c<ph type="x-other">U+0041</ph>d'
        '<ph>U+0042</ph>e<ph type="x-char">U+0007</ph>f</seg>'
    )
    assert seg_text(seg) == "abcde\x07f"


@pytest.mark.parametrize(("ph", "shown"), [("U+12", "'U+12'"), ("u+0007", "'u+0007'"), ("", "None")])
def test_seg_text_rejects_a_malformed_char_placeholder(ph: str, shown: str) -> None:
    seg = etree.fromstring(f'<seg>a<ph type="x-char">{ph}</ph>b</seg>')
    with pytest.raises(ValueError) as e:
        seg_text(seg)
    assert str(e.value) == f"malformed <ph type='x-char'> content {shown}"


# ---------------------------------------------------------------- JSONL

JSONL_KEYS = [
    "id",
    "src_lang",
    "tgt_lang",
    "src",
    "tgt",
    "src_idx",
    "tgt_idx",
    "score",
    "mt_score",
    "paragraph",
    "flags",
    "risk",
    "signature",
]


@pytest.mark.parametrize("tgt_lang", LANGS)
def test_jsonl_records(tgt_lang: str) -> None:
    pairs = sample_pairs(tgt_lang)
    out = render("jsonl", pairs, tgt_lang)
    assert out.endswith("\n") and "\r\n" not in out
    lines = out.split("\n")[:-1]
    assert len(lines) == len(pairs)
    for line, pair in zip(lines, pairs, strict=False):
        rec = json.loads(line)
        assert list(rec) == JSONL_KEYS
        assert rec["signature"] == SIG.as_string()
        assert (rec["id"], rec["src_lang"], rec["tgt_lang"]) == (pair.id, "en", tgt_lang)
        assert (rec["src"], rec["tgt"]) == (pair.src, pair.tgt)
        assert rec["src_idx"] == list(pair.src_idx) and rec["tgt_idx"] == list(pair.tgt_idx)
        assert isinstance(rec["src_idx"], list) and isinstance(rec["score"], float)
        assert rec["score"] == pair.score
    assert "😀" in out and "\\ud83d" not in out  # ensure_ascii=False


@pytest.mark.parametrize("tgt_lang", LANGS)
def test_jsonl_round_trip(tmp_path: Path, tgt_lang: str) -> None:
    pairs = sample_pairs(tgt_lang)
    pairs.append(make_pair(99, "line\u2028sep\u2029para\x00nul", "lone \ud800 surrogate", tgt_lang))
    path = write_pairs("jsonl", pairs, tmp_path / "out.jsonl", signature=SIG, src_lang="en", tgt_lang=tgt_lang)
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(pairs)
    assert read_jsonl(path) == pairs


def test_jsonl_rejects_nan() -> None:
    with pytest.raises(ValueError, match="pair 3"):
        render("jsonl", [make_pair(3, "a", "b", score=float("nan"))])


def test_read_jsonl_errors(tmp_path: Path) -> None:
    from pipeline.errors import InputError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:1: .*missing"):
        read_jsonl(bad)
    with pytest.raises(InputError, match="not found"):
        read_jsonl(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert read_jsonl(empty) == []


# ---------------------------------------------------------------- TSV


def test_tsv_shape(caplog: pytest.LogCaptureFixture) -> None:
    pairs = sample_pairs()
    with caplog.at_level(logging.WARNING, logger="pipeline.write.tsv"):
        out = render("tsv", pairs)
    assert out.endswith("\n")
    rows = out.split("\n")[:-1]
    assert len(rows) == len(pairs)  # no header line
    assert len(out.splitlines()) == len(pairs)
    for row, pair in zip(rows, pairs, strict=False):
        cols = row.split("\t")
        assert len(cols) == 3
        assert cols[2] == f"{pair.score:.3f}"
        assert len(cols[0]) == len(pair.src)  # each break is one space
    ws = TRICKY_TEXTS.index("Whitespace\tkept\nacross lines\r\nand  double  spaces ")
    assert rows[ws].split("\t")[0] == "Whitespace kept across lines  and  double  spaces "
    msgs = [r.getMessage() for r in caplog.records]
    # src and tgt of the whitespace pair each have 4 breaks, plus U+0085 in both texts of the last sample
    assert len(msgs) == 1 and "10 " in msgs[0] and str(ws) in msgs[0]


def test_tsv_clean_text_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert render("tsv", [make_pair(0, "a b", "c d", score=0.12345)]) == "a b\tc d\t0.123\n"
    assert not caplog.records


# ---------------------------------------------------------------- dispatch, errors, atomic writes


def test_registry() -> None:
    assert FORMATS == ["jsonl", "tmx", "tsv", "xliff"]
    assert EXT == {"tmx": ".tmx", "jsonl": ".jsonl", "tsv": ".tsv", "xliff": ".xlf"}


def test_a_format_that_is_not_one_document_is_refused_by_render_pairs() -> None:
    with pytest.raises(ConfigError, match=r"output format 'moses' is not one text document.*tmx, jsonl, tsv"):
        render_pairs("moses", sample_pairs(), signature=SIG, src_lang="en", tgt_lang="ko")


@pytest.mark.parametrize("fmt", ["xml", "TMX", "", "csv"])
def test_unknown_format(fmt: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as ei:
        render_pairs(fmt, [], signature=SIG, src_lang="en", tgt_lang="ko")
    assert all(k in str(ei.value) for k in ("jsonl", "tmx", "tsv"))
    with pytest.raises(ConfigError):
        write_pairs(fmt, [], tmp_path / "x", signature=SIG, src_lang="en", tgt_lang="ko")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_language_mismatch_and_bad_codes(fmt: str) -> None:
    with pytest.raises(ValueError, match="pair 0 is en->uk"):
        render(fmt, [make_pair(0, "a", "b", tgt_lang="uk")], "ko")
    with pytest.raises(ConfigError):
        render_pairs(fmt, [], signature=SIG, src_lang="en", tgt_lang="k o")


@pytest.mark.parametrize("fmt", FORMATS)
def test_write_creates_parents_and_returns_path(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "dir" / f"en-ko{EXT[fmt]}"
    got = write_pairs(fmt, sample_pairs(), target, signature=SIG, src_lang="en", tgt_lang="ko", creation_date=WHEN)
    assert got == target
    assert target.read_bytes() == render(fmt, sample_pairs()).encode("utf-8")
    assert [p.name for p in target.parent.iterdir()] == [target.name]


class _FailingFile:
    """Writes the first half of what it is given, then fails like a full disk."""

    def __init__(self, f: IO[str]) -> None:
        self._f = f

    def write(self, s: str) -> int:
        self._f.write(s[: len(s) // 2])
        self._f.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("existing", [False, True])
def test_atomic_write_failure_leaves_nothing(
    fmt: str, existing: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.contextmanager
    def failing_atomic_write(path: Path, **kw: Any) -> Iterator[Any]:
        with real_atomic_write(path, **kw) as f:
            yield _FailingFile(f)

    monkeypatch.setattr(write, "atomic_write", failing_atomic_write)
    target = tmp_path / f"out{EXT[fmt]}"
    if existing:
        target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):
        write_pairs(fmt, sample_pairs(), target, signature=SIG, src_lang="en", tgt_lang="ko", creation_date=WHEN)
    assert [p.name for p in tmp_path.iterdir()] == ([target.name] if existing else [])
    if existing:
        assert target.read_text(encoding="utf-8") == "previous\n"


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_failure_writes_nothing(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kw: Any) -> str:
        raise RuntimeError("renderer crashed")

    real = REGISTRY.load(fmt)
    monkeypatch.setitem(REGISTRY._loaded, fmt, OutputFormat(fmt, real.files, boom, real.extension))
    target = tmp_path / f"out{EXT[fmt]}"
    target.write_text("previous\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_pairs(fmt, sample_pairs(), target, signature=SIG, src_lang="en", tgt_lang="ko")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert target.read_text(encoding="utf-8") == "previous\n"


def test_dtd_fixture_is_tmx14() -> None:
    text = DTD_PATH.read_text(encoding="utf-8")
    assert '<!ATTLIST tmx version CDATA #FIXED "1.4" >' in text

"""Property-based tests (hypothesis): nothing lost, nothing duplicated, any Unicode survives the writers.

* segmentation: sentences (and dropped furniture) are exact slices of the input, in order, never
  overlapping, and everything between them is whitespace;
* alignment: beads are monotone and cover both sides exactly once (the DP on random score matrices,
  dense and banded; the length-only aligner and the hybrid search on random sentences/embeddings);
* TMX: any text, lone surrogates and XML-forbidden characters included, gives a TMX that parses and
  validates against the TMX 1.4b DTD, and reads back exactly (forbidden characters as reported
  ``<ph type="x-char">`` placeholders);
* JSONL: write then read gives the same records for any Unicode text.

Every test runs a fixed number of derandomized examples, so CI is reproducible and fast.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline.align import get_aligner
from pipeline.align.config import AlignConfig
from pipeline.align.hybrid import align_features
from pipeline.align.search import Span, band_around, bead_types, centers_from_corners, corners, dense_band, dp
from pipeline.records import AlignedPair, Link, Segmentation, Signature
from pipeline.segment import DEFAULT_FURNITURE, segment_document, segment_lines
from pipeline.write import read_jsonl, render_pairs, write_pairs
from pipeline.write.tmx import CHAR_PH_TYPE, seg_text

DTD = etree.DTD(str(Path(__file__).parent / "fixtures" / "tmx14b.dtd"))
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def props(n: int) -> settings:
    """Fixed, derandomized examples: the same inputs on every run, no deadline on a slow CI machine."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# Any code point Python can hold: controls, NUL, lone surrogates, noncharacters, emoji, RTL, combining.
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(alphabet=ANY_CHAR, max_size=40)
# Pieces that exercise the segmenters' rules and every paragraph / line separator.
_PIECES = [
    *"a Word the Dr. U.S. e.g. p.m. J. No. 5 2.7 ... … ? ! ?! . , ; ( ) 다. 니다. 。 ！ г. т. е. 1.".split(),
    *[" ", "  ", "\t", "\n", "\n\n", "\n \n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"],
    *["\u00a0", "\u200b", "\u3000", '"', "“", "”", "«", "»", "'", "https://x.org/a.b?c=d", "a@b.cd"],
    *["e\u0301", "\U0001f600", "\U0001f468\u200d\U0001f469", "שלום.", "مرحبا؟", "\u202eabc", "\x00", "\ud800"],
    *["Hello world.", "Привіт, світе!", "Привет, мир.", "안녕하세요.", "Mr. Smith went.", "Leave a Reply"],
    # inline lists, spaced and bracketed ellipses, datelines, quotations with attribution, Korean run-on endings
    *["1.)", "2)", "a.", "b.", "• 9.", "⁃10.", "▲", "·", ". . .", ". . . .", "[...]", "(…)", "P.M.", "I.", "Л.Н."],
    *["SPOKANE, Wash. —", "МОСКВА, 5 марта. /ТАСС/.", "— РИА Новости.", "[속보]", "2024. 3. 5.", "”라고", "»,", "—"],
    *[",” he said.", "», — сказав він.", "했다.그러나", "다…", "U.S.", "N°.", "пгт.", "2010 г.", "Він"],
]
FURNITURE_PARAS = ["Comments", "Leave a Reply", "Share this:", "3 Comments", "Related posts:"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Paragraphs of rule-exercising pieces or arbitrary text, some of them page furniture."""
    paras = draw(
        st.lists(
            st.one_of(
                st.lists(st.sampled_from(_PIECES), max_size=25).map("".join),
                ANY_TEXT,
                st.sampled_from(FURNITURE_PARAS),
            ),
            max_size=6,
        )
    )
    seps = draw(st.lists(st.sampled_from(["\n\n", "\n \n", "\n\n\n", "\u2029", " ", "\n"]), min_size=len(paras)))
    return "".join(p + s for p, s in zip(paras, seps, strict=False))


# --------------------------------------------------------------------------- segmentation


def _check_cover(text: str, seg: Segmentation, *, dropped_ok: bool = True) -> None:
    """Sentences and dropped pieces are exact, ordered, disjoint slices; only whitespace is between them."""
    sents = seg.sentences
    assert [s.idx for s in sents] == list(range(len(sents)))
    for s in sents:
        assert text[s.start : s.end] == s.text, s
        assert s.text and s.text == s.text.strip(), s  # non-empty, trimmed
    paras = [s.paragraph for s in sents]
    assert paras == sorted(paras)
    for d in seg.dropped:
        assert dropped_ok
        assert text[d.start : d.end] == d.text and d.reason.startswith("furniture:"), d
    pieces = sorted([(s.start, s.end) for s in sents] + [(d.start, d.end) for d in seg.dropped])
    pos = 0
    for start, end in pieces:
        assert pos <= start < end, (pos, start, end)  # in order, non-overlapping, non-empty
        assert not text[pos:start].strip(), repr(text[pos:start])  # nothing but whitespace lost
        pos = end
    assert not text[pos:].strip(), repr(text[pos:])
    # Each sentence / dropped piece appears in the result exactly once: no duplication.
    assert len(set(pieces)) == len(pieces)


@pytest.mark.parametrize("lang", ["en", "ko", "uk", "ru", "de"])  # de: the generic rules
@props(120)
@given(text=documents())
def test_segmentation_covers_the_input(lang: str, text: str) -> None:
    seg = segment_document(text, lang)
    _check_cover(text, seg)
    # Dropped paragraphs are exactly the furniture ones, and are whole paragraphs.
    for d in seg.dropped:
        assert any(re.fullmatch(p, d.text.strip(), re.IGNORECASE) for p in DEFAULT_FURNITURE), d
        assert all(s.paragraph != d.paragraph for s in seg.sentences)
    # Without furniture rules nothing is dropped, and the same text is covered by sentences alone.
    kept = segment_document(text, lang, furniture=())
    _check_cover(text, kept, dropped_ok=False)
    assert "".join("".join(s.text.split()) for s in kept.sentences) == "".join(text.split())


@props(150)
@given(text=documents())
def test_presegmented_lines_cover_the_input(text: str) -> None:
    seg = segment_lines(text)
    _check_cover(text, seg, dropped_ok=False)
    assert all("\n" not in s.text for s in seg.sentences)


# --------------------------------------------------------------------------- alignment


def _check_beads(spans: Sequence[Span], n: int, m: int, types: Sequence[tuple[int, int]]) -> None:
    pos = (0, 0)
    for s0, s1, t0, t1 in spans:
        assert (s0, t0) == pos, "beads are contiguous and monotone"
        assert (s1 - s0, t1 - t0) in types
        pos = (s1, t1)
    assert pos == (n, m), "the path ends at (n, m): every sentence of both sides is covered"


def _check_links(links: Sequence[Link], n: int, m: int) -> None:
    """Monotone; every source and every target index in exactly one bead; scores in [0, 1]."""
    src = [i for lk in links for i in lk.src_idx]
    tgt = [j for lk in links for j in lk.tgt_idx]
    assert src == list(range(n)) and tgt == list(range(m))
    for lk in links:
        assert lk.src_idx or lk.tgt_idx, "no empty bead"
        assert list(lk.src_idx) == sorted(lk.src_idx) and list(lk.tgt_idx) == sorted(lk.tgt_idx)
        assert 0.0 <= lk.score <= 1.0


@props(150)
@given(n=st.integers(0, 9), m=st.integers(0, 9), seed=st.integers(0, 2**32 - 1), max_bead=st.integers(2, 6))
def test_dp_on_random_scores_is_monotone_and_covers_both_sides(n: int, m: int, seed: int, max_bead: int) -> None:
    rng = np.random.default_rng(seed)
    types = bead_types(max_bead, min(4, max_bead - 1))
    band = dense_band(n, m)
    scores = rng.normal(size=(len(types), band.ncells)) * rng.choice([0.1, 1.0, 100.0])
    scores[rng.random(scores.shape) < 0.3] = -np.inf  # forbidden beads: 1-0 / 0-1 still connect
    scores[types.index((1, 0))] = rng.normal(size=band.ncells)
    scores[types.index((0, 1))] = rng.normal(size=band.ncells)
    extend = rng.normal(size=(2, band.ncells)) if rng.random() < 0.5 else None
    spans, sc = dp(band, types, scores, extend=extend)
    _check_beads(spans, n, m, types)
    assert len(sc) == len(spans) and all(np.isfinite(sc))


@props(100)
@given(
    n=st.integers(1, 40),
    m=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    width=st.integers(1, 4),
)
def test_dp_in_a_band_around_a_random_path_covers_both_sides(n: int, m: int, seed: int, width: int) -> None:
    rng = np.random.default_rng(seed)
    types = bead_types(5, 4)
    # A random monotone coarse path, scaled up as the coarse-to-fine search does.
    cuts_i = np.sort(rng.integers(0, n // 2 + 1, size=3))
    cuts_j = np.sort(rng.integers(0, m // 2 + 1, size=3))
    coarse = [(0, 0), *zip(cuts_i.tolist(), cuts_j.tolist(), strict=True), (n // 2, m // 2)]
    spans_c = [(a[0], b[0], a[1], b[1]) for a, b in zip(coarse, coarse[1:], strict=False) if a != b]
    pts = corners(spans_c, 2.0, 2.0, n, m) if spans_c else [(0, 0), (n, m)]
    band = band_around(n, m, centers_from_corners(pts, n, m), width)
    scores = rng.normal(size=(len(types), band.ncells))
    spans, _ = dp(band, types, scores)
    _check_beads(spans, n, m, types)


_SENTENCE = st.text(alphabet=ANY_CHAR, min_size=0, max_size=30) | st.sampled_from(
    ["Hello.", "A much longer sentence with 42 words and numbers 3.5.", "", " ", "x", "안녕하세요.", "Привіт!"]
)


@props(120)
@given(src=st.lists(_SENTENCE, max_size=25), tgt=st.lists(_SENTENCE, max_size=25))
def test_length_aligner_covers_both_sides_exactly_once(src: list[str], tgt: list[str]) -> None:
    links = get_aligner(AlignConfig(aligner="length")).align(src, tgt, src_lang="en", tgt_lang="ko")
    _check_links(links, len(src), len(tgt))


@props(40)
@given(
    n=st.integers(0, 70),
    m=st.integers(0, 70),
    seed=st.integers(0, 2**32 - 1),
    dense_max_cells=st.sampled_from([300_000, 1_000]),  # exhaustive, and coarse-to-fine
)
def test_hybrid_search_on_random_embeddings_covers_both_sides(n: int, m: int, seed: int, dense_max_cells: int) -> None:
    rng = np.random.default_rng(seed)
    words = ["alpha", "beta", "42", "gamma", "delta.", "7,5", "epsilon", "https://a.b"]
    src = [" ".join(rng.choice(words, size=int(rng.integers(1, 12)))) for _ in range(n)]
    tgt = [" ".join(rng.choice(words, size=int(rng.integers(1, 12)))) for _ in range(m)]
    es = rng.normal(size=(n, 16)).astype(np.float32)
    et = rng.normal(size=(m, 16)).astype(np.float32)
    if n and m and rng.random() < 0.5:  # partly parallel: a diagonal with noise
        k = min(n, m)
        et[:k] = es[:k] + 0.3 * rng.normal(size=(k, 16)).astype(np.float32)
    links = align_features(src, tgt, es if n else None, et if m else None, AlignConfig(dense_max_cells=dense_max_cells))
    _check_links(links, n, m)


# --------------------------------------------------------------------------- TMX


SIG = Signature(
    package_version="0.1.0",
    segmenter="rules-en.v1",
    model="tiny",
    model_revision="local",
    backend="transformers",
    aligner="by-construction.v1",
    decoding="beam1.max8",
)


@contextmanager
def _warnings(logger: str) -> Iterator[list[str]]:
    """Collect the warning messages of ``logger`` (caplog is function-scoped: unusable under @given)."""
    got: list[str] = []

    class _H(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                got.append(record.getMessage())

    log = logging.getLogger(logger)
    h = _H()
    log.addHandler(h)
    try:
        yield got
    finally:
        log.removeHandler(h)


def _pair(i: int, src: str, tgt: str, lang: str, flags: tuple[str, ...] = ()) -> AlignedPair:
    return AlignedPair(i, "en", lang, src, tgt, (i,), (i,), 0.5, mt_score=0.25, paragraph=0, flags=flags)


@props(200)
@given(
    texts=st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=1, max_size=4),
    lang=st.sampled_from(["ko", "uk", "ru", "ar", "he"]),
)
def test_any_text_gives_a_valid_tmx_that_reads_back_exactly(texts: list[tuple[str, str]], lang: str) -> None:
    pairs = [_pair(i, s, t, lang) for i, (s, t) in enumerate(texts)]
    with _warnings("pipeline.write.tmx") as warned:
        out = render_pairs("tmx", pairs, signature=SIG, src_lang="en", tgt_lang=lang)
    root = etree.fromstring(out.encode("utf-8"))  # strict UTF-8: no lone surrogate reached the bytes
    assert DTD.validate(root), DTD.error_log.filter_from_errors()
    tus = root.findall("body/tu")
    kept = [p for p in pairs if p.src.strip() and p.tgt.strip()]  # an empty side has no <tu> (CAT tools)
    assert [tu.get("tuid") for tu in tus] == [str(p.id) for p in kept]
    for tu, pair in zip(tus, kept, strict=True):
        en, tg = tu.findall("tuv")
        assert (en.get(XML_LANG), tg.get(XML_LANG)) == ("en", lang)
        # Lossless: every character comes back, forbidden ones from their placeholders.
        assert seg_text(en.find("seg")) == pair.src and seg_text(tg.find("seg")) == pair.tgt
        # The XML-representable text is in the document as text, nothing else was turned into tags.
        phs = tu.findall("tuv/seg/ph")
        assert all(ph.get("type") == CHAR_PH_TYPE for ph in phs)
        n_bad = len(_NOT_XML.findall(pair.src)) + len(_NOT_XML.findall(pair.tgt))
        assert len(phs) == n_bad
        # ... and reported, once per unit that needed it.
        reported = [w for w in warned if w.startswith(f"TMX tu {pair.id}: wrote {n_bad} character(s)")]
        assert len(reported) == (1 if n_bad else 0), warned


@props(60)
@given(model=ANY_TEXT, flag=ANY_TEXT)
def test_forbidden_characters_in_properties_are_replaced_and_reported(model: str, flag: str) -> None:
    sig = Signature("0.1.0", "rules-en.v1", model, "local", "transformers", "a.v1", "beam1")
    with _warnings("pipeline.write.tmx") as warned:
        out = render_pairs("tmx", [_pair(0, "a", "b", "ko", (flag,))], signature=sig, src_lang="en", tgt_lang="ko")
    root = etree.fromstring(out.encode("utf-8"))
    assert DTD.validate(root), DTD.error_log.filter_from_errors()
    model_prop = root.find("header/prop[@type='x-sig-model']")
    assert model_prop is not None and (model_prop.text or "") == _NOT_XML.sub("\ufffd", model)
    flags_prop = root.find("body/tu/prop[@type='x-flags']")
    if flag:
        assert flags_prop is not None and (flags_prop.text or "") == _NOT_XML.sub("\ufffd", flag)
    n_header = 2 * len(_NOT_XML.findall(model))  # the model is in x-signature and x-sig-model
    assert (f"TMX header: replaced {n_header} character(s) not allowed in XML by U+FFFD" in warned) == bool(n_header)
    n_tu = len(_NOT_XML.findall(flag))
    assert (f"TMX tu 0: replaced {n_tu} character(s) not allowed in XML by U+FFFD" in warned) == bool(n_tu)


# --------------------------------------------------------------------------- JSONL


def _utf16_view(text: str) -> str:
    """What JSON can carry: a lone high surrogate followed by a lone low one is the character they encode."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


FINITE = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def aligned_pairs(draw: st.DrawFn, i: int) -> AlignedPair:
    return AlignedPair(
        id=i,
        src_lang="en",
        tgt_lang="uk",
        src=draw(ANY_TEXT),
        tgt=draw(ANY_TEXT),
        src_idx=tuple(draw(st.lists(st.integers(0, 10**9), max_size=3))),
        tgt_idx=tuple(draw(st.lists(st.integers(0, 10**9), max_size=3))),
        score=draw(FINITE),
        mt_score=draw(st.none() | FINITE),
        paragraph=draw(st.none() | st.integers(0, 10**6)),
        flags=tuple(draw(st.lists(ANY_TEXT, max_size=3))),
    )


@props(200)
@given(data=st.data(), n=st.integers(0, 5))
def test_jsonl_round_trips_any_unicode(data: st.DataObject, n: int, tmp_path_factory: pytest.TempPathFactory) -> None:
    pairs = [data.draw(aligned_pairs(i)) for i in range(n)]
    path = tmp_path_factory.getbasetemp() / "prop.jsonl"
    write_pairs("jsonl", pairs, path, signature=SIG, src_lang="en", tgt_lang="uk")
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict: valid UTF-8, no surrogate reached the bytes
    assert raw.count(b"\n") == len(pairs) and (not raw or raw.endswith(b"\n"))
    back = read_jsonl(path)
    expected = [
        AlignedPair(
            id=p.id,
            src_lang=p.src_lang,
            tgt_lang=p.tgt_lang,
            src=_utf16_view(p.src),
            tgt=_utf16_view(p.tgt),
            src_idx=p.src_idx,
            tgt_idx=p.tgt_idx,
            score=p.score,
            mt_score=p.mt_score,
            paragraph=p.paragraph,
            flags=tuple(_utf16_view(f) for f in p.flags),
        )
        for p in pairs
    ]
    assert back == expected


def test_jsonl_surrogate_pair_rule_is_the_documented_one(tmp_path: Path) -> None:
    """The one normalisation: separate high + low surrogates come back as the character they encode."""
    pairs = [_pair(0, "\ud83d\ude00", "\ud800 x \udfff", "uk")]
    path = write_pairs("jsonl", pairs, tmp_path / "s.jsonl", signature=SIG, src_lang="en", tgt_lang="uk")
    assert '"src": "\\ud83d\\ude00"' in path.read_text(encoding="utf-8")
    (back,) = read_jsonl(path)
    assert back.src == "\U0001f600" and back.tgt == "\ud800 x \udfff"


def test_a_run_reports_the_characters_written_as_placeholders(en_ru_model: Path, tmp_path: Path) -> None:
    """End to end: a control character in the input reaches the TMX as a placeholder and the run report."""
    import json

    from pipeline.cli import main

    src = tmp_path / "doc.txt"
    src.write_text("A bell\x07 rings here. Nothing odd here.\n\nA NUL\x00 and a form feed.\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["-q", "translate", "--lang", "ru", "--model", str(en_ru_model), "--input", str(src), "--out", str(out)]
    assert main([*args, "--set", "translate.max_new_tokens=4", "--set", "output.review=false"]) == 0
    root = etree.parse(str(out / "doc.en-ru.tmx")).getroot()
    assert DTD.validate(root)
    sources = [seg_text(tu.find("tuv/seg")) for tu in root.iter("tu")]
    assert sources == ["A bell\x07 rings here.", "Nothing odd here.", "A NUL\x00 and a form feed."]
    report = json.loads((out / "doc.en-ru.report.json").read_text(encoding="utf-8"))
    assert report["tmx_char_placeholders"] == [{"pair": 0, "chars": 1}, {"pair": 2, "chars": 1}]

"""The HTML reader's lexical layer: a tokenizer that keeps every token's place in the source, HTML's character
references, text's whitespace and escaping, and the encoding of a page's bytes.

The tokenizer follows the HTML5 tokenizer where it decides what is markup and what is text: a ``<`` that starts
no tag, comment or declaration is text; attribute values may be double-quoted, single-quoted (``>`` inside
them is no end of the tag) or unquoted; ``<!-->`` is a whole comment; a ``<![CDATA[``, ``<?...>`` or ``</ 3>``
is a bogus comment up to the next ``>``; the content of ``script``, ``style``, ``xmp``, ``iframe``,
``noembed``, ``noframes`` (raw text) and of ``title``, ``textarea`` (escapable raw text) runs to its end tag,
and ``plaintext`` to the end of the page (not in svg or math, where they are elements like any other: the tree
builder tells). A tag cut off by the end of the page is markup of no meaning (the
browser drops it), kept as it is. Every step moves forward with ``str.find`` or an anchored regular
expression, so tokenizing is linear in the page's size. Nothing is fetched: there are no DTDs or external
entities in HTML, and character references are HTML's named ones (:data:`html.entities.html5`).
"""

from __future__ import annotations

import bisect
import codecs
import html
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from html.entities import html5 as _ENTITIES

__all__ = ["ERRORS", "Attr", "Token", "decode_page", "decode_refs", "declared_encoding", "tokenize"]

TEXT, START, END, OTHER = 0, 1, 2, 3  # token kinds; OTHER: a comment, doctype, processing instruction, junk
RAWTEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes"})
RCDATA = frozenset({"title", "textarea"})
WS = " \t\n\r\f"

_TAGNAME = re.compile(r"[A-Za-z][^\t\n\f\r />]*")
_SKIP = re.compile(r"[\t\n\f\r /]*")
_ATTR = re.compile(  # name, then = and a value in "", '', unquoted, or none before > (5), then space and slashes
    r"""([^\t\n\f\r />][^\t\n\f\r /=>]*)(?:[\t\n\f\r ]*=[\t\n\f\r ]*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >"'][^\t\n\f\r >]*)|(?=(>))))?[\t\n\f\r /]*"""
)
_COMMENT_END = re.compile(r"--!?>")
_NEXT_LT = re.compile(r"<(?:(/?)([A-Za-z][^\t\n\f\r />]*)>)?")  # a "<", with the name of a tag without attributes
_RAW_END: dict[str, re.Pattern[str]] = {}
log = logging.getLogger(__name__)


class Attr:
    """An attribute of a start tag: its name (lower case) and where its value lies in the source (inside the
    quotes); ``quote`` is ``"``, ``'``, ``""`` (unquoted) or None (no value: ``<input disabled>``)."""

    __slots__ = ("end", "name", "quote", "start")

    def __init__(self, name: str, start: int, end: int, quote: str | None) -> None:
        self.name, self.start, self.end, self.quote = name, start, end, quote


class Token:
    """One token: ``source[start:end]``. A raw-text element (``script``, ``title``, ...) is one START token from
    its start tag to the end of its end tag, ``content`` the span between them."""

    __slots__ = ("attrs", "content", "end", "kind", "name", "start", "tag_end")

    def __init__(self, kind: int, start: int, end: int, name: str = "", attrs: Sequence[Attr] = ()) -> None:
        self.kind, self.start, self.end, self.name = kind, start, end, name
        self.attrs = attrs
        self.tag_end = end  # where the start tag itself ends (a raw-text element goes on to ``end``)
        self.content: tuple[int, int] | None = None

    def attr(self, name: str) -> Attr | None:
        """The first attribute of that name (a browser ignores the repeats)."""
        return next((a for a in self.attrs if a.name == name), None)


def _tag(src: str, pos: int, kind: int) -> Token | None:
    """The start or end tag whose name begins at ``pos`` (just after ``<`` or ``</``); None when the page ends
    inside it."""
    m = _TAGNAME.match(src, pos)
    assert m is not None
    name, pos = m.group().lower(), m.end()
    attrs: list[Attr] = []
    pos = _SKIP.match(src, pos).end()  # type: ignore[union-attr]
    n = len(src)
    while pos < n:
        if src[pos] == ">":
            return Token(kind, -1, pos + 1, name, attrs)
        m = _ATTR.match(src, pos)  # always matches: a name, maybe a value, the space after
        assert m is not None
        pos = m.end()
        g = m.lastindex or 1
        if g == 5:  # a= right before the tag's end: an empty value
            attrs.append(Attr(m.group(1).lower(), m.start(5), m.start(5), ""))
        elif g > 1:
            attrs.append(Attr(m.group(1).lower(), m.start(g), m.end(g), '"' if g == 2 else "'" if g == 3 else ""))
        elif src.startswith("=", pos):
            return None  # a quoted value the page never closes
        else:
            attrs.append(Attr(m.group(1).lower(), m.end(1), m.end(1), None))
    return None


def _raw_end(src: str, name: str, pos: int) -> tuple[int, int]:
    """Where the raw text of a ``name`` element that starts at ``pos`` ends, and where its end tag ends."""
    if name == "plaintext":
        return len(src), len(src)
    pat = _RAW_END.get(name)
    if pat is None:
        pat = _RAW_END[name] = re.compile(rf"</{re.escape(name)}[\t\n\f\r />]", re.I)
    m = pat.search(src, pos)
    if m is None:
        return len(src), len(src)
    tag = _tag(src, m.start() + 2, END)
    return m.start(), len(src) if tag is None else tag.end


def _markup(src: str, i: int, raw: Callable[[str], bool]) -> Token | None:
    """The markup token that starts with the ``<`` at ``i``, or None when that ``<`` is text."""
    n = len(src)
    c = src[i + 1] if i + 1 < n else ""
    if c.isascii() and c.isalpha():
        tok = _tag(src, i + 1, START)
        if tok is None:
            return Token(OTHER, i, n)
        tok.start = i
        if (tok.name in RAWTEXT or tok.name in RCDATA or tok.name == "plaintext") and raw(tok.name):
            content_end, tok.end = _raw_end(src, tok.name, tok.end)
            tok.content = (tok.tag_end, content_end)
        return tok
    if c == "/":
        d = src[i + 2] if i + 2 < n else ""
        if d.isascii() and d.isalpha():
            tok = _tag(src, i + 2, END)
            if tok is None:
                return Token(OTHER, i, n)
            tok.start = i
            return tok
        if d == ">":
            return Token(OTHER, i, i + 3)  # </> : nothing
        if not d:
            return None
        close = src.find(">", i + 2)
        return Token(OTHER, i, n if close < 0 else close + 1)
    if c == "!":
        if src.startswith("--", i + 2):
            if src.startswith(">", i + 4):
                return Token(OTHER, i, i + 5)
            if src.startswith("->", i + 4):
                return Token(OTHER, i, i + 6)
            m = _COMMENT_END.search(src, i + 4)
            return Token(OTHER, i, n if m is None else m.end())
        close = src.find(">", i + 2)
        return Token(OTHER, i, n if close < 0 else close + 1)
    if c == "?":
        close = src.find(">", i + 2)
        return Token(OTHER, i, n if close < 0 else close + 1)
    return None


def tokenize(src: str, raw: Callable[[str], bool] = lambda name: True) -> Iterator[Token]:
    """The tokens of ``src``, in order, together covering it exactly (text tokens are never empty). ``raw`` tells
    whether the content of a ``script``, ``title``, ... element that starts here is raw text (not in ``svg``,
    where a ``title`` is an element like any other; the tree builder knows)."""
    n = len(src)
    pos = 0  # where the next token begins
    search = _NEXT_LT.search  # the next "<", and the tag when it is a simple one
    m = search(src)
    while m is not None:
        i = m.start()
        if m.lastindex:  # the common case, a tag without attributes (as _markup reads it)
            slash, name = m.groups()
            name = name.lower()
            tok = Token(END if slash else START, i, m.end(), name)
            if not slash and (name in RAWTEXT or name in RCDATA or name == "plaintext") and raw(name):
                content_end, tok.end = _raw_end(src, name, tok.end)
                tok.content = (tok.tag_end, content_end)
        else:
            markup = _markup(src, i, raw)
            if markup is None:
                m = search(src, i + 1)
                continue
            tok = markup
        if i > pos:
            yield Token(TEXT, pos, i)
        yield tok
        pos = tok.end
        m = search(src, pos)
    if pos < n:
        yield Token(TEXT, pos, n)


# --- character references -------------------------------------------------------------------------------------

_REF = re.compile(r"&(#[xX][0-9a-fA-F]+;?|#[0-9]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def decode_refs(s: str, *, attribute: bool = False) -> str:
    """``s`` with its character references decoded as a browser does (``&amp`` without ``;`` too); in an
    attribute value a named reference without ``;`` followed by ``=`` or a letter or digit stays as written
    (``?a=1&copy=2`` is a URL, not a copyright sign)."""
    if "&" not in s:
        return s
    if not attribute:
        return html.unescape(s)

    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref[0] == "#" or (ref.endswith(";") and ref in _ENTITIES):
            return html.unescape(m.group())
        name = ref.rstrip(";")
        if name in _ENTITIES and not ref.endswith(";") and not s.startswith("=", m.end()):
            return _ENTITIES[name]  # a legacy name without ``;`` (``&amp``, ``&copy``), the whole run of letters
        return m.group()

    return _REF.sub(one, s)


# --- text ---------------------------------------------------------------------------------------------------

_WS_RUN = re.compile(r"[ \t\n\r\f]+")
_WS_CHARS = frozenset(WS)
_LONG_WS = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")  # the whitespace runs that are not a lone space
_BAD = re.compile(r"[\x00\ud800-\udfff]")


def clean(s: str) -> str:
    """``s`` with NUL and the bytes the page's encoding could not decode as U+FFFD, as a browser shows them."""
    if s.isascii() and "\x00" not in s:
        return s  # nothing to replace (and both tests are faster than the pattern)
    return _BAD.sub("\ufffd", s)


def collapse(raw: str, anchors: list[tuple[int, bool]]) -> tuple[str, list[int]]:
    """``raw`` with whitespace runs as one space, the ends stripped, and where each anchor lands. The anchors come
    in the order of the source and stay in it; one in a run of whitespace lands before its space when it is a
    closing (``True``) and after it otherwise, unless an anchor before it landed after.

    Only the runs that are not a single space change the text's length: those are found in one pass, and each
    anchor is placed by the last of them before it (a closing right after a lone space moves before it)."""
    starts: list[int] = []  # the runs other than a lone space: where each starts, ends, and starts in the text
    ends: list[int] = []
    new_starts: list[int] = []
    removed_after: list[int] = []
    removed = 0
    long_runs = "  " in raw or "\n" in raw or "\t" in raw or "\r" in raw or "\f" in raw  # (faster than the pattern)
    for m in _LONG_WS.finditer(raw) if long_runs else ():
        a, b = m.span()
        starts.append(a)
        ends.append(b)
        new_starts.append(a - removed)
        removed += b - a - 1
        removed_after.append(removed)
    text = _WS_RUN.sub(" ", raw) if starts else raw
    out = []
    for p, left in anchors:
        q = p
        if starts:
            k = bisect.bisect_right(starts, p) - 1
            if k >= 0:
                if p <= ends[k]:
                    out.append(new_starts[k] if (p == starts[k] or left) else new_starts[k] + 1)
                    continue
                q = p - removed_after[k]
        if left and raw[p - 1 : p] == " " and raw[p : p + 1] not in _WS_CHARS and raw[p - 2 : p - 1] not in _WS_CHARS:
            q -= 1  # a closing right after a lone space: before the space
        out.append(q)
    if text.startswith(" "):
        text = text[1:]
        out = [max(0, q - 1) for q in out]
    text = text.rstrip(" ")
    for k in range(1, len(out)):
        out[k] = max(out[k], out[k - 1])  # the anchors stay in their order
    return text, [min(q, len(text)) for q in out]


def plain(s: str, *, attribute: bool = False) -> str:
    return _WS_RUN.sub(" ", clean(decode_refs(s, attribute=attribute))).strip(" ")


def no_translate(src: str, tok: Token) -> bool:
    """Marked not to be translated: ``translate="no"`` or a ``notranslate`` class."""
    if not tok.attrs:
        return False
    t = tok.attr("translate")
    if t is not None and src[t.start : t.end].strip(WS).lower() == "no":
        return True
    c = tok.attr("class")
    return c is not None and "notranslate" in src[c.start : c.end].lower().split()


def escape(s: str, quote: str | None = None) -> str:
    """``s`` as HTML text (``&``, ``<``, ``>`` escaped), or as an attribute value in ``quote`` (``"``, ``'``;
    ``""``: unquoted, in double quotes where the value needs them)."""
    s = s.replace("&", "&amp;")
    if quote is None:
        return s.replace("<", "&lt;").replace(">", "&gt;")
    if quote == "":
        return s if s and not any(c in s for c in " \t\n\r\f\"'=<>`") else '"' + s.replace('"', "&quot;") + '"'
    return s.replace(quote, "&quot;" if quote == '"' else "&#39;")


# --- encoding ---------------------------------------------------------------------------------------------------

#: encoding labels a browser reads otherwise than Python's codec of the same name would (the WHATWG Encoding
#: standard): Latin-1 and ASCII are windows-1252; a page that declares UTF-16 in a ``<meta>`` is UTF-8.
_LABELS = {
    **dict.fromkeys("ascii us-ascii latin1 latin-1 l1 iso-8859-1 iso8859-1 iso_8859-1 cp819 ibm819 iso-ir-100 "
                    "x-user-defined windows-1252 cp1252".split(), "cp1252"),
    **dict.fromkeys("utf-16 utf-16le utf-16be unicode ucs-2 utf8 unicode-1-1-utf-8".split(), "utf-8"),
    **dict.fromkeys("iso-8859-9 latin5 l5".split(), "cp1254"),
    **dict.fromkeys("gb2312 gbk x-gbk chinese".split(), "gb18030"),
    **dict.fromkeys("euc-kr ks_c_5601-1987 korean windows-949".split(), "cp949"),
    **dict.fromkeys("shift_jis shift-jis sjis ms_kanji windows-31j".split(), "cp932"),
    **dict.fromkeys("tis-620 iso-8859-11".split(), "cp874"),
}  # fmt: skip
_CHARSET = re.compile(r"charset[\t\n\f\r ]*=[\t\n\f\r ]*[\"']?([^\"';\t\n\f\r ]+)", re.I)


def codec_of(label: str) -> str | None:
    """The Python codec that reads what a page labelled ``label`` means; None for a label nobody knows."""
    label = label.strip().lower()
    if label in _LABELS:
        return _LABELS[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def declared_encoding(data: bytes) -> str | None:
    """The encoding a ``<meta charset>`` or ``<meta http-equiv="content-type" content="...; charset=...">`` in
    the first 1024 bytes declares (as a browser's prescan finds it, comments skipped), as a Python codec."""
    head = data[:1024].decode("latin-1")
    for tok in tokenize(head):
        if tok.kind != START or tok.name != "meta":
            continue
        charset = tok.attr("charset")
        if charset is not None and (enc := codec_of(head[charset.start : charset.end])):
            return enc
        equiv, content = tok.attr("http-equiv"), tok.attr("content")
        if equiv and content and head[equiv.start : equiv.end].strip().lower() == "content-type":
            m = _CHARSET.search(head, content.start, content.end)
            if m and (enc := codec_of(m.group(1))):
                return enc
    return None


_BINARYISH = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\udc80-\udcff]")


def _html_errors(e: UnicodeError) -> tuple[str | bytes, int]:
    """Encoding the output: a byte the input could not decode (kept as a lone surrogate) is that byte again; a
    character the encoding cannot carry is a numeric character reference."""
    if not isinstance(e, UnicodeEncodeError):
        raise e
    c = e.object[e.start]
    if 0xDC80 <= ord(c) <= 0xDCFF:
        return bytes([ord(c) - 0xDC00]), e.start + 1
    return f"&#{ord(c)};", e.start + 1


codecs.register_error("pipeline.html", _html_errors)
ERRORS = "pipeline.html"

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def decode_page(data: bytes, where: str, lang: str) -> tuple[str, bytes, str]:
    """The text of a page's bytes, its byte-order mark and the codec that reads it (and writes it back).

    The encoding is the byte-order mark's, else the one a ``<meta>`` declares, else UTF-8, else a legacy
    encoding of ``lang``'s script that the bytes fit (:func:`pipeline.io.legacy_decode`). Bytes that the
    declared encoding cannot decode are kept (as lone surrogates, written back as they were) and read as
    U+FFFD. :class:`InputError` naming ``where`` for a file of no text (empty, binary, undecodable).
    """
    from pipeline.errors import InputError
    from pipeline.io import legacy_decode

    bom, codec = b"", None
    for mark, enc in _BOMS:
        if data.startswith(mark):
            bom, codec = mark, enc
            break
    body = data[len(bom) :]
    if not body.strip():
        raise InputError(f"input file is empty: {where}", "give an HTML file that contains text")
    nuls = 0 if bom else body[:8192].count(b"\x00")
    if nuls > max(1, len(body[:8192]) // 100):
        raise InputError(f"input file {where} is binary data (NUL bytes), not an HTML page", "give an HTML file")
    codec = codec or declared_encoding(body)
    if codec is None:
        try:
            text, codec = body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError as e:
            legacy = None if nuls else legacy_decode(body, lang)
            if nuls:
                raise InputError(f"input file {where} is binary data, not an HTML page", "give an HTML file") from None
            if legacy is None:
                raise InputError(
                    f"input file {where} is not UTF-8 (undecodable byte at offset {e.start}), declares no encoding "
                    "(<meta charset>) and is in no legacy encoding of its language",
                    'declare its encoding with <meta charset="..."> or convert it to UTF-8',
                ) from None
            codec = legacy[1]
            text = body.decode(codec)
    else:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            try:
                text = body.decode(codec, "surrogateescape")
            except UnicodeDecodeError as e:
                raise InputError(
                    f"input file {where} does not decode as {codec}, its declared encoding (offset {e.start})",
                    "fix its <meta charset> or convert it to UTF-8",
                ) from None
    if codec != "utf-8" and text.encode(codec, ERRORS) != body:
        log.warning("%s: %s does not give back the same bytes; parts of the page may be rewritten", where, codec)
    head = text[:65536]
    if len(_BINARYISH.findall(head)) > max(8, len(head) // 100):
        raise InputError(
            f"input file {where} looks like binary data (control characters, undecodable bytes), not an HTML page",
            "give an HTML file",
        )
    return text, bom, codec

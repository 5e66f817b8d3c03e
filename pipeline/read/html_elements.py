"""The HTML vocabulary the reader's tree construction works with (:mod:`pipeline.read.html_tree`): which elements
are blocks, which end a paragraph, which are void, protected or skipped, the scopes HTML5 looks end tags up in, and
which inline elements become which kind of code. Names as the HTML5 parsing algorithm uses them.
"""

from __future__ import annotations

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
CLOSES_P = HEADINGS | frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form header "
    "hgroup hr main menu nav ol p section summary table ul li dd dt pre listing search xmp plaintext".split()
)
TABLE_PARTS = frozenset("table caption colgroup col thead tbody tfoot tr td th".split())
P = frozenset(("p",))
TABLE = frozenset(("table",))
SECTIONS = frozenset("tbody thead tfoot tr td th caption colgroup".split())
TABLE_CLOSES = {"td": frozenset(("td", "th")), "th": frozenset(("td", "th")), "tr": frozenset(("tr", "td", "th")),
                 **dict.fromkeys(("tbody", "thead", "tfoot", "caption", "colgroup"), SECTIONS)}  # fmt: skip
#: start tags that end svg and math (HTML5 "in foreign content")
BREAKOUT = HEADINGS | frozenset(
    "b big blockquote body br center code dd div dl dt em embed head hr i img li listing menu meta nobr ol p pre "
    "ruby s small span strong strike sub sup table tt u ul var".split()
)
#: block boundaries (pushed on the stack of open blocks unless void)
BLOCKS = (
    CLOSES_P
    | TABLE_PARTS
    | frozenset("legend option optgroup select datalist noscript frameset frame template".split())
)
VOID_BLOCKS = frozenset({"hr", "col", "frame"})
SKIP_BLOCKS = frozenset({"pre", "listing", "template"})
DOC = frozenset({"html", "head", "body"})
TEXT_CONTAINERS = HEADINGS | frozenset("p li dt dd td th caption figcaption legend summary label button option".split())
PROTECTED = frozenset({"code", "kbd", "samp", "var", "svg", "math"})
VOID = frozenset("br wbr img input embed area source track param keygen basefont bgsound image meta link base".split())
RUN_VOID = frozenset({"img", "input", "embed", "image"})  # these start a block; a leading br does not
QUIET = frozenset({"script", "style", "meta", "link", "base", "comment"})  # at a block's end: left outside it
NOT_SPECIAL = frozenset({"label", "option", "optgroup", "legend", "datalist", "dialog"})
SPECIAL = (BLOCKS | {"button"}) - NOT_SPECIAL - {"address", "div", "p"}  # they end the search of li, dd, dt
LI, DD_DT = frozenset(("li",)), frozenset(("dd", "dt"))
DEFAULT_SCOPE = frozenset({"caption", "table", "td", "th", "html", "template"})
BUTTON_SCOPE = DEFAULT_SCOPE | {"button"}
LIST_SCOPE = DEFAULT_SCOPE | {"ol", "ul"}
TABLE_SCOPE = frozenset({"html", "table", "template"})
KIND = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "a": "link",
         "span": "span", "code": "code", "kbd": "code", "samp": "code", "var": "code", "tt": "code", "br": "br",
         "img": "image", "image": "image", "script": "script", "style": "script"}  # fmt: skip
ATTRS = frozenset({"alt", "title", "placeholder", "aria-label"})
DECLARED = {"author": "author", "date": "date", "article:published_time": "date", "dc.date": "date"}
META = frozenset({"description", "og:title", "og:description", "twitter:title", "twitter:description"})

"""The records of the HTML reader's tree construction (:mod:`pipeline.read.html_tree`): where a block lies in the
source (:class:`Slot`), an inline code being read (:class:`Code`) and a run of inline content being read
(:class:`Run`, its items: text spans and codes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

__all__ = ["NO_NAMES", "Code", "Item", "Run", "Slot"]


@dataclass
class Slot:
    """Where a block lies in the source: a run of inline content, a title's text or an attribute's value."""

    start: int
    end: int
    kind: str  # run, text, attr
    quote: str | None = None  # attr: ", ', "" (unquoted)
    codes: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # run: code id -> opening, closing at
    block: int = -1


class Code:
    __slots__ = ("a", "b", "close", "kind", "open_e", "open_s", "paired", "significant", "space")

    def __init__(self, kind: str, open_s: int, open_e: int, significant: bool = True, paired: bool = False) -> None:
        self.kind, self.open_s, self.open_e, self.significant = kind, open_s, open_e, significant
        self.paired = paired
        self.close: tuple[int, int] | None = None
        self.space = False  # a br: a space follows it in the text
        self.a = self.b = 0  # where its start and end are among the anchors of its run


NO_NAMES: Counter[str] = Counter()  # a run's pnames until it protects an element (never changed)
Item = tuple[int, int, int, "Code | None"]  # (_T, start, end, None) for a text, (_OPEN/_CLOSE/_ISO, 0, 0, code)


class Run:
    """A run of inline content being read: the items (text spans and codes) and the open inline elements."""

    __slots__ = (
        "foreign",
        "has_text",
        "items",
        "kind",
        "last",
        "names",
        "open",
        "pnames",
        "protect",
        "protected",
        "start",
    )

    def __init__(self, start: int, kind: str) -> None:
        self.start, self.kind = start, kind
        self.items: list[Item] = []
        self.open: list[tuple[str, Code]] = []
        self.names: dict[str, int] = {}  # how many of each name the open inline elements have (none of 0)
        self.pnames: Counter[str] = NO_NAMES  # of the elements open in the protected one (set with ``protect``)
        self.protect: Code | None = None  # a whole element being taken as one code (code, translate=no, ...)
        self.protected: list[str] = []  # the elements open in it, itself first
        self.foreign = False  # it is svg or math
        self.last = -1  # the last item that is text or a code that belongs in the block (not a trailing comment)
        self.has_text = False

    def add(self, item: Item, significant: bool) -> None:
        self.items.append(item)
        if significant:
            self.last = len(self.items) - 1

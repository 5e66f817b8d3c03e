"""The HTML reader's tree construction: which tokens of a page make which blocks (:mod:`pipeline.read.html`).

One pass over the tokens keeps the stack of open block-level elements, with the end tags HTML5 implies and end tags
looked up in their scope, so a malformed page gets a browser's block structure, and a run of inline content being
read: its text, its codes and the inline elements open in it. A run ends at a block boundary and becomes a block
when it has text; its trailing comments and scripts stay in the skeleton.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from operator import attrgetter

from pipeline.read import html_elements as el
from pipeline.read import html_tokens as tk
from pipeline.read.base import InlineCode
from pipeline.read.html_runs import Code, Run, Slot
from pipeline.read.html_tokens import END, START, TEXT, WS, Attr, Token

__all__ = ["MAX_DEPTH", "Builder"]

#: the deepest nesting of elements followed (as a browser's parser has one): deeper ones are read as if not open,
#: so that looking an element up in the stack costs at most this much
MAX_DEPTH = 512

_T, _OPEN, _CLOSE, _ISO = range(4)
#: start tags that are not a plain inline element (one that only opens a paired code) in a run of text
_NOT_PLAIN = (
    el.BLOCKS
    | el.DOC
    | el.SKIP_BLOCKS
    | el.PROTECTED
    | el.VOID
    | tk.RAWTEXT
    | tk.RCDATA
    | {"label", "button", "plaintext"}
)
_TEXT_CHAR = re.compile(r"[^ \t\n\r\f]")
_BY_START = attrgetter("start", "id")


class Builder:
    """Reads the tokens into blocks and the slots they fill (one pass; see the module's docstring)."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.stack: list[tuple[str, bool]] = []  # open block-level elements: (name, skipped)
        self.where: dict[str, list[int]] = {}  # name -> where in the stack the elements of that name are
        self.skip = 0  # how many skipped elements are open: nothing in them is translated
        self.run: Run | None = None
        self.found: list[tuple[int, str, str, tuple[InlineCode, ...], Slot]] = []  # start, kind, text, codes, slot
        self.code_id = 0
        self.metadata: dict[str, str] = {}
        self.quirks = True  # no doctype: a table does not close a paragraph

    def feed(self) -> None:
        src = self.src
        for tok in tk.tokenize(src, self._raw):
            if self.skip:
                self._skipped(tok)
                continue
            run = self.run
            if run is not None:
                if run.protect is not None:
                    if not self._ends_protect(tok, run):
                        self._absorb(tok, run)
                        continue
                    run.protect = None
                # the most common tokens inside a run, as _text, _start and _end read them
                kind = tok.kind
                if kind == TEXT:
                    items = run.items
                    items.append((_T, tok.start, tok.end, None))
                    if run.has_text or _TEXT_CHAR.search(src, tok.start, tok.end) is not None:
                        run.last = len(items) - 1
                        run.has_text = True
                    continue
                if kind == START and not tok.attrs and tok.content is None and tok.name not in _NOT_PLAIN:
                    name = tok.name
                    code = Code(el.KIND.get(name, "other"), tok.start, tok.end, paired=True)
                    run.items.append((_OPEN, 0, 0, code))
                    run.last = len(run.items) - 1
                    if len(run.open) < MAX_DEPTH:
                        run.open.append((name, code))
                        run.names[name] = run.names.get(name, 0) + 1
                    continue
                if kind == END and tok.name in run.names:
                    name, opened = tok.name, run.open
                    if opened[-1][0] != name:
                        self._close(run, tok)
                        continue
                    code = opened.pop()[1]  # the latest open element: as _close
                    left = run.names[name] - 1
                    if left:
                        run.names[name] = left
                    else:
                        del run.names[name]
                    code.close = (tok.start, tok.end)
                    run.items.append((_CLOSE, 0, 0, code))
                    run.last = len(run.items) - 1
                    continue
            if tok.kind == TEXT:
                self._text(tok)
            elif tok.kind == START:
                self._start(tok)
            elif tok.kind == END:
                self._end(tok)
            else:
                self.quirks = self.quirks and self.src[tok.start + 2 : tok.start + 9].lower() != "doctype"
                if run is not None:
                    self._iso(run, tok, "comment", significant=False)
        self._finish_run()

    def _raw(self, name: str) -> bool:
        """Whether an element ``name`` that starts here has raw text: not in svg or math (foreign content)."""
        run = self.run
        return run is None or run.protect is None or not run.foreign

    # --- the stack of open blocks ---------------------------------------------------------------------------

    def _find(self, names: frozenset[str], stops: frozenset[str], lowest: bool = False, top: int = -1) -> int | None:
        """Where the topmost (``lowest``: the lowest) element named ``names`` is in the stack below ``top``, when no
        element named ``stops`` is above it; None when there is none. Looks at each name in the stack once."""
        top = len(self.stack) if top < 0 else top
        stop, found = -1, []
        for name, at in self.where.items():
            k = bisect.bisect_left(at, top)
            if k and name in names:
                found.append((at, k))
            elif k and name in stops:
                stop = max(stop, at[k - 1])
        hits = [at[bisect.bisect_right(at, stop, 0, k)] if lowest else at[k - 1] for at, k in found if at[k - 1] > stop]
        return (min(hits) if lowest else max(hits)) if hits else None

    def _pop_through(self, i: int | None) -> None:
        if i is not None:
            self.skip -= sum(skipped for _, skipped in self.stack[i:])
            for name, _ in self.stack[i:]:
                self.where[name].pop()
                if not self.where[name]:
                    del self.where[name]
            del self.stack[i:]

    def _end_target(self, name: str) -> int | None:
        if name in el.HEADINGS:
            return self._find(el.HEADINGS, el.DEFAULT_SCOPE)
        if name not in el.BLOCKS and name not in ("label", "button"):
            return None
        stops = (el.BUTTON_SCOPE if name == "p" else el.LIST_SCOPE if name == "li"
                 else el.TABLE_SCOPE if name in el.TABLE_PARTS else el.DEFAULT_SCOPE)  # fmt: skip
        return self._find(frozenset((name,)), stops)

    def _implied(self, name: str) -> int | None:
        """Where the end tags that a start tag of block ``name`` implies close the stack of open blocks (HTML5 tree
        construction, in body and in tables); None when it closes nothing."""
        stack = self.stack
        closes_p = name in el.CLOSES_P and not (name == "table" and self.quirks)
        p = self._find(el.P, el.BUTTON_SCOPE) if closes_p else None
        top = len(stack) if p is None else p  # the rules below apply to what the p leaves open
        at = None
        if name in el.HEADINGS:
            at = top - 1 if top and stack[top - 1][0] in el.HEADINGS else None
        elif name in ("li", "dd", "dt"):
            same = el.LI if name == "li" else el.DD_DT
            at = self._find(same, el.SPECIAL - same, top=top)
        elif name in el.TABLE_CLOSES:
            at = self._find(el.TABLE_CLOSES[name], el.TABLE_SCOPE, lowest=True, top=top)
        elif name in ("option", "optgroup"):
            at = top - 1 if top and stack[top - 1][0] == "option" else None
            below = top - 1 if at is None else at - 1
            if name == "optgroup" and below >= 0 and stack[below][0] == "optgroup":
                at = below
        elif name == "button":
            at = self._find(frozenset(("button",)), el.DEFAULT_SCOPE, top=top)
        return p if at is None else at

    def _open_block(self, name: str) -> None:
        self._pop_through(self._implied(name))

    def _push(self, name: str, skipped: bool) -> None:
        if name not in el.VOID_BLOCKS and len(self.stack) < MAX_DEPTH:
            self.where.setdefault(name, []).append(len(self.stack))
            self.stack.append((name, skipped))
            self.skip += skipped

    def _container_kind(self) -> str:
        if not self.stack:
            return "other"
        name = self.stack[-1][0]
        if name == "p":
            return "quote" if "blockquote" in self.where else "paragraph"
        if name in el.HEADINGS:
            return "heading"
        return {"li": "list_item", "dt": "list_item", "dd": "list_item", "td": "table_cell", "th": "table_cell",
                "caption": "caption", "figcaption": "caption", "legend": "caption",
                "blockquote": "quote"}.get(name, "other")  # fmt: skip

    def _is_block(self, name: str) -> bool:
        if name in ("label", "button"):
            return not (self.stack and self.stack[-1][0] in el.TEXT_CONTAINERS)
        return (name in el.BLOCKS or name in el.DOC) and not self._stray_cell(name)

    def _stray_cell(self, name: str) -> bool:
        """A table part outside a table: a browser ignores the tag (here: an inline element, no block of its own)."""
        return name in el.TABLE_PARTS and name != "table" and self._find(el.TABLE, el.TABLE_SCOPE) is None

    # --- tokens ---------------------------------------------------------------------------------------------

    def _skipped(self, tok: Token) -> None:
        """A token inside a skipped element: only the block structure is followed."""
        name = tok.name
        if tok.kind == START and tok.content is None and name in el.BLOCKS and not self._stray_cell(name):
            self._open_block(name)
            if self.skip:
                self._push(name, tk.no_translate(self.src, tok) or name in el.SKIP_BLOCKS)
            else:  # the start tag closed the skipped element: this one is read as usual
                self._start(tok)
        elif tok.kind == START and name in ("xmp", "plaintext"):
            self._open_block(name)
        elif tok.kind == END:
            self._pop_through(self._end_target(name))

    def _ends_protect(self, tok: Token, run: Run) -> bool:
        """Whether ``tok`` ends the protected element being read, to be read as usual itself: a start tag that
        closes a block the element is in (in svg and math: one that breaks out of them), an end tag of such a
        block."""
        if tok.kind == START:
            if run.foreign:
                return tok.name in el.BREAKOUT
            return (tok.name in el.BLOCKS or tok.name in ("xmp", "plaintext")) and self._implied(tok.name) is not None
        if tok.kind != END or tok.name in run.pnames:
            return False
        return tok.name == "p" or (run.foreign and tok.name == "br") or self._end_target(tok.name) is not None

    def _absorb(self, tok: Token, run: Run) -> None:
        assert run.protect is not None
        run.protect.open_e = tok.end
        if tok.kind == START and tok.content is None and tok.name not in el.VOID:
            if len(run.protected) < MAX_DEPTH:
                run.protected.append(tok.name)
                run.pnames[tok.name] += 1
        elif tok.kind == END and tok.name in run.pnames:
            at = len(run.protected) - 1 - run.protected[::-1].index(tok.name)
            run.pnames.subtract(run.protected[at:])
            run.pnames = +run.pnames  # no names of count 0
            del run.protected[at:]
            if not run.protected:
                run.protect = None

    def _text(self, tok: Token) -> None:
        run, start = self.run, tok.start
        if run is None:
            rest = self.src[start : tok.end].lstrip(WS)
            if not rest:
                return
            start = tok.end - len(rest)
            run = self._new_run(start)
        text = run.has_text or _TEXT_CHAR.search(self.src, start, tok.end) is not None
        run.add((_T, start, tok.end, None), text)
        run.has_text = text

    def _new_run(self, start: int) -> Run:
        self.run = Run(start, self._container_kind())
        return self.run

    def _iso(self, run: Run, tok: Token, kind: str, significant: bool = True) -> Code:
        code = Code(kind, tok.start, tok.end, significant)
        run.add((_ISO, 0, 0, code), significant)
        return code

    def _start(self, tok: Token) -> None:
        name, src = tok.name, self.src
        protected = tk.no_translate(src, tok)
        if tok.content is not None:  # script, style, title, textarea, ...: the element is one token
            if name == "title":
                self._finish_run()
                if not protected:
                    self._title(tok)
            elif name in ("xmp", "plaintext"):
                self._finish_run()
                self._open_block(name)
            else:
                if not protected and name not in ("script", "style"):
                    self._attrs(tok)
                if self.run is not None:
                    kind = "protected" if protected else el.KIND.get(name, "other")
                    self._iso(self.run, tok, kind, significant=name not in el.QUIET)
            return
        if self._is_block(name) or name in el.SKIP_BLOCKS:
            self._finish_run()
            if name in el.DOC:
                return
            self._open_block(name)
            self._push(name, protected or name in el.SKIP_BLOCKS)
            if not protected:
                self._attrs(tok)
            return
        if not protected:
            if name == "meta":
                self._meta(tok)
            self._attrs(tok)
        run = self.run
        if protected or name in el.PROTECTED:
            run = run or self._new_run(tok.start)
            code = self._iso(run, tok, "protected" if protected else el.KIND.get(name, "other"))
            if name not in el.VOID:
                run.protect, run.protected, run.foreign = code, [name], name in ("svg", "math")
                run.pnames = Counter(run.protected)
        elif name in el.VOID:
            if run is None and name not in el.RUN_VOID:
                return
            run = run or self._new_run(tok.start)
            self._iso(run, tok, el.KIND.get(name, "other"), significant=name not in el.QUIET).space = name == "br"
        else:
            run = run or self._new_run(tok.start)
            code = Code(el.KIND.get(name, "other"), tok.start, tok.end, paired=True)
            run.add((_OPEN, 0, 0, code), True)
            if len(run.open) < MAX_DEPTH:
                run.open.append((name, code))
                run.names[name] = run.names.get(name, 0) + 1

    def _close(self, run: Run, tok: Token) -> None:
        """An end tag of an inline element open in the run: it closes the latest open one of its name."""
        name, opened = tok.name, run.open
        for i in range(len(opened) - 1, -1, -1):
            if opened[i][0] == name:
                code = opened.pop(i)[1]
                left = run.names[name] - 1
                if left:
                    run.names[name] = left
                else:
                    del run.names[name]
                code.close = (tok.start, tok.end)
                run.add((_CLOSE, 0, 0, code), True)
                return

    def _end(self, tok: Token) -> None:
        name, run = tok.name, self.run
        if run is not None and name in run.names:
            self._close(run, tok)
            return
        if name == "br":  # </br> is a <br>
            if run is not None:
                self._iso(run, tok, "br").space = True
            return
        target = self._end_target(name)
        if target is not None or name == "p":
            self._finish_run()
            self._pop_through(target)
        elif run is not None:
            self._iso(run, tok, "other")  # a stray end tag

    # --- blocks ---------------------------------------------------------------------------------------------

    def _finish_run(self) -> None:
        run, self.run = self.run, None
        if run is None:
            return
        if not run.has_text:
            return  # no text: the run stays in the skeleton as it is
        src, items, last = self.src, run.items, run.last
        raw: list[str] = []
        rlen = 0
        codes: list[Code] = []
        anchors: list[tuple[int, bool]] = []  # in the order of the source: (offset in the raw text, a closing)
        for what, s, e, code in items[: last + 1]:
            if code is None:
                piece = src[s:e]
                if "&" in piece:
                    piece = tk.decode_refs(piece)
                raw.append(piece)
                rlen += len(piece)
            elif what == _CLOSE:
                code.b = len(anchors)
                anchors.append((rlen, True))
            else:
                code.a = code.b = len(anchors)
                anchors.append((rlen, False))
                codes.append(code)
                if code.space:
                    raw.append(" ")
                    rlen += 1
        what, s, e, code = items[last]  # the block ends with the last item that belongs in it
        if code is None:  # text: without its trailing whitespace
            piece = src[s:e].rstrip(WS)
            e = s + len(piece)
            if "&" in piece:
                piece = tk.decode_refs(piece)
            rlen += len(piece) - len(raw[-1])
            raw[-1] = piece
            end = e
        elif what == _CLOSE:
            assert code.close is not None
            end = code.close[1]
        else:
            end = code.open_e
        for c in codes:
            if c.paired and c.close is None:
                c.b = len(anchors)
                anchors.append((rlen, True))
        text, where = tk.collapse(tk.clean("".join(raw)), anchors)  # clean keeps every length
        slot = Slot(run.start, end, "run")
        out = []
        code_id = self.code_id
        at = slot.codes
        for c in codes:
            code_id += 1
            start = where[c.a]
            close = c.close
            if c.paired:
                stop = max(start, where[c.b])
                closing = src[close[0] : close[1]] if close else ""
                out.append(InlineCode(code_id, c.kind, start, stop, src[c.open_s : c.open_e], closing, False, False))
            else:
                out.append(InlineCode(code_id, c.kind, start, start, src[c.open_s : c.open_e], "", True, False))
            at[code_id] = (c.open_s, c.open_e, close[0] if close else end)
        self.code_id = code_id
        out.sort(key=_BY_START)
        self.found.append((run.start, run.kind, text, tuple(out), slot))

    def _title(self, tok: Token) -> None:
        cs, ce = tok.content  # type: ignore[misc]
        body = self.src[cs:ce]
        text = tk.plain(body)
        if text:
            start = cs + len(body) - len(body.lstrip(WS))
            self.found.append((start, "title", text, (), Slot(start, start + len(body.strip(WS)), "text")))
            self.metadata.setdefault("title", text)

    def _attr(self, a: Attr, kind: str) -> str:
        text = tk.plain(self.src[a.start : a.end], attribute=True) if a.quote is not None else ""
        if text:
            self.found.append((a.start, kind, text, (), Slot(a.start, a.end, "attr", a.quote)))
        return text

    def _attrs(self, tok: Token) -> None:
        seen = set()
        for a in tok.attrs:
            if a.name in seen:
                continue  # a repeated attribute is ignored
            seen.add(a.name)
            if a.name in el.ATTRS:
                self._attr(a, "attribute")
            elif a.name == "value" and tok.name == "input":
                t = tok.attr("type")
                if t is not None and self.src[t.start : t.end].strip(WS).lower() in ("submit", "button", "reset"):
                    self._attr(a, "attribute")

    def _meta(self, tok: Token) -> None:
        key, content = tok.attr("name") or tok.attr("property"), tok.attr("content")
        if key is not None and content is not None:
            name = self.src[key.start : key.end].strip(WS).lower()
            if name in el.META and (text := self._attr(content, "meta")) and name == "description":
                self.metadata.setdefault("description", text)
            elif name in el.DECLARED and (text := tk.plain(self.src[content.start : content.end], attribute=True)):
                self.metadata.setdefault(el.DECLARED[name], text)  # not translated: the author, the date

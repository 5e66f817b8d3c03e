"""TSV writer: ``source<TAB>target<TAB>score`` per pair, for Moses-style/TSV parallel corpora.

No header line (Moses and most TSV corpus tools expect none). The score has three decimals. One
line per pair, LF line ends, UTF-8.

Inside the text, tabs and line breaks (TAB, LF, CR, VT, FF, U+001C-U+001E, U+0085, U+2028, U+2029 --
everything :meth:`str.splitlines` would split on) become single spaces, and lone surrogates (which
UTF-8 cannot encode) are removed; when that happens one warning on this module's logger reports the
number of characters changed and the ids of the pairs concerned.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

from pipeline.records import AlignedPair, Signature
from pipeline.write.output import document_format

__all__ = ["render", "safe_sides", "tsv_safe"]

logger = logging.getLogger(__name__)

_BREAKS = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_MAX_IDS_LOGGED = 20


def tsv_safe(text: str) -> tuple[str, int]:
    """``text`` with tabs/line breaks replaced by spaces and lone surrogates removed, and the count changed."""
    text, n_breaks = _BREAKS.subn(" ", text)
    text, n_surr = _SURROGATES.subn("", text)
    return text, n_breaks + n_surr


def safe_sides(pairs: Sequence[AlignedPair], label: str, log: logging.Logger) -> list[tuple[str, str]]:
    """Each pair's (source, target) through :func:`tsv_safe`; what was changed is logged once, as ``label``."""
    sides: list[tuple[str, str]] = []
    changed = 0
    ids: list[int] = []
    for p in pairs:
        src, n_src = tsv_safe(p.src)
        tgt, n_tgt = tsv_safe(p.tgt)
        if n_src or n_tgt:
            changed += n_src + n_tgt
            ids.append(p.id)
        sides.append((src, tgt))
    if changed:
        shown = ", ".join(str(i) for i in ids[:_MAX_IDS_LOGGED]) + (" ..." if len(ids) > _MAX_IDS_LOGGED else "")
        log.warning(
            "%s: replaced or removed %d tab/line-break/unencodable character(s) in %d pair(s) (ids %s)",
            label,
            changed,
            len(ids),
            shown,
        )
    return sides


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> str:
    """All pairs as TSV lines (empty string for no pairs).

    ``signature``, languages and ``creation_date`` are accepted for a uniform writer interface and
    not written (a bare TSV has no place for them; write JSONL or TMX alongside to keep provenance).
    """
    sides = safe_sides(pairs, "TSV", logger)
    return "".join(f"{src}\t{tgt}\t{p.score:.3f}\n" for (src, tgt), p in zip(sides, pairs, strict=True))


#: the ``tsv`` output format (registered in :data:`pipeline.write.config.FORMATS`)
FORMAT = document_format(
    "tsv", ".tsv", lambda pairs, ctx: render(pairs, **ctx.kwargs()), description=".tsv: src, tgt, score"
)

"""Moses plain-text writer: two line-aligned files, ``<base>.<src_lang>`` and ``<base>.<tgt_lang>``.

Line *n* of one file is the translation of line *n* of the other (the layout of OPUS/Moses corpora,
e.g. ``Europarl.de-en.de`` / ``Europarl.de-en.en``). One line per pair, LF line ends, UTF-8, no
header. A pair with an empty side (a 1-0 or 0-1 bead) gives an empty line on that side, so the files
stay aligned; Moses' ``clean-corpus-n.perl`` drops such lines itself.

The text is written as is (no tokenisation, no escaping of ``| < > [ ]``: that is the tokeniser's
job). Only what would break the line alignment is changed: tabs and line breaks inside a segment (TAB,
LF, CR, VT, FF, U+001C-U+001E, U+0085, U+2028, U+2029) become single spaces, and lone surrogates
(which UTF-8 cannot encode) are removed; when that happens one warning on this module's logger reports
the number of characters changed and the ids of the pairs concerned.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from pipeline.records import AlignedPair, Signature
from pipeline.write.output import OutputFormat, RenderContext, Rendered
from pipeline.write.tsv import safe_sides

__all__ = ["file_names", "render"]

logger = logging.getLogger(__name__)


def file_names(base: str, src_lang: str, tgt_lang: str) -> tuple[str, str]:
    """The source-side and target-side file names for ``base`` (e.g. ``doc.en-ko.en``, ``doc.en-ko.ko``)."""
    if src_lang == tgt_lang:
        raise ValueError(f"Moses output needs two different languages, got {src_lang!r} twice")
    return f"{base}.{src_lang}", f"{base}.{tgt_lang}"


def render(
    pairs: Sequence[AlignedPair],
    *,
    signature: Signature,
    src_lang: str,
    tgt_lang: str,
    creation_date: datetime | None = None,
) -> tuple[str, str]:
    """The source-side and target-side documents (each empty for no pairs, else one LF-ended line per pair).

    ``signature`` and ``creation_date`` are accepted for a uniform writer interface and not written
    (plain text has no place for them; write JSONL or TMX alongside to keep provenance).
    """
    sides = safe_sides(pairs, "Moses", logger)
    return "".join(src + "\n" for src, _ in sides), "".join(tgt + "\n" for _, tgt in sides)


def _files(pairs: Sequence[AlignedPair], base: str, ctx: RenderContext) -> list[Rendered]:
    src_name, tgt_name = file_names(base, ctx.src_lang, ctx.tgt_lang)
    src_text, tgt_text = render(pairs, **ctx.kwargs())
    return [Rendered(src_name, data=src_text.encode("utf-8")), Rendered(tgt_name, data=tgt_text.encode("utf-8"))]


#: the ``moses`` output format: two line-aligned files (registered in :data:`pipeline.write.config.FORMATS`)
FORMAT = OutputFormat("moses", _files, description=".en + .<lang>: line-aligned plain text")

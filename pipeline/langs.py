"""Language codes: the one validator every stage uses; and the script of a letter.

A code is BCP-47-shaped: a primary subtag of letters, then optional subtags of 1-8 letters or digits
(``en``, ``pt-BR``, ``zh-Hans``). What the pipeline keys on (segmentation rules, embedder choice,
models) is the primary ISO 639 subtag, lower case; :func:`lang_code` returns it. The writers keep the
whole tag as given (``xml:lang``, dataset cards): :func:`lang_tag` checks it. Both raise
:class:`~pipeline.errors.ConfigError` with a one-line message and a fix.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.errors import ConfigError

__all__ = ["lang_code", "lang_tag", "script_of"]

# A primary subtag, then subtags joined by "-" (BCP-47) or "_" (POSIX locales such as pt_BR; lang_code only).
_TAG = re.compile(r"([A-Za-z]{1,8})((?:[-_][A-Za-z0-9]{1,8})*)")


def _split(code: object) -> tuple[str, str] | None:
    """(primary subtag, the rest) of a BCP-47-shaped code; None for anything else."""
    m = _TAG.fullmatch(code) if isinstance(code, str) else None
    return None if m is None else (m.group(1), m.group(2))


def lang_code(code: str, what: str = "language", *, normalise: bool = True) -> str:
    """The primary ISO 639 subtag of ``code``, lower case: ``zh-Hans`` -> ``zh``, ``pt_BR`` -> ``pt``, ``EN`` -> ``en``.

    ``normalise=False``: ``code`` must already be that normal form (2-3 lowercase letters and nothing
    else), as where the code names rules or files. ``what`` names the code in the message
    ("source language"). Raises ConfigError for anything else.
    """
    given = code.strip() if normalise and isinstance(code, str) else code
    parts = _split(given)
    primary = parts[0].lower() if parts is not None and 2 <= len(parts[0]) <= 3 else None
    if normalise:
        if primary is None:
            raise ConfigError(
                f"{what} code {code!r} is not a language code", "use an ISO 639-1 code such as en, ko, uk, ru"
            )
        return primary
    if primary is None or given != primary:
        example = repr(primary) if primary is not None else "'en', 'ko', 'uk', 'ru', 'de', 'zh'"
        raise ConfigError(f"invalid {what} code {code!r}", f"use a 2-3 letter lowercase ISO 639 code such as {example}")
    return primary


def lang_tag(code: str, what: str = "language") -> str:
    """``code`` unchanged if it is a BCP-47-shaped tag (``en``, ``pt-BR``, ``zh-Hans``); ConfigError otherwise."""
    parts = _split(code)
    if parts is None or "_" in parts[1]:
        raise ConfigError(f"{what} {code!r} is not a BCP-47 code", "use a code like en, ko, uk, ru")
    return code


def script_of(ch: str) -> str:
    """A coarse script name for one letter."""
    o = ord(ch)
    if 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F or 0xA960 <= o <= 0xA97F:
        return "hangul"
    if 0x0400 <= o <= 0x052F or 0x1C80 <= o <= 0x1C8F or 0x2DE0 <= o <= 0x2DFF or 0xA640 <= o <= 0xA69F:
        return "cyrillic"
    if o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
        return "latin"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
        return "han"
    if 0x3040 <= o <= 0x30FF:
        return "kana"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0].lower() if name else "other"

"""Finding glossary terms in a source sentence and accepted forms in its translation.

Source side (English): a term matches on word boundaries (no letter or digit right before or after),
case-insensitively unless the entry is case-sensitive. Words of a multi-word term may be separated by
any whitespace or a hyphen (``Kim Jong Un`` = ``Kim Jong-un``), straight and curly apostrophes are the
same, and the *last* word may carry an English plural (``soldier`` -> ``soldiers``, ``box`` ->
``boxes``, ``army`` -> ``armies``). A possessive ``'s``/``'`` after the term is left outside the match
(so :func:`pipeline.glossary.protect` keeps it for the model: ``Zelenskyy's`` -> ``(1)'s``). Where
terms overlap, the leftmost, then the longest wins (``Volodymyr Zelenskyy`` over ``Zelenskyy``).

Target side (:func:`target_has_form`): an accepted form is found on word boundaries, ignoring case
(unless the entry is case-sensitive), after Unicode NFC, with apostrophes unified, soft hyphens
removed and, in Russian, ``ё`` read as ``е``; words of a multi-word form may be separated by
whitespace or a hyphen. The target language's inflection is allowed:

* **Russian, Ukrainian**: each word of the form is cut into stem + ending, the ending being the
  longest of a fixed list of noun and adjective case endings (:data:`RU_ENDINGS`,
  :data:`UK_ENDINGS`) that leaves a stem of at least 3 letters, and any ending of the list (or none)
  may follow the stem. ``Курськ`` thus matches ``Курської``/``Курську``, ``Зеленський`` matches
  ``Зеленського``, ``Україна`` matches ``Україні``, and ``Північна Корея`` matches ``Північної
  Кореї``. Words in capitals (acronyms: ``НСР``) and words with other characters are matched as written.
  This is a stemmer, not a morphological analyser: it accepts a few non-words (harmless for a check
  that looks for a *missing* term) and does not know suppletive forms (``Курщина`` must be listed
  as its own form).
* **Korean**: up to three particles (:data:`KO_PARTICLES`: 은/는, 이/가, 을/를, 의, 에, 에서, 서, 로/으로,
  와/과, 도, 만, the copula, ...) may follow the form, and then no other Hangul: ``쿠르스크에서``,
  ``김정은은`` and ``김정은이`` match ``쿠르스크``/``김정은``; a compound such as ``북한군`` does not match
  ``북한``. Spaces between the syllables of a Korean form are optional either way (``국가 정보원`` =
  ``국가정보원``): the spacing of Korean compounds varies.
* Any other language: the form as written (word boundaries, case, spacing as above).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.glossary.model import Entry, Glossary, lang_key

__all__ = [
    "KO_PARTICLES",
    "RU_ENDINGS",
    "UK_ENDINGS",
    "TermMatch",
    "find_terms",
    "form_pattern",
    "normalise",
    "target_has_form",
]

# Noun and adjective case endings (all cases, both numbers), longest first when stripping.
RU_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        set(
            "а я о е ё ы и у ю ь ой ей ёй ою ею ом ем ём ам ям ами ями ах ях ов ев ёв "
            "ия ие ий ию ии ием ией иям иями иях ье ья ью ьи ьё ьям ьями ьях ьев ьей "
            "ый ая яя ое ее ые ого его ому ему ым им ую юю ых их ыми ими".split()
        ),
        key=lambda s: (-len(s), s),
    )
)
UK_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        set(
            "а я о е є и і ї у ю ь ою ею єю ом ем єм ам ям ами ями ах ях ів їв ей ові еві єві "
            "ія ії ію ією ій ья ью ьо ий ого ього ому ьому ім им ої ьої ую юю их іх ими іми".split()
        ),
        key=lambda s: (-len(s), s),
    )
)
_ENDINGS = {"ru": RU_ENDINGS, "uk": UK_ENDINGS, "be": UK_ENDINGS}
MIN_STEM = 3

#: Korean particles (and copula forms) that may follow a noun, longest first.
KO_PARTICLES: tuple[str, ...] = tuple(
    sorted(
        set(
            "이 가 은 는 을 를 의 에 에서 서 에게 에게서 께 께서 한테 와 과 랑 이랑 로 으로 로서 으로서 "
            "로써 으로써 도 만 까지 부터 보다 처럼 같이 마다 조차 마저 밖에 나 이나 든지 이든지 뿐 대로 만큼 "
            "야 이야 들 인 이다 다 였다 이었다 이며 며 이고 고 라는 이라는 라고 이라고 라며 이라며 란 이란 "
            "에도 에는 에서는 에서도 요 이요".split()
        ),
        key=lambda s: (-len(s), s),
    )
)

_APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4"
_APOS_CLASS = "['\u2019\u02bc\u2018`\u00b4]"
_SEP = r"(?:\s+|\s*[-\u2010\u2011]\s*)"  # between words of a multi-word term or form


def normalise(text: str, lang: str = "") -> str:
    """NFC, apostrophes unified to ``'``, soft hyphens removed; Russian ``ё`` read as ``е``."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    text = text.translate({ord(c): "'" for c in _APOSTROPHES})
    if lang_key(lang) == "ru":
        text = text.replace("ё", "е").replace("Ё", "Е")
    return text


# --------------------------------------------------------------------------- source side


@dataclass(frozen=True)
class TermMatch:
    """A glossary term found in a source text: ``text[start:end]`` is ``surface``."""

    entry: Entry
    start: int
    end: int
    surface: str


def _escape_word(word: str) -> str:
    return "".join(_APOS_CLASS if c in _APOSTROPHES else re.escape(c) for c in word)


def _plural(word: str) -> str:
    """The last word of a source term with an optional English plural ending."""
    base = _escape_word(word)
    if not word[-1:].isalpha():
        return base
    alts = [base + "(?:e?s)?"]
    if len(word) > 1 and word[-1] in "yY" and word[-2].lower() not in "aeiou":
        alts.append(_escape_word(word[:-1]) + "(?:ies|IES)")
    return "(?:" + "|".join(alts) + ")"


@lru_cache(maxsize=4096)
def _source_regex(source: str, case_sensitive: bool) -> re.Pattern[str] | None:
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", source.strip()) if w]
    if not words:
        return None
    body = _SEP.join([*(_escape_word(w) for w in words[:-1]), _plural(words[-1])])
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if case_sensitive else re.IGNORECASE)


@lru_cache(maxsize=65536)
def _prefilter(source: str) -> str:
    """A piece of the term's first word that any match contains (casefolded): a cheap test before the regex."""
    first = re.split(r"[\s\-\u2010\u2011'\u2019\u02bc\u2018`\u00b4]+", source.strip(), maxsplit=1)[0].casefold()
    return first[:-1] if len(first) > 1 else first  # army -> arm (armies)


def find_terms(glossary: Glossary | Sequence[Entry], src_text: str) -> list[TermMatch]:
    """The glossary terms in ``src_text``, left to right, without overlaps (leftmost, then longest wins)."""
    entries = glossary.entries if isinstance(glossary, Glossary) else tuple(glossary)
    folded = src_text.casefold()
    found: list[tuple[int, int, int, Entry]] = []
    for order, e in enumerate(entries):
        if _prefilter(e.source) not in folded:
            continue
        rx = _source_regex(e.source, e.case_sensitive)
        if rx is None:
            continue
        for m in rx.finditer(src_text):
            found.append((m.start(), -(m.end() - m.start()), order, e))
    found.sort(key=lambda t: t[:3])
    out: list[TermMatch] = []
    end = -1
    for start, neg_len, _, e in found:
        if start >= end:
            stop = start - neg_len
            out.append(TermMatch(e, start, stop, src_text[start:stop]))
            end = stop
    return out


# --------------------------------------------------------------------------- target side


def _slavic_word(word: str, endings: tuple[str, ...]) -> str:
    if not re.fullmatch(r"[^\W\d_]+", word) or (word.isupper() and len(word) > 1) or len(word) < 2:
        return _escape_word(word)
    low = word.lower()
    stem = word
    for ending in endings:  # longest first
        if low.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            stem = word[: -len(ending)]
            break
    return re.escape(stem) + "(?:" + "|".join(map(re.escape, endings)) + ")?"


def _all_hangul(word: str) -> bool:
    return all("\uac00" <= c <= "\ud7a3" for c in word)


@lru_cache(maxsize=4096)
def form_pattern(form: str, tgt_lang: str, case_sensitive: bool = False) -> re.Pattern[str] | None:
    """The compiled pattern that finds ``form`` (inflected as the module docstring says) in a normalised text."""
    lang = lang_key(tgt_lang)
    words = [w for w in re.split(r"[\s\-\u2010\u2011]+", normalise(form, lang).strip()) if w]
    if not words:
        return None
    if lang in _ENDINGS:
        body = _SEP.join(_slavic_word(w, _ENDINGS[lang]) for w in words)
    elif lang == "ko":  # Korean spacing of compounds varies: 국가정보원 = 국가 정보원
        body = r"\s*".join(r"\s*".join(re.escape(c) for c in w) if _all_hangul(w) else _escape_word(w) for w in words)
        body += "(?:" + "|".join(KO_PARTICLES) + "){0,3}"
    else:
        body = _SEP.join(_escape_word(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if case_sensitive else re.IGNORECASE)


def target_has_form(forms: Sequence[str], tgt_text: str, tgt_lang: str, *, case_sensitive: bool = False) -> bool:
    """Whether any of ``forms`` (accepted target forms of one term) occurs in ``tgt_text``."""
    text = normalise(tgt_text, tgt_lang)
    for form in forms:
        rx = form_pattern(form, tgt_lang, case_sensitive)
        if rx is not None and rx.search(text):
            return True
    return False

"""Keeping glossary terms through a translator: protect them as placeholders, put the target form back.

``glossary.enforce: true`` works on texts only, before and after any translator (HF or CTranslate2):

1. :func:`protect` replaces each matched source term by a placeholder ``(1)``, ``(2)``, ... (numbers
   that do not occur as ``(n)`` in the sentence already);
2. the sentence is translated as usual;
3. :func:`restore` replaces each placeholder found in the translation by the term's first accepted
   target form, and returns the slots whose placeholder the model dropped or mangled: the caller
   flags those pairs (the term is then also missing, so ``term_missing`` flags them too). A dropped
   placeholder is never guessed at.

The placeholders are :mod:`pipeline.placeholders`' (why ``(n)``, and one numbering with the inline codes of
documents, :mod:`pipeline.read.codes`).

Fluency: the form put back is the glossary's (a nominative in Russian and Ukrainian), whatever case
the sentence needs, so an inflected language gets ``... поблизу Курськ`` where ``Курська`` was due.
After the form, a Korean particle written for the placeholder is corrected to agree with the form's
last syllable (은/는, 이/가, 을/를, 과/와, 으로/로, ...), and a form put at the very start of the
sentence gets a capital letter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.glossary.match import TermMatch, find_terms
from pipeline.glossary.model import Glossary, lang_key
from pipeline.placeholders import PLACEHOLDER, free_numbers, placeholder_pattern
from pipeline.records import Signature
from pipeline.translate.base import Output

__all__ = [
    "PLACEHOLDER",
    "Enforced",
    "Slot",
    "placeholder_pattern",
    "protect",
    "protect_texts",
    "restore",
    "restore_texts",
    "terms_signature",
    "translate_terms",
]


# Korean particles that change with the last syllable of the noun: (after a consonant, after a vowel).
_KO_ALLOMORPHS: tuple[tuple[str, str], ...] = (
    ("이라는", "라는"),
    ("이라고", "라고"),
    ("이라며", "라며"),
    ("으로서", "로서"),
    ("으로써", "로써"),
    ("으로", "로"),
    ("이랑", "랑"),
    ("이나", "나"),
    ("이란", "란"),
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
)
_KO_SINGLE = {a for pair in _KO_ALLOMORPHS for a in pair if len(a) == 1}
_KO_ANY = sorted({a for pair in _KO_ALLOMORPHS for a in pair}, key=lambda s: (-len(s), s))
_KO_AFTER_SINGLE = "의는도만"  # particles that may follow 과/와 (과의, 와는)


@dataclass(frozen=True)
class Slot:
    """A protected term: ``placeholder`` (slot ``n``) stands for ``match`` in the protected text."""

    n: int
    placeholder: str
    match: TermMatch


def protect(text: str, matches: Sequence[TermMatch]) -> tuple[str, tuple[Slot, ...]]:
    """``text`` with each match replaced by a placeholder, and the slots in text order.

    ``matches`` come from :func:`pipeline.glossary.find_terms` on ``text`` (non-overlapping). Placeholder
    numbers count from 1, skipping any number already written as ``(n)`` in ``text``.
    """
    ordered = sorted(matches, key=lambda m: m.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.start < a.end:
            raise ValueError(f"overlapping term matches {a.surface!r} and {b.surface!r}")
    for m in ordered:
        if text[m.start : m.end] != m.surface:
            raise ValueError(f"term match {m.surface!r} is not at {m.start}:{m.end} of the text")
    numbers = free_numbers(text, len(ordered))
    slots = [Slot(n, PLACEHOLDER.format(n=n), m) for n, m in zip(numbers, ordered, strict=True)]
    out = text
    for s in reversed(slots):
        out = out[: s.match.start] + s.placeholder + out[s.match.end :]
    return out, tuple(slots)


def _batchim(syllable: str) -> int | None:
    """The final consonant index of a Hangul syllable (0: none, 8: ㄹ), None for anything else."""
    code = ord(syllable) - 0xAC00
    return code % 28 if 0 <= code < 11172 else None


def _ko_particle(form: str, rest: str) -> tuple[str, int]:
    """The particle at the start of ``rest`` agreed with ``form``'s last syllable, and its length (0: none)."""
    jong = _batchim(form[-1]) if form else None
    if jong is None:
        return "", 0
    for p in _KO_ANY:
        if not rest.startswith(p):
            continue
        after = rest[len(p) : len(p) + 1]
        if p in _KO_SINGLE and after and _batchim(after) is not None:
            if not (p in "과와" and after in _KO_AFTER_SINGLE):
                return "", 0  # part of a longer word
        for consonant, vowel in _KO_ALLOMORPHS:
            if p in (consonant, vowel):
                if consonant.startswith("으로"):
                    use_vowel = jong == 0 or jong == 8  # 로 after a vowel or ㄹ
                else:
                    use_vowel = jong == 0
                return (vowel if use_vowel else consonant), len(p)
    return "", 0


def _capitalise_at_start(form: str, out: str) -> str:
    if not out.strip(" \t\"'\u201c\u201e\u00ab\u2018(") and form[:1].islower():
        return form[:1].upper() + form[1:]
    return form


def restore(translated: str, slots: Sequence[Slot], tgt_lang: str) -> tuple[str, tuple[Slot, ...]]:
    """``translated`` with each slot's placeholder replaced by its first accepted ``tgt_lang`` form.

    Returns the text and the slots that could not be restored: the placeholder is not in the
    translation, or the entry has no form for ``tgt_lang``. Those placeholders are left as the model
    wrote them (nothing is guessed); the caller flags the pair.
    """
    lang = lang_key(tgt_lang)
    missing: list[Slot] = []
    text = translated
    for slot in slots:
        forms = slot.match.entry.forms(lang)
        rx = placeholder_pattern(slot.n)
        if not forms or not rx.search(text):
            missing.append(slot)
            continue
        form = forms[0]
        pieces: list[str] = []
        pos = 0
        for m in rx.finditer(text):
            pieces.append(text[pos : m.start()])
            pieces.append(_capitalise_at_start(form, "".join(pieces)))
            pos = m.end()
            if lang == "ko":
                particle, used = _ko_particle(form, text[pos:])
                if used:
                    pieces.append(particle)
                    pos += used
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text, tuple(missing)


def protect_texts(texts: Sequence[str], glossary: Glossary, tgt_lang: str) -> tuple[list[str], list[tuple[Slot, ...]]]:
    """:func:`protect` over a batch: the terms of ``glossary`` that have a ``tgt_lang`` form, in each text."""
    local = glossary.for_lang(tgt_lang)
    out: list[str] = []
    slots: list[tuple[Slot, ...]] = []
    for text in texts:
        protected, s = protect(text, find_terms(local, text)) if local.entries else (text, ())
        out.append(protected)
        slots.append(s)
    return out, slots


def restore_texts(
    translations: Sequence[str], slots: Sequence[Sequence[Slot]], tgt_lang: str
) -> tuple[list[str], list[tuple[Slot, ...]]]:
    """:func:`restore` over a batch (``slots`` as :func:`protect_texts` returned them, in the same order)."""
    if len(translations) != len(slots):
        raise ValueError(f"{len(translations)} translations for {len(slots)} protected texts")
    texts: list[str] = []
    missing: list[tuple[Slot, ...]] = []
    for translated, s in zip(translations, slots, strict=True):
        text, lost = restore(translated, s, tgt_lang) if s else (translated, ())
        texts.append(text)
        missing.append(lost)
    return texts, missing


@dataclass(frozen=True)
class Enforced:
    """Translations of a batch of texts, with the glossary's terms kept (:func:`translate_terms`).

    ``slots[i]``: the terms protected in text ``i``; ``dropped[i]``: those whose placeholder the model
    dropped or mangled (their pair is flagged ``term_missing`` by the check that follows).
    """

    outputs: list[Output]
    slots: list[tuple[Slot, ...]]
    dropped: list[tuple[Slot, ...]]

    @property
    def protected_count(self) -> int:
        return sum(len(s) for s in self.slots)

    @property
    def dropped_count(self) -> int:
        return sum(len(s) for s in self.dropped)

    def counts(self) -> dict[str, int]:
        """For run reports: ``{"terms_protected": n, "placeholders_dropped": m}``."""
        return {"terms_protected": self.protected_count, "placeholders_dropped": self.dropped_count}

    def dropped_terms(self) -> list[dict[str, Any]]:
        """One record per dropped placeholder: the text's index, the term and its placeholder."""
        return [
            {"unit": i, "term": s.match.entry.source, "placeholder": s.placeholder}
            for i, lost in enumerate(self.dropped)
            for s in lost
        ]


def translate_terms(
    translate: Callable[[list[str]], Sequence[Output]],
    texts: Sequence[str],
    glossary: Glossary | None,
    tgt_lang: str,
) -> Enforced:
    """``translate(texts)``, keeping the terms of ``glossary`` (``glossary.enforce``; None: a plain call).

    The one place both runners (``translate``, ``translate-corpus``) keep terms: each text is protected
    (:func:`protect_texts`), the protected texts are translated (and cached as such), and each output gets
    its terms back (:func:`restore_texts`). An output that failed (``error`` set) is left as it is.
    """
    if glossary is None:
        outputs = list(translate(list(texts)))
        return Enforced(outputs, [() for _ in outputs], [() for _ in outputs])
    protected, slots = protect_texts(texts, glossary, tgt_lang)
    outputs = list(translate(protected))
    if len(outputs) != len(protected):
        raise RuntimeError(f"translator returned {len(outputs)} outputs for {len(protected)} inputs")
    restored: list[Output] = []
    dropped: list[tuple[Slot, ...]] = []
    for out, s in zip(outputs, slots, strict=True):
        if out.error is not None or not s:
            restored.append(out)
            dropped.append(())
            continue
        text, lost = restore(out.text, s, tgt_lang)
        restored.append(dataclasses.replace(out, text=text))
        dropped.append(lost)
    return Enforced(restored, slots, dropped)


def terms_signature(signature: Signature, kept: Glossary | None) -> Signature:
    """``signature`` with ``terms:<digest>`` added when ``kept``'s terms were kept by force (the translations
    then depend on the glossary's content, not only on the model); unchanged for None."""
    if kept is None:
        return signature
    return dataclasses.replace(signature, extra=(*signature.extra, ("terms", kept.digest())))

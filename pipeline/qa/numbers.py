"""Numbers in a text, normalised so that a source and its translation can be compared.

Every number found is a :class:`Mention` with the set of values it may stand for. Digits are
*required* (they must appear on the other side); number words ("two", "двоє", "두 명", Roman "II")
are *optional*: they satisfy a required number on the other side but are never missing themselves.

Handled:

* thousands separators: ``34,000`` (en, ko), ``34 000`` / ``34\u00a0000`` / ``34\u202f000`` (any
  language; a plain space only for uk/ru), ``34.000`` and ``34,000`` in uk/ru (read both ways, since
  MT often keeps the English comma); decimal point (en, ko) and decimal comma (uk, ru); both together
  (``1,000.5``, ``1 000,5``, ``1.000,5``: groups, then a decimal mark that differs from their separator);
* scale words after a number: ``34 thousand``, ``2.5 million``, ``34 тисячі``, ``34 тыс.``, ``2 млн``,
  ``1,2 млрд`` (the bare number is accepted too);
* Korean units attached to digits: ``3만4천`` = 34000, ``2천700`` = 2700, ``5천만`` = 50 000 000,
  ``1.5억`` (만 10^4, 억 10^8, 조 10^12, 천 10^3, 백 10^2);
* ranges with an abbreviated end: ``1950-53`` also means 1953, so it matches ``1950–1953`` and
  ``1950~53년``;
* ``3:30 p.m.`` also means 15 for the hour.

Limits (documented in the README): signs are ignored (``-5`` = ``5``), numbers written fully in words
in the target ("тридцять чотири тисячі") are not parsed beyond 1-10 and the scale words, fractions
(½) and other scripts' digits are not read, and a source number written as a word that the target
writes as digits is only matched for the small words listed below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["Mention", "compare_numbers", "extract_numbers"]


@dataclass(frozen=True)
class Mention:
    raw: str
    values: frozenset[str]
    required: bool
    start: int
    end: int


_THIN = "\u00a0\u202f\u2009\u2007'\u2019"
# A digit run with inner separators: ',' '.' or a thin/plain space followed by digits.
_NUM = re.compile(r"(?<![\d])\d+(?:(?:[.,]|[ " + _THIN + r"])\d+)*")
_RANGE_SEP = re.compile(r"\s?[-\u2010\u2011\u2012\u2013\u2014~\u301c]\s?")
_PM = re.compile(r"\s?[pP]\.?\s?[mM]\b\.?")

_SCALE_WORDS: dict[str, list[tuple[str, int]]] = {
    "en": [(r"thousand", 3), (r"million", 6), (r"mln", 6), (r"billion", 9), (r"bn", 9), (r"trillion", 12)],
    "uk": [
        (r"тис\.?|тисяч[аіи]?", 3),
        (r"млн\.?|мільйон\w*", 6),
        (r"млрд\.?|мільярд\w*", 9),
        (r"трлн\.?|трильйон\w*", 12),
    ],
    "ru": [
        (r"тыс\.?|тысяч[аи]?", 3),
        (r"млн\.?|миллион\w*", 6),
        (r"млрд\.?|миллиард\w*", 9),
        (r"трлн\.?|триллион\w*", 12),
    ],
}
_KO_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4, "천": 1000, "백": 100}
_KO_NUM = re.compile(r"(?<![\d])\d+(?:\.\d+)?[조억만천백]+(?:\s?\d+(?:\.\d+)?[조억만천백]+|\d+)*")

_WORDS: dict[str, dict[str, int]] = {
    "en": {
        **{
            w: i
            for i, w in enumerate(
                "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty".split()
            )
        },
        **{w: (i + 3) * 10 for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split())},
        **{w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())},
        "hundred": 100,
        "thousand": 1000,
        "million": 10**6,
        "billion": 10**9,
        "dozen": 12,
        "twice": 2,
        "once": 1,
        "both": 2,
    },
    "uk": {},
    "ru": {},
}
_UK_FORMS = {
    1: "один одна одне одного одної одній одним одну однієї перший перша перше першого першої першу перших першим",
    2: "два дві двох двом двома двоє другий друга друге другого другої другу",
    3: "три трьох трьом трьома троє третій третя третє третього третьої третю",
    4: "чотири чотирьох чотирьом чотирма четверо четвертий четверта",
    5: "п'ять п’ять п'яти п’яти п'ятьма п'ятеро п'ятий",
    6: "шість шести шістьма шестеро шостий",
    7: "сім семи сімома семеро сьомий",
    8: "вісім восьми вісьмома восьмеро восьмий",
    9: "дев'ять дев’ять дев'яти дев’яти дев'ятий",
    10: "десять десяти десятий",
    100: "сто сотні",
    1000: "тисяча тисячі тисяч",
    10**6: "мільйон мільйона мільйони мільйонів",
}
_RU_FORMS = {
    1: "один одна одно одного одной одним одну первый первая первое первого первой первую первых первым",
    2: "два две двух двум двумя двое второй вторая второе второго второй вторую",
    3: "три трёх трех трём трем тремя трое третий третья третье третьего третьей третью",
    4: "четыре четырёх четырех четырём четырем четырьмя четверо четвёртый четвертый",
    5: "пять пяти пятью пятеро пятый",
    6: "шесть шести шестью шестеро шестой",
    7: "семь семи семью семеро седьмой",
    8: "восемь восьми восемью восьмеро восьмой",
    9: "девять девяти девятый",
    10: "десять десяти десятый",
    100: "сто сотни",
    1000: "тысяча тысячи тысяч",
    10**6: "миллион миллиона миллионы миллионов",
}
for _lang, _forms in (("uk", _UK_FORMS), ("ru", _RU_FORMS)):
    for _value, _spelled in _forms.items():
        for _w in _spelled.split():
            _WORDS[_lang][_w] = _value

_KO_NATIVE = {
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "첫": 1,
}
_KO_WORD = re.compile(
    r"(?<![가-힣])(한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|첫)\s?(?=명|개|마리|번|가지|살|곳|척|대|차례|권|잔|시간|째|해|달|주)"
)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ROMAN = re.compile(r"(?<![\w])(?=[IVX]{2,5}(?![\w]))(X{0,3})(IX|IV|V?I{0,3})(?![\w])")


def _canon(d: Decimal) -> str:
    d = abs(d)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _dec(s: str) -> Decimal | None:
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _readings(raw: str, lang: str) -> set[str] | None:
    """The values one digit run may stand for; None: it is several numbers (a list '1,2', '2019 500')."""
    parts = re.split(r"([.,]|[ " + _THIN + r"])", raw)
    digits = parts[0::2]
    seps = parts[1::2]
    # Thousands-grouped: every separator followed by exactly three digits and all separators alike.
    grouped = all(len(g) == 3 for g in digits[1:]) and len(set(seps)) == 1 and len(digits[0]) <= 3
    values: set[str] = set()
    if not seps:
        return {_canon(Decimal(raw))}
    sep = seps[0]
    if _grouped_decimal(digits, seps, lang):  # 1,000.5 / 1 000,5 / 1.000,5: groups, then the other mark
        return {_canon(Decimal(f"{''.join(digits[:-1])}.{digits[-1]}"))}
    if grouped:
        if sep == "," and lang not in ("uk", "ru") or sep in _THIN or (sep == " " and lang in ("uk", "ru")):
            values.add("".join(digits).lstrip("0") or "0")
        elif sep in ",." and lang in ("uk", "ru"):
            values.add("".join(digits).lstrip("0") or "0")
            if len(seps) == 1:
                values.add(_canon(Decimal(f"{digits[0]}.{digits[1]}")))
        elif sep == "." and len(seps) == 1:  # en/ko "3.000": decimal
            values.add(_canon(Decimal(f"{digits[0]}.{digits[1]}")))
        if values:
            return values
    if len(seps) == 1 and (sep == "." or (sep == "," and lang in ("uk", "ru"))):
        return {_canon(Decimal(f"{digits[0]}.{digits[1]}"))}
    return None


def _grouped_decimal(digits: list[str], seps: list[str], lang: str) -> bool:
    """Thousands groups with one separator, then a decimal mark that differs from it (any language: the two
    marks tell each other apart; a plain space groups in uk/ru only)."""
    if len(seps) < 2 or seps[-1] not in ".," or len(set(seps[:-1])) != 1 or seps[0] == seps[-1]:
        return False
    if seps[0] == " " and lang not in ("uk", "ru"):
        return False
    return len(digits[0]) <= 3 and all(len(g) == 3 for g in digits[1:-1])


def _ko_value(raw: str) -> Decimal | None:
    total = Decimal(0)
    group = Decimal(0)
    pending: Decimal | None = None
    for tok in re.findall(r"\d+(?:\.\d+)?|[조억만천백]", raw):
        unit = _KO_UNITS.get(tok)
        if unit is None:
            pending = _dec(tok)
            if pending is None:
                return None
        elif unit < 10**4:
            group += (pending if pending is not None else Decimal(1)) * unit
            pending = None
        else:
            group += pending if pending is not None else Decimal(0)
            total += (group if group else Decimal(1)) * unit
            group = Decimal(0)
            pending = None
    return total + group + (pending or 0)


def _scale_after(text: str, end: int, lang: str) -> tuple[int, int] | None:
    for pattern, exp in _SCALE_WORDS.get(lang, []):
        m = re.compile(r"[ \u00a0\u202f-]?(?:" + pattern + r")(?![^\W\d_])", re.IGNORECASE).match(text, end)
        if m:
            return exp, m.end()
    return None


def extract_numbers(text: str, lang: str) -> list[Mention]:
    """Every number in ``text`` (language ``lang``: en, ko, uk, ru or another code), in order."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    if lang == "ko":
        for m in _KO_NUM.finditer(text):
            v = _ko_value(m.group())
            if v is not None:
                found.append(Mention(m.group(), frozenset({_canon(v)}), True, m.start(), m.end()))
                taken.append(m.span())
    for m in _NUM.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        raw = m.group()
        readings = _readings(raw, lang)
        if readings is None:
            for sub in re.finditer(r"\d+", raw):
                found.append(
                    Mention(
                        sub.group(),
                        frozenset({_canon(Decimal(sub.group()))}),
                        True,
                        m.start() + sub.start(),
                        m.start() + sub.end(),
                    )
                )
            continue
        values = readings
        end = m.start() + len(raw)
        scale = _scale_after(text, end, lang)
        if scale is not None:
            exp, end2 = scale
            values |= {_canon(Decimal(v) * (10**exp)) for v in list(values)}
            raw = text[m.start() : end2]
            end = end2
        found.append(Mention(raw, frozenset(values), True, m.start(), end))
    found.sort(key=lambda x: x.start)
    found = _ranges(text, found)
    found = _times(text, found)
    found += _words(text, lang)
    found.sort(key=lambda x: x.start)
    return found


def _ranges(text: str, found: list[Mention]) -> list[Mention]:
    """``1950-53``: the second number also means 1953."""
    out = list(found)
    for i in range(1, len(out)):
        a, b = out[i - 1], out[i]
        if not _RANGE_SEP.fullmatch(text[a.end : b.start]) or not a.raw.isdigit() or not b.raw.isdigit():
            continue
        if len(b.raw) < len(a.raw):
            full = int(a.raw[: len(a.raw) - len(b.raw)] + b.raw)
            if full > int(a.raw):
                out[i] = Mention(b.raw, b.values | {str(full)}, b.required, b.start, b.end)
    return out


def _times(text: str, found: list[Mention]) -> list[Mention]:
    out = list(found)
    for i in range(len(out) - 1):
        h, mnt = out[i], out[i + 1]
        if text[h.end : mnt.start] == ":" and h.raw.isdigit() and int(h.raw) < 12 and _PM.match(text, mnt.end):
            out[i] = Mention(h.raw, h.values | {str(int(h.raw) + 12)}, h.required, h.start, h.end)
    return out


def _words(text: str, lang: str) -> list[Mention]:
    out: list[Mention] = []
    table = _WORDS.get(lang, {})
    if table:
        for m in _WORD.finditer(text):
            w = m.group().casefold()
            if lang == "en" and "-" in w:  # twenty-five
                a, _, b = w.partition("-")
                if a in table and b in table and table[a] >= 20 and table[b] < 10:
                    out.append(Mention(m.group(), frozenset({str(table[a] + table[b])}), False, m.start(), m.end()))
                    continue
            if w in table:
                out.append(Mention(m.group(), frozenset({str(table[w])}), False, m.start(), m.end()))
    if lang == "en":
        for m in _ROMAN.finditer(text):
            if m.group():
                out.append(Mention(m.group(), frozenset({str(_roman(m.group()))}), False, m.start(), m.end()))
    if lang == "ko":
        for m in _KO_WORD.finditer(text):
            out.append(Mention(m.group(1), frozenset({str(_KO_NATIVE[m.group(1)])}), False, m.start(), m.end()))
    return out


def _roman(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, ch in enumerate(s):
        v = vals[ch]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total


def compare_numbers(src: str, tgt: str, src_lang: str, tgt_lang: str) -> tuple[list[str], list[str]]:
    """Numbers of ``src`` missing from ``tgt`` and numbers of ``tgt`` not in ``src`` (as written)."""
    s = extract_numbers(src, src_lang)
    t = extract_numbers(tgt, tgt_lang)
    s_all = frozenset().union(*(m.values for m in s)) if s else frozenset()
    t_all = frozenset().union(*(m.values for m in t)) if t else frozenset()
    missing = [m.raw for m in s if m.required and not (m.values & t_all)]
    extra = [m.raw for m in t if m.required and not (m.values & s_all)]
    return missing, extra

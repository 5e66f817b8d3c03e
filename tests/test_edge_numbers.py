"""Every number format the number check promises (``pipeline/qa/numbers.py``'s docstring), per language.

Two tables: what :func:`extract_numbers` reads from one written number (its values and whether it is required),
and what :func:`compare_numbers` reports for a source and its translation (en -> ko, uk, ru). The limits the
docstring states (a plain-space group outside uk/ru, signs ignored) are pinned too.
"""

from __future__ import annotations

import pytest

from pipeline.qa.numbers import compare_numbers, extract_numbers

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"

# (text, language, [(as written, its values, required)])
EXTRACT: list[tuple[str, str, list[tuple[str, set[str], bool]]]] = [
    # thousands separators: a comma in en and ko
    ("34,000", "en", [("34,000", {"34000"}, True)]),
    ("34,000", "ko", [("34,000", {"34000"}, True)]),
    ("1,234,567", "en", [("1,234,567", {"1234567"}, True)]),
    # ... in uk/ru a comma or a period group and may be a decimal too (MT often keeps the English comma)
    ("34,000", "uk", [("34,000", {"34", "34000"}, True)]),
    ("34,000", "ru", [("34,000", {"34", "34000"}, True)]),
    ("34.000", "ru", [("34.000", {"34", "34000"}, True)]),
    ("1.234.567", "uk", [("1.234.567", {"1234567"}, True)]),
    # ... a thin or no-break space in any language, a plain space only in uk/ru
    (f"34{NBSP}000", "en", [(f"34{NBSP}000", {"34000"}, True)]),
    (f"34{NNBSP}000", "ko", [(f"34{NNBSP}000", {"34000"}, True)]),
    (f"34{THIN}000", "en", [(f"34{THIN}000", {"34000"}, True)]),
    (f"34{NBSP}000", "uk", [(f"34{NBSP}000", {"34000"}, True)]),
    ("34 000", "uk", [("34 000", {"34000"}, True)]),
    ("1 234 567", "ru", [("1 234 567", {"1234567"}, True)]),
    ("34 000", "en", [("34", {"34"}, True), ("000", {"0"}, True)]),  # two numbers
    ("34 000", "ko", [("34", {"34"}, True), ("000", {"0"}, True)]),
    # decimal point (en, ko), decimal comma (uk, ru); en/ko "3.000" is a decimal
    ("1.5", "en", [("1.5", {"1.5"}, True)]),
    ("3.000", "en", [("3.000", {"3"}, True)]),
    ("3.000", "ko", [("3.000", {"3"}, True)]),
    ("1,5", "uk", [("1,5", {"1.5"}, True)]),
    ("1,5", "ru", [("1,5", {"1.5"}, True)]),
    ("1,5", "en", [("1", {"1"}, True), ("5", {"5"}, True)]),  # a list, not a decimal
    # scale words after a number (the bare number is accepted too)
    ("34 thousand", "en", [("34 thousand", {"34", "34000"}, True), ("thousand", {"1000"}, False)]),
    ("2.5 million", "en", [("2.5 million", {"2.5", "2500000"}, True), ("million", {"1000000"}, False)]),
    ("2 bn", "en", [("2 bn", {"2", "2000000000"}, True)]),
    ("34 тисячі", "uk", [("34 тисячі", {"34", "34000"}, True), ("тисячі", {"1000"}, False)]),
    ("2 млн", "uk", [("2 млн", {"2", "2000000"}, True)]),
    ("34 тыс.", "ru", [("34 тыс.", {"34", "34000"}, True)]),
    ("1,2 млрд", "ru", [("1,2 млрд", {"1.2", "1200000000"}, True)]),
    ("3 трлн", "ru", [("3 трлн", {"3", "3000000000000"}, True)]),
    # Korean units attached to digits
    ("3만4천", "ko", [("3만4천", {"34000"}, True)]),
    ("2천700", "ko", [("2천700", {"2700"}, True)]),
    ("5천만", "ko", [("5천만", {"50000000"}, True)]),
    ("1.5억", "ko", [("1.5억", {"150000000"}, True)]),
    ("3조", "ko", [("3조", {"3000000000000"}, True)]),
    ("2백", "ko", [("2백", {"200"}, True)]),
    # ranges with an abbreviated end; 3:30 p.m. also means 15; signs are ignored
    ("1950-53", "en", [("1950", {"1950"}, True), ("53", {"53", "1953"}, True)]),
    ("1950–53", "uk", [("1950", {"1950"}, True), ("53", {"53", "1953"}, True)]),
    ("3:30 p.m.", "en", [("3", {"3", "15"}, True), ("30", {"30"}, True)]),
    ("-5", "en", [("5", {"5"}, True)]),
    # number words and Roman numerals: optional
    ("two", "en", [("two", {"2"}, False)]),
    ("twenty-five", "en", [("twenty-five", {"25"}, False)]),
    ("dozen", "en", [("dozen", {"12"}, False)]),
    ("XIV", "en", [("XIV", {"14"}, False)]),
    ("дві", "uk", [("дві", {"2"}, False)]),
    ("двое", "ru", [("двое", {"2"}, False)]),
    ("두 명", "ko", [("두", {"2"}, False)]),
]


@pytest.mark.parametrize(("text", "lang", "want"), EXTRACT, ids=[f"{lang}:{t}" for t, lang, _ in EXTRACT])
def test_extract_reads_each_promised_format(text: str, lang: str, want: list[tuple[str, set[str], bool]]) -> None:
    assert [(m.raw, set(m.values), m.required) for m in extract_numbers(text, lang)] == want


# (source in English, target, target language, missing in target, not in source)
COMPARE: list[tuple[str, str, str, list[str], list[str]]] = [
    ("34,000 people", "34 000 людей", "uk", [], []),
    ("34,000 people", f"34{NBSP}000 людей", "uk", [], []),
    ("34,000 people", f"34{NNBSP}000 людей", "ru", [], []),
    ("34,000 people", "34.000 людей", "uk", [], []),
    ("34,000 people", "34,000 человек", "ru", [], []),
    ("34,000 people", "34,000명", "ko", [], []),
    ("34,000 people", "3만4천 명", "ko", [], []),
    ("34,000 people", "34 000 명", "ko", ["34,000"], ["34", "000"]),  # a plain space groups only in uk/ru
    ("2,700 people", "2천700명", "ko", [], []),
    ("50 million", "5천만", "ko", [], []),
    ("150 million", "1.5억", "ko", [], []),
    ("3,000 won", "3.000원", "ko", ["3,000"], ["3.000"]),  # a Korean "3.000" is 3
    ("2.5 million", "2,5 млн", "ru", [], []),
    ("2.5 million", "2500000", "ru", [], []),
    ("2.5 million", "2,5 мільйона", "uk", [], []),
    ("34 thousand", "34 тисячі", "uk", [], []),
    ("34 thousand", "34 тыс.", "ru", [], []),
    ("1.2 billion", "1,2 млрд", "ru", [], []),
    ("3.5 km", "3,5 км", "uk", [], []),
    ("3.5 km", "3.5 km", "ko", [], []),
    ("1,000.5 m", "1 000,5 м", "uk", [], []),
    ("in 1950-53", "у 1950–1953 роках", "uk", [], []),
    ("in 1950-53", "1950~53년", "ko", [], []),
    ("at 3:30 p.m.", "о 15:30", "uk", [], []),
    ("-5 degrees", "5 градусів", "uk", [], []),  # signs are ignored
    ("two cars", "2 машини", "uk", [], []),  # a word satisfies digits ...
    ("2 cars", "дві машини", "uk", [], []),
    ("2 cars", "자동차 두 대", "ko", [], []),
    ("Henry II", "Генріх 2", "uk", [], []),
    ("two cars", "машини", "uk", [], []),  # ... and is never missing itself
    ("400 guests", "300 гостей", "uk", ["400"], ["300"]),
    ("34,000 people", "43 000 людей", "uk", ["34,000"], ["43 000"]),
    ("1 000 guests", "1000 гостей", "uk", ["1", "000"], ["1000"]),  # an English plain space does not group
]


@pytest.mark.parametrize(
    ("src", "tgt", "lang", "missing", "extra"), COMPARE, ids=[f"{lang}:{s}->{t}" for s, t, lang, _, _ in COMPARE]
)
def test_compare_per_language(src: str, tgt: str, lang: str, missing: list[str], extra: list[str]) -> None:
    assert compare_numbers(src, tgt, "en", lang) == (missing, extra)


@pytest.mark.parametrize(
    ("src", "tgt", "lang", "missing", "extra"),
    [
        ("1,000.5 m", "1000,5 м", "uk", [], []),  # groups and a decimal mark: one number
        ("1,000.5 m", "1 000,5 м", "ru", [], []),
        ("1,000.5 m", "1.000,5 м", "uk", [], []),
        ("2,345,678.25 m", "2 345 678,25 м", "uk", [], []),
        ("1,000.5 m", "1,000.5 m", "ko", [], []),
        ("1,000.5 m", "1000,6 м", "uk", ["1,000.5"], ["1000,6"]),  # another value is still a mismatch
        ("1,000.5 m", "1 000,5 m", "ko", ["1,000.5"], ["1", "000", "5"]),  # a plain space groups in uk/ru only
        ("1,0000.5 m", "10000,5 м", "uk", ["1", "0000", "5"], ["10000,5"]),  # four digits are no group: a list
    ],
)
def test_grouped_decimal(src: str, tgt: str, lang: str, missing: list[str], extra: list[str]) -> None:
    assert compare_numbers(src, tgt, "en", lang) == (missing, extra)

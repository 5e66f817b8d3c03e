"""Every entry of every abbreviation list of the segmenter (``pipeline/segment/lang_rules.py``), in a sentence
with a sentence before and after it, does what its list promises (:class:`LangRules` says how each is used).

* ``never_end`` (titles and the like): never ends a sentence, before a name or a sentence-start word.
* ``maybe_end``: ends a sentence only before a sentence start: en (``maybe_mode: starters``) before a word of
  ``starters`` and not before a name; ru/uk (``capital``) before a capitalised word and not before a lowercase one,
  and not after a short phrase that opens with a preposition ("До 5 тыс. Иванов ...").
* ``cap_only`` (en months, days, states): an abbreviation only when capitalised; "jan." before a capital ends.
* ``before_number``: an abbreviation only before a number (``No. 5``); before a sentence-start word it ends.
* ``after_number`` (ru/uk ``г.``, ``р.``): after a number it ends only before a sentence-start word that is not
  a preposition; after a word it never ends.
* ``titles`` (en): start a sentence after a ``maybe_end`` abbreviation (``at 6 P.M. Mr. Smith``).
* ko: a period after a Latin letter never ends a Korean sentence (every Latin entry of its lists).
"""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.segment import get_segmenter
from pipeline.segment.lang_rules import EN, KO, RU, UK, LangRules, rules_for

BEFORE = {
    "en": "The day began early.",
    "ru": "День начался рано.",
    "uk": "День почався рано.",
    "ko": "하루가 일찍 시작됐다.",
}
AFTER = {"en": "Everyone left later.", "ru": "Все ушли позже.", "uk": "Усі пішли пізніше.", "ko": "모두 나중에 떠났다."}
NAME = {"en": "Smith", "ru": "Иванов", "uk": "Іванов", "ko": "스미스"}
STARTER = {"en": "He", "ru": "Он", "uk": "Він"}
REST = {"en": "came at noon.", "ru": "пришёл в полдень.", "uk": "прийшов опівдні.", "ko": "씨가 정오에 왔다."}
LEAD = {"en": "They met", "ru": "Мы видели", "uk": "Ми бачили", "ko": "그들은"}
RULES: dict[str, LangRules] = {"en": EN, "ru": RU, "uk": UK, "ko": KO}

#: The lists as this test knows them (an entry removed from or added to a list fails here first).
LISTS: dict[tuple[str, str], str] = {
    ("en", "pronouns"): "I",
    ("ko", "endings"): "까 다 요 죠",
    ("en", "never_end"): (
        "adm approx assn brig ca capt cdr cf cmdr col cpl dr e.g esp fr gen gov hon i.e incl lt maj messrs mr "
        "mrs ms mssrs mt pres prof pvt rep rev sen sgt supt univ v viz vs"
    ),
    ("en", "maybe_end"): (
        "a.m al ala apr ariz ark aug ave b.a b.sc blvd bros calif co colo conn corp d.c dec del dept e.u est "
        "etc feb fla fri ft ga govt hr hrs ibid ill inc ind intl jan jr jul jun kan kans ky la lb lbs llc ltd "
        "m.a m.d mar mass md mich minn mins miss mo mon mont natl neb nev nov oct okla ore oz p.m pa ph.d plc "
        "rd sat sep sept sr st sun tenn tex thu thur thurs tue tues u.k u.n u.s u.s.a va vt wash wed wis wyo "
        "yrs"
    ),
    ("en", "cap_only"): (
        "ala apr ariz ark aug calif colo conn dec del feb fla fri ga ill ind jan jul jun kan kans ky la mar "
        "mass md mich minn miss mo mon mont neb nev nov oct okla ore pa sat sep sept sun tenn tex thu thur "
        "thurs tue tues va vt wash wed wis wyo"
    ),
    ("en", "before_number"): "art ch chap eq ext fig figs no nos nr n° nº op p para pp pt ref sec tel vol vols №",
    (
        "en",
        "titles",
    ): "adm capt col cpl dr gen gov hon lt maj messrs mr mrs ms mssrs pres prof pvt rep rev sen sgt supt",
    ("en", "prepositions"): "About After Around At Before By Early From In Late Near On Shortly Since Till Until",
    ("en", "starters"): (
        "A According After All Also Although An And Are As At Because Before Both But By Can Could Despite "
        "Did Do Does During Each Earlier Every Finally First For From Had Has Have He Her Here His How "
        "However I If In Instead Is It Its Last Later Many May Meanwhile Might Most Must My Next No Not Now "
        "Officials On Once One Or Other Others Our Over Police She Should Since So Some Still Such That The "
        "Their Then There These They This Those Though Today Tomorrow Two Under Was We Were What When Where "
        "Which While Who Why Will With Without Would Yesterday Yet You Your"
    ),
    ("ru", "never_end"): (
        "акад бул бульв вып ген гл гр дер доц е зам илл им к кв корп мл н наб напр нач о оз ок пгт пер пл "
        "полк пос просп проф р рис с св см ср ст стр т т.е т.к т.н табл тов ул ч"
    ),
    ("ru", "maybe_end"): "д долл др кг км коп млн млрд обл п пр руб т.д т.п трлн тыс чел шт экз",
    ("ru", "before_number"): "авг апр дек июл июн мар нояб окт сен сент фев февр янв",
    ("ru", "after_number"): "в вв г гг м р с см",
    ("ru", "prepositions"): "В Во Для До За Из К Ко Кроме Между На Над О Об От Перед По Под После При С Со У Через",
    ("ru", "starters"): (
        "А В Во Впрочем Все Всё Вы Где Да До Его Ее Ей Ему Если Её Затем Зачем И Им Ими Их Как Когда Кроме "
        "Кто Мы На Не Него Нее Ней Нет Неё Ни Ним Них Но Однако Он Она Они Оно По Позже После Потом Почему "
        "При Ранее С Сейчас Со Так Также Там Теперь Тогда Тому Ты Что Эта Эти Этим Этих Это Этого Этой Этому "
        "Этот Я"
    ),
    ("uk", "never_end"): (
        "акад бул бульв вип вул ген гл див доц е зам заст кв корп наб напр о оз пл пров просп проф рис розд с "
        "св смт стор т т.ч табл ч ім"
    ),
    ("uk", "maybe_end"): "грн д дол кг км коп крб млн млрд обл п т.д т.п тис трлн чол шт ін інш",
    ("uk", "before_number"): "бер вер верес груд жовт квіт лип лист лют серп січ трав черв",
    ("uk", "after_number"): "м р рр с ст",
    ("uk", "prepositions"): "Із Біля В Від Для До З За Зі Крім Між На Над Перед По При Під Після У Через",
    ("uk", "starters"): (
        "І Із Їй Їм Їх Її А Але В Ви Водночас Вона Вони Воно Всі Він Де До З Згодом Й Його Йому Коли Крім Ми "
        "На Навіщо Наразі Не Нею Неї Ним Ними Них Нього Ні Однак По Потім При Проте Після Раніше Та Так Також "
        "Там Ти Тоді Тому У Усі Утім Хто Це Цей Цим Цих Цього Цьому Ця Ці Цією Цієї Чому Що Я Як Якщо"
    ),
    ("ko", "never_end"): "bzw ca dr e.g fr hr i.e mlle mme mr mrs ms prof sr sra st usw vgl vs z.b",
    ("ko", "maybe_end"): "a.m etc inc jr ltd p.m u.a u.k u.s",
    ("ko", "before_number"): "abb art fig no nr n° nº p pp vol №",
}


def written(entry: str) -> str:
    """The entry as written in text: a period after it; a one-letter entry stays lowercase (a capital letter
    with a period is an initial), longer ones capitalised as a title or a name would be ("Dr.", "Mt.")."""
    return entry + "." if len(entry.replace(".", "")) <= 1 else entry[0].upper() + entry[1:] + "."


def sentences(lang: str, text: str) -> list[str]:
    return [text[a:b] for a, b in get_segmenter(lang).spans(text)]


def around(lang: str, middle: str) -> tuple[str, list[str]]:
    """``middle`` between a sentence before and after it: the text, and its sentences if ``middle`` is one."""
    return f"{BEFORE[lang]} {middle} {AFTER[lang]}", [BEFORE[lang], middle, AFTER[lang]]


def cut_in(lang: str, first: str, second: str) -> tuple[str, list[str]]:
    """``first`` and ``second`` between a sentence before and after: the text and its four sentences."""
    return f"{BEFORE[lang]} {first} {second} {AFTER[lang]}", [BEFORE[lang], first, second, AFTER[lang]]


def entries(lang: str, list_name: str) -> list[tuple[str, str]]:
    return [(lang, e) for e in sorted(LISTS[(lang, list_name)].split())]


def words(lang: str, list_name: str) -> frozenset[str]:
    return frozenset(LISTS.get((lang, list_name), "").split())


@pytest.mark.parametrize("lang", sorted(RULES))
def test_the_lists_are_the_ones_tested(lang: str) -> None:
    """Every list of the language's rules, entry by entry, as :data:`LISTS` has it (the cases below are built
    from :data:`LISTS`, so an entry dropped from the code still has its case)."""
    for f in dataclasses.fields(LangRules):
        value = getattr(rules_for(lang), f.name)
        if isinstance(value, frozenset):
            assert value == words(lang, f.name), f.name


def ids(cases: list[tuple[str, str]]) -> list[str]:
    return [f"{lang}:{e}" for lang, e in cases]


NEVER = [c for lang in ("en", "ru", "uk") for c in entries(lang, "never_end")]


@pytest.mark.parametrize(("lang", "entry"), NEVER, ids=ids(NEVER))
@pytest.mark.parametrize("next_word", ["name", "starter"])
def test_never_end(lang: str, entry: str, next_word: str) -> None:
    word = NAME[lang] if next_word == "name" else STARTER[lang]
    text, want = around(lang, f"{LEAD[lang]} {written(entry)} {word} {REST[lang]}")
    assert sentences(lang, text) == want


MAYBE_EN = [c for c in entries("en", "maybe_end")]


@pytest.mark.parametrize(("lang", "entry"), MAYBE_EN, ids=ids(MAYBE_EN))
def test_maybe_end_en_ends_before_a_starter_only(lang: str, entry: str) -> None:
    w = written(entry) if entry not in words("en", "cap_only") else entry.capitalize() + "."
    text, want = around("en", f"They paid {w} {NAME['en']} {REST['en']}")
    assert sentences("en", text) == want
    text, want = cut_in("en", f"They paid {w}", f"{STARTER['en']} {REST['en']}")
    assert sentences("en", text) == want


CAP_ONLY = entries("en", "cap_only")


@pytest.mark.parametrize(("lang", "entry"), CAP_ONLY, ids=ids(CAP_ONLY))
def test_cap_only_lowercase_is_a_word(lang: str, entry: str) -> None:
    """Lowercase, a cap_only entry is a word ("ill.", "sun."): a capitalised name after it starts a sentence."""
    text, want = cut_in("en", f"They saw the {entry}.", f"{NAME['en']} {REST['en']}")
    assert sentences("en", text) == want


MAYBE_CYR = [c for lang in ("ru", "uk") for c in entries(lang, "maybe_end")]


@pytest.mark.parametrize(("lang", "entry"), MAYBE_CYR, ids=ids(MAYBE_CYR))
def test_maybe_end_ru_uk_ends_before_a_capital_only(lang: str, entry: str) -> None:
    text, want = cut_in(lang, f"{LEAD[lang]} 5 {entry}.", f"{NAME[lang]} {REST[lang]}")
    assert sentences(lang, text) == want
    text, want = around(lang, f"{LEAD[lang]} 5 {entry}. и {REST[lang]}")
    assert sentences(lang, text) == want
    prep = "До" if lang == "ru" else "Від"  # a short phrase opening with a preposition is not a sentence
    text, want = around(lang, f"{prep} 5 {entry}. {NAME[lang]} {REST[lang]}")
    assert sentences(lang, text) == want


BEFORE_NUMBER = [c for lang in ("en", "ru", "uk") for c in entries(lang, "before_number")]


@pytest.mark.parametrize(("lang", "entry"), BEFORE_NUMBER, ids=ids(BEFORE_NUMBER))
def test_before_number(lang: str, entry: str) -> None:
    w = written(entry)
    text, want = around(lang, f"{LEAD[lang]} {w} 5 {REST[lang]}")
    assert sentences(lang, text) == want
    text, want = cut_in(lang, f"{LEAD[lang]} the {w}" if lang == "en" else f"{LEAD[lang]} {w}", f"{STARTER[lang]} "
                        f"{REST[lang]}")  # fmt: skip
    assert sentences(lang, text) == want


AFTER_NUMBER = [c for lang in ("ru", "uk") for c in entries(lang, "after_number")]


@pytest.mark.parametrize(("lang", "entry"), AFTER_NUMBER, ids=ids(AFTER_NUMBER))
def test_after_number(lang: str, entry: str) -> None:
    text, want = cut_in(lang, f"{LEAD[lang]} его в 2010 {entry}.", f"{STARTER[lang]} {REST[lang]}")
    assert sentences(lang, text) == want  # after a number, before a pronoun: an end
    text, want = around(lang, f"{LEAD[lang]} его в 2010 {entry}. {NAME[lang]} {REST[lang]}")
    assert sentences(lang, text) == want  # before a name: not
    prep = sorted(words(lang, "prepositions"))[0]
    text, want = around(lang, f"{LEAD[lang]} его в 2010 {entry}. {prep} 2011 {REST[lang]}")
    assert sentences(lang, text) == want  # before a preposition: not
    text, want = around(lang, f"{LEAD[lang]} {entry}. {STARTER[lang]} {REST[lang]}")
    assert sentences(lang, text) == want  # after a word: never


TITLES = entries("en", "titles")


@pytest.mark.parametrize(("lang", "entry"), TITLES, ids=ids(TITLES))
def test_a_title_starts_a_sentence_after_an_ambiguous_abbreviation(lang: str, entry: str) -> None:
    text, want = cut_in("en", "They left at 6 P.M.", f"{written(entry)} {NAME['en']} then went home.")
    assert sentences("en", text) == want


STARTERS_EN = sorted(words("en", "starters"))


@pytest.mark.parametrize("starter", STARTERS_EN)
def test_each_en_starter_ends_a_maybe_end_abbreviation(starter: str) -> None:
    text, want = cut_in("en", "We sold apples, pears, etc.", f"{starter} {REST['en']}")
    assert sentences("en", text) == want


CLAUSE_STARTERS = [(lang, w) for lang in ("ru", "uk") for w in sorted(words(lang, "starters"))]


@pytest.mark.parametrize(("lang", "word"), CLAUSE_STARTERS, ids=ids(CLAUSE_STARTERS))
def test_each_ru_uk_starter_after_a_year(lang: str, word: str) -> None:
    """After "2010 г." a starter ends the sentence, unless it is a preposition ("1898 г. В 1854 году")."""
    year = "г." if lang == "ru" else "р."
    first = f"{LEAD[lang]} его в 2010 {year}"
    if word in words(lang, "prepositions"):
        text, want = around(lang, f"{first} {word} {REST[lang]}")
    else:
        text, want = cut_in(lang, first, f"{word} {REST[lang]}")
    assert sentences(lang, text) == want


KO_LISTS = words("ko", "never_end") | words("ko", "maybe_end") | words("ko", "before_number")
KO_LATIN = sorted(e for e in KO_LISTS if e[-1].isascii())


@pytest.mark.parametrize("entry", KO_LATIN)
def test_ko_a_latin_abbreviation_never_ends(entry: str) -> None:
    text, want = around("ko", f"{LEAD['ko']} {written(entry)} {NAME['ko']}{REST['ko']}")
    assert sentences("ko", text) == want


@pytest.mark.parametrize("entry", sorted(words("ko", "before_number")))
def test_ko_before_number(entry: str) -> None:
    text, want = around("ko", f"{LEAD['ko']} {written(entry)} 5 {REST['ko']}")
    assert sentences("ko", text) == want

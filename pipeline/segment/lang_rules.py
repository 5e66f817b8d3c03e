"""Per-language rule tables of the rule-based segmenter: abbreviation lists and sentence-start words.

:class:`LangRules` says how each list is used; :func:`rules_for` gives a language's rules (specific ones
for en, ru, uk and ko, :data:`GENERIC` otherwise). The engine that applies them is :mod:`pipeline.segment.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


def _words(s: str) -> frozenset[str]:
    return frozenset(s.split())


@dataclass(frozen=True)
class LangRules:
    """Abbreviation lists (lowercase, without the final period) and heuristics for one language."""

    tag: str
    never_end: frozenset[str] = frozenset()  # titles etc.: never end a sentence
    maybe_end: frozenset[str] = frozenset()  # may end a sentence (etc., Inc., p.m.)
    before_number: frozenset[str] = frozenset()  # abbreviations only when a number follows (No. 5)
    after_number: frozenset[str] = frozenset()  # may end after a number (2020 г.), else never end (г. Москва)
    cap_only: frozenset[str] = frozenset()  # only abbreviations when capitalised (Jan., Sat.)
    starters: frozenset[str] = frozenset()  # capitalised words that typically start a sentence
    titles: frozenset[str] = frozenset()  # "Mr", "Dr": never end, and start a sentence after a maybe_end ("P.M.")
    prepositions: frozenset[str] = frozenset()  # capitalised: "At 5 a.m." / "В 1854 году" go on after an abbreviation
    pronouns: frozenset[str] = frozenset()  # one-letter words that are not initials after a lowercase word ("and I.")
    maybe_mode: Literal["capital", "starters"] = "capital"  # how maybe_end decides
    single_lower_ends: bool = True  # may a single lowercase letter + "." end a sentence?
    hangul_run_on: bool = False  # does "다.그" (no space) end a sentence?
    latin_never_ends: bool = False  # a period after a Latin letter never ends a sentence (Korean text)
    endings: frozenset[str] = frozenset()  # final syllables of a sentence (Korean: "다", "요"): end before "…"


_EN_MONTHS_DAYS = _words("jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun")
# US states in AP style (datelines: "SPOKANE, Wash. —"); only abbreviations when capitalised ("ill.", "mass.")
_EN_STATES = _words(
    "ala ariz ark calif colo conn del fla ga ill ind kan kans ky la md mass mich minn miss mo mont neb nev okla ore "
    "pa tenn tex vt va wash wis wyo"
)
_EN_TITLES = _words("mr mrs ms mssrs messrs dr prof gen sen gov rep rev hon pres supt capt lt col maj sgt cpl pvt adm")

EN = LangRules(
    tag="en",
    never_end=_EN_TITLES | _words("cmdr cdr brig fr mt vs v e.g i.e cf viz approx ca esp incl univ assn"),
    maybe_end=_words(
        "etc inc ltd co corp llc plc jr sr bros a.m p.m u.s u.k u.n e.u u.s.a d.c ph.d m.d b.a m.a b.sc al st ave "
        "blvd rd dept est ft oz lb lbs hr hrs mins yrs govt intl natl ibid"
    )
    | _EN_MONTHS_DAYS
    | _EN_STATES,
    before_number=_words("no nos nr n° nº № fig figs p pp vol vols art sec ch chap para eq op tel ext pt ref"),
    cap_only=_EN_MONTHS_DAYS | _EN_STATES,
    titles=_EN_TITLES,
    prepositions=_words("At On In By From Until Till Since Before After Around About Near Shortly Early Late"),
    pronouns=frozenset({"I"}),
    starters=_words(
        "A An The This That These Those It Its He She They We I You His Her Their Our My Your There Here But And Or "
        "So Yet However Meanwhile Then Now In On At For After Before When While If As Although Though Since Because "
        "Some Many Most All Other Others One Two What Who Why How Where Which Still Also Later Earlier Today "
        "Yesterday Tomorrow Last Next Such No Not Both Each Every Despite According By From With Without Under Over "
        "During Once Instead Finally First Officials Police Did Do Does Is Are Was Were Has Have Had Can Could Will "
        "Would Should May Might Must"
    ),
    maybe_mode="starters",
)

RU = LangRules(
    tag="ru",
    never_end=_words(
        "т е к н им ул просп пер пл наб гр с ст напр см ср рис табл гл илл о оз р пос дер акад проф доц ген полк "
        "тов св ок мл зам нач кв корп стр вып ч т.е т.к т.н пгт бульв бул"
    ),
    maybe_end=_words("д п др пр т.д т.п млн млрд трлн тыс руб коп долл обл км кг чел экз шт"),
    after_number=_words("г гг р в вв см м с"),
    before_number=_words("янв фев февр мар апр июн июл авг сен сент окт нояб дек"),
    prepositions=_words("В Во На По С Со Кроме После До При К Ко У Из От За Под Над Для О Об Через Между Перед"),
    starters=_words(
        "Он Она Оно Они Это Этот Эта Эти Я Мы Вы Ты Но И А Однако В Во На По С Со Так Также Кроме После До При "
        "Когда Если Как Что Там Тогда Затем Потом Его Ее Её Их Не Ни Да Нет Все Всё Ему Ей Им Ним Ней Ими Него Нее "
        "Неё Них Этого Этой Этих Этому Этим Тому Впрочем Теперь Сейчас Позже Ранее Кто Где Почему Зачем"
    ),
)

UK = LangRules(
    tag="uk",
    never_end=_words(
        "т ч е ім вул просп пров пл бул наб с смт напр див рис табл гл о оз акад проф доц ген св зам заст кв "
        "корп стор вип розд т.ч бульв бул"
    ),
    maybe_end=_words("д п ін інш т.д т.п тис млн млрд трлн грн коп дол крб обл км кг чол шт"),
    after_number=_words("р рр м с ст"),
    before_number=_words("січ лют бер квіт трав черв лип серп вер верес жовт лист груд"),
    prepositions=_words("В У На По З Із Зі Крім Після До При Від Для Через Між Перед За Під Над Біля"),
    starters=_words(
        "Він Вона Воно Вони Це Цей Ця Ці Я Ми Ви Ти Але І Й А Та Однак Проте В У На По З Із Так Також Крім Після "
        "До При Коли Якщо Як Що Там Тоді Потім Його Її Їх Не Ні Всі Усі Йому Їй Їм Ним Нею Ними Нього Неї Них Цього "
        "Цієї Цих Цьому Цим Цією Тому Утім Водночас Згодом Раніше Наразі Хто Де Чому Навіщо"
    ),
)

GENERIC = LangRules(
    tag="generic",
    never_end=_words("mr mrs ms dr prof vs e.g i.e z.b bzw vgl ca st hr fr sr sra mme mlle usw"),
    maybe_end=_words("etc inc ltd jr a.m p.m u.s u.k u.a"),
    before_number=_words("no nr n° nº № fig abb p pp vol art"),
    single_lower_ends=False,
)

KO = LangRules(
    tag="ko",
    never_end=GENERIC.never_end,
    maybe_end=GENERIC.maybe_end,
    before_number=GENERIC.before_number,
    single_lower_ends=False,
    hangul_run_on=True,
    latin_never_ends=True,
    endings=frozenset("다요죠까"),
)

LANG_RULES: dict[str, LangRules] = {"en": EN, "ru": RU, "uk": UK, "ko": KO}


def rules_for(lang: str) -> LangRules:
    """The rules for ``lang``; the generic rules for any language without its own."""
    return LANG_RULES.get(lang, GENERIC)

"""Glossaries: the three file formats, term matching with inflection, term_missing, protect/restore, untrusted TBX."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.glossary import (
    ANY_LANG,
    Entry,
    Glossary,
    find_terms,
    load_glossaries,
    load_glossary,
    missing_terms,
    placeholder_pattern,
    protect,
    protect_texts,
    restore,
    restore_texts,
    target_has_form,
    term_counts,
    term_missing,
)
from pipeline.records import AlignedPair

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
GLOSSARY = DATA / "glossary"
FORMATS = ("csv", "yaml", "tbx")
EN = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()


def gold_pairs(lang: str) -> list[AlignedPair]:
    """The project's reference translation of the seed, paired by the gold alignment."""
    tgt = (DATA / f"seed.{lang}.txt").read_text(encoding="utf-8").splitlines()
    pairs = []
    for n, line in enumerate((DATA / f"seed.en-{lang}.gold").read_text(encoding="utf-8").splitlines()):
        a, b = line.split(":")
        si, ti = json.loads(a), json.loads(b)
        src, tgt_text = " ".join(EN[i] for i in si), " ".join(tgt[j] for j in ti)
        pairs.append(AlignedPair(n, "en", lang, src, tgt_text, tuple(si), tuple(ti), 1.0))
    return pairs


def seed(fmt: str = "csv") -> Glossary:
    return load_glossary(GLOSSARY / f"seed.{fmt}")


def entry(source: str, case_sensitive: bool = False, **forms: str | list[str]) -> Entry:
    langs = tuple((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in forms.items())
    return Entry(source, langs, case_sensitive)


def summary(g: Glossary) -> list[tuple[str, bool, tuple[tuple[str, ...], ...]]]:
    return sorted((e.source, e.case_sensitive, tuple(e.forms(lang) for lang in ("ko", "uk", "ru"))) for e in g)


# --------------------------------------------------------------------------- the seed glossary, three formats


def test_the_three_seed_files_hold_the_same_glossary() -> None:
    csv_g, yaml_g, tbx_g = (seed(f) for f in FORMATS)
    assert len(csv_g) == 14
    assert summary(csv_g) == summary(yaml_g) == summary(tbx_g)
    kursk = next(e for e in tbx_g if e.source == "Kursk")
    assert kursk.forms("uk") == ("Курськ", "Курщина")  # preferred first; the deprecated Курск is not accepted
    assert kursk.forms("ru") == ("Курск",)
    zel = next(e for e in tbx_g if e.source == "Zelenskyy")
    assert zel.forms("uk") == ("Зеленський",)  # the deprecated Russian spelling is left out
    assert {e.source for e in tbx_g if e.case_sensitive} == {"NIS"}
    assert next(e for e in csv_g if e.source == "Zelensky").forms("ko") == ("젤렌스키",)  # a source synonym


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_seed_glossary_fits_the_reference_translations(fmt: str) -> None:
    """Uk and ru references use every term; ko omits 'South Korea' twice, as Korean news style does.

    Pair 7 (`... if they ask to come to South Korea`) says 한국행 ("bound for Korea", a compound the
    particle rule does not take apart) and pair 9 (`a spokesperson for South Korea's government`) says
    정부 대변인 ("government spokesperson"), leaving the country out.
    """
    g = seed(fmt)
    for lang in ("uk", "ru"):
        pairs = gold_pairs(lang)
        assert term_missing(pairs, g, lang) == {}
        assert term_counts(pairs, g, lang)["terms_checked"] == 27
    ko = term_missing(gold_pairs("ko"), g, "ko")
    assert ko == {7: "South Korea (expected 한국 or 남한)", 9: "South Korea (expected 한국 or 남한)"}


def test_term_missing_names_the_missing_term_of_the_right_pair() -> None:
    g = seed()
    pairs = gold_pairs("uk")
    # pair 4 has Volodymyr Zelenskyy, North Korea, Kim Jong Un, Russia; pair 16 Zelenskyy, Ukraine, Kursk, World War II
    pairs[4] = dataclasses.replace(pairs[4], tgt=pairs[4].tgt.replace("Кім Чен Ин", "Кім Чен Ун"))
    pairs[16] = dataclasses.replace(pairs[16], tgt=pairs[16].tgt.replace("Курщині", "Курську"))
    pairs[17] = dataclasses.replace(pairs[17], tgt=pairs[17].tgt.replace("Курщині", "Курщинах"))
    flagged = term_missing(pairs, g, "uk")
    assert flagged == {4: "Kim Jong Un (expected Кім Чен Ин)"}  # Курську / Курщинах are inflected forms: fine
    pairs[16] = dataclasses.replace(pairs[16], tgt=pairs[16].tgt.replace("Зеленський", "Зеленский"))
    pairs[17] = dataclasses.replace(pairs[17], tgt=pairs[17].tgt.replace("Курщинах", "Курській"))
    pairs[6] = dataclasses.replace(pairs[6], tgt="")  # empty targets are the empty_target check's
    assert term_missing(pairs, g, "uk") == {
        4: "Kim Jong Un (expected Кім Чен Ин)",
        16: "Zelenskyy (expected Зеленський)",
    }
    counts = term_counts(pairs, g, "uk")
    assert counts["missing_by_term"] == {"Kim Jong Un": 1, "Zelenskyy": 1}


def test_every_missing_term_of_a_pair_is_listed_in_source_order() -> None:
    g = seed("yaml")
    src = "Kim Jong Un and Zelenskyy spoke about Kursk."
    assert [e.source for e in missing_terms(src, "Зеленський говорив.", g, "uk")] == ["Kim Jong Un", "Kursk"]
    flagged = term_missing([AlignedPair(0, "en", "uk", src, "Зеленський говорив.", (0,), (0,), 1.0)], g, "uk")
    assert flagged == {0: "Kim Jong Un (expected Кім Чен Ин); Kursk (expected Курськ or Курщина)"}


def test_a_glossary_without_the_target_language_flags_nothing() -> None:
    g = Glossary((entry("Kursk", de="Kursk"),))
    pair = AlignedPair(0, "en", "uk", "Kursk", "Москва", (0,), (0,), 1.0)
    assert term_missing([pair], g, "uk") == {}
    assert term_missing([pair], g, "de") == {0: "Kursk (expected Kursk)"}


# --------------------------------------------------------------------------- source matching


@pytest.mark.parametrize(
    ("term", "text", "surfaces"),
    [
        ("soldier", "Two soldiers and a soldier's rifle.", ["soldiers", "soldier"]),
        ("soldier", "Soldiering on, SOLDIER.", ["SOLDIER"]),
        ("army", "Both armies met the army.", ["armies", "army"]),
        ("box", "boxes, a box, boxer", ["boxes", "box"]),
        ("spy agency", "two spy agencies; the spy-agency", ["spy agencies", "spy-agency"]),
        ("Kim Jong Un", "Kim Jong-un met KIM JONG UN.", ["Kim Jong-un", "KIM JONG UN"]),
        ("North Korea", "North Korean troops left North Korea’s army.", ["North Korea"]),
        ("Zelenskyy", "Zelenskyy’s plan and Zelenskyy's plan; Zelenskyyan", ["Zelenskyy", "Zelenskyy"]),
        ("O'Brien", "O’Brien and O'Brien", ["O’Brien", "O'Brien"]),
        ("Seoul", "seouls spy agency", ["seouls"]),
    ],
)
def test_source_terms_match_on_word_boundaries_with_english_inflection(
    term: str, text: str, surfaces: list[str]
) -> None:
    found = find_terms([entry(term, uk="x")], text)
    assert [m.surface for m in found] == surfaces
    assert all(text[m.start : m.end] == m.surface for m in found)


def test_a_case_sensitive_term_matches_only_as_written() -> None:
    nis = entry("NIS", case_sensitive=True, uk="НСР")
    assert [m.surface for m in find_terms([nis], "The NIS said; Dennis, nis, Nis and NISs.")] == ["NIS", "NISs"]
    loose = entry("NIS", uk="НСР")
    assert [m.surface for m in find_terms([loose], "NIS, nis, Nis")] == ["NIS", "nis", "Nis"]


def test_the_leftmost_then_longest_term_wins() -> None:
    g = seed()
    text = "Ukrainian President Volodymyr Zelenskyy said Zelenskyy and the National Intelligence Service (NIS) agree."
    assert [(m.entry.source, m.surface) for m in find_terms(g, text)] == [
        ("Volodymyr Zelenskyy", "Volodymyr Zelenskyy"),
        ("Zelenskyy", "Zelenskyy"),
        ("National Intelligence Service", "National Intelligence Service"),
        ("NIS", "NIS"),
    ]


# --------------------------------------------------------------------------- target matching


@pytest.mark.parametrize(
    ("lang", "forms", "text", "found"),
    [
        # Ukrainian: stem + case ending, on every word of the form
        ("uk", ["Курськ"], "бої поблизу Курська", True),
        ("uk", ["Курськ"], "у Курській області", True),
        ("uk", ["Курськ"], "під Курськом", True),
        ("uk", ["Курськ"], "на Курщині", False),  # another word: list it as a form
        ("uk", ["Курськ", "Курщина"], "на Курщині", True),
        ("uk", ["Курськ"], "курс гривні", False),
        ("uk", ["Зеленський"], "заява Зеленського", True),
        ("uk", ["Україна"], "в Україні та Україною", True),
        ("uk", ["Північна Корея"], "війська Північної Кореї", True),
        ("uk", ["Північна Корея"], "Південної Кореї", False),
        ("uk", ["НСР"], "за даними НСР", True),
        ("uk", ["НСР"], "за даними НСРУ", False),  # acronyms are not inflected
        ("uk", ["Кім Чен Ин"], "лідер Кім Чен Ин заявив", True),
        ("uk", ["Кім Чен Ин"], "лідер Кім Чен Ун заявив", False),
        ("uk", ["Кім Чен Ин"], "лідер кім чен ин", True),  # case-insensitive
        # Russian: ё read as е
        ("ru", ["Курск"], "в Курской области", True),
        ("ru", ["Курск"], "в Курске", True),
        ("ru", ["Ку Бён Сам"], "представитель Ку Бен Сам", True),
        ("ru", ["Ку Бен Сам"], "представитель Ку Бён Сам", True),
        ("ru", ["Зеленский"], "заявил Зеленський", False),
        ("ru", ["Вторая мировая война"], "со времен Второй мировой войны", True),
        # Korean: particles after the form, and nothing else
        ("ko", ["쿠르스크"], "쿠르스크에서 새로운", True),
        ("ko", ["김정은"], "김정은은 말했다", True),
        ("ko", ["김정은"], "김정은이 말했다", True),
        ("ko", ["김정은"], "김정은과의 회담", True),
        ("ko", ["우크라이나"], "우크라이나서 생포된", True),
        ("ko", ["북한"], "북한군 병사", False),
        ("ko", ["북한"], "남북한 관계", False),
        ("ko", ["국가정보원"], "국가 정보원은", True),
        ("ko", ["국가정보원"], "국가정보원(국정원)은", True),
        # another language: as written
        ("de", ["Kursk"], "in Kursk.", True),
        ("de", ["Kursk"], "Kursker Gebiet", False),
    ],
)
def test_target_forms_match_with_the_target_languages_inflection(
    lang: str, forms: list[str], text: str, found: bool
) -> None:
    assert target_has_form(forms, text, lang) is found


def test_a_case_sensitive_entry_checks_the_target_case_too() -> None:
    assert target_has_form(["НСР"], "нср", "uk") is True
    assert target_has_form(["НСР"], "нср", "uk", case_sensitive=True) is False


# --------------------------------------------------------------------------- loading


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_csv_source_target_columns_apply_to_any_target_language(tmp_path: Path) -> None:
    p = write(tmp_path, "g.csv", "source,target\nKursk,Курськ|Курщина\nsoldier,військовий\n")
    g = load_glossary(p)
    assert g.entries[0].targets == ((ANY_LANG, ("Курськ", "Курщина")),)
    assert g.for_lang("uk").entries[0].forms("uk") == ("Курськ", "Курщина")
    assert g.for_lang("uk-UA").entries[1].forms("uk") == ("військовий",)


def test_csv_variants_semicolons_tabs_quotes_comments_and_repeated_terms(tmp_path: Path) -> None:
    semi = write(tmp_path, "semi.csv", "en;ko;uk\nKursk;쿠르스크;Курськ\n")
    assert load_glossary(semi).entries[0].forms("ko") == ("쿠르스크",)
    tsv = write(tmp_path, "g.tsv", "# comment\nen\tuk\tnote\nKursk\tКурськ | Курщина\ta city, a region\n")
    assert load_glossary(tsv).entries[0].forms("uk") == ("Курськ", "Курщина")
    quoted = write(tmp_path, "q.csv", 'en,uk\n"Kim Jong Un, leader",Кім Чен Ин\nKursk,Курськ\nkursk,Курщина\n')
    g = load_glossary(quoted)
    assert [e.source for e in g] == ["Kim Jong Un, leader", "Kursk"]
    assert g.entries[1].forms("uk") == ("Курськ", "Курщина")  # two rows of one term add forms
    bom = write(tmp_path, "bom.csv", "\ufeffen,ko\nKursk,쿠르스크\n".encode())
    assert load_glossary(bom).entries[0].source == "Kursk"


def test_yaml_values_string_list_forms_and_languages(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "g.yaml",
        "Kursk: Курськ\nsoldier: [військовий, солдат]\nNIS: {forms: НСР, case_sensitive: true}\n"
        "NO: Норвегія\n1950: '1950'\nKim Jong Un: {ko: 김정은, uk: [Кім Чен Ин]}\n",
    )
    g = load_glossary(p)
    assert [(e.source, e.case_sensitive) for e in g] == [
        ("Kursk", False),
        ("soldier", False),
        ("NIS", True),
        ("NO", False),
        ("1950", False),
        ("Kim Jong Un", False),
    ]
    assert g.entries[1].forms("uk") == ("військовий", "солдат")
    assert g.entries[5].forms("ko") == ("김정은",)
    assert g.entries[5].forms("ru") == ()
    assert [e.source for e in g.for_lang("ru")] == ["Kursk", "soldier", "NIS", "NO", "1950"]


def test_several_files_merge_into_one_glossary(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", "en,uk\nKursk,Курськ\n")
    b = write(tmp_path, "b.yaml", "Kursk: {uk: Курщина, ru: Курск}\nUkraine: {uk: Україна}\n")
    g = load_glossaries([a, b])
    assert [(e.source, e.forms("uk"), e.forms("ru")) for e in g] == [
        ("Kursk", ("Курськ", "Курщина"), ("Курск",)),
        ("Ukraine", ("Україна",), ()),
    ]
    assert g.sources == (str(a), str(b))


MALFORMED = [
    ("g.csv", "en,uk\nKursk,Курськ\nUkraine,Україна,extra\n", "g.csv:3", "3 cells, but the header has 2"),
    ("g.csv", "Kursk,Курськ\n", "g.csv:1", "names no source column"),
    ("g.csv", "en,uk,colour\nKursk,Курськ,red\n", "g.csv:1", "unknown column(s) 'colour'"),
    ("g.csv", "uk,en\nКурськ,Kursk\n", "g.csv:1", "the source language is 'en'"),
    ("g.csv", "en,uk,case_sensitive\nKursk,Курськ,no\nNIS,НСР,maybe\n", "g.csv:3", "case_sensitive is 'maybe'"),
    ("g.csv", "en,uk\nKursk,Курськ\n,Україна\n", "g.csv:3", "no source term"),
    ("g.csv", "en,uk\nKursk,Курськ\nUkraine,\n", "g.csv:3", "'Ukraine' has no target form"),
    ("g.csv", 'en,uk\nKursk,Курськ\nUkraine,"Україна\n', "g.csv:3", "malformed line"),
    ("g.csv", b"en,uk\nKursk,\xca\xf3\xf0\xf1\xfc\xea\n", "g.csv:2", "not UTF-8"),
    ("g.csv", "en,uk\n", "g.csv", "has no terms"),
    ("g.csv", "\n# only a comment\n", "g.csv", "is empty"),
    ("g.yaml", "Kursk: Курськ\nUkraine: [Україна\n", "g.yaml:3", "not valid YAML"),
    ("g.yaml", "Kursk: Курськ\nkursk: Курщина\n", "g.yaml:2", "already defined on line 1"),
    ("g.yaml", "Kursk: {uk: Курськ, colour: red}\n", "g.yaml:1", "unknown key 'colour'"),
    ("g.yaml", "Kursk: Курськ\nUkraine: [{uk: Україна}]\n", "g.yaml:2", "must be text or a list"),
    ("g.yaml", "Kursk: Курськ\nUkraine: []\n", "g.yaml:2", "has no form"),
    ("g.yaml", "- Kursk\n", "g.yaml:1", "not a map of terms"),
    ("g.yaml", "NIS:\n  uk: НСР\n  case_sensitive: sometimes\n", "g.yaml:3", "case_sensitive is 'sometimes'"),
    ("g.tbx", "<martif><text><body><termEntry><langSet xml:lang='en'>", "g.tbx", "line 1"),
    ("g.tbx", "<tmx version='1.4'/>", "g.tbx", "root element is <tmx>"),
    (
        "g.tbx",
        "<martif><text><body><termEntry>\n<langSet xml:lang='en'><tig><term>Kursk</term></tig></langSet>\n"
        "<langSet><tig><term>Курськ</term></tig></langSet></termEntry></body></text></martif>",
        "g.tbx:1",
        "no xml:lang",
    ),
    (
        "g.tbx",
        "<martif><text><body><termEntry><langSet xml:lang='de'><tig><term>Kursk</term></tig></langSet>"
        "<langSet xml:lang='uk'><tig><term>Курськ</term></tig></langSet></termEntry></body></text></martif>",
        "g.tbx",
        "no concept has both a en term",
    ),
    ("g.txt", "Kursk,Курськ\n", "g.txt", "unknown format '.txt'"),
]


@pytest.mark.parametrize(("name", "text", "where", "problem"), MALFORMED)
def test_a_malformed_glossary_is_one_line_naming_file_and_line(
    tmp_path: Path, name: str, text: str | bytes, where: str, problem: str
) -> None:
    p = write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        load_glossary(p)
    message = str(err.value)
    assert "\n" not in message
    assert f"{tmp_path / where}" in message + ":"  # the file, and the line where there is one
    assert problem in message
    assert err.value.fix  # and what to do


def test_tbx_terms_in_ntig_groups_are_read_too(tmp_path: Path) -> None:
    """translate-toolkit lists <tig> terms only; MultiTerm-style <ntig><termGrp> terms are read directly."""
    p = write(
        tmp_path,
        "ntig.tbx",
        '<martif type="TBX" xml:lang="en"><text><body><termEntry id="c1">'
        '<langSet xml:lang="en"><ntig><termGrp><term>Kursk</term></termGrp></ntig></langSet>'
        '<langSet xml:lang="uk"><ntig><termGrp><term>Курськ</term></termGrp></ntig><ntig><termGrp><term>Курск</term>'
        '<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termGrp></ntig></langSet>'
        '<langSet xml:lang="ko"><tig><term>쿠르스크</term></tig></langSet>'
        "</termEntry></body></text></martif>",
    )
    [kursk] = load_glossary(p).entries
    assert (kursk.source, kursk.forms("uk"), kursk.forms("ko")) == ("Kursk", ("Курськ",), ("쿠르스크",))


def test_a_missing_glossary_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="glossary not found: .*nope.csv"):
        load_glossary(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- protect / restore


def test_protect_replaces_each_term_by_a_numbered_placeholder_absent_from_the_text() -> None:
    g = seed().for_lang("uk")
    text = "See (1): Zelenskyy's talks with Kim Jong Un near Kursk, then Zelenskyy left."
    protected, slots = protect(text, find_terms(g, text))
    assert protected == "See (1): (2)'s talks with (3) near (4), then (5) left."
    assert [(s.n, s.match.surface) for s in slots] == [
        (2, "Zelenskyy"),
        (3, "Kim Jong Un"),
        (4, "Kursk"),
        (5, "Zelenskyy"),
    ]


def test_restore_puts_the_preferred_form_where_the_placeholder_is() -> None:
    g = seed().for_lang("uk")
    text = "Zelenskyy spoke to Kim Jong Un about Kursk."
    _, slots = protect(text, find_terms(g, text))
    out, missing = restore("(1) говорив з ( 2 ) про （3）.", slots, "uk")
    assert out == "Зеленський говорив з Кім Чен Ин про Курськ."
    assert missing == ()
    # a placeholder the model dropped is reported, the others are still restored, nothing is guessed
    out, missing = restore("(3) і (1) говорили.", slots, "uk")
    assert out == "Курськ і Зеленський говорили."
    assert [s.match.surface for s in missing] == ["Kim Jong Un"]
    # "(12)" is not slot 1's placeholder
    out, missing = restore("(12) говорив.", slots[:1], "uk")
    assert (out, [s.n for s in missing]) == ("(12) говорив.", [1])


def test_restore_reports_a_term_without_a_form_in_the_target_language() -> None:
    g = Glossary((entry("Kursk", uk="Курськ"),))
    _, slots = protect("in Kursk", find_terms(g, "in Kursk"))
    assert restore("(1)", slots, "ko") == ("(1)", slots)


@pytest.mark.parametrize(
    ("form", "model_output", "restored"),
    [
        ("젤렌스키", "(1)은 말했다", "젤렌스키는 말했다"),  # vowel-final: 는, 가, 를, 와, 로
        ("젤렌스키", "(1)이 말했다", "젤렌스키가 말했다"),
        ("젤렌스키", "(1)을 만났다", "젤렌스키를 만났다"),
        ("젤렌스키", "(1)과의 회담", "젤렌스키와의 회담"),
        ("김정은", "(1)는 말했다", "김정은은 말했다"),  # consonant-final: 은, 이, 을, 과, 으로
        ("김정은", "(1)가 말했다", "김정은이 말했다"),
        ("김정은", "(1)로 보냈다", "김정은으로 보냈다"),
        ("서울", "(1)으로 갔다", "서울로 갔다"),  # ㄹ-final takes 로
        ("쿠르스크", "(1)에서 싸웠다", "쿠르스크에서 싸웠다"),  # 에서 does not alternate
        ("김정은", "(1)이다", "김정은이다"),  # 이 followed by more Hangul: not a particle to change
        ("NATO", "(1)는", "NATO는"),  # not Hangul: left as the model wrote it
    ],
)
def test_restore_makes_a_korean_particle_agree_with_the_form(form: str, model_output: str, restored: str) -> None:
    g = Glossary((entry("Term", ko=form),))
    _, slots = protect("Term", find_terms(g, "Term"))
    assert restore(model_output, slots, "ko") == (restored, ())


def test_restore_capitalises_a_form_at_the_start_of_the_sentence() -> None:
    g = Glossary((entry("soldier", uk="військовий"),))
    _, slots = protect("A soldier; soldier.", find_terms(g, "A soldier; soldier."))
    assert restore("« (1) і (2).", slots, "uk")[0] == "« Військовий і військовий."


def test_batch_helpers_protect_and_restore_each_text_with_its_own_slots() -> None:
    g = seed()
    texts = ["Zelenskyy in Kursk.", "No terms here.", "Kim Jong Un (1) and Russia."]
    protected, slots = protect_texts(texts, g, "ru")
    assert protected == ["(1) in (2).", "No terms here.", "(2) (1) and (3)."]
    model_output = ["(2) и (1).", "Без терминов.", "(2) (1) и Россия."]  # the third dropped its Russia placeholder
    restored, missing = restore_texts(model_output, slots, "ru")
    assert restored == ["Курск и Зеленский.", "Без терминов.", "Ким Чен Ын (1) и Россия."]
    assert [[s.match.entry.source for s in m] for m in missing] == [[], [], ["Russia"]]
    with pytest.raises(ValueError, match="2 translations for 3 protected texts"):
        restore_texts(model_output[:2], slots, "ru")
    assert protect_texts(texts, Glossary(()), "ru") == (texts, [(), (), ()])


def test_protect_refuses_matches_that_are_not_of_the_text() -> None:
    g = Glossary((entry("Kursk", uk="Курськ"),))
    matches = find_terms(g, "near Kursk")
    with pytest.raises(ValueError, match="not at"):
        protect("near Kyiv!", matches)
    with pytest.raises(ValueError, match="overlapping"):
        protect("near Kursk", [*matches, *matches])


def test_the_placeholder_survives_the_opus_mt_tokenizers_on_both_sides() -> None:
    """With the real opus-mt-en-uk SentencePiece models and vocabulary: no <unk>, decoded as written.

    And every piece of it is in both the source and the target vocabulary, so a model that copies what
    it cannot translate (and the tests' copying models) can put it through unchanged.
    """
    from pipeline.translate.tokenizer import load_tokenizer

    folder = ROOT / "tests" / "fixtures" / "opus-mt-en-uk"
    pad = json.loads((folder / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    tok, _ = load_tokenizer({p.name: p for p in folder.iterdir()}, pad_id=pad, model=str(folder))
    g = seed().for_lang("uk")
    src = EN[4]  # Volodymyr Zelenskyy, North Korea, Kim Jong Un, Russia
    protected, slots = protect(src, find_terms(g, src))
    assert [s.placeholder for s in slots] == ["(1)", "(2)", "(3)", "(4)"]
    ids = tok(protected).input_ids
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == protected
    target_side = "Президент України (1) заявив, що поверне їх (2), якщо (3) обміняє їх на полонених у (4)."
    tgt_ids = tok(text_target=target_side).input_ids
    assert tok.unk_token_id not in tgt_ids
    assert tok.decode(tgt_ids, skip_special_tokens=True) == target_side
    vocab = tok.get_vocab()
    for s in slots:  # e.g. "▁(1)" on the source side, "▁(", "1", ")" on the target side: all shared pieces
        for side in (tok(s.placeholder), tok(text_target=s.placeholder)):
            pieces = tok.convert_ids_to_tokens(side.input_ids[:-1])
            assert all(p in vocab for p in pieces), pieces


def _translate(folder: Path, text: str, max_new_tokens: int = 64) -> str:
    from transformers import MarianMTModel

    from pipeline.translate.tokenizer import load_tokenizer

    pad = json.loads((folder / "config.json").read_text(encoding="utf-8"))["pad_token_id"]
    tok, _ = load_tokenizer({p.name: p for p in folder.iterdir()}, pad_id=pad, model=str(folder))
    model = MarianMTModel.from_pretrained(folder).eval()
    batch = tok([text], return_tensors="pt")
    out = model.generate(**batch, num_beams=1, max_new_tokens=max_new_tokens, max_length=None)
    return str(tok.batch_decode(out, skip_special_tokens=True)[0])


@pytest.mark.parametrize(("model", "lang"), [("en_uk_model", "uk"), ("en_ru_model", "ru")])
def test_enforced_terms_come_out_of_a_copying_model_at_their_placeholders(
    request: pytest.FixtureRequest, model: str, lang: str
) -> None:
    """The tiny models copy their input (their output is not a translation): the placeholders go through."""
    folder: Path = request.getfixturevalue(model)
    g = seed().for_lang(lang)
    src = "Ukrainian President Volodymyr Zelenskyy said Kim Jong Un would fight in Kursk."
    protected, slots = protect(src, find_terms(g, src))
    assert protected == "Ukrainian President (1) said (2) would fight in (3)."
    raw = _translate(folder, protected)
    positions = [placeholder_pattern(s.n).search(raw) for s in slots]
    assert all(positions), raw
    text, missing = restore(raw, slots, lang)
    assert missing == ()
    forms = [s.match.entry.forms(lang)[0] for s in slots]
    assert text.index(forms[0]) < text.index(forms[1]) < text.index(forms[2])
    assert text[: text.index(forms[0])] == raw[: positions[0].start()]  # type: ignore[union-attr]


def test_a_placeholder_the_model_drops_is_reported_and_the_term_flagged(en_uk_model: Path) -> None:
    g = seed().for_lang("uk")
    src = "Zelenskyy said that the soldiers would stay in Ukraine with Kim Jong Un."
    protected, slots = protect(src, find_terms(g, src))
    raw = _translate(en_uk_model, protected, max_new_tokens=9)  # cut short: the last placeholders are lost
    text, missing = restore(raw, slots, "uk")
    assert [s.match.entry.source for s in missing] == ["Ukraine", "Kim Jong Un"]
    assert text.startswith("Зеленський")
    pair = AlignedPair(0, "en", "uk", src, text, (0,), (0,), 1.0)
    assert term_missing([pair], g, "uk") == {0: "Ukraine (expected Україна); Kim Jong Un (expected Кім Чен Ин)"}


def test_a_model_that_garbles_the_placeholders_loses_them_all_visibly(en_ko_broken_model: Path) -> None:
    """The tiny en-ko model (separate vocabularies) maps '(', digits and ')' to other pieces."""
    g = seed().for_lang("ko")
    src = "Zelenskyy met Kim Jong Un in Kursk."
    protected, slots = protect(src, find_terms(g, src))
    raw = _translate(en_ko_broken_model, protected)
    text, missing = restore(raw, slots, "ko")
    assert text == raw
    assert [s.n for s in missing] == [1, 2, 3]


# --------------------------------------------------------------------------- an untrusted TBX


def opens_fifo(fn: Callable[[], object], fifo: Path, timeout: float = 3.0) -> tuple[bool, object]:
    """Run ``fn`` in a thread; whether it opened ``fifo`` for reading (it then blocks until a writer comes).

    If it did, the FIFO is fed ``SECRET-CONTENT`` so that ``fn`` can finish. Returns (opened, result or error).
    """
    result: list[object] = []

    def run() -> None:
        try:
            result.append(fn())
        except Exception as e:
            result.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not t.is_alive():
            return False, result[0]
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody is reading it
            time.sleep(0.02)
            continue
        os.write(fd, b"SECRET-CONTENT")
        os.close(fd)
        t.join(timeout)
        return True, result[0] if result else None
    raise AssertionError("fn neither finished nor opened the FIFO")


def tree_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if not p.is_fifo()}


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs os.mkfifo (POSIX) to tell whether a parser opens a file")
    path = tmp_path / "secret"
    os.mkfifo(path)
    return path


def test_the_fifo_probe_sees_a_parser_that_reads_an_external_entity(tmp_path: Path, fifo: Path) -> None:
    """The probe itself: an XML parser left to its defaults with DTD loading on does open the file."""
    from lxml import etree

    doc = f'<!DOCTYPE x [<!ENTITY e SYSTEM "{fifo.as_uri()}">]><x>&e;</x>'.encode()
    parser = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=True)
    opened, result = opens_fifo(lambda: etree.fromstring(doc, parser), fifo)
    assert opened
    assert isinstance(result, etree._Element) and result.text == "SECRET-CONTENT"


TBX_ATTACKS = {
    "billion-laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE martif [\n<!ENTITY a "lol">\n'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
        + "]>\n<martif><text><body><termEntry><langSet xml:lang='en'><tig><term>&j;</term></tig></langSet>"
        "<langSet xml:lang='uk'><tig><term>x</term></tig></langSet></termEntry></body></text></martif>\n",
        "declares XML entities",
    ),
    "external-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE martif [<!ENTITY xxe SYSTEM "{uri}">]>\n'
        "<martif><text><body><termEntry><langSet xml:lang='en'><tig><term>&xxe;</term></tig></langSet>"
        "<langSet xml:lang='uk'><tig><term>x</term></tig></langSet></termEntry></body></text></martif>\n",
        "declares XML entities",
    ),
    "parameter-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE martif [<!ENTITY % p SYSTEM "{uri}"> %p;]>\n<martif/>\n',
        "declares XML entities",
    ),
    "truncated": (
        '<?xml version="1.0"?>\n<martif><text><body><termEntry><langSet xml:lang="en"><tig><term>Kur',
        "not well-formed XML (line 2",
    ),
}


@pytest.mark.parametrize("attack", sorted(TBX_ATTACKS))
def test_an_untrusted_tbx_is_refused_without_reading_or_writing_anything(
    tmp_path: Path, fifo: Path, attack: str
) -> None:
    text, problem = TBX_ATTACKS[attack]
    path = write(tmp_path, "evil.tbx", text.replace("{uri}", fifo.as_uri()))
    before = tree_snapshot(tmp_path)
    started = time.monotonic()
    opened, result = opens_fifo(lambda: load_glossary(path), fifo)
    assert not opened, "the glossary loader opened a file named by the TBX"
    assert isinstance(result, InputError), result
    assert problem in str(result) and str(path) in str(result) and "\n" not in str(result)
    assert "SECRET" not in str(result)
    assert time.monotonic() - started < 2.0
    assert tree_snapshot(tmp_path) == before


def test_a_tbx_doctype_naming_an_external_dtd_is_read_without_opening_it(tmp_path: Path, fifo: Path) -> None:
    text = (GLOSSARY / "seed.tbx").read_text(encoding="utf-8").replace("TBXcoreStructV02.dtd", fifo.as_uri())
    path = write(tmp_path, "seed.tbx", text)
    opened, result = opens_fifo(lambda: load_glossary(path), fifo)
    assert not opened
    assert isinstance(result, Glossary) and summary(result) == summary(seed())


def test_a_tbx_over_the_size_limit_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.glossary import load as load_mod

    monkeypatch.setattr(load_mod, "MAX_GLOSSARY_BYTES", 1000)
    with pytest.raises(InputError, match="over the limit of 1,000"):
        load_glossary(GLOSSARY / "seed.tbx")

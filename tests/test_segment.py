"""Segmentation stage: case tables per language, offsets, invariants, furniture, errors, linear time."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pipeline.segment as segment_module
from pipeline.errors import ConfigError
from pipeline.records import Segmentation
from pipeline.segment import (
    DEFAULT_FURNITURE,
    SEGMENTERS,
    Segmenter,
    get_segmenter,
    segment_document,
    segment_lines,
    split_paragraphs,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_d3c0a91caa4d5cc3.txt"
SEED_EN = ROOT / "tests" / "data" / "seed.en.txt"

NBSP = "\u00a0"

EN_CASES: list[tuple[str, list[str]]] = [
    ("Hello world. This is a test.", ["Hello world.", "This is a test."]),
    # a quotation followed by its attribution is one unit; one that ends its sentence is not
    (
        '"We are ready. We will wait," he said. Then he left.',
        ['"We are ready. We will wait," he said.', "Then he left."],
    ),
    ("“It is over. We lost.” She turned away.", ["“It is over.", "We lost.”", "She turned away."]),
    # datelines with an agency, lists inside a sentence
    (
        "LONDON, Dec. 4 (Reuters) - Britain said on Friday it would act. Talks continue.",
        ["LONDON, Dec. 4 (Reuters) - Britain said on Friday it would act.", "Talks continue."],
    ),
    ("Options: a) wait, b) sell. Most chose a).", ["Options: a) wait, b) sell.", "Most chose a)."]),
    # spaced ellipses: a quotation trailing off ends; one after a sentence end or before a quoted capital
    ("“I thought . . .” She stopped.", ["“I thought . . .”", "She stopped."]),
    ("It rained. He waited . . . and left.", ["It rained.", "He waited . . . and left."]),
    ("It ended! . . . The crowd left.", ["It ended!", ". . . The crowd left."]),
    ("The end . . . . “Next,” he said.", ["The end . . . .", "“Next,” he said."]),
    ("I. . . . Then I left.", ["I.", ". . . Then I left."]),
    (". . . . The rest followed.", [". . . . The rest followed."]),  # nothing before it to end
    # abbreviations
    ("Dr. Smith met Mr. and Mrs. Jones. They talked.", ["Dr. Smith met Mr. and Mrs. Jones.", "They talked."]),
    ("Prof. Kim lives on St. Mark's Place. She is nice.", ["Prof. Kim lives on St. Mark's Place.", "She is nice."]),
    ("The U.S. and the U.K. signed a deal. It holds.", ["The U.S. and the U.K. signed a deal.", "It holds."]),
    ("He moved to the U.S. He likes it.", ["He moved to the U.S.", "He likes it."]),
    ("Fruit, e.g. apples, i.e. food. Fine.", ["Fruit, e.g. apples, i.e. food.", "Fine."]),
    ("Apples, pears, etc. are sold here. Buy some.", ["Apples, pears, etc. are sold here.", "Buy some."]),
    ("See No. 5 and Fig. 2 for details. Done.", ["See No. 5 and Fig. 2 for details.", "Done."]),
    ("It was Smith vs. Jones in Jan. 2020. Jones won.", ["It was Smith vs. Jones in Jan. 2020.", "Jones won."]),
    ("He joined Apple Inc. The company grew.", ["He joined Apple Inc.", "The company grew."]),
    ("Acme Ltd. and Foo Inc. merged. Shares rose.", ["Acme Ltd. and Foo Inc. merged.", "Shares rose."]),
    (
        "Gen. Lee, Sen. Smith and Gov. Brown met. Talks failed.",
        ["Gen. Lee, Sen. Smith and Gov. Brown met.", "Talks failed."],
    ),
    ("The answer was no. He left.", ["The answer was no.", "He left."]),
    # initials
    ("J. R. R. Tolkien wrote it. George W. Bush read it.", ["J. R. R. Tolkien wrote it.", "George W. Bush read it."]),
    ("We chose plan B. It worked.", ["We chose plan B.", "It worked."]),
    # decimals and money
    ("It costs $3.50 now. It was $2.", ["It costs $3.50 now.", "It was $2."]),
    (
        "About 2.7 million people. Revenue was €1.5bn. Up 3.2%.",
        ["About 2.7 million people.", "Revenue was €1.5bn.", "Up 3.2%."],
    ),
    ("The war of 1950-53. It ended.", ["The war of 1950-53.", "It ended."]),
    # times
    ("We met at 5 p.m. on Monday. It rained.", ["We met at 5 p.m. on Monday.", "It rained."]),
    ("We met at 5 p.m. The next day it rained.", ["We met at 5 p.m.", "The next day it rained."]),
    ("At 9 a.m. Tuesday we left. Fine.", ["At 9 a.m. Tuesday we left.", "Fine."]),
    # quotes ending in ? / !
    ('"Why?" he asked. She left.', ['"Why?" he asked.', "She left."]),
    ('He asked: "Why?" Then he left.', ['He asked: "Why?"', "Then he left."]),
    ('"Stop!" she cried. Nobody did.', ['"Stop!" she cried.', "Nobody did."]),
    ("What? Really! Yes.", ["What?", "Really!", "Yes."]),
    ('"Why?" — he asked.', ['"Why?" — he asked.']),
    # closing quotes / brackets belong to the sentence
    ('He said "Go home." Then he ran.', ['He said "Go home."', "Then he ran."]),
    ("It rose (by 5%.) Then it fell.", ["It rose (by 5%.)", "Then it fell."]),
    # ellipses
    ("Wait... what? Oh.", ["Wait... what?", "Oh."]),
    ("Wait... What now?", ["Wait...", "What now?"]),
    ("Well… I see. Fine.", ["Well…", "I see.", "Fine."]),
    # URLs and e-mail
    (
        "Visit https://example.com/a.b?c=d today. Write to john.doe@example.org. Thanks!",
        ["Visit https://example.com/a.b?c=d today.", "Write to john.doe@example.org.", "Thanks!"],
    ),
    ("See www.example.co.uk/x.html. Done.", ["See www.example.co.uk/x.html.", "Done."]),
    # parentheticals
    ("Results are clear. (See Fig. 2.) We discuss them.", ["Results are clear.", "(See Fig. 2.)", "We discuss them."]),
    ("It rose (see Fig. 3). Then it fell.", ["It rose (see Fig. 3).", "Then it fell."]),
    # numbered items
    ("Steps:\n1. First item\n2. Second item", ["Steps:", "1. First item", "2. Second item"]),
    ("1. Buy milk.\n2. Go home.", ["1. Buy milk.", "2. Go home."]),
    ("Points:\n- one\n- two", ["Points:", "- one", "- two"]),
    ("1. A long item that\n   wraps\n2. Next item", ["1. A long item that\n   wraps", "2. Next item"]),
    ("The count rose to\n15. It then fell.", ["The count rose to\n15.", "It then fell."]),
    # whitespace
    ("One.   Two.\tThree.", ["One.", "Two.", "Three."]),
    (f"Dr.{NBSP}Smith came.{NBSP}He left.", [f"Dr.{NBSP}Smith came.", "He left."]),
    ("A single line\nbreak is whitespace. Yes.", ["A single line\nbreak is whitespace.", "Yes."]),
    # typographic quotes
    ("“Why?” he asked. ‘No.’ Then silence.", ["“Why?” he asked.", "‘No.’", "Then silence."]),
    ("She said «Non!» Then left. It’s over.", ["She said «Non!»", "Then left.", "It’s over."]),
    # headline-like text without final punctuation
    ("Breaking news from Seoul", ["Breaking news from Seoul"]),
    (
        "North Korean Soldiers Captured in Ukraine\nTwo soldiers were captured in January. They are held.",
        ["North Korean Soldiers Captured in Ukraine", "Two soldiers were captured in January.", "They are held."],
    ),
    ("BREAKING NEWS\nThe talks failed.", ["BREAKING NEWS", "The talks failed."]),
    (
        "Talks resume\nNegotiators from both sides met again in Geneva on Monday morning.",
        ["Talks resume", "Negotiators from both sides met again in Geneva on Monday morning."],
    ),  # fmt: skip
    # hard-wrapped prose is not cut at its line breaks, even before a capital
    (
        "The minister said that the talks\nwould continue. He met with\nPresident Zelensky on Monday and they\nagreed.",
        [
            "The minister said that the talks\nwould continue.",
            "He met with\nPresident Zelensky on Monday and they\nagreed.",
        ],
    ),
]

RU_CASES: list[tuple[str, list[str]]] = [
    ("Это пример. Второе предложение.", ["Это пример.", "Второе предложение."]),
    ("Фрукты, т. е. яблоки, т.д. и т. п. Конец.", ["Фрукты, т. е. яблоки, т.д. и т. п.", "Конец."]),
    ("Книги, журналы и т. д. Всё есть.", ["Книги, журналы и т. д.", "Всё есть."]),
    ("В. В. Путин приехал. Он уехал.", ["В. В. Путин приехал.", "Он уехал."]),
    ("Путин В. В. заявил это. Все молчали.", ["Путин В. В. заявил это.", "Все молчали."]),
    ("Он живёт в г. Москва на ул. Ленина. Хорошо.", ["Он живёт в г. Москва на ул. Ленина.", "Хорошо."]),
    ("Это было в 2020 г. Потом всё изменилось.", ["Это было в 2020 г.", "Потом всё изменилось."]),
    ("Театр им. Пушкина, с. Петровка, напр. так. Да.", ["Театр им. Пушкина, с. Петровка, напр. так.", "Да."]),
    ("Бюджет 5 млн. руб. в год. Много.", ["Бюджет 5 млн. руб. в год.", "Много."]),
    ("Цена 5 млн. Это много.", ["Цена 5 млн.", "Это много."]),
    ("«Почему?» — спросил он. Она ушла.", ["«Почему?» — спросил он.", "Она ушла."]),
    ("Он сказал: «Нет.» Потом ушёл.", ["Он сказал: «Нет.»", "Потом ушёл."]),
    ("— Привет. — Привет!", ["— Привет.", "— Привет!"]),
    ("Рост 2,7 млн. человек, т. е. 3.5%. Итог.", ["Рост 2,7 млн. человек, т. е. 3.5%.", "Итог."]),
    ("Ну... Я не знаю.", ["Ну...", "Я не знаю."]),
]

UK_CASES: list[tuple[str, list[str]]] = [
    ("Це приклад. Друге речення.", ["Це приклад.", "Друге речення."]),
    ("В. Зеленський заявив. Це важливо.", ["В. Зеленський заявив.", "Це важливо."]),
    ("Книжки, зошити та ін. Усе є.", ["Книжки, зошити та ін.", "Усе є."]),
    ("Ціна 5 тис. грн. за штуку. Дорого.", ["Ціна 5 тис. грн. за штуку.", "Дорого."]),
    ("Ціна 5 тис. грн. Дорого.", ["Ціна 5 тис. грн.", "Дорого."]),
    ("У 2020 р. Він поїхав.", ["У 2020 р.", "Він поїхав."]),
    ("Він живе в м. Київ на вул. Хрещатик. Добре.", ["Він живе в м. Київ на вул. Хрещатик.", "Добре."]),
    ("Фрукти, т. д. і т. п. Кінець.", ["Фрукти, т. д. і т. п.", "Кінець."]),
    ("Вулиця ім. Шевченка, напр. ця. Так.", ["Вулиця ім. Шевченка, напр. ця.", "Так."]),
    ("«Чому?» — спитав він. Вона пішла.", ["«Чому?» — спитав він.", "Вона пішла."]),
    # a month abbreviation before a number; a quotation introduced by a colon is one unit
    (
        "Зустріч відбулася 12 лют. 2024 р. у Брюсселі. Про це повідомив МЗС.",
        ["Зустріч відбулася 12 лют. 2024 р. у Брюсселі.", "Про це повідомив МЗС."],
    ),
    (
        "Він сказав: «Ми готові. Ми чекаємо». Після цього пішов.",
        ["Він сказав: «Ми готові. Ми чекаємо».", "Після цього пішов."],
    ),
]

KO_CASES: list[tuple[str, list[str]]] = [
    ("오늘은 날씨가 좋다. 내일은 비가 온다.", ["오늘은 날씨가 좋다.", "내일은 비가 온다."]),
    ("경제가 2.7% 성장했다! 정말? 네.", ["경제가 2.7% 성장했다!", "정말?", "네."]),
    ("정말？ 네。좋아요.", ["정말？", "네。", "좋아요."]),
    ('"왜?"라고 물었다. 그는 떠났다.', ['"왜?"라고 물었다.', "그는 떠났다."]),
    ("“왜요?” 그가 물었다.", ["“왜요?”", "그가 물었다."]),
    ("가격은 3.50달러이다. 싸다.", ["가격은 3.50달러이다.", "싸다."]),
    # a quotation of two sentences with its particle, in straight quotes too, is one unit
    (
        '김 장관은 "준비됐다. 곧 발표하겠다"며 자리를 떠났다. 발표는 다음 날 나왔다.',
        ['김 장관은 "준비됐다. 곧 발표하겠다"며 자리를 떠났다.', "발표는 다음 날 나왔다."],
    ),
    ("회의는 오후 3시에 열린다.참석자는 20명이다.", ["회의는 오후 3시에 열린다.", "참석자는 20명이다."]),
]

GENERIC_CASES: list[tuple[str, str, list[str]]] = [
    ("zh", "他来了。她走了！你呢？", ["他来了。", "她走了！", "你呢？"]),
    ("zh", "“为什么？”他问。他说：“走吧。”然后离开了。", ["“为什么？”他问。", "他说：“走吧。”", "然后离开了。"]),
    ("zh", "增长了2.7%。很好。", ["增长了2.7%。", "很好。"]),
    ("ja", "「なぜ？」と聞いた。彼は帰った。", ["「なぜ？」と聞いた。", "彼は帰った。"]),
    ("de", "Dr. Müller kam z. B. heute. Er ging.", ["Dr. Müller kam z. B. heute.", "Er ging."]),
    ("de", "Das kostet ca. 3,50 Euro usw. und mehr. Gut.", ["Das kostet ca. 3,50 Euro usw. und mehr.", "Gut."]),
    ("de", "„Warum?“ fragte er. Sie ging.", ["„Warum?“ fragte er.", "Sie ging."]),
    ("de", "Siehe Nr. 5 im Text. Ende.", ["Siehe Nr. 5 im Text.", "Ende."]),
    ("fr", "M. Dupont est là. Il parle.", ["M. Dupont est là.", "Il parle."]),
    ("hi", "यह एक वाक्य है। यह दूसरा है।", ["यह एक वाक्य है।", "यह दूसरा है।"]),
]


def _texts(text: str, lang: str) -> list[str]:
    seg = get_segmenter(lang)
    spans = seg.spans(text)
    _check_spans(text, spans)
    return [text[s:e] for s, e in spans]


def _check_spans(text: str, spans: list[tuple[int, int]]) -> None:
    """Non-empty, trimmed, strictly increasing, covering every non-space character exactly once."""
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        assert text[prev_end:s].strip() == ""
        prev_end = e
    assert text[prev_end:].strip() == ""
    assert "".join("".join(text[s:e].split()) for s, e in spans) == "".join(text.split())


@pytest.mark.parametrize(("text", "expected"), EN_CASES, ids=[c[0][:40] for c in EN_CASES])
def test_english(text: str, expected: list[str]) -> None:
    assert _texts(text, "en") == expected


@pytest.mark.parametrize(("text", "expected"), RU_CASES, ids=[c[0][:40] for c in RU_CASES])
def test_russian(text: str, expected: list[str]) -> None:
    assert _texts(text, "ru") == expected


@pytest.mark.parametrize(("text", "expected"), UK_CASES, ids=[c[0][:40] for c in UK_CASES])
def test_ukrainian(text: str, expected: list[str]) -> None:
    assert _texts(text, "uk") == expected


@pytest.mark.parametrize(("text", "expected"), KO_CASES, ids=[c[0][:40] for c in KO_CASES])
def test_korean(text: str, expected: list[str]) -> None:
    assert _texts(text, "ko") == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"), GENERIC_CASES, ids=[f"{c[0]}-{c[1][:30]}" for c in GENERIC_CASES]
)
def test_generic(lang: str, text: str, expected: list[str]) -> None:
    assert _texts(text, lang) == expected


# -- the seed ------------------------------------------------------------------------------------


def test_seed_document() -> None:
    text = SEED.read_text(encoding="utf-8")
    expected = SEED_EN.read_text(encoding="utf-8").splitlines()
    result = segment_document(text, "en")
    assert [s.text for s in result.sentences] == expected
    assert [s.idx for s in result.sentences] == list(range(len(expected)))
    for s in result.sentences:
        assert text[s.start : s.end] == s.text
    assert [(d.text, d.paragraph) for d in result.dropped] == [("Comments", 11), ("Leave a Reply", 12)]
    for d in result.dropped:
        assert text[d.start : d.end] == d.text
        assert d.reason.startswith("furniture:")
    assert result.sentences[0].paragraph == 0 and result.sentences[-1].paragraph == 10
    assert [s.paragraph for s in result.sentences[3:6]] == [3, 3, 3]


def test_seed_without_furniture_rules_keeps_everything() -> None:
    text = SEED.read_text(encoding="utf-8")
    result = segment_document(text, "en", furniture=())
    assert result.dropped == ()
    assert [s.text for s in result.sentences][-2:] == ["Comments", "Leave a Reply"]


# -- offsets, paragraphs, lines ------------------------------------------------------------------


def test_offsets_and_paragraph_numbering() -> None:
    text = "  Title line\n\n\nDr. Who? Yes.\r\n  \r\nSecond  para.\nSame para.  \n\nComments\n\nLast."
    result = segment_document(text, "en")
    assert [(s.idx, s.text, s.paragraph) for s in result.sentences] == [
        (0, "Title line", 0),
        (1, "Dr. Who?", 1),
        (2, "Yes.", 1),
        (3, "Second  para.", 2),
        (4, "Same para.", 2),
        (5, "Last.", 4),
    ]
    for s in result.sentences:
        assert text[s.start : s.end] == s.text
    (dropped,) = result.dropped
    assert (dropped.text, dropped.paragraph, text[dropped.start : dropped.end]) == ("Comments", 3, "Comments")


def test_split_paragraphs() -> None:
    text = "\n a b \n c\n\n \t\nd\u2029e\n"
    assert [text[s:e] for s, e in split_paragraphs(text)] == ["a b \n c", "d", "e"]
    assert split_paragraphs("") == [] and split_paragraphs(" \n\n ") == []


def test_segment_lines() -> None:
    text = "First line.  Still first.\n  second  \n\n\nthird\r\n\n"
    result = segment_lines(text)
    assert isinstance(result, Segmentation) and result.dropped == ()
    assert [(s.idx, s.text, s.paragraph) for s in result.sentences] == [
        (0, "First line.  Still first.", 0),
        (1, "second", 0),
        (2, "third", 1),
    ]
    for s in result.sentences:
        assert text[s.start : s.end] == s.text


def test_lines_segmenter_registered() -> None:
    seg = get_segmenter("en", "lines")
    assert (seg.name, seg.lang) == ("lines.v1", "en")
    assert seg.spans("a. b.\nc") == [(0, 5), (6, 7)]
    assert segment_document("a. b.\nc", "ko", segmenter="lines").sentences[1].text == "c"


def test_blank_line_is_a_hard_boundary_in_spans() -> None:
    assert _texts("Dr.\n\nSmith", "en") == ["Dr.", "Smith"]


def test_empty_input() -> None:
    assert get_segmenter("en").spans("") == []
    assert segment_document("   \n\n ", "en") == Segmentation(sentences=(), dropped=())


# -- invariants (hypothesis) -----------------------------------------------------------------------

_PIECES = (
    'a Word the Dr. U.S. e.g. p.m. J. No. 5 2.7 . ... … ? ! ?! " “ ” « » ( ) 。 ！ ？ 다. г. В. 1. - —'.split()
    + [
        "т. е.",
        " ",
        "  ",
        "\n",
        "\n\n",
        NBSP,
        "\t",
        "https://x.org/a.b?c=d",
        "a@b.cd",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=40), lang=st.sampled_from(["en", "ru", "uk", "ko", "zh"]))
def test_spans_invariants(pieces: list[str], lang: str) -> None:
    text = "".join(pieces)
    _check_spans(text, get_segmenter(lang).spans(text))
    result = segment_document(text, lang, furniture=())
    assert "".join("".join(s.text.split()) for s in result.sentences) == "".join(text.split())
    idx = [s.idx for s in result.sentences]
    assert idx == list(range(len(idx)))
    for s in result.sentences:
        assert text[s.start : s.end] == s.text and "\n\n" not in s.text


# -- furniture -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "para",
    [
        "Comments",
        "3 Comments",
        "Leave a Reply",
        "leave a comment",
        "Share this:",
        "Like this:",
        "Related",
        "Related posts:",
        "Advertisement",
        "Read more",
        "Subscribe",
        "Click to share on Twitter (Opens in new window)\nClick to share on Facebook (Opens in new window)",
        "© 2024 The Associated Press. All rights reserved.",
        "Copyright 2024 Reuters. All Rights Reserved",
        # the same page furniture around articles in the other languages, when their text is segmented
        "Реклама",
        "Читайте также:",
        "Читати далі »",
        "Поділитися",
        "Комментарии (12)",
        "Підписуйтесь на наш Telegram-канал",
        "광고",
        "▶ 관련기사",
        "기사 더보기",
        "댓글 3",
        "ⓒ 연합뉴스, 무단 전재-재배포, AI 학습 및 활용 금지",
    ],
)
def test_default_furniture_dropped(para: str) -> None:
    text = f"Real text here.\n\n  {para}  \n\nMore text."
    result = segment_document(text, "en")
    assert [s.text for s in result.sentences] == ["Real text here.", "More text."]
    assert [s.paragraph for s in result.sentences] == [0, 2]
    (d,) = result.dropped
    assert d.text == para and d.paragraph == 1 and text[d.start : d.end] == para
    assert d.reason.startswith("furniture:") and d.reason[len("furniture:") :] in DEFAULT_FURNITURE


@pytest.mark.parametrize(
    "para",
    [
        "Comments are welcome below.",
        "Related to this, the ministry said nothing.",
        "Read more books.",
        "Subscribers complained.",
        "The advertisement was banned.",
        "Copyright law protects all rights reserved by authors.",
        "Реклама алкоголя запрещена с 2012 года.",
        "Читайте також нашу аналітику про ринок праці.",
        "광고 시장이 크게 성장했다.",
        "관련 기사를 쓴 기자는 해고됐다.",
        "댓글 조작 의혹이 제기됐다.",
    ],
)
def test_real_text_never_dropped(para: str) -> None:
    result = segment_document(para, "en")
    assert result.dropped == () and [s.text for s in result.sentences] == [para]


def test_custom_furniture() -> None:
    text = "Intro.\n\nPhoto: AP\n\nBody."
    result = segment_document(text, "en", furniture=[r"photo:.*"])
    assert [s.text for s in result.sentences] == ["Intro.", "Body."]
    assert result.dropped[0].reason == "furniture:photo:.*"
    assert segment_document("Comments", "en", furniture=[r"photo:.*"]).dropped == ()


def test_invalid_furniture_regex() -> None:
    with pytest.raises(ConfigError, match=re.escape("'comments(' is not a valid regular expression")):
        segment_document("x", "en", furniture=["ok", "comments("])


def test_furniture_must_be_a_list() -> None:
    with pytest.raises(ConfigError) as e:
        segment_document("x", "en", furniture="Comments")
    assert str(e.value) == (
        "furniture must be a list of regular expressions, got the string 'Comments'; "
        'wrap it in a list, e.g. ["Comments"]'
    )


# -- registry and errors ---------------------------------------------------------------------------


def test_segmenter_names() -> None:
    en = get_segmenter("en")
    assert isinstance(en, Segmenter)
    assert (en.name, en.lang) == ("rules-en.v2", "en")
    assert get_segmenter("ru").name == "rules-ru.v2"
    assert get_segmenter("uk").name == "rules-uk.v2"
    assert get_segmenter("ko").name == "rules-ko.v2"
    de = get_segmenter("de")
    assert (de.name, de.lang) == ("rules-generic.v2", "de")
    assert get_segmenter("zho").lang == "zho"


@pytest.mark.parametrize("lang", ["EN", "english", "e", "", "en-US", "e1", "zh_CN"])
def test_invalid_language(lang: str) -> None:
    with pytest.raises(ConfigError, match="2-3 letter lowercase"):
        get_segmenter(lang)
    with pytest.raises(ConfigError):
        segment_document("x", lang)


def test_a_registered_segmenter_is_used_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segment_module.SEGMENTERS, "_targets", {**segment_module.SEGMENTERS._targets})
    SEGMENTERS.add("halves", "test_segment:_Halves")
    assert "halves" in SEGMENTERS.names()
    result = segment_document("abcd", "uk", segmenter="halves")
    assert [s.text for s in result.sentences] == ["ab", "cd"]


class _Halves:
    name = "halves.v1"

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text) // 2), (len(text) // 2, len(text))]


def test_unknown_segmenter_name() -> None:
    with pytest.raises(ConfigError, match=r"unknown segmenter 'punkt'.*segment.segmenter.*rules, lines"):
        get_segmenter("en", "punkt")


# -- linear time -----------------------------------------------------------------------------------


def test_one_megabyte_line_without_boundary() -> None:
    unit = "lorem ipsum, e.g. dolor Dr. sit 2.7 amet vs. x "
    line = (unit * (1_000_000 // len(unit) + 1))[:1_000_000].rstrip() + "z"
    assert len(line) >= 999_000
    assert get_segmenter("en").spans(line) == [(0, len(line))]
    result = segment_document(line, "en")
    assert len(result.sentences) == 1 and result.sentences[0].end == len(line)


PATHOLOGICAL = {
    "dots": lambda k: "." * k + "x",
    "quotes": lambda k: '"' * k,
    "dotted-word": lambda k: "a" + ".a" * (k // 2),
    "spaces": lambda k: "\n" + " " * k + "x",
    "spaced-ellipsis": lambda k: "x" + " ." * (k // 2),
    "abbreviations": lambda k: "At 5 a.m. x" * (k // 11),  # each a.m. looks back at its sentence's start
    "interrupted-quote": lambda k: "«Go. – " * (k // 7),  # each candidate counts the guillemets before it
    "dateline-dash": lambda k: "SPOKANE. — x" * (k // 12),  # each candidate looks back for a dateline
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_take_linear_time_and_stay_one_sentence(name: str) -> None:
    """Four times the input costs about four times the time, not sixteen (a backtracking regex would).

    A ratio of two sizes measured side by side (the best of 3 runs each, in CPU time of this process), not a
    wall-clock limit: a slow machine is slow for both sizes. Linear measures about 4; the bound is 8, plus
    5 ms for the timer's noise on runs of about a millisecond. The sizes are small so that a quadratic
    fails in seconds (the _SPACED regex without its lookbehind: 0.8 s and 12 s); the 200,000 characters
    below check the output."""
    make = PATHOLOGICAL[name]
    seg = get_segmenter("en")

    def cpu(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            seg.spans(text)
            best = min(best, time.process_time() - t0)
            if best > 1.0:  # slow already: no need to repeat
                break
        return best

    t_small, t_large = cpu(make(5_000)), cpu(make(20_000))
    assert t_large < 8 * t_small + 0.005, f"{name}: 20,000 characters took {t_large:.3f}s, 5,000 {t_small:.3f}s"
    text = make(200_000)
    spans = seg.spans(text)
    _check_spans(text, spans)
    assert len(spans) == 1  # no terminator followed by a space: one sentence


def test_furniture_rules_must_be_strings() -> None:
    with pytest.raises(ConfigError) as e:
        segment_document("x", "en", furniture=[["Comments"]])  # type: ignore[list-item]
    assert str(e.value) == "furniture rule ['Comments'] is not a string; give each rule as a regular expression string"

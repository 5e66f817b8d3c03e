"""The repair ladder (issue 28 item 2): flagged units decoded again, the first candidate that passes the checks
wins, the pair says which step and keeps its first output; a unit no step repairs keeps its flags as before.

The stand-in translators give a different output per input and per decoding setting, so a test fails when the
ladder takes the wrong candidate, the wrong step, or touches a clean unit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import load_config
from pipeline.corpus.job import run_corpus
from pipeline.repair import split_clauses
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import Decoding, TranslatorBase

SETTINGS = [
    "align.aligner=length",
    "translate.cache=false",
    "output.creation_date=2026-01-01T00:00:00Z",
    "output.formats=[jsonl,tmx,xliff]",
    "corpus.formats=[jsonl]",
    "qa.wrong_language.use_lid=false",  # the stand-ins' Cyrillic is a transliteration: script signals only
    "check_links=false",
]
LOOP = "The committee will meet again next week."
LOOPS = "will meet again"  # what makes Stand loop (a glossary term of LOOP may be a placeholder by then)
TEXT = (
    "The talks began on Monday in the old town hall. Both sides met in Geneva for the first time.\n\n"
    f"{LOOP} The second round starts in May and may last a week.\n"
)
_CYR = str.maketrans("abcdefghijklmnopqrstuvwxyz", "абцдефгхійклмнопярстуввхиз")


def clean(text: str, tag: str = "") -> str:
    """A stand-in translation: the text in Cyrillic letters (distinct per input), ``tag`` marking the decode."""
    return (tag + " " if tag else "") + text.lower().translate(_CYR)


def looped(text: str) -> str:
    return "засідання " * 8 + clean(text)


class Stand(TranslatorBase):
    """Loops on the first plain decode of ``LOOP``; each decoding setting gives its own clean output."""

    name, model_id, model_revision, device = "stand-1", "stand-in", "none", "cpu"

    def __init__(self, *, no_repeat_loops: bool = False, nbest: bool = True, options: bool = True) -> None:
        super().__init__()
        self.no_repeat_loops = no_repeat_loops
        self.nbest = nbest
        self.options = options
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self) -> Stand:
        return self

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def translate(self, texts: Sequence[str]) -> list[Output]:
        self.calls.append(("plain", list(texts)))
        return [Output(looped(t) if LOOPS in t else clean(t), 0.5) for t in texts]

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        if not self.options:
            return None
        self.calls.append((decoding.key(), list(texts)))
        out = []
        for t in texts:
            if decoding.num_hypotheses > 1:
                if not self.nbest:
                    out.append([Output(looped(t), 0.5)])
                    continue
                # best first by the model's own score; the ladder must skip the flagged ones and take the best
                # passing by confidence, not the first passing
                out.append(
                    [
                        Output(looped(t), 0.6),
                        Output(t, 0.55),  # the source copied: identical
                        Output(clean(t, "друга"), 0.3),
                        Output(clean(t, "третя"), 0.4),
                    ][: decoding.num_hypotheses]
                )
            elif self.no_repeat_loops and LOOPS in t:
                out.append([Output(looped(t), 0.5)])
            else:
                out.append([Output(clean(t, "без"), 0.45)])
        return out


def _run(tmp_path: Path, translator: TranslatorBase, *extra: str, text: str = TEXT) -> list[dict]:
    cfg = load_config(lang="uk", overrides=[*SETTINGS, *extra])
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "talks.txt"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    translate_file(cfg, src, out, translator=translator)
    lines = (out / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _loop_pair(pairs: list[dict]) -> dict:
    (pair,) = [p for p in pairs if p["src"] == LOOP]
    return pair


def test_a_loop_is_repaired_by_decoding_again_without_repeats(tmp_path: Path) -> None:
    tr = Stand()
    pairs = _run(tmp_path, tr)
    pair = _loop_pair(pairs)
    assert pair["tgt"] == clean(LOOP, "без") and pair["repaired"] == "no-repeat"
    assert "repetition" not in pair["flags"]
    assert pair["alternatives"] == [{"text": looped(LOOP), "score": 0.5, "origin": "first-output"}]
    others = [p for p in pairs if p["src"] != LOOP]
    assert all("repaired" not in p and "alternatives" not in p for p in others)
    assert all(p["tgt"] == clean(p["src"]) for p in others)
    # only the flagged unit was decoded again, once (step a passed: no n-best, no split)
    assert [c for c in tr.calls if c[0] != "plain"] == [(Decoding(1, 3, 1.3).key(), [LOOP])]


def test_the_n_best_are_reranked_by_the_checks_then_the_confidence(tmp_path: Path) -> None:
    pairs = _run(tmp_path, Stand(no_repeat_loops=True))
    pair = _loop_pair(pairs)
    # hypotheses 1 and 2 are flagged (a loop, the source copied); of the two that pass, the more confident
    assert pair["tgt"] == clean(LOOP, "третя") and pair["repaired"] == "n-best"
    assert pair["mt_score"] == 0.4
    assert pair["alternatives"][0]["origin"] == "first-output"


def test_a_long_unit_is_split_at_its_clauses_when_nothing_else_passes(tmp_path: Path) -> None:
    long = f"{LOOP[:-1]}; the staff, and the guests from abroad will join them later that day."
    text = f"The talks began on Monday in the old town hall.\n\n{long}\n"

    class Plain(Stand):  # no decoding options: steps a and b are skipped; a clause alone does not loop
        def translate(self, texts: Sequence[str]) -> list[Output]:
            self.calls.append(("plain", list(texts)))
            return [Output(looped(t) if t == long else clean(t), 0.5) for t in texts]

    pairs = _run(tmp_path, Plain(options=False), text=text)
    (pair,) = [p for p in pairs if p["src"] == long]
    parts = split_clauses(long, "en")
    assert parts == [LOOP[:-1] + ";", "the staff,", "and the guests from abroad will join them later that day."]
    assert pair["repaired"] == "split" and pair["tgt"] == " ".join(clean(p) for p in parts)


def test_a_unit_no_step_repairs_keeps_its_first_output_and_flags(tmp_path: Path) -> None:
    class Stuck(Stand):
        def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
            return [[Output(looped(t), 0.5)] for t in texts]

    on = _run(tmp_path / "on", Stuck())
    off = _run(tmp_path / "off", Stuck(), "translate.repair.enabled=false")
    assert on == off
    assert "repetition" in _loop_pair(on)["flags"] and "repaired" not in _loop_pair(on)


def test_clean_documents_are_not_decoded_again(tmp_path: Path) -> None:
    tr = Stand()
    text = TEXT.replace(LOOP + " ", "")
    on = _run(tmp_path / "on", tr, text=text)
    assert [c[0] for c in tr.calls] == ["plain"]
    assert on == _run(tmp_path / "off", Stand(), "translate.repair.enabled=false", text=text)


def test_only_the_configured_flags_send_a_unit_to_the_ladder(tmp_path: Path) -> None:
    tr = Stand()
    pairs = _run(tmp_path, tr, "translate.repair.flags=[identical]")
    assert "repaired" not in _loop_pair(pairs) and "repetition" in _loop_pair(pairs)["flags"]
    assert [c[0] for c in tr.calls] == ["plain"]


def test_translate_corpus_repairs_like_translate(tmp_path: Path) -> None:
    cfg = load_config(lang="uk", overrides=SETTINGS)
    corpus = tmp_path / "talks.jsonl"
    corpus.write_text(json.dumps({"id": "talks", "text": TEXT}) + "\n", encoding="utf-8")
    run_corpus(cfg, corpus, tmp_path / "many", engine="local", translator_factory=Stand())
    shard = next((tmp_path / "many" / "shards").glob("*.en-uk.jsonl"))
    many = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    one = _run(tmp_path / "one", Stand())
    strip = ("doc", "signature")
    assert [{k: v for k, v in p.items() if k not in strip} for p in many] == [
        {k: v for k, v in p.items() if k not in strip} for p in one
    ]
    assert _loop_pair(many)["repaired"] == "no-repeat"


def test_the_repair_is_in_tmx_and_xliff(tmp_path: Path) -> None:
    _run(tmp_path, Stand())
    tmx = (tmp_path / "out" / "talks.en-uk.tmx").read_text(encoding="utf-8")
    assert '<prop type="x-repaired">no-repeat</prop>' in tmx and tmx.count("x-repaired") == 1
    xlf = (tmp_path / "out" / "talks.en-uk.xlf").read_text(encoding="utf-8")
    assert "repaired by the repair ladder (no-repeat)" in xlf
    assert looped(LOOP) in xlf  # the first output, as an alt-trans


@pytest.mark.parametrize(
    ("text", "lang", "parts"),
    [
        ("One thing; another thing: a third thing", "en", ["One thing;", "another thing:", "a third thing"]),
        ("We came early, and they left late", "en", ["We came early,", "and they left late"]),
        ("We came, but they — as ever — left late", "en", ["We came,", "but they —", "as ever —", "left late"]),
        ("Ми прийшли рано, але вони пішли пізно", "uk", ["Ми прийшли рано,", "але вони пішли пізно"]),
        ("Salt, and oil", "en", ["Salt, and oil"]),  # a part of one word is joined back
        ("No boundary here at all", "en", ["No boundary here at all"]),
    ],
)
def test_clause_boundaries(text: str, lang: str, parts: list[str]) -> None:
    assert split_clauses(text, lang) == parts


# --------------------------------------------------------------------------- the backends' decoding options


def _backend(model: Path, backend: str, tmp_path: Path, *extra: str) -> Any:
    from pipeline.translate import get_translator

    cfg = load_config(
        lang="uk",
        overrides=[
            f"translate.model={model}",
            f"translate.backend={backend}",
            "translate.max_new_tokens=24",
            "translate.compute_type=float32",
            f"translate.ct2_dir={tmp_path / 'ct2'}",
            f"translate.cache_path={tmp_path / 'cache.sqlite3'}",
            "translate.threads=1",
            *extra,
        ],
    ).translate
    return get_translator(cfg, "uk")


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_backends_decode_with_options_and_n_best(en_uk_model: Path, tmp_path: Path, backend: str) -> None:
    """The copying model repeats a repeated source; no_repeat_ngram_size forbids it; n-best gives distinct
    hypotheses, the best of which is the plain output (the same beam search)."""
    tr = _backend(en_uk_model, backend, tmp_path, "translate.cache=false")
    text = "go home go home go home go home now"
    (plain,) = tr.translate([text])
    (nbest,) = tr.translate_with([text], Decoding(3))
    assert 1 < len(nbest) <= 3 and len({o.text for o in nbest}) == len(nbest)
    assert nbest[0].text == plain.text and all(o.score is not None and 0 < o.score <= 1 for o in nbest)
    (norep,) = tr.translate_with([text], Decoding(1, 2, 1.0))
    words = norep[0].text.split()
    bigrams = list(zip(words, words[1:], strict=False))
    assert len(bigrams) == len(set(bigrams)) and norep[0].text != plain.text
    assert "go home go home" in plain.text  # what the ladder's step a is for


def test_the_cache_keeps_decodes_with_options_apart(en_uk_model: Path, tmp_path: Path) -> None:
    tr = _backend(en_uk_model, "transformers", tmp_path)
    text = "go home go home go home go home now"
    first = tr.translate_with([text], Decoding(1, 2, 1.0))
    calls: list[int] = []
    real = tr.inner.translate_with

    def counted(texts: Any, decoding: Decoding) -> Any:
        calls.append(len(texts))
        return real(texts, decoding)

    tr.inner.translate_with = counted
    assert tr.translate_with([text], Decoding(1, 2, 1.0)) == first and calls == []  # from the cache
    other = tr.translate_with([text], Decoding(1, 3, 1.0))  # other settings: another key, decoded
    assert calls == [1] and other != tr.translate([text])
    assert tr.translate([text])[0].text != first[0][0].text  # the plain output's entry is its own


def test_an_unknown_flag_is_refused_in_one_line() -> None:
    from pipeline.components import Components
    from pipeline.errors import ConfigError

    cfg = load_config(lang="uk", overrides=[*SETTINGS, "translate.repair.flags=[repetition,loops]"])
    with pytest.raises(ConfigError, match=r"translate.repair.flags: 'loops' is not a quality check's flag"):
        Components.build(cfg)


def test_a_document_mostly_flagged_skips_the_ladder(tmp_path: Path) -> None:
    """Every unit loops: the model is at fault, not a decode (translate.repair.max_share)."""

    class AllLoop(Stand):
        def translate(self, texts: Sequence[str]) -> list[Output]:
            self.calls.append(("plain", list(texts)))
            return [Output(looped(t), 0.5) for t in texts]

    tr = AllLoop()
    pairs = _run(tmp_path / "skip", tr)
    assert [c[0] for c in tr.calls] == ["plain"] and not any("repaired" in p for p in pairs)
    pairs = _run(tmp_path / "all", AllLoop(), "translate.repair.max_share=1.0")
    assert all(p["repaired"] == "no-repeat" and p["tgt"] == clean(p["src"], "без") for p in pairs)


def test_a_document_with_markup_is_repaired_with_its_codes(tmp_path: Path) -> None:
    """The ladder decodes the unit with its codes' placeholders; the repaired target gets its codes back, the
    translated document has the repaired text, and the first output (an alternative) has no placeholders."""

    class Marked(Stand):
        def translate(self, texts: Sequence[str]) -> list[Output]:
            self.calls.append(("plain", list(texts)))
            return [Output(looped(t) if "committee" in t else clean(t), 0.5) for t in texts]

    text = (
        "# Talks\n\nThe talks began on Monday in the old town hall.\n\n"
        "The **committee** will meet again next week.\n\nBoth sides met in Geneva for the first time.\n\n"
        "The second round starts in May and may last a week.\n"
    )
    cfg = load_config(lang="uk", overrides=SETTINGS)
    src = tmp_path / "talks.md"
    src.write_text(text, encoding="utf-8")
    translate_file(cfg, src, tmp_path / "out", translator=Marked())
    lines = (tmp_path / "out" / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()
    (pair,) = [p for p in map(json.loads, lines) if "committee" in p["src"]]
    assert pair["repaired"] == "no-repeat" and pair["tgt"] == clean("The committee will meet again next week.", "без")
    assert [c["kind"] for c in pair["tgt_codes"]] == ["bold"] and "(" not in pair["alternatives"][0]["text"]
    doc = (tmp_path / "out" / "talks.uk.md").read_text(encoding="utf-8")
    assert "**" + clean("committee") + "**" in doc and "засідання засідання" not in doc


@pytest.mark.parametrize(("stand", "step"), [(Stand(), "no-repeat"), (Stand(no_repeat_loops=True), "n-best")])
def test_the_ladder_keeps_the_glossary_terms(tmp_path: Path, stand: Stand, step: str) -> None:
    """glossary.enforce: every candidate goes through the same term protection as the first output."""
    glossary = tmp_path / "terms.csv"
    glossary.write_text("en,uk\ncommittee,комітет\n", encoding="utf-8")
    pairs = _run(tmp_path, stand, f"glossary.files=[{glossary}]", "glossary.enforce=true")
    pair = _loop_pair(pairs)
    assert pair["repaired"] == step and "комітет" in pair["tgt"] and "committee" not in pair["tgt"]
    assert "term_missing" not in pair["flags"] and "(" not in pair["tgt"]


def test_translate_corpus_keeps_a_record_whose_repair_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.components import Components

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("planted")

    monkeypatch.setattr(Components, "repair", boom)
    cfg = load_config(lang="uk", overrides=SETTINGS)
    corpus = tmp_path / "talks.jsonl"
    corpus.write_text(json.dumps({"id": "talks", "text": TEXT}) + "\n", encoding="utf-8")
    run_corpus(cfg, corpus, tmp_path / "many", engine="local", translator_factory=Stand())
    shard = next((tmp_path / "many" / "shards").glob("*.en-uk.jsonl"))
    pair = _loop_pair([json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()])
    assert "repetition" in pair["flags"] and "repaired" not in pair and pair["tgt"] == looped(LOOP)

"""The transformers backend on tiny local models: tokenizer layouts, prefixes, batching, errors."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sentencepiece as spm

from pipeline.config import load_config
from pipeline.errors import ConfigError, ModelError, TranslationError
from pipeline.translate import Output, batching, get_translator
from pipeline.translate.batching import (
    BatchedTranslator,
    plan_batches,
    progress_bar,
    rejoin,
    split_words,
)
from pipeline.translate.cache import TranslateStats, model_fingerprint
from pipeline.translate.models import DEFAULT_MODELS, resolve_files
from pipeline.translate.tokenizer import load_tokenizer


def _cfg(model: Path | str, lang: str = "uk", *extra: str):
    return load_config(
        lang=lang,
        overrides=[
            f"translate.model={model}",
            "translate.max_new_tokens=6",
            "translate.num_beams=2",
            "translate.cache=false",
            *extra,
        ],
    )


def _files(folder: Path) -> dict[str, Path]:
    return {n: folder / n for n in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")}


def test_default_models_are_the_existing_hub_ids() -> None:
    assert DEFAULT_MODELS == {
        "ru": "Helsinki-NLP/opus-mt-en-ru",
        "uk": "Helsinki-NLP/opus-mt-en-uk",
        "ko": "Helsinki-NLP/opus-mt-tc-big-en-ko",
    }
    for lang, model in DEFAULT_MODELS.items():
        assert load_config(lang=lang).translate.model == model


def test_real_en_uk_tokenizer_files(en_uk_model: Path) -> None:
    tok, check = load_tokenizer(_files(en_uk_model), pad_id=61586, model="en-uk")
    assert not check.repaired and check.coverage > 0.99
    pieces = tok.convert_ids_to_tokens(tok("Hello, how are you today?")["input_ids"])
    assert pieces == ["▁Hello", ",", "▁how", "▁are", "▁you", "▁today", "?", "</s>"]
    assert tok.eos_token_id == 0 and tok.pad_token_id == 61586


def test_broken_en_ko_layout_is_detected_and_repaired(en_ko_broken_model: Path) -> None:
    """The published opus-mt-tc-big-en-ko files map English onto the Korean table: all <unk>."""
    from transformers import MarianTokenizer

    text = "Two North Korean soldiers captured in Ukraine"
    f = _files(en_ko_broken_model)
    broken = MarianTokenizer(str(f["source.spm"]), str(f["target.spm"]), str(f["vocab.json"]))
    broken_ids = broken(text)["input_ids"][:-1]
    assert sum(i == broken.unk_token_id for i in broken_ids) / len(broken_ids) > 0.5  # the bug, reproduced

    pad = json.loads(f["vocab.json"].read_text(encoding="utf-8"))["<pad>"]
    tok, check = load_tokenizer(f, pad_id=pad, model="en-ko")
    assert check.repaired and check.coverage == 1.0
    src_sp = spm.SentencePieceProcessor(model_file=str(f["source.spm"]))
    tgt_sp = spm.SentencePieceProcessor(model_file=str(f["target.spm"]))
    ids = tok(text)["input_ids"]
    assert ids[:-1] == src_sp.encode(text)  # encoder ids are source.spm ids
    assert ids[-1] == tok.eos_token_id == 2  # tc-big: eos is not 0
    assert tok.unk_token_id not in ids
    korean = "북한군 병사 두 명이 우크라이나에서 생포됐다."
    assert tok.decode(tgt_sp.encode(korean), skip_special_tokens=True).replace("<unk>", "").strip() != ""
    assert tok.decode(tgt_sp.encode("북한군 병사"), skip_special_tokens=True) == "북한군 병사"


def test_broken_en_ko_translates_through_the_repaired_tokenizer(en_ko_broken_model: Path) -> None:
    cfg = _cfg(en_ko_broken_model, "ko")
    tr = get_translator(cfg.translate, "ko")
    assert tr.vocab_check.repaired  # type: ignore[attr-defined]
    out = tr.translate(["Two North Korean soldiers captured in Ukraine."])
    assert len(out) == 1 and out[0].score is not None and 0 < out[0].score <= 1


def test_multi_target_model_gets_its_language_prefix(en_zle_model: Path) -> None:
    tr = get_translator(_cfg(en_zle_model, "ru").translate, "ru")
    assert tr.prefix == ">>rus<<"  # type: ignore[attr-defined]
    tr_uk = get_translator(_cfg(en_zle_model, "uk").translate, "uk")
    assert tr_uk.prefix == ">>ukr<<"  # type: ignore[attr-defined]
    ids = tr_uk.tokenizer(">>ukr<< Hello")["input_ids"]  # type: ignore[attr-defined]
    assert ids[0] == tr_uk.tokenizer.get_vocab()[">>ukr<<"]  # type: ignore[attr-defined]


def test_prefix_not_in_vocab_is_an_error(en_zle_model: Path) -> None:
    with pytest.raises(ModelError, match=r"target prefix '>>xyz<<' is not a token"):
        get_translator(_cfg(en_zle_model, "ru", "translate.target_prefix=>>xyz<<").translate, "ru")


def test_batched_output_is_in_input_order_and_deterministic(en_uk_model: Path) -> None:
    tr = get_translator(_cfg(en_uk_model, "uk", "translate.batch_size=2").translate, "uk")
    texts = ["Short.", "A much longer sentence about soldiers and asylum in Ukraine.", "Medium length one.", "x"]
    batched = tr.translate(texts)
    single = [tr.translate([t])[0] for t in texts]
    assert [o.text for o in batched] == [o.text for o in single]
    assert [o.text for o in tr.translate(texts)] == [o.text for o in batched]


def test_long_input_is_split_never_truncated(en_uk_model: Path, caplog: pytest.LogCaptureFixture) -> None:
    tr = get_translator(_cfg(en_uk_model, "uk", "translate.max_input_tokens=16").translate, "uk")
    long = " ".join(["The soldiers were captured in Kursk."] * 12)
    pieces, owners = tr._split_long([long, "Short."])  # type: ignore[attr-defined]
    assert owners.count(0) > 1 and owners.count(1) == 1
    assert " ".join(pieces[:-1]) == long  # every word is kept, in order
    assert all(n <= 16 for n in tr.count_tokens(pieces) or [99])
    out = tr.translate([long, "Short."])
    assert len(out) == 2 and "translating it in parts" in caplog.text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", r"model folder not found"),
        ("no-config", r"is not a MarianMT model folder \(no config.json\)"),
        ("bert", r"is not a MarianMT model \(model_type is 'bert'\)"),
        ("no-spm", r"lacks the MarianTokenizer files source.spm"),
    ],
)
def test_bad_model_folders(tmp_path: Path, en_uk_model: Path, setup: str, message: str) -> None:
    folder = tmp_path / "m"
    if setup != "missing":
        shutil.copytree(en_uk_model, folder)
    if setup == "no-config":
        (folder / "config.json").unlink()
    elif setup == "bert":
        (folder / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    elif setup == "no-spm":
        (folder / "source.spm").unlink()
    with pytest.raises(ModelError, match=message):
        resolve_files(str(folder) if setup != "missing" else "./no/such/model")


def test_unreachable_hub_names_the_model_and_the_fix() -> None:
    with pytest.raises(ModelError) as err:
        resolve_files("Helsinki-NLP/opus-mt-en-uk")
    msg = str(err.value)
    assert "Helsinki-NLP/opus-mt-en-uk" in msg and "--model DIR" in msg and "cache" in msg
    assert "\n" not in msg


def test_missing_model_setting_is_a_config_error() -> None:
    cfg = load_config(lang=None)
    with pytest.raises(ConfigError, match="no translation model configured"):
        get_translator(cfg.translate, "uk")


# --------------------------------------------------------------------------- batching, on a fake backend


class _PieceTokenizer:
    """Each space-separated word is one token per 4 characters; id 0 is ``</s>``."""

    def __init__(self) -> None:
        self.pieces = ["</s>"]

    def _id(self, piece: str) -> int:
        if piece not in self.pieces:
            self.pieces.append(piece)
        return self.pieces.index(piece)

    def __call__(self, texts: list[str], add_special_tokens: bool = True) -> dict[str, list[list[int]]]:
        ids = [[self._id(w[i : i + 4]) for w in t.split() for i in range(0, len(w), 4)] for t in texts]
        return {"input_ids": [x + [0] if add_special_tokens else x for x in ids]}

    def decode(self, ids: list[int]) -> str:
        return "".join(self.pieces[i] if i else "" for i in ids)


class _FakeBackend(BatchedTranslator):
    """Upper-cases its input (score 0.5, one target token per source token); fails on inputs with 'BOOM'."""

    def __init__(self, *, batch_tokens: int = 1000, batch_size: int = 64, max_input_tokens: int = 64,
                 prefix: str | None = None, device: str = "cpu") -> None:  # fmt: skip
        super().__init__()
        self.name, self.model_id = "fake-1", "/models/MARIAN-MAX/"
        self.model_revision, self.model_fingerprint = "r1", "fp"
        self.device, self.prefix, self.max_input_tokens = device, prefix, max_input_tokens
        self.cfg = load_config(lang="uk", overrides=[f"translate.batch_tokens={batch_tokens}",
                                                     f"translate.batch_size={batch_size}"]).translate  # fmt: skip
        self.tokenizer = _PieceTokenizer()
        self.batches: list[list[str]] = []
        self.fail_always: Exception | None = None
        self.delay = 0.0

    def _translate_ids(self, batch: list[list[int]]) -> tuple[list[Output], int]:
        texts = [self.tokenizer.decode(ids) for ids in batch]
        self.batches.append(texts)
        time.sleep(self.delay)
        if self.fail_always is not None:
            raise self.fail_always
        if any("BOOM" in t for t in texts):
            raise RuntimeError(f"cannot translate {len(batch)} input(s)\nsecond line")
        return [Output(t.upper(), 0.5) for t in texts], sum(len(ids) - 1 for ids in batch)


def test_stats_add_every_counter_and_summarise_in_one_line() -> None:
    a = TranslateStats(sentences=10, cached=4, batches=3, src_tokens=120, tgt_tokens=300, seconds=2.0)
    a.add(TranslateStats(sentences=1, cached=2, batches=3, src_tokens=4, tgt_tokens=5, seconds=0.5))
    assert a == TranslateStats(sentences=11, cached=6, batches=6, src_tokens=124, tgt_tokens=305, seconds=2.5)
    assert a.summary(backend="fake-1", device="cpu") == (
        "translated 11 sentences (6 cache hits): 305 target tokens in 2.5s, 122 tokens/s, 6 batches (fake-1 on cpu)"
    )
    assert TranslateStats(sentences=2).summary(device="cpu") == (
        "translated 2 sentences (0 cache hits): 0 target tokens in 0.0s, 0 tokens/s, 0 batches"
    )
    assert "in 0.5s, 200 tokens/s," in TranslateStats(tgt_tokens=100, seconds=0.5).summary()


@pytest.mark.parametrize(
    ("lengths", "budget", "cap", "batches"),
    [
        ([3, 5, 3, 1, 5], 10, None, [[1, 4], [0, 2, 3]]),  # longest first, ties in input order; 5*2 fits 10
        ([3, 5, 3, 1, 5], 9, None, [[1], [4], [0, 2, 3]]),  # 5*2 > 9
        ([3, 5, 3, 1, 5], 100, 2, [[1, 4], [0, 2], [3]]),  # at most 2 units
        ([3, 5, 3, 1, 5], 100, 5, [[1, 4, 0, 2, 3]]),
        ([20, 2, 2], 10, None, [[0], [1, 2]]),  # over the budget alone: a batch of its own
        ([0, 0, 0], 2, None, [[0, 1], [2]]),  # an empty input still costs a token
        ([], 10, None, []),
    ],
)
def test_plan_batches_longest_first_within_the_padded_budget(
    lengths: list[int], budget: int, cap: int | None, batches: list[list[int]]
) -> None:
    assert plan_batches(lengths, budget, cap) == batches


@pytest.mark.parametrize(
    ("text", "limit", "chunks"),
    [
        ("aa bb cc dd", 4, ["aa bb", "cc dd"]),  # a chunk may use the whole limit
        ("aa bb cc dd", 5, ["aa bb", "cc dd"]),
        ("aa bb cc dd", 6, ["aa bb cc", "dd"]),
        ("a abcdefghij b", 4, ["a", "abc", "def", "ghi", "j", "b"]),  # a long word is cut by characters
        ("abcdefghij", 1, ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]),
        ("abcde", 4, ["abc", "de"]),  # pieces of len * limit // (count + 1) characters
        ("abcd ef", 4, ["abcd", "ef"]),  # a word of exactly the limit is kept whole
        ("a b abcdefghij", 4, ["a b", "abc", "def", "ghi", "j"]),
        ("a abcdefghij bb cc", 4, ["a", "abc", "def", "ghi", "j", "bb cc"]),  # a fresh chunk after the cut word
        ("x  y", 3, ["x  y"]),  # spaces kept inside a chunk
        ("   ", 3, []),
    ],
)
def test_split_words_packs_words_up_to_the_limit(text: str, limit: int, chunks: list[str]) -> None:
    assert split_words(text, limit, lambda words: [len(w) for w in words]) == chunks


def test_split_words_needs_a_count_for_every_word() -> None:
    with pytest.raises(ValueError, match="zip"):  # a tokenizer that drops a word is a bug, not a shorter text
        split_words("aa bb cc", 4, lambda words: [2, 2])


def test_rejoin_joins_parts_with_the_geometric_mean_score() -> None:
    parts = [Output("a", 0.25), Output("b", 1.0), Output("c", 0.5), Output("", 0.5), Output("d", None)]
    assert rejoin(parts, [0, 0, 1, 2, 2], 3) == [Output("a b", 0.5), Output("c", 0.5), Output("d", 0.5)]
    assert rejoin([Output("a", None), Output("b", None)], [0, 0], 1) == [Output("a b", None)]


def test_rejoin_fails_an_input_with_a_failed_part() -> None:
    parts = [Output("x", 0.5), Output("", None, "E1"), Output("", None, "E2"), Output("y", 0.5)]
    assert rejoin(parts, [0, 0, 0, 1], 2) == [Output("", None, "a part failed: E1"), Output("y", 0.5)]
    with pytest.raises(RuntimeError) as e:
        rejoin([Output("x", 0.5), None], [0, 1], 2)
    assert str(e.value) == "no output for a part of input 1"
    with pytest.raises(ValueError, match="zip"):  # as many owners as results, or it is a caller's bug
        rejoin([Output("x", 0.5)], [0, 0], 1)


class _Bar:
    """Records what a progress bar is told."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc = total, desc
        self.updates: list[int] = []

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        self.updates.append(n)


def test_translate_iter_yields_finished_inputs_batch_by_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank inputs first (empty output, never sent to the model), then each batch's inputs in input order;
    skipped inputs are planned but neither run nor yielded; stats count what was run."""
    bars: list[_Bar] = []

    def progress_bar(total: int, desc: str) -> _Bar:
        bars.append(_Bar(total, desc))
        return bars[-1]

    monkeypatch.setattr(batching, "progress_bar", progress_bar)
    tr = _FakeBackend(batch_tokens=6)
    texts = ["aa bb", " ", "cc", "dd ee ff gg hh", "", "ii jj", "kk"]
    got = list(tr.translate_iter(texts, skip={5}))
    assert got == [
        ([1, 4], [Output("", None), Output("", None)]),
        ([3], [Output("DDEEFFGGHH", 0.5)]),
        ([0], [Output("AABB", 0.5)]),  # planned with 5 (ii jj), which is skipped
        ([2, 6], [Output("CC", 0.5), Output("KK", 0.5)]),
    ]
    assert tr.batches == [["ddeeffgghh"], ["aabb"], ["cc", "kk"]]
    assert [(b.total, b.desc, b.updates) for b in bars] == [(5, "translate MARIAN-MAX", [1, 2, 2])]  # to 5 of 5
    bars.clear()
    assert [idx for idx, _ in _FakeBackend(batch_tokens=6).translate_iter(texts, skip={0, 5})] == [[1, 4], [3], [2, 6]]
    assert bars[0].updates == [1, 2, 2]  # the batch of cached inputs only (0 and 5) counts without running
    s = tr.stats
    assert (s.sentences, s.batches, s.src_tokens, s.tgt_tokens) == (6, 3, 6 + 3 + 4, 5 + 2 + 2) and s.seconds > 0
    assert tr.translate(texts) == [Output("AABB", 0.5), Output("", None), Output("CC", 0.5),
                                   Output("DDEEFFGGHH", 0.5), Output("", None), Output("IIJJ", 0.5),
                                   Output("KK", 0.5)]  # fmt: skip
    assert s.sentences == 6 + 7  # counted over calls
    assert list(tr.translate_iter([])) == []


def test_translate_time_adds_up_over_calls() -> None:
    tr = _FakeBackend()
    tr.delay = 0.2
    tr.translate(["aa"])
    first = tr.stats.seconds
    assert 0.2 <= first < 30
    tr.delay = 0.0
    tr.translate(["bb"])
    assert tr.stats.seconds > first


def test_long_inputs_are_split_with_the_prefix_on_every_part(caplog: pytest.LogCaptureFixture) -> None:
    tr = _FakeBackend(max_input_tokens=6, prefix=">>ukr<<")
    long = "aa bb cc dd ee ff gg"  # 2 (the prefix) + 7 + 1 (</s>) tokens: over the limit of 6 - 2
    with caplog.at_level(logging.WARNING, logger="pipeline.translate.batching"):
        pieces, owners = tr._split_long([f">>ukr<< {long}", ">>ukr<< hh"])
    assert pieces == [">>ukr<< aa bb", ">>ukr<< cc dd", ">>ukr<< ee ff", ">>ukr<< gg", ">>ukr<< hh"]
    assert owners == [0, 0, 0, 0, 1]
    assert caplog.messages == ["input 0 has 10 tokens (limit 4): translating it in parts"]
    out = tr.translate([long, "hh"])
    assert out == [Output(">>UKR<<AABB >>UKR<<CCDD >>UKR<<EEFF >>UKR<<GG", 0.5), Output(">>UKR<<HH", 0.5)]
    plain = _FakeBackend(max_input_tokens=5)
    assert plain._split_long(["aa bb cc dd ee"]) == (["aa bb cc", "dd ee"], [0, 0])
    # a long input after others: its parts are added after theirs
    assert plain._split_long(["zz", "aa bb cc dd ee", "yy"]) == (["zz", "aa bb cc", "dd ee", "yy"], [0, 1, 1, 2])
    assert plain.translate(["zz", "aa bb cc dd ee", "yy"]) == [Output("ZZ", 0.5), Output("AABBCC DDEE", 0.5),
                                                               Output("YY", 0.5)]  # fmt: skip


def test_a_failing_input_is_isolated_and_left_empty(caplog: pytest.LogCaptureFixture) -> None:
    tr = _FakeBackend()
    with caplog.at_level(logging.WARNING, logger="pipeline.translate.batching"):
        out = tr.translate(["aa", "bb", "BOOM", "cc"])
    reason = "RuntimeError: cannot translate 1 input(s)"
    assert out == [Output("AA", 0.5), Output("BB", 0.5), Output("", None, reason), Output("CC", 0.5)]
    assert tr.batches == [["aa", "bb", "BOOM", "cc"], ["aa", "bb"], ["BOOM", "cc"], ["BOOM"], ["cc"]]
    assert caplog.messages == [
        "a batch of 4 inputs failed (RuntimeError: cannot translate 4 input(s)): retrying it in halves",
        "a batch of 2 inputs failed (RuntimeError: cannot translate 2 input(s)): retrying it in halves",
        f"an input of 2 tokens failed to translate ({reason}): left empty",
    ]
    assert (tr.stats.batches, tr.stats.tgt_tokens) == (1, 3)
    again = _FakeBackend()
    again.translate(["aa", "bb", "cc", "BOOM"])
    assert again.stats.tgt_tokens == 3  # the target tokens of both halves of a retried batch


def test_a_tokenizer_answering_fewer_id_lists_than_texts_is_an_error() -> None:
    tr = _FakeBackend()
    real = tr.tokenizer
    tr.tokenizer = (
        lambda texts, add_special_tokens=True: {  # type: ignore[assignment]
            "input_ids": real(texts, add_special_tokens)["input_ids"][:-1]
        }
    )
    with pytest.raises(ValueError, match="zip"):
        tr.translate(["aa", "bb"])


def test_a_batch_whose_every_input_fails_alone_stops_the_run() -> None:
    tr = _FakeBackend()
    with pytest.raises(TranslationError) as e:
        tr.translate(["aa BOOM", "bb BOOM"])
    assert str(e.value) == (
        "every input of a batch of 2 failed to translate on its own (RuntimeError: cannot translate 1 input(s)); "
        "the model or backend is broken: check the model folder, the device and its memory"
    )
    assert tr.translate(["BOOM"]) == [Output("", None, "RuntimeError: cannot translate 1 input(s)")]

    def names_the_input(batch: list[list[int]]) -> Any:
        raise RuntimeError(f"cannot translate {tr.tokenizer.decode(batch[0])}")

    tr._translate_ids = names_the_input  # type: ignore[method-assign]
    with pytest.raises(TranslationError, match=r"on its own \(RuntimeError: cannot translate aa\);"):
        tr.translate(["aa", "bb"])  # the first input's reason


def test_a_backend_answering_fewer_outputs_than_its_batch_is_an_error() -> None:
    tr = _FakeBackend()
    real = tr._translate_ids
    tr._translate_ids = lambda batch: (real(batch)[0][:-1], 0)  # type: ignore[method-assign]
    with pytest.raises(ValueError, match="zip"):
        tr.translate(["aa", "bb"])


def test_too_many_failed_inputs_stop_the_run() -> None:
    tr = _FakeBackend(batch_size=1)
    texts = [f"BOOM{n}" for n in range(12)] + ["aa"] * 30
    with pytest.raises(TranslationError) as e:
        tr.translate(texts)
    assert str(e.value) == (
        "11 inputs failed to translate so far (RuntimeError: cannot translate 1 input(s)); "
        "the model or backend is broken: check the model folder, the device and its memory"
    )
    assert len(tr.batches) == 11  # stopped at the 11th failure, more than max(10, 42 // 20)
    many = _FakeBackend(batch_size=1)
    out = many.translate([f"BOOM{n}" for n in range(12)] + ["aa"] * 228)  # 12 is not more than 240 // 20
    assert sum(o.error is not None for o in out) == 12
    pairs = _FakeBackend(batch_size=2)  # the 11th failure in a batch whose last input succeeded
    with pytest.raises(TranslationError) as e:
        pairs.translate([t for n in range(12) for t in (f"BOOM{n}", f"okay{n}")])  # batches of a BOOM and an okay
    assert str(e.value).startswith("11 inputs failed to translate so far (see the log); the model or backend")


@pytest.mark.parametrize("message", ["libcudnn.so.9: cannot open shared object file", "driver version is insufficient"])
def test_a_missing_library_stops_the_run_at_once(message: str) -> None:
    tr = _FakeBackend(device="cuda:1")
    tr.fail_always = OSError(message)
    with pytest.raises(TranslationError) as e:
        tr.translate(["aa", "bb"])
    assert str(e.value) == (
        f"the fake-1 backend cannot run on cuda:1 (OSError: {message}); install the missing library (CUDA's cuBLAS "
        "for ctranslate2: pip install '.[gpu]'), or choose another device or backend (translate.device, "
        "translate.backend)"
    )
    assert len(tr.batches) == 1  # not retried in halves


def test_a_pipeline_error_of_the_backend_is_not_retried() -> None:
    tr = _FakeBackend()
    tr.fail_always = ModelError("the model is gone", "fix it")
    with pytest.raises(ModelError, match="the model is gone"):
        tr.translate(["aa", "bb"])
    assert len(tr.batches) == 1


@pytest.mark.parametrize(("device", "releases"), [("cuda:0", 2), ("cpu", 0)])
def test_a_failed_batch_gives_back_cached_gpu_memory(
    monkeypatch: pytest.MonkeyPatch, device: str, releases: int
) -> None:
    import torch

    calls: list[int] = []
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: calls.append(1))
    tr = _FakeBackend(device=device)
    failed = Output("", None, "RuntimeError: cannot translate 1 input(s)")
    assert tr.translate(["aa", "BOOM"]) == [Output("AA", 0.5), failed]
    assert len(calls) == releases  # after the batch of 2 and after the failing single input
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: 1 / 0)
    tr.translate(["BOOM", "aa"])  # a failure to release memory is not an error


def test_cache_settings_name_everything_that_decides_the_output() -> None:
    tr = _FakeBackend(device="cuda:1", prefix=">>ukr<<", max_input_tokens=32)
    assert tr.cache_settings() == {
        "backend": "fake-1", "model": "/models/MARIAN-MAX/", "fingerprint": "fp", "device": "cuda",
        "num_beams": tr.cfg.num_beams, "max_new_tokens": tr.cfg.max_new_tokens, "max_input_tokens": 32,
        "max_length_factor": 3.0, "max_length_floor": 32, "prefix": ">>ukr<<",
    }  # fmt: skip
    tr.cfg = tr.cfg.model_copy(update={"max_length_factor": None})
    assert tr.cache_settings()["max_length_factor"] is None and tr.cache_settings()["max_length_floor"] is None


@pytest.mark.parametrize(
    ("source", "factor", "floor", "ceiling", "budget"),
    [
        (10, 3.0, 32, 256, 32),  # the floor: a short unit is never cut by the factor
        (20, 3.0, 32, 256, 60),  # the factor
        (21, 1.5, 4, 256, 32),  # rounded up: ceil(31.5)
        (100, 3.0, 32, 256, 256),  # the ceiling (max_new_tokens)
        (5, 3.0, 32, 16, 16),  # a ceiling under the floor wins
        (50, None, 32, 256, 256),  # no factor: max_new_tokens alone
    ],
)
def test_output_budget(source: int, factor: float | None, floor: int, ceiling: int, budget: int) -> None:
    assert batching.output_budget(source, factor=factor, floor=floor, ceiling=ceiling) == budget


def test_the_budget_counts_source_tokens_without_the_prefix_and_eos() -> None:
    tr = _FakeBackend(prefix=">>ukr<<")
    tr.cfg = tr.cfg.model_copy(update={"max_length_factor": 2.0, "max_length_floor": 4, "max_new_tokens": 100})
    assert tr.budget([7, 1, 2, 3, 0]) == 6  # >>ukr<< + 3 pieces + </s>: 2 x 3
    tr.prefix = None
    assert tr.budget([1, 2, 3, 0]) == 6
    tr.min_new_tokens = 9  # the benchmarks' forced length is never cut
    assert tr.budget([1, 2, 3, 0]) == 9


def test_resolve_model_without_a_model_says_how_to_give_one() -> None:
    cfg = load_config(lang=None).translate
    with pytest.raises(ModelError) as e:
        _FakeBackend()._resolve_model(cfg, "uk")
    assert str(e.value) == "no translation model configured for uk; pass --model ID_OR_DIR"


def test_resolve_model_asks_for_the_configured_hub_revision(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from pipeline.translate import models

    asked: list[tuple[str, str | None]] = []

    def fake_resolve(model: str, revision: str | None = None) -> models.ModelFiles:
        asked.append((model, revision))
        return models.ModelFiles(model, "0123abcd", False, tmp_path / "config.json", {})

    monkeypatch.setattr(models, "resolve_files", fake_resolve)
    tr = _FakeBackend()
    tr._resolve_model(_cfg("Helsinki-NLP/opus-mt-en-uk", "uk", "translate.revision=v1.0").translate, "uk")
    assert asked == [("Helsinki-NLP/opus-mt-en-uk", "v1.0")]
    assert tr.model_id == "Helsinki-NLP/opus-mt-en-uk" and tr.model_revision == tr.model_fingerprint == "0123abcd"


def test_resolve_model_takes_a_local_folder_and_fingerprints_its_files(en_uk_model: Path) -> None:
    tr = _FakeBackend()
    cfg = _cfg(en_uk_model).translate
    files = tr._resolve_model(cfg, "uk")
    assert tr.cfg is cfg and tr.model_id == str(en_uk_model) and files.is_local
    assert tr.model_revision == files.revision and tr.model_fingerprint == model_fingerprint(files)
    assert len(tr.model_fingerprint) >= 16 and tr.model_fingerprint != tr.model_revision


def test_progress_bar_shows_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with progress_bar(3, "translate x") as bar:
        assert bar.disable
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with progress_bar(3, "translate x") as bar:
        assert not bar.disable and bar.total == 3 and bar.desc == "translate x" and bar.unit == "sent"
        assert bar.delay == 2.0 and bar.leave is False  # None would leave it on screen

"""The transformers backend on tiny local models: tokenizer layouts, prefixes, batching, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sentencepiece as spm

from pipeline.config import load_config
from pipeline.errors import ConfigError, ModelError
from pipeline.translate import get_translator
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
    assert all(n <= 16 for n in tr.count_tokens(pieces))  # type: ignore[attr-defined]
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

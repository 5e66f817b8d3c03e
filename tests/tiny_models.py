"""Build tiny MarianMT models locally (no hub): SentencePiece trained on the fly, random weights.

The output of these models is not a translation; they exercise the real code paths (tokenizer
layouts, ids, batching, generate) at a size that runs in seconds.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

TINY = dict(
    d_model=16,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
)


def train_spm(lines: list[str], path: Path, vocab_size: int) -> list[str]:
    """Train a SentencePiece unigram model (unk=0, bos=1, eos=2, as OPUS-MT's spm files) and return its pieces."""
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buf,
        vocab_size=vocab_size,
        character_coverage=1.0,
        hard_vocab_limit=False,
        model_type="unigram",
        minloglevel=2,
    )
    path.write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    return [sp.IdToPiece(i) for i in range(sp.GetPieceSize())]


def _save_model(folder: Path, vocab_size: int, pad: int, eos: int, **extra: object) -> None:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    torch.manual_seed(0)
    cfg = MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        pad_token_id=pad,
        eos_token_id=eos,
        forced_eos_token_id=eos,
        decoder_start_token_id=pad,
        bos_token_id=0,
        max_position_embeddings=extra.pop("max_position_embeddings", 128),
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        **TINY,
        **extra,
    )
    model = MarianMTModel(cfg).eval()
    model.save_pretrained(folder)
    GenerationConfig(
        bad_words_ids=[[pad]],
        bos_token_id=0,
        decoder_start_token_id=pad,
        eos_token_id=eos,
        forced_eos_token_id=eos,
        max_length=128,
        num_beams=4,
        pad_token_id=pad,
        renormalize_logits=True,
    ).save_pretrained(folder)


def build_en_uk_model(folder: Path) -> Path:
    """Random weights of the en-uk architecture (shrunk) around the real OPUS-MT en-uk tokenizer files."""
    src = FIXTURES / "opus-mt-en-uk"
    real = json.loads((src / "config.json").read_text(encoding="utf-8"))
    _save_model(
        folder,
        vocab_size=real["vocab_size"],
        pad=real["pad_token_id"],
        eos=real["eos_token_id"],
        activation_function=real["activation_function"],
        max_position_embeddings=real["max_position_embeddings"],
    )
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        shutil.copy(src / name, folder / name)
    return folder


def _lines(lang: str) -> list[str]:
    return (DATA / f"seed.{lang}.txt").read_text(encoding="utf-8").splitlines()


def build_spm_model(folder: Path, lang: str, layout: str) -> Path:
    """A tiny en-``lang`` model with SentencePiece trained on the seed and its reference translation.

    layouts:
      shared              OPUS-MT classic: one vocab.json over source and target pieces, </s>=0
      broken-target-only  the published opus-mt-tc-big-en-ko files: vocab.json is the target spm table
                          (ids = spm ids, </s>=2), used for both sides with separate_vocabs false
      multi-target        shared vocab plus >>rus<< / >>ukr<< tokens (like opus-mt-tc-big-en-zle)
    """
    folder.mkdir(parents=True, exist_ok=True)
    src_pieces = train_spm(_lines("en"), folder / "source.spm", 300)
    tgt_pieces = train_spm(_lines(lang), folder / "target.spm", 300)
    tok_cfg: dict[str, object] = {"source_lang": "en", "target_lang": lang}
    if layout == "broken-target-only":
        pad = max(len(src_pieces), len(tgt_pieces))
        vocab = {p: i for i, p in enumerate(tgt_pieces)}
        vocab["<pad>"] = pad
        eos = 2
        tok_cfg.update(separate_vocabs=False, unk_token="<unk>", eos_token="</s>", pad_token="<pad>")
    else:
        specials = ["</s>", "<unk>"]
        extra = [">>rus<<", ">>ukr<<"] if layout == "multi-target" else []
        ordered = specials + extra + [p for p in dict.fromkeys(src_pieces + tgt_pieces) if p not in specials + ["<s>"]]
        vocab = {p: i for i, p in enumerate(ordered)}
        pad = len(vocab)
        vocab["<pad>"] = pad
        eos = 0
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_cfg), encoding="utf-8")
    _save_model(folder, vocab_size=pad + 1, pad=pad, eos=eos)
    return folder

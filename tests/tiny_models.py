"""Build tiny MarianMT models locally (no hub): SentencePiece trained on the fly, weights set by hand.

The output of these models is not a translation. Their weights are not random either: random small
weights give one output for every input, which hides a translation attached to the wrong sentence.
:func:`make_copying` sets the weights so that the model *copies* its input through a fixed mapping of
source pieces to target pieces (a "transliteration": English pieces come out as Cyrillic or Hangul
pieces). Distinct inputs thus give distinct outputs, ``tests/test_fixtures.py`` asserts it, and every
code path (tokenizer layouts, ids, batching, beam search, CTranslate2 conversion) runs for real at a
size that takes seconds.
"""

from __future__ import annotations

import io
import json
import math
import shutil
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

TINY: dict[str, Any] = dict(
    d_model=128,  # half of it carries the copied token, half the position the decoder reads it from
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


def _save_model(folder: Path, vocab_size: int, pad: int, eos: int, **extra: Any) -> None:
    """A copying model (:func:`make_copying`) over the tokenizer files already in ``folder``."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

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
    make_copying(model, piece_pairs(folder, pad))
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


def piece_pairs(folder: Path, pad: int) -> list[tuple[int, int]]:
    """Pairs (source-only id, target-only id) in id order: what the copying model swaps.

    Ids are those of the pipeline's own tokenizer for ``folder`` (the broken en-ko layout repaired), so
    an English piece is copied as a piece that the target SentencePiece model can decode. Ids on both
    sides (punctuation, ``</s>``, ``>>ukr<<``) are copied as themselves.
    """
    import sentencepiece as spm

    from pipeline.translate.tokenizer import load_tokenizer

    tok, _ = load_tokenizer({p.name: p for p in folder.iterdir()}, pad_id=pad, model=str(folder))
    source_ids: dict[str, int] = tok.encoder
    target_ids: dict[str, int] = tok.target_encoder if tok.separate_vocabs else tok.encoder

    def ids(spm_file: str, table: dict[str, int]) -> set[int]:
        sp = spm.SentencePieceProcessor(model_file=str(folder / spm_file))
        return {table[p] for p in (sp.IdToPiece(i) for i in range(sp.GetPieceSize())) if p in table}

    src, tgt = ids("source.spm", source_ids), ids("target.spm", target_ids)
    return list(zip(sorted(src - tgt), sorted(tgt - src), strict=False))  # the longer side's rest: copied as is


def make_copying(model: Any, pairs: list[tuple[int, int]], *, norm: float = 3.0, seed: int = 0) -> Any:
    """Set a one-layer ``MarianMTModel``'s weights so that it copies its input, each id of ``pairs`` swapped.

    Decoder step t reads source position t through cross-attention and emits that token, swapped with
    its partner (an involution) or as itself, so the copied ``</s>`` ends the output. How:

    - Marian's sinusoidal positions fill all ``d_model`` dims. The fast-turning half (high frequencies)
      carries the position: cross-attention's query and key read it there, and their dot product,
      a sum of ``cos(w * (t - j))``, peaks at ``j = t``. A sharp softmax (large ``beta``) picks it.
    - Token embeddings live in the slow half, orthogonal to what positions and LayerNorm's mean put
      there (constant, ``cos ~ 1`` and ``sin ~ w * t`` directions), so positions do not leak into the
      logits. One dim (the slowest ``sin``, about 0 everywhere) is left free: LayerNorm subtracts the
      mean of each hidden vector from every dim, and that dim reads the mean back so that query and
      key see the positions alone.
    - Value and output projections carry the token dims through a symmetric orthogonal involution
      ``R``; partners have embeddings ``e`` and ``R e``; unpaired ids lie in ``R``'s fixed space. The
      tied output layer then scores the partner of the attended token highest.
    - Everything else (self-attention, feed-forward) is zero and LayerNorms are plain normalisations.
    """
    import numpy as np
    import torch

    cfg = model.config
    d = cfg.d_model
    half, quarter = d // 2, d // 4
    vocab = model.model.shared.weight.shape[0]
    rng = np.random.default_rng(seed)
    pos_dims = np.r_[0:quarter, half : half + quarter]  # sin and cos of the fast frequencies
    mean_dim = half - 1  # sin of the slowest frequency: about 0 at every position
    tok_dims = np.r_[quarter : half - 1, half + quarter : d]
    k = len(tok_dims)
    freq = 10000 ** (-np.arange(half) * 2 / d)
    leaks = np.stack(
        [
            np.ones(k),  # LayerNorm's mean
            np.r_[np.zeros(half - 1 - quarter), np.ones(d - half - quarter)],  # cos of slow frequencies ~ 1
            np.r_[freq[quarter : half - 1], np.zeros(d - half - quarter)],  # sin of slow frequencies ~ w * t
        ],
        axis=1,
    )
    basis, _ = np.linalg.qr(np.c_[leaks, rng.standard_normal((k, k - leaks.shape[1]))])
    free = basis[:, leaks.shape[1] :]  # the token space: orthogonal to the leaks
    m = free.shape[1]
    rot, _ = np.linalg.qr(rng.standard_normal((m, m)))
    involution = rot @ np.diag(np.r_[np.ones(m // 2), -np.ones(m - m // 2)]) @ rot.T
    swap = np.eye(k) + free @ (involution - np.eye(m)) @ free.T
    fixed = free @ rot[:, : m // 2]  # vectors that ``swap`` leaves alone

    emb = np.zeros((vocab, d))
    partner = dict(pairs) | {b: a for a, b in pairs}
    draws = rng.standard_normal((vocab, m))
    for v in range(vocab):
        vec = free @ draws[v] if v in partner else fixed @ (rot[:, : m // 2].T @ draws[v])
        vec *= norm / np.linalg.norm(vec)
        if v not in partner:
            emb[v, tok_dims] = vec
        elif v < partner[v]:
            emb[v, tok_dims] = vec
            emb[partner[v], tok_dims] = swap @ vec
    emb[cfg.pad_token_id] = 0.0  # the decoder starts from a zero embedding (CTranslate2 assumes it)

    # LayerNorm divides by about sqrt(norm^2 + 1/2); beta makes the attention one-hot
    beta = 12.0 * math.sqrt(d // cfg.decoder_attention_heads) * (norm * norm + 0.5)
    read_pos = torch.zeros(len(pos_dims), d)
    read_pos[:, torch.tensor(pos_dims)] = torch.eye(len(pos_dims))
    read_pos[:, mean_dim] = -1.0
    t = torch.tensor(tok_dims)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embed_positions" not in name:
                p.zero_()
        for mod in model.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.fill_(1.0)
        model.model.shared.weight.copy_(torch.tensor(emb, dtype=torch.float32))
        cross = model.model.decoder.layers[0].encoder_attn  # head 0 does the copying; head 1 stays zero
        cross.q_proj.weight[: len(pos_dims)] = read_pos * beta
        cross.k_proj.weight[: len(pos_dims)] = read_pos
        cross.v_proj.weight[torch.arange(k), t] = 1.0
        cross.out_proj.weight[t[:, None], torch.arange(k)[None, :]] = torch.tensor(10.0 * swap, dtype=torch.float32)
    return model


def build_en_uk_model(folder: Path) -> Path:
    """A copying model of the en-uk architecture (shrunk) around the real OPUS-MT en-uk tokenizer files."""
    src = FIXTURES / "opus-mt-en-uk"
    real = json.loads((src / "config.json").read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        shutil.copy(src / name, folder / name)
    _save_model(
        folder,
        vocab_size=real["vocab_size"],
        pad=real["pad_token_id"],
        eos=real["eos_token_id"],
        activation_function=real["activation_function"],
        max_position_embeddings=real["max_position_embeddings"],
    )
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

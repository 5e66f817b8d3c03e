"""Build a correct ``MarianTokenizer`` from a model's files, repairing known broken layouts.

``Helsinki-NLP/opus-mt-tc-big-en-ko`` ships a ``vocab.json`` that is the Korean *target*
SentencePiece table while its tokenizer config says ``separate_vocabs: false``, so the English input
is looked up in the Korean table and mostly becomes ``<unk>`` (OPUS-MT-train issue #81). The model
itself was trained with separate vocabularies: the encoder's ids are the ids of ``source.spm`` and the
decoder's those of ``target.spm``. We detect the layout (most source pieces missing from the shared
table) and build separate source and target vocabularies from the two SentencePiece models.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError

log = logging.getLogger(__name__)

# A healthy shared vocab covers nearly all source pieces (opus-mt-en-uk: 180 of ~50k missing).
MIN_SOURCE_COVERAGE = 0.9


@dataclass(frozen=True)
class VocabCheck:
    source_pieces: int
    covered: int
    repaired: bool

    @property
    def coverage(self) -> float:
        return self.covered / self.source_pieces if self.source_pieces else 1.0


def _spm_pieces(path: Path) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor()
    try:
        sp.Load(str(path))
    except (OSError, RuntimeError):
        raise ModelError(f"{path} is not a SentencePiece model", "re-download the model's tokenizer files") from None
    return [sp.IdToPiece(i) for i in range(sp.GetPieceSize())]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ModelError(f"{path} is unreadable or not JSON", "re-download the model's tokenizer files") from None


def check_vocab(files: dict[str, Path]) -> tuple[VocabCheck, dict[str, Any]]:
    """Return how much of ``source.spm`` the (shared) vocab covers, and the tokenizer config."""
    tok_cfg = _read_json(files["tokenizer_config.json"]) if "tokenizer_config.json" in files else {}
    if not isinstance(tok_cfg, dict):
        tok_cfg = {}
    if tok_cfg.get("separate_vocabs") or "target_vocab.json" in files:
        return VocabCheck(0, 0, repaired=False), tok_cfg
    vocab = _read_json(files["vocab.json"])
    src = _spm_pieces(files["source.spm"])
    covered = sum(1 for p in src if p in vocab)
    return VocabCheck(len(src), covered, repaired=False), tok_cfg


def repair_separate_vocabs(files: dict[str, Path], pad_id: int, workdir: Path) -> dict[str, Path]:
    """Write ``vocab.json`` (source ids) and ``target_vocab.json`` (target ids) from the spm files.

    Ids follow the SentencePiece models, as in a Marian model trained with separate vocabularies;
    ``<pad>`` takes ``pad_id`` (the model's ``pad_token_id``) on both sides.
    """
    out = dict(files)
    for name, spm_name in (("vocab.json", "source.spm"), ("target_vocab.json", "target.spm")):
        pieces = _spm_pieces(files[spm_name])
        if pad_id < len(pieces):
            raise ModelError(
                f"cannot repair the tokenizer: pad id {pad_id} lies inside {spm_name} ({len(pieces)} pieces)",
                "pass a model folder with a correct vocab.json",
            )
        table = {p: i for i, p in enumerate(pieces)}
        table["<pad>"] = pad_id
        path = workdir / name
        path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
        out[name] = path
    return out


def load_tokenizer(files: dict[str, Path], *, pad_id: int, model: str) -> tuple[Any, VocabCheck]:
    """Build the ``MarianTokenizer`` for a model, repairing the separate-vocab layout if needed."""
    from transformers import MarianTokenizer

    check, tok_cfg = check_vocab(files)
    kwargs: dict[str, Any] = {
        k: tok_cfg[k]
        for k in ("source_lang", "target_lang", "unk_token", "eos_token", "pad_token", "model_max_length")
        if k in tok_cfg
    }
    separate = bool(tok_cfg.get("separate_vocabs")) or "target_vocab.json" in files
    if check.source_pieces and check.coverage < MIN_SOURCE_COVERAGE:
        log.warning(
            "%s: vocab.json covers only %.0f%% of source.spm pieces (a target-only table used for both sides, "
            "see OPUS-MT-train #81); building separate source/target vocabularies from source.spm/target.spm",
            model,
            100 * check.coverage,
        )
        workdir = Path(tempfile.mkdtemp(prefix="pipeline-tok-"))
        files = repair_separate_vocabs(files, pad_id, workdir)
        check = VocabCheck(check.source_pieces, check.source_pieces, repaired=True)
        separate = True
    try:
        tok = MarianTokenizer(
            source_spm=str(files["source.spm"]),
            target_spm=str(files["target.spm"]),
            vocab=str(files["vocab.json"]),
            target_vocab_file=str(files["target_vocab.json"]) if separate else None,
            separate_vocabs=separate,
            **kwargs,
        )
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise ModelError(
            f"cannot build the tokenizer of model {model}: {e}", "re-download its tokenizer files"
        ) from None
    return tok, check

"""The ``sentence-transformers`` embedder route (LaBSE for users with the hub), with a tiny local model.

LaBSE cannot be downloaded here, so these tests build a sentence-transformers model locally (a 1-layer
BERT with random weights and a WordPiece vocabulary of the seed texts, mean pooling) and load it the way
a user loads a saved or downloaded model: ``--set align.st_model=FOLDER``. Its embeddings mean nothing;
the tests check the route (loading, cache versions, errors, the aligner's output contract), not accuracy.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipeline.align.metrics import check_links
from pipeline.cli import main
from pipeline.errors import ModelError
from pipeline.records import Link

pytest.importorskip("sentence_transformers")

DATA = Path(__file__).resolve().parent / "data"
SRC, TGT = DATA / "seed.en.txt", DATA / "seed.ru.txt"


def build_st_model(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random BERT + mean pooling as a sentence-transformers model folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import BertConfig, BertModel, BertTokenizer

    text = SRC.read_text(encoding="utf-8") + TGT.read_text(encoding="utf-8")
    words = sorted(set(re.findall(r"\w+|[^\w\s]", text.lower())))
    hf = folder.parent / (folder.name + "-bert")
    hf.mkdir(parents=True, exist_ok=True)
    (hf / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]) + "\n")
    tok = BertTokenizer(vocab_file=str(hf / "vocab.txt"))
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=len(words) + 5, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256,
    )  # fmt: skip
    BertModel(cfg).save_pretrained(hf)
    tok.save_pretrained(hf)
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer  # type: ignore[no-redef]
    st = SentenceTransformer(modules=[Transformer(str(hf), max_seq_length=128), Pooling(32, "mean")])
    st.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def st_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_st_model(tmp_path_factory.mktemp("st") / "tiny-st")


def test_local_model_aligns_from_the_cli(st_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    args = ["align", "--src", str(SRC), "--tgt", str(TGT), "--src-lang", "en", "--tgt-lang", "ru", "--presegmented"]
    args += ["--format", "jsonl", "--out", str(out), "--set", "align.embedder=sentence-transformers"]
    args += ["--set", f"align.st_model={st_folder}", "--set", f"align.cache_dir={tmp_path / 'cache'}"]
    args += ["--set", "align.threads=1"]
    assert main(args) == 0
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert all("hybrid.v3(sentence-transformers)" in r["signature"] for r in recs)
    n = len(SRC.read_text(encoding="utf-8").splitlines())
    m = len(TGT.read_text(encoding="utf-8").splitlines())
    check_links([Link(tuple(r["src_idx"]), tuple(r["tgt_idx"]), r["score"]) for r in recs], n, m)
    assert (tmp_path / "cache" / "embeddings.sqlite").stat().st_size > 0  # the vectors were cached on disk


def test_cache_version_follows_the_folder_contents(st_folder: Path, tmp_path: Path) -> None:
    from pipeline.align.embed import CachedEmbedder, SentenceTransformersEmbedder

    texts = ["The river rose overnight.", "Речка поднялась за ночь."]
    a = SentenceTransformersEmbedder(str(st_folder))
    assert a.version.startswith("local-") and a.dim == 32
    first = CachedEmbedder(a, cache_dir=str(tmp_path))
    va = first.embed(texts)
    assert first.embedded == 2
    again = CachedEmbedder(SentenceTransformersEmbedder(str(st_folder)), cache_dir=str(tmp_path))
    assert again.version == first.version
    assert (again.embed(texts) == va).all() and again.embedded == 0  # same folder: read from the disk cache

    moved = tmp_path / "model"
    shutil.copytree(st_folder, moved)
    before = SentenceTransformersEmbedder(str(moved)).version
    build_st_model(moved, seed=1)  # re-trained and re-saved in place: other weights, same path
    after = CachedEmbedder(SentenceTransformersEmbedder(str(moved)), cache_dir=str(tmp_path))
    assert after.version != before
    vb = after.embed(texts)
    assert after.embedded == 2 and not (vb == va).all()  # not served the old model's vectors


def test_missing_folder_and_unreachable_hub_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.align.embed import SentenceTransformersEmbedder

    with pytest.raises(ModelError) as e:
        SentenceTransformersEmbedder(str(tmp_path / "no-such-model"))
    assert "folder not found" in str(e.value) and "align.st_model" in str(e.value)

    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError) as e:
        SentenceTransformersEmbedder("sentence-transformers/no-such-model-here", revision="v1")
    msg = str(e.value)
    assert "cannot load sentence-transformers model 'sentence-transformers/no-such-model-here'" in msg
    assert "align.st_revision" in msg and "\n" not in msg


def test_revision_reaches_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hub id is loaded at the configured revision, and the cache version names that revision."""
    import sentence_transformers

    from pipeline.align import embed

    seen: dict[str, object] = {}

    class FakeST:
        def __init__(self, model: str, **kw: object) -> None:
            seen.update(kw, model=model)

        def get_embedding_dimension(self) -> int:
            return 8

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", FakeST)
    monkeypatch.setattr(embed, "hub_reachable", lambda: True)  # as if online (tests run offline): the library is asked
    e = embed.SentenceTransformersEmbedder("sentence-transformers/LaBSE", revision="e34fab6")
    assert seen["model"] == "sentence-transformers/LaBSE" and seen["revision"] == "e34fab6"
    assert e.version.startswith("@e34fab6/")  # not in the hub cache here: the revision as given

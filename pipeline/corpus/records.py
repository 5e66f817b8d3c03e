"""Typed records passed between the corpus stages (all picklable: Ray ships them between processes)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.document import SentenceCodes, Unit
from pipeline.read import SourceDocument
from pipeline.read.codes import CodeSlot, SegmentedBlocks
from pipeline.records import AlignedPair, Segmentation, TranslatorInfo
from pipeline.repair import UnitNote
from pipeline.translate import Output


@dataclass(frozen=True)
class InputRecord:
    """One document or sentence to translate; ``where`` locates it (``file:line`` or ``file#row``)."""

    id: str
    text: str
    where: str
    path: str | None = None  # a document (``text`` empty): its file, read by its reader in the segment stage


@dataclass(frozen=True)
class Reject:
    """An input record (or a part of the input) left out of the outputs, with the stage and the reason."""

    where: str
    stage: str  # plan, read, segment, translate, align, write, worker
    reason: str
    id: str | None = None
    records: int = 1  # input records it stands for (a shard lost with its worker stands for all of them)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ShardSpec:
    """A slice of one input file: the unit of work, of resume and of output files."""

    name: str  # part-FFFFF-SSSSS: input file number, slice number
    path: str  # the input file
    rel: str  # its path relative to the input (ids of text lines are rel:line)
    fmt: str  # jsonl, parquet, text
    start: int  # first line (1-based) of a text/JSONL slice; first row (0-based) of a Parquet slice
    count: int  # lines or rows in the slice
    offset: int = 0  # byte offset of the first line (text/JSONL)
    row_groups: tuple[int, ...] = ()  # Parquet row groups of the slice
    key: str = ""  # fingerprint of the input slice, the settings and ``duplicates``; a done marker must match it
    # (where, first where) of each record of the slice whose id a record of an earlier shard already has
    # (found by :func:`pipeline.corpus.read.find_duplicates` over the whole input); those are rejected
    duplicates: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["row_groups"] = list(self.row_groups)
        d["duplicates"] = [list(p) for p in self.duplicates]
        return d


@dataclass
class Doc:
    """One input record on its way through the stages."""

    record: InputRecord
    seg: Segmentation | None = None
    units: list[Unit] = field(default_factory=list)  # what the model was given (pipeline.document.plan_units)
    outputs: list[Output] = field(default_factory=list)  # their translations, in the same order
    pairs: list[AlignedPair] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)  # QA flag counts
    qa_details: dict[int, dict[str, str]] = field(default_factory=dict)  # pair id -> flag -> detail (XLIFF notes)
    # a document with markup (an HTML, Markdown, ... file): as its reader read it, its sentences' inline codes, what
    # stands for them in the units, each sentence's codes and its translation's, and the translated document
    source: SourceDocument | None = None
    blocks: SegmentedBlocks | None = None
    slots: list[tuple[CodeSlot, ...]] = field(default_factory=list)
    codes: list[SentenceCodes] | None = None
    translated: bytes | None = None
    notes: dict[int, UnitNote] = field(default_factory=dict)  # unit index -> repaired step, alternatives (repair)


@dataclass
class ShardWork:
    """A shard between stages: its records still in play, the rejects so far, and counts."""

    spec: ShardSpec
    docs: list[Doc] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    records: int = 0  # input records read (blank lines are not records)
    blank: int = 0  # blank lines skipped
    sentences: int = 0
    translator: TranslatorInfo | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per stage
    glossary: dict[str, int] = field(default_factory=dict)  # glossary.enforce: terms_protected, placeholders_dropped

    def reject(self, doc: Doc, stage: str, reason: str) -> None:
        self.rejects.append(Reject(doc.record.where, stage, reason, doc.record.id))


@dataclass(frozen=True)
class ShardResult:
    """What a written shard reports back to the driver (also its ``.done.json`` marker)."""

    name: str
    key: str
    records: int
    written: int  # records with pairs in the outputs
    rejected: int
    blank: int
    sentences: int
    pairs: int
    files: tuple[str, ...]
    signature: str
    device: str
    flags: dict[str, int]
    seconds: dict[str, float]
    glossary: dict[str, int] = field(default_factory=dict)  # glossary.enforce: terms kept, placeholders dropped
    documents: tuple[str, ...] = ()  # translated documents, relative to the output folder (documents/...)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        if self.documents:
            d["documents"] = list(self.documents)
        else:  # a shard of records: its marker as before documents existed
            del d["documents"]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ShardResult:
        return cls(**{**d, "files": tuple(d["files"]), "documents": tuple(d.get("documents", ()))})

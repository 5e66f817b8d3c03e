"""Rendered outputs and how they are put on disk atomically (files, or whole folders).

A format renders everything in memory first (:class:`Rendered`). :func:`commit_all` writes the outputs
of one run as a unit: every output is first written in full to a
temporary file or folder beside its target (flushed and synced), and only when all of them are on disk
are they renamed into place. A full disk or any other OS error while writing leaves neither a partial
output nor a temporary file, and no output of the run appears at all. A reader never sees a
half-written file or folder; an existing folder of the same name is replaced as a whole.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import ConfigError, OutputError
from pipeline.records import AlignedPair, Signature

__all__ = [
    "OutputFormat",
    "QADetails",
    "RenderContext",
    "Rendered",
    "commit_all",
    "creation_time",
    "document_format",
    "pair_key",
    "resolve_creation_date",
]

#: What the quality checks said about each flagged pair: :func:`pair_key` -> flag -> a one-line detail.
QADetails = Mapping[str, Mapping[str, str]]


def pair_key(pair: AlignedPair) -> str:
    """The key of ``pair`` in :data:`QADetails`: its id, or ``<doc>#<id>`` for a pair of a corpus record."""
    return f"{pair.doc}#{pair.id}" if pair.doc is not None else str(pair.id)


def resolve_creation_date(creation_date: datetime | None = None) -> datetime:
    """``creation_date`` if given, else ``$SOURCE_DATE_EPOCH`` (reproducible builds), else now (UTC)."""
    if creation_date is not None:
        return creation_date
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ConfigError(
                f"SOURCE_DATE_EPOCH is not a Unix timestamp: {epoch!r}",
                "set it to whole seconds since 1970-01-01 UTC (e.g. `date +%s`), or unset it, "
                "or fix the time with --set output.creation_date=2024-01-01T00:00:00Z",
            ) from None
    return datetime.now(timezone.utc)


def creation_time(creation_date: datetime | None) -> datetime:
    """The time stamp of a run's outputs, in whole seconds UTC: :func:`resolve_creation_date` of ``creation_date``
    (``output.creation_date``). Called before any work, so a malformed ``SOURCE_DATE_EPOCH`` fails fast."""
    dt = resolve_creation_date(creation_date)
    dt = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class RenderContext:
    """What every format is given besides the pairs."""

    signature: Signature
    src_lang: str
    tgt_lang: str
    creation_date: datetime  # one for all formats of a run (TMX creationdate, dataset card)
    corpus: bool = False  # the pairs of many input records (translate-corpus shards): each carries ``doc``
    qa_details: QADetails | None = None  # the checks' details of flagged pairs (XLIFF notes); None: not known
    datatype: str = "plaintext"  # the source document's kind (XLIFF <file datatype>, TMX header): html, x-markdown
    document: Mapping[str, str] | None = None  # what the source document declares (title, author, date, url): JSONL

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the formats' ``render`` functions."""
        return {
            "signature": self.signature,
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "creation_date": self.creation_date,
        }


@dataclass(frozen=True)
class OutputFormat:
    """An output format, as registered in :data:`pipeline.write.config.FORMATS`.

    ``files`` renders the outputs named from ``base`` (files or folders, in memory); ``text``, for a format
    that is one text document, renders it as a string (``pipeline align --format``, :func:`render_pairs`).
    ``description`` is what ``output.formats`` and ``corpus.formats`` say of it (docs/configuration.md);
    ``requires`` names the formats that must be written beside it for it to be of use (a warning otherwise).
    """

    name: str
    files: Callable[[Sequence[AlignedPair], str, RenderContext], list[Rendered]]
    text: Callable[[Sequence[AlignedPair], RenderContext], str] | None = None
    extension: str | None = None  # of the one file a document format writes
    report: Callable[[Sequence[AlignedPair]], dict[str, Any]] | None = None  # fields for the run report
    description: str = ""
    requires: tuple[str, ...] = ()


def document_format(
    name: str,
    extension: str,
    text: Callable[[Sequence[AlignedPair], RenderContext], str],
    *,
    description: str = "",
    report: Callable[[Sequence[AlignedPair]], dict[str, Any]] | None = None,
    requires: tuple[str, ...] = (),
) -> OutputFormat:
    """A format that is one UTF-8 text document ``<base><extension>``."""

    def files(pairs: Sequence[AlignedPair], base: str, ctx: RenderContext) -> list[Rendered]:
        return [Rendered(f"{base}{extension}", data=text(pairs, ctx).encode("utf-8"))]

    return OutputFormat(name, files, text, extension, report, description, requires)


@dataclass(frozen=True)
class Rendered:
    """One output, ready to write: a file (``data``) or a folder (``files``: relative POSIX path -> bytes)."""

    name: str
    data: bytes | None = None
    files: Mapping[str, bytes] | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.files is None):
            raise ValueError(f"output {self.name!r}: give either data (a file) or files (a folder)")

    @property
    def is_folder(self) -> bool:
        return self.files is not None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _stage(rendered: Rendered, folder: Path) -> tuple[Path, Path]:
    """Write ``rendered`` in full to a temporary file or folder beside its target; return (temporary, target)."""
    target = Path(folder) / rendered.name
    if rendered.files is not None:
        for rel in rendered.files:
            parts = PurePosixPath(rel).parts
            if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
                raise ValueError(f"output {target.name!r}: file name {rel!r} is not a relative path inside the folder")
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder))
        try:
            for rel, data in rendered.files.items():
                path = tmp.joinpath(*PurePosixPath(rel).parts)
                path.parent.mkdir(parents=True, exist_ok=True)
                _write_synced(path, data)
            os.chmod(tmp, 0o777 & ~_umask())
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return tmp, target
    assert rendered.data is not None
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(rendered.data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name), target


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def commit_all(outputs: Sequence[Rendered], folder: Path) -> list[Path]:
    """Write all ``outputs`` into ``folder`` as one unit; return their paths in order.

    Phase 1 writes each output in full to a temporary file/folder beside its target; if anything
    fails there (a full disk, permissions), every temporary is removed and :class:`OutputError` is
    raised: no output of the run appears and earlier outputs of the same names are untouched. Phase 2
    renames them into place (renames within a folder do not need space).
    """
    folder = Path(folder)
    names = [r.name for r in outputs]
    if len(set(names)) != len(names):
        raise ValueError(f"two outputs share a name: {sorted(n for n in names if names.count(n) > 1)}")
    staged: list[tuple[Path, Path]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for r in outputs:
            staged.append(_stage(r, folder))
    except OSError as e:
        for tmp, _ in staged:
            _discard(tmp)
        where = e.filename or folder
        raise OutputError(
            f"cannot write the outputs into {folder}: {e.strerror} ({where}); nothing was written",
            "check the output folder and free space, then run again",
        ) from None
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    placed: list[Path] = []
    for n, (tmp, target) in enumerate(staged):
        try:
            _place(tmp, target, folder)
        except OSError as e:
            for rest, _ in staged[n:]:
                _discard(rest)
            done = f"; already replaced: {', '.join(p.name for p in placed)}" if placed else ""
            raise OutputError(
                f"cannot write {target}: {e.strerror}{done}", "check the output folder and free space, then run again"
            ) from None
        placed.append(target)
    return placed


def _place(tmp: Path, target: Path, folder: Path) -> None:
    """Rename a staged output into place; an existing folder is swapped out whole (and put back on failure)."""
    if not (target.is_dir() and not target.is_symlink()):
        os.replace(tmp, target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=folder))
    os.replace(target, old / target.name)
    try:
        os.replace(tmp, target)
    except OSError:
        os.replace(old / target.name, target)
        os.rmdir(old)
        raise
    shutil.rmtree(old, ignore_errors=True)

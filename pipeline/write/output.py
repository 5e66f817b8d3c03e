"""Rendered outputs and how they are put on disk atomically (a file, or a whole folder).

A format renders everything in memory first (:class:`Rendered`); :func:`commit` then writes a file
with :func:`pipeline.io.atomic_write` (temporary file beside it, renamed into place) or a folder by
writing a temporary folder beside it and renaming it into place, so a reader never sees a
half-written file or folder. An existing folder of the same name is replaced as a whole.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.errors import OutputError
from pipeline.io import atomic_write

__all__ = ["Rendered", "commit", "write_folder"]


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


def commit(rendered: Rendered, folder: Path) -> Path:
    """Write ``rendered`` into ``folder`` atomically and return its path."""
    path = Path(folder) / rendered.name
    if rendered.files is not None:
        return write_folder(path, rendered.files)
    assert rendered.data is not None
    with atomic_write(path, mode="wb") as f:
        f.write(rendered.data)
    return path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_folder(path: Path, files: Mapping[str, bytes]) -> Path:
    """Create folder ``path`` holding ``files`` (relative POSIX path -> content), replacing any old one whole.

    The files are written into a temporary folder beside ``path``, which is renamed into place once
    everything is on disk. OS errors raise :class:`OutputError` and leave the old folder (if any) and
    no temporary folder behind.
    """
    path = Path(path)
    for rel in files:
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            raise ValueError(f"output {path.name!r}: file name {rel!r} is not a relative path inside the folder")
    tmp: Path | None = None
    old: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
        for rel, data in files.items():
            target = tmp.joinpath(*PurePosixPath(rel).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it 0700; give it a normal folder's mode
        if path.exists() or path.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        try:
            os.replace(tmp, path)
        except OSError:
            if old is not None:  # put the previous output back
                os.replace(old / path.name, path)
            raise
        tmp = None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror}", "check the output folder and free space") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
        if old is not None:
            with contextlib.suppress(OSError):
                if tmp is None:  # the new folder is in place: drop the previous one
                    shutil.rmtree(old)
                else:  # failed: the previous output was put back (if that failed too, keep it)
                    os.rmdir(old)
    return path

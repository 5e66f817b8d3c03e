"""What identifies a model for a cache key: a hash of a local folder's files, or the hub commit.

The translation cache (MarianMT models) and the embedding cache (sentence-transformers models) key their
entries this way, so that a model re-saved in place, or updated on the hub under the same id, never
serves results of the old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path


def folder_fingerprint(
    folder: Path, suffixes: Sequence[str], *, recursive: bool = False, hash_in_full: int | None = None
) -> str:
    """``local-<hash>`` of the files in ``folder`` (subfolders too when ``recursive``) whose suffix is in
    ``suffixes``: each file's path relative to the folder, then its content. Files larger than
    ``hash_in_full`` bytes (when given) count by size and modification time instead of content."""
    h = hashlib.sha256()
    found = folder.rglob("*") if recursive else folder.iterdir()
    for p in sorted(p for p in found if p.is_file() and p.suffix in suffixes):
        h.update(str(p.relative_to(folder)).encode() + b"\0")
        st = p.stat()
        if hash_in_full is not None and st.st_size > hash_in_full:
            h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
            continue
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return "local-" + h.hexdigest()[:20]


def snapshot_commit(path: Path, revision: str | None) -> str:
    """The commit of a file in the hub cache (``.../snapshots/<commit>/file``); else the revision asked
    for, or ``main``."""
    return path.parent.name if path.parent.parent.name == "snapshots" else (revision or "main")

"""Input formats: a registry of readers, each turning a file into a :class:`SourceDocument` (blocks of text with
their inline codes, and a skeleton to write the translated document back).

>>> reader = get_reader(ReadConfig(), "page.html")      # by extension, or read.format / --input-format
>>> doc = reader.read(data, where="page.html", lang="en")
"""

from __future__ import annotations

from pathlib import PurePath

from pipeline.read.base import Block, InlineCode, Reader, SourceDocument
from pipeline.read.config import READERS, ReadConfig

__all__ = ["READERS", "Block", "InlineCode", "ReadConfig", "Reader", "SourceDocument", "get_reader"]

#: the reader of a file whose extension no reader claims
FALLBACK = "text"


def get_reader(cfg: ReadConfig, path: str | PurePath) -> Reader:
    """The reader ``read.format`` names, or with ``auto`` the first whose extensions end ``path``'s name."""
    if cfg.format != "auto":
        return READERS.load(cfg.format)(cfg)
    name = PurePath(path).name.lower()
    for reader_name in READERS.names():
        reader = READERS.load(reader_name)(cfg)
        if any(name.endswith(ext) for ext in reader.extensions):
            return reader
    return READERS.load(FALLBACK)(cfg)

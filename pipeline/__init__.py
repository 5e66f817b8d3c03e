"""Translation-and-alignment pipeline: segment English, translate with MarianMT, align, write corpora."""

__version__ = "0.1.0"

"""The ``segment:`` section of the configuration, with its defaults, and the segmenters it can name."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import Field, field_validator

from pipeline.registry import Registry
from pipeline.segment.base import Segmenter
from pipeline.segment.furniture import DEFAULT_FURNITURE
from pipeline.settings import Section

#: ``segment.segmenter``: name -> ``"module:attr"`` of a factory ``(lang) -> Segmenter`` (:mod:`pipeline.registry`).
SEGMENTERS: Registry[Callable[[str], Segmenter]] = Registry(
    "segmenters",
    "segmenter",
    "segment.segmenter",
    {"rules": "pipeline.segment:rule_segmenter", "lines": "pipeline.segment:LineSegmenter"},
)


class SegmentConfig(Section):
    segmenter: str = Field("rules", description=f"segmenter: {', '.join(SEGMENTERS.names())}")
    furniture: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FURNITURE),
        description="regular expressions matching whole paragraphs of page furniture to drop (reported); "
        "case-insensitive, full match; [] drops nothing. The defaults (English, Russian, Ukrainian, Korean) are "
        "DEFAULT_FURNITURE in pipeline/segment/furniture.py",
    )

    @field_validator("segmenter")
    @classmethod
    def _segmenter(cls, v: str) -> str:
        return SEGMENTERS.check(v)

    @field_validator("furniture")
    @classmethod
    def _furniture(cls, v: list[str]) -> list[str]:
        for n, pattern in enumerate(v):
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as e:
                raise ValueError(f"item {n} {pattern!r} is not a valid regular expression ({e})") from None
        return v

"""Benchmarks (``python -m pipeline bench``); heavy imports happen inside the functions."""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def median(values: Iterable[float]) -> float:
    """The median of the timed runs' figures; 0.0 when there were no runs."""
    xs = list(values)
    return statistics.median(xs) if xs else 0.0

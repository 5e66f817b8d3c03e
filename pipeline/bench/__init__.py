"""Every benchmark of the project; heavy imports happen inside the functions.

One module per benchmark, run by its command in ``pipeline/commands/bench*.py``:

* :mod:`pipeline.bench.translation` (with :mod:`pipeline.bench.e2e` and :mod:`pipeline.bench.baselines`): ``bench``,
  translation throughput;
* :mod:`pipeline.bench.equal`: the check that the systems a benchmark compares decode the same before it times them;
* :mod:`pipeline.bench.robust`: ``bench-robust``, detection and repair of degenerate translations;
* :mod:`pipeline.bench.align` (with :mod:`pipeline.bench.omissions`): ``bench-align``, aligner accuracy on
  the dev sets, and speed and memory on a synthetic pair;
* :mod:`pipeline.bench.segmentation`: ``bench-segment``, segmenter cases passed and speed;
* :mod:`pipeline.bench.corpus`: ``bench-corpus``, ``translate-corpus`` throughput of the local and Ray engines.

This package sits above the stages and runners: it imports them, and nothing under ``pipeline/align``,
``pipeline/corpus`` or the other stages imports it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def median(values: Iterable[float]) -> float:
    """The median of the timed runs' figures; 0.0 when there were no runs."""
    xs = list(values)
    return statistics.median(xs) if xs else 0.0

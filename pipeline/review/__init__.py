"""Human review of a run: a self-contained HTML page and the decisions it exports.

* :func:`write_review_page` writes ``<name>.en-<lang>.review.html`` (source and target side by side,
  paragraph by paragraph, flags and scores, a flagged-only filter; reject / accept / merge / split a
  pair; export the decisions as JSON).
* :func:`load_decisions` + :func:`apply_decisions` turn the exported file into corrected pairs
  (``python -m pipeline apply-review FILE``), refusing decisions made for another run.
"""

from __future__ import annotations

from pipeline.review.apply import Decision, Decisions, apply_decisions, load_decisions, parse_decisions
from pipeline.review.common import DECISIONS_FORMAT, sentence_cuts
from pipeline.review.page import (
    REVIEW_PAGE_REQUIRES,
    embed_json,
    render_review_page,
    review_data,
    review_page_html,
    write_review_page,
)

__all__ = [
    "DECISIONS_FORMAT",
    "REVIEW_PAGE_REQUIRES",
    "Decision",
    "Decisions",
    "apply_decisions",
    "embed_json",
    "load_decisions",
    "parse_decisions",
    "render_review_page",
    "review_data",
    "sentence_cuts",
    "review_page_html",
    "write_review_page",
]

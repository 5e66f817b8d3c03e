"""``translate-corpus``: many records (documents or sentences) through the pipeline, in shards.

The stages are those of the single-article path (:mod:`pipeline.run`): read, segment, translate, align
(+ quality flags), write; each is a function over one shard (:mod:`pipeline.corpus.stages`), and two
engines run them:

* ``local`` (:mod:`pipeline.corpus.local`): one process, shard after shard;
* ``ray`` (:mod:`pipeline.corpus.ray_engine`): a Ray Data pipeline, the translation in an actor pool where
  each actor loads the model once (CPU or GPU per ``corpus.ray``).

The driver (:mod:`pipeline.corpus.job`) plans the shards (:mod:`pipeline.corpus.read`), skips those already
written (a ``.done.json`` marker, written last and atomically with the shard's files:
:mod:`pipeline.corpus.shards`), runs an engine on the rest and accounts for every input record: it is in a
shard's outputs or in ``rejects.jsonl`` with the reason. Importing this package is cheap (no torch, no ray).
"""

from __future__ import annotations

__all__ = ["ENGINES", "quiet_per_record_logs"]

ENGINES = ("local", "ray")


def quiet_per_record_logs() -> None:
    """The per-document INFO lines of the single-article path (aligner, cache, QA) would be one per record."""
    import logging

    for name in ("pipeline.align", "pipeline.document", "pipeline.translate.cache", "pipeline.qa"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)

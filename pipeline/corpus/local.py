"""The ``local`` engine: every stage in this process, shard after shard, one translator for the run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipeline.corpus.records import ShardResult, ShardSpec
from pipeline.corpus.stages import JobContext, ShardFailure, TranslateStage, run_stages


def run_local(specs: Sequence[ShardSpec], ctx: JobContext) -> Iterator[ShardResult | ShardFailure]:
    if not specs:
        return
    translate = TranslateStage(ctx.components(), ctx.translator_factory)
    # the model is loaded now: one that cannot load, or does not fit the settings, is the job's error
    translate.parts.check_translator(translate.translator)
    for spec in specs:
        yield run_stages(spec, ctx, translate)

"""The ``ray`` engine: the corpus stages as a Ray Data pipeline.

One row per shard flows through ``map`` tasks (read, segment, align, write) and a ``map_batches`` actor
pool for the translation, in which each actor builds the translator once (CPU, or ``num_gpus`` per actor:
Ray sets ``CUDA_VISIBLE_DEVICES`` and ``translate.device: auto`` picks the GPU). Ray streams the rows, so
reading, translating and writing overlap and a shard is written as soon as it is aligned.

Failures: a Python exception in a stage fails only its shard (:func:`pipeline.corpus.stages.guarded`); a
worker process that dies is Ray's business: tasks are retried (``corpus.ray.task_retries``), a dead actor is
restarted (``max_restarts``) and its shard retried on it (``max_task_retries``); a shard still lost after
that is left out (``DataContext.max_errored_blocks``) and the driver rejects its records, so the job ends.
"""

from __future__ import annotations

import logging
import os
import pickle
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.corpus.read import read_shard
from pipeline.corpus.records import ShardResult, ShardSpec
from pipeline.corpus.shards import write_shard
from pipeline.corpus.stages import JobContext, ShardFailure, TranslateStage, guarded, link_shard, segment_shard
from pipeline.errors import ConfigError, PipelineError

log = logging.getLogger(__name__)

Row = dict[str, Any]


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ConfigError(
            "the ray engine needs Ray Data, which is not installed", "pip install '.[ray]' (or use --engine local)"
        ) from None
    return ray


def connect(address: str | None, cfg: Any) -> bool:
    """Join the cluster at ``address`` (else ``$RAY_ADDRESS``, else start a local one); True if we started Ray."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address:
        probe(address)
    if address is None:  # a local cluster: its workers see the same package and caches as this driver
        env = {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HF_HOME", "HF_HUB_CACHE", "XDG_CACHE_HOME")}
        if env:
            kwargs["runtime_env"] = {"env_vars": env}
        if cfg.object_store_memory:
            kwargs["object_store_memory"] = cfg.object_store_memory
    try:
        ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise PipelineError(f"cannot connect to the Ray cluster at {address}: {' '.join(str(e).split())[:200]}",
                            "check --ray-address (host:6379, ray://host:10001 or auto)") from None  # fmt: skip
    return True


def probe(address: str) -> None:
    """Fail in one line when ``host:port`` does not answer (Ray itself would retry for minutes)."""
    import socket

    if address in ("auto", "local"):
        return
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(
            f"Ray address {address!r} is not host:port", "e.g. --ray-address 10.0.0.5:6379 or ray://10.0.0.5:10001"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as e:
        raise PipelineError(
            f"no Ray cluster answers at {address} ({e.strerror or e})",
            "start one (`ray start --head`) or check --ray-address / $RAY_ADDRESS",
        ) from None


def _stage(name: str, fn: Callable[[Any], Any]) -> Callable[[Row], Row]:
    def run(row: Row) -> Row:
        return {"item": pickle.dumps(guarded(name, fn, pickle.loads(row["item"])))}

    return run


class TranslateActor:
    """One per actor slot: loads the model once, then translates whole shards."""

    def __init__(self, ctx_blob: bytes) -> None:
        ctx: JobContext = pickle.loads(ctx_blob)
        threads = ctx.cfg.translate.threads
        if threads:
            import torch

            torch.set_num_threads(threads)
        self.stage = TranslateStage(ctx.components(), ctx.translator_factory)
        self.stage.translator  # noqa: B018 - load now, once per actor

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        out = [pickle.dumps(guarded("translate", self.stage, pickle.loads(b))) for b in batch["item"]]
        return {"item": out}


def _actor_class(ctx_blob: bytes) -> type:
    """The actor class with the job context inside it (pickled by value with the class).

    Ray Data keeps each map worker's constructor in the object store and logs that a restart depends on
    it (ray-project/ray#53727): the driver holds it for the whole job, and the dying-actor test shows the
    restart working.
    """

    class Translate(TranslateActor):
        def __init__(self) -> None:
            super().__init__(ctx_blob)

    return Translate


def pool_size(cfg: Any, resources: dict[str, float], shards: int) -> int:
    """Translation actors: ``corpus.ray.actors``, else what the GPUs allow, else the CPUs left once one task
    slot (``task_cpus``) is kept for the read/segment/align/write tasks (actors holding every CPU would
    starve them)."""
    cpus = float(resources.get("CPU", 1))
    if cfg.actors:
        n = int(cfg.actors)
        if cfg.num_gpus == 0 and n * cfg.num_cpus > cpus - cfg.task_cpus:
            log.warning(
                "ray: %d actors x %g CPU leave less than %g CPU of %g for the other stages; the job may stall",
                n, cfg.num_cpus, cfg.task_cpus, cpus,
            )  # fmt: skip
        return max(1, min(n, shards))
    if cfg.num_gpus > 0:
        n = int(resources.get("GPU", 0) // cfg.num_gpus)
        if n < 1:
            raise ConfigError(
                f"corpus.ray.num_gpus={cfg.num_gpus} but the Ray cluster has {resources.get('GPU', 0):g} GPU(s)",
                "set corpus.ray.num_gpus=0 for CPU actors, or join a cluster with GPUs (--ray-address)",
            )
    else:
        n = int((cpus - cfg.task_cpus) // cfg.num_cpus)
    return max(1, min(n, shards))


def run_ray(
    specs: Sequence[ShardSpec], ctx: JobContext, *, address: str | None = None
) -> Iterator[ShardResult | ShardFailure]:
    if not specs:
        return
    ray = import_ray()
    rc = ctx.cfg.corpus.ray
    started = connect(address or rc.address, rc)
    try:
        data_ctx = ray.data.DataContext.get_current()
        data_ctx.max_errored_blocks = len(specs)  # a shard lost with its worker must not stop the job
        actors = pool_size(rc, ray.cluster_resources(), len(specs))
        log.info("ray: %d translation actor(s), %g CPU and %g GPU each", actors, rc.num_cpus, rc.num_gpus)
        ds = _pipeline(ray, specs, ctx, actors)
        try:
            for row in ds.iter_rows():
                yield pickle.loads(row["item"])
        except PipelineError:
            raise
        except Exception as e:  # noqa: BLE001 - e.g. the translation actors cannot start (a bad model)
            raise PipelineError(f"the Ray job failed: {_last_line(e)}", "see the Ray worker logs for details") from None
    finally:
        if started:
            ray.shutdown()


def _pipeline(ray: Any, specs: Sequence[ShardSpec], ctx: JobContext, actors: int) -> Any:
    """read -> segment -> translate (actor pool) -> align -> write, one row per shard."""

    cfg, rc = ctx.cfg, ctx.cfg.corpus.ray
    task_args: dict[str, Any] = {"num_cpus": rc.task_cpus, "max_retries": rc.task_retries}
    shards_dir = Path(ctx.shards_dir)
    with warnings.catch_warnings():
        # Retries and restarts are Ray remote args, the documented way in Ray 2.x; Ray 2.60 warns that these
        # go away in 2.64 without a named replacement for them yet.
        warnings.filterwarnings("ignore", message=r"`ray_remote_args` is deprecated")
        ds = ray.data.from_items([{"item": pickle.dumps(s)} for s in specs], override_num_blocks=len(specs))
        ds = ds.map(_stage("read", lambda s: read_shard(s, cfg.corpus)), **task_args)
        ds = ds.map(_stage("segment", lambda w: segment_shard(w, ctx.components())), **task_args)
        ds = ds.map_batches(
            _actor_class(pickle.dumps(ctx)),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=rc.num_cpus,
            num_gpus=rc.num_gpus or None,
            max_restarts=rc.max_restarts,
            max_task_retries=rc.max_task_retries,
        )
        ds = ds.map(_stage("align", lambda w: link_shard(w, ctx.components())), **task_args)
        return ds.map(_stage("write", lambda w: write_shard(w, ctx.components(), shards_dir, ctx.created)), **task_args)


def _last_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(e).__name__)[:300]

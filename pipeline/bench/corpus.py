"""``bench-corpus``: sentences/s of ``translate-corpus`` with the local and the Ray engine, same model and settings.

The model is the real opus-mt-en-uk architecture (Marian 6+6 layers, 512 wide) **with random weights**
around its real tokenizer (:func:`pipeline.bench.translation.build_model`; no OPUS-MT weights can be
downloaded here), so its output is not a translation: every sentence is decoded to exactly ``out_tokens``
target tokens (min = max) so that both engines do the same work. Alignment is the length aligner and the
quality checks are off, so the figures are about translation and the engines' overheads.

The engines are compared on equal resources: 1 local worker against 1 Ray actor (``threads`` CPU threads
each), then, with N = ``actors`` (default: CPUs / threads) above 1, N x ``threads`` cores each: the local
engine has one worker, which then gets N x ``threads`` threads, against N Ray actors of ``threads``
threads. A local Ray cluster is started (outside the clock) with the actors' CPUs plus one slot for the
light read/segment/align/write tasks, which the local engine runs in its one process between shards.

With the ctranslate2 backend the model is converted once (cached in ``translate.ct2_dir``) before any
engine is timed, so no engine pays for the conversion.

Every configuration runs ``repeat`` times (3 by default), in rounds (local, ray, then again), each time
into a fresh output folder; the table gives medians and the min-max of the runs, and the ratios of the
summary line are ratios of medians. Per run it takes the wall time of the whole job (planning, Ray
actor start-up and model loads included) and the steady throughput of one translation worker: the
sentences divided by the seconds its translate stage was busy, the figure to multiply by a number of
workers.

The engines must translate alike (:mod:`pipeline.bench.equal`): every run's pairs (its JSONL shards, in
order) are compared with the first run of the first engine of the same comparison. With equal resources
(1 worker against 1 actor, the same threads) the targets must be equal pair for pair; with N x ``threads``
cores (one worker of N x ``threads`` threads against N actors of ``threads``) the thread counts differ, which
may round differently, so the settings and the number of pairs must be equal. A difference stops the bench
(:class:`~pipeline.bench.equal.BenchMismatch`: both engines, the first differing pair and both targets).
The check reads the timed runs' own outputs, so it holds for exactly what was timed; the first round's
comparison stops the bench before any later round is timed.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.bench import median
from pipeline.bench.equal import Decoded, require_same
from pipeline.config import Config

log = logging.getLogger(__name__)


class ForcedLength:
    """Translator factory (picklable, for Ray actors): the configured backend, decoding exactly ``tokens`` tokens."""

    def __init__(self, cfg: Config, tokens: int) -> None:
        self.cfg = cfg
        self.tokens = tokens

    def __call__(self) -> Any:
        from pipeline.translate import get_translator

        assert self.cfg.lang is not None
        tr: Any = get_translator(self.cfg.translate.model_copy(update={"cache": False}), self.cfg.lang)
        tr.min_new_tokens = self.tokens  # a BatchedTranslator's benchmark knob (never behind the cache here)
        return tr


@dataclass(frozen=True)
class Run:
    """One timed run of one engine configuration."""

    wall: float
    busy: float  # seconds the translate stages were busy, summed over workers
    load: float  # mean model load time per worker
    loads: int  # workers that loaded the model
    sentences: int
    sources: tuple[str, ...] = ()  # the run's pairs, in shard order: source and target texts
    targets: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.sentences / self.wall if self.wall else 0.0

    @property
    def per_worker(self) -> float:
        return self.sentences / self.busy if self.busy else 0.0


@dataclass(frozen=True)
class EngineRow:
    engine: str
    workers: int
    threads: int  # per worker
    device: str
    runs: tuple[Run, ...]

    @property
    def cores(self) -> int:
        return self.workers * self.threads

    @property
    def sentences(self) -> int:
        return self.runs[0].sentences if self.runs else 0

    @property
    def wall(self) -> float:
        return median(r.wall for r in self.runs)

    @property
    def rate(self) -> float:
        """Median sentences/s of the whole job."""
        return median(r.rate for r in self.runs)

    @property
    def rate_min(self) -> float:
        return min((r.rate for r in self.runs), default=0.0)

    @property
    def rate_max(self) -> float:
        return max((r.rate for r in self.runs), default=0.0)

    @property
    def per_worker(self) -> float:
        """Median per-worker sentences/s."""
        return median(r.per_worker for r in self.runs)

    @property
    def load(self) -> float:
        return median(r.load for r in self.runs)


@dataclass
class CorpusBench:
    sentences: int
    out_tokens: int
    beams: int
    backend: str
    repeat: int = 1
    rows: list[EngineRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        head = (
            f"translate-corpus throughput: random-weight opus-mt-en-uk architecture (not translations), "
            f"{self.sentences} sentences, {self.out_tokens} target tokens each, beam {self.beams}, "
            f"backend {self.backend}; each configuration run {self.repeat} time(s): medians, min-max"
        )
        cols = (
            f"{'engine':<7} {'workers':>7} {'threads':>7} {'cores':>5} {'device':<8} {'sents':>6} {'runs':>4} "
            f"{'wall s':>7} {'sents/s':>8} {'min-max sents/s':>16} {'per-worker sents/s':>18} {'model load s':>12}"
        )
        lines = [head, "", cols, "-" * len(cols)]
        for r in self.rows:
            spread = f"{r.rate_min:.2f}-{r.rate_max:.2f}"
            lines.append(
                f"{r.engine:<7} {r.workers:>7} {r.threads:>7} {r.cores:>5} {r.device:<8} {r.sentences:>6} "
                f"{len(r.runs):>4} {r.wall:>7.1f} {r.rate:>8.2f} {spread:>16} {r.per_worker:>18.2f} {r.load:>12.1f}"
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def final_line(self) -> str:
        """Median sentences/s per engine and the ray/local ratio of the medians, per number of cores."""
        parts: list[str] = []
        for cores in dict.fromkeys(r.cores for r in self.rows):
            rates = {r.engine: r.rate for r in self.rows if r.cores == cores}
            tag = "" if cores == min(r.cores for r in self.rows) else f"_{cores}_cores"
            parts += [f"{k}{tag}_sentences_per_s={v:.2f}" for k, v in rates.items()]
            if rates.get("local") and rates.get("ray"):
                parts.append(f"ray_vs_local{tag}={rates['ray'] / rates['local']:.2f}")
        return " ".join(parts)


def run_corpus_bench(
    *,
    sentences: int = 400,
    out_tokens: int = 20,
    beams: int = 4,
    backend: str = "transformers",
    threads: int = 1,
    engines: tuple[str, ...] = ("local", "ray"),
    actors: int | None = None,
    ray_address: str | None = None,
    device: str = "auto",
    num_gpus: float = 0.0,
    shard_records: int = 50,
    quick: bool = False,
    repeat: int = 3,
) -> CorpusBench:
    from pipeline.bench.translation import build_model, make_sentences
    from pipeline.config import load_config

    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    result = CorpusBench(sentences, out_tokens, beams, backend, repeat)
    n = actors or max(1, (os.cpu_count() or 1) // threads)
    sizes = [1] if n == 1 else [1, n]  # 1 worker vs 1 actor, then N x threads cores each
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-corpus-") as tmp:
        root = Path(tmp)
        model = build_model(root / "model", quick=quick)
        data = root / "input.txt"
        data.write_text("\n".join(make_sentences(sentences)) + "\n", encoding="utf-8")

        def config(engine: str, workers: int) -> Config:
            # local: one worker with all the cores as threads; ray: `workers` actors of `threads` threads
            worker_threads = threads * workers if engine == "local" else threads
            overrides = [
                f"translate.model={model}",
                f"translate.backend={backend}",
                f"translate.num_beams={beams}",
                f"translate.max_new_tokens={out_tokens}",
                f"translate.threads={worker_threads}",
                f"translate.device={device}",
                f"translate.ct2_dir={root / 'ct2'}",
                "translate.cache=false",
                "align.aligner=length",
                "corpus.qa=false",
                f"corpus.shard_records={shard_records}",
                "corpus.formats=[jsonl]",
                f"corpus.ray.num_cpus={threads}",
                f"corpus.ray.num_gpus={num_gpus}",
                f"corpus.ray.actors={workers}",
            ]
            return load_config(lang="uk", overrides=overrides)

        if backend == "ctranslate2":  # the one-time conversion, cached in ct2_dir: before any clock
            t0 = time.perf_counter()
            cfg = config("local", 1)
            ForcedLength(cfg, out_tokens)()
            result.notes.append(
                f"model converted to CTranslate2 once, before any engine was timed ({time.perf_counter() - t0:.1f}s "
                "with the first load); every worker loads the cached conversion"
            )
        cluster = _Cluster(ray_address)
        try:
            for workers in sizes:
                if "ray" in engines:
                    cluster.ensure(workers * threads + 1)
                runs: dict[str, list[Run]] = {e: [] for e in engines}
                devices: dict[str, set[str]] = {e: set() for e in engines}
                for round_ in range(1, repeat + 1):
                    for engine in engines:
                        cfg = config(engine, workers)
                        out = root / f"out-{engine}-{workers}-{round_}"  # fresh: a rerun would resume
                        run, used = _timed_run(cfg, data, out, engine, ray_address, out_tokens)
                        first = runs[engines[0]][0] if runs[engines[0]] else run
                        _require_alike(first, run, engines[0], engine, config(engines[0], workers), cfg, workers)
                        runs[engine].append(run)
                        devices[engine] |= used
                        log.info(
                            "%s, %d core(s), run %d/%d: %.1fs, %.2f sentences/s",
                            engine, workers * threads, round_, repeat, run.wall, run.rate,
                        )  # fmt: skip
                for engine in engines:
                    worker_threads = threads * workers if engine == "local" else threads
                    count = workers if engine == "ray" else 1
                    result.rows.append(
                        EngineRow(engine, count, worker_threads, ",".join(sorted(devices[engine])), tuple(runs[engine]))
                    )
                    loaded = sorted({r.loads for r in runs[engine]})
                    if engine == "ray" and loaded != [count]:
                        result.notes.append(f"ray, {count} actor(s): {loaded} of them translated a shard")
        finally:
            cluster.stop()
    return result


def _settings(cfg: Config) -> dict[str, Any]:
    t = cfg.translate
    return {
        "backend": t.backend,
        "model": t.model,
        "num_beams": t.num_beams,
        "max_new_tokens": t.max_new_tokens,
        "max_length_factor": t.max_length_factor,
        "compute_type": t.compute_type,
    }


def _require_alike(first: Run, run: Run, first_engine: str, engine: str, a: Config, b: Config, workers: int) -> None:
    """``run`` must have translated what ``first`` did: the same settings and pairs; with one worker each (the
    same threads) the same target for every pair. Runs without pairs (a test's stand-in) are not compared."""
    if not first.targets and not run.targets:
        return
    require_same(
        Decoded(f"{first_engine} engine", _settings(a), first.targets, None, first.sources),
        Decoded(f"{engine} engine", _settings(b), run.targets, None, run.sources),
        exact=workers == 1,
        what=f"{workers} worker(s)",
    )


def _pairs(out: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Source and target of every pair a run wrote, shard by shard (``<out>/shards/*.jsonl``, pairs only)."""
    sources: list[str] = []
    targets: list[str] = []
    for shard in sorted((out / "shards").glob("*.en-*.jsonl")):
        for line in shard.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                sources.append(str(record.get("src", "")))
                targets.append(str(record.get("tgt", "")))
    return tuple(sources), tuple(targets)


def _timed_run(
    cfg: Config, data: Path, out: Path, engine: str, ray_address: str | None, out_tokens: int
) -> tuple[Run, set[str]]:
    from pipeline.corpus.job import run_corpus

    t0 = time.perf_counter()
    report = run_corpus(
        cfg, data, out, engine=engine, ray_address=ray_address, translator_factory=ForcedLength(cfg, out_tokens)
    )
    wall = time.perf_counter() - t0
    log.info("%s", report.summary())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = [s["result"] for s in manifest["shards"] if s["result"]]
    busy = sum(r["seconds"].get("translate", 0.0) for r in done)
    loads = [r["seconds"]["model_load"] for r in done if "model_load" in r["seconds"]]
    load = sum(loads) / len(loads) if loads else 0.0
    sources, targets = _pairs(out)
    return Run(wall, busy, load, len(loads), report.sentences_now, sources, targets), {r["device"] for r in done}


class _Cluster:
    """The benchmark's local Ray cluster: started outside the clock, sized per comparison (the actors' CPUs
    plus one task slot). Left alone when the benchmark joins a cluster (``ray_address``) or the caller had
    already started Ray."""

    def __init__(self, address: str | None) -> None:
        self.borrowed = address is not None
        self.cpus: float | None = None  # of the cluster we started

    def ensure(self, cpus: float) -> None:
        if self.borrowed or self.cpus == cpus:
            return
        from pipeline.corpus.ray_engine import import_ray

        ray = import_ray()
        if self.cpus is None and ray.is_initialized():
            self.borrowed = True
            return
        self.stop()
        ray.init(
            num_cpus=cpus,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}},
        )
        self.cpus = cpus

    def stop(self) -> None:
        if self.cpus is not None:
            from pipeline.corpus.ray_engine import import_ray

            import_ray().shutdown()
            self.cpus = None

"""``bench-corpus``: sentences/s of ``translate-corpus`` with the local and the Ray engine, same model and settings.

The model is the real opus-mt-en-uk architecture (Marian 6+6 layers, 512 wide) **with random weights**
around its real tokenizer (:func:`pipeline.bench.translation.build_model`; no OPUS-MT weights can be
downloaded here), so its output is not a translation: every sentence is decoded to exactly ``out_tokens``
target tokens (min = max) so that both engines do the same work. Alignment is the length aligner and the
quality checks are off, so the figures are about translation and the engines' overheads.

Per engine it reports the wall time of the whole job (planning, Ray start-up and actor model loads
included) and the steady throughput of one translation worker: the sentences divided by the seconds its
translate stage was busy, the figure to multiply by a number of workers.
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
        tr = get_translator(self.cfg.translate, self.cfg.lang)
        inner: Any = getattr(tr, "inner", tr)
        inner.min_new_tokens = self.tokens
        return tr


@dataclass(frozen=True)
class EngineRow:
    engine: str
    workers: int
    threads: int
    device: str
    sentences: int
    wall: float
    busy: float  # seconds the translate stages were busy, summed over workers
    load: float  # mean model load time per worker

    @property
    def rate(self) -> float:
        return self.sentences / self.wall if self.wall else 0.0

    @property
    def per_worker(self) -> float:
        return self.sentences / self.busy if self.busy else 0.0


@dataclass
class CorpusBench:
    sentences: int
    out_tokens: int
    beams: int
    backend: str
    rows: list[EngineRow] = field(default_factory=list)

    def table(self) -> str:
        head = (
            f"translate-corpus throughput: random-weight opus-mt-en-uk architecture (not translations), "
            f"{self.sentences} sentences, {self.out_tokens} target tokens each, beam {self.beams}, "
            f"backend {self.backend}"
        )
        cols = (
            f"{'engine':<7} {'workers':>7} {'threads':>7} {'device':<8} {'sents':>6} {'wall s':>7} "
            f"{'sents/s':>8} {'per-worker sents/s':>18} {'model load s':>12}"
        )
        lines = [head, "", cols, "-" * len(cols)]
        for r in self.rows:
            lines.append(
                f"{r.engine:<7} {r.workers:>7} {r.threads:>7} {r.device:<8} {r.sentences:>6} {r.wall:>7.1f} "
                f"{r.rate:>8.2f} {r.per_worker:>18.2f} {r.load:>12.1f}"
            )
        return "\n".join(lines)

    def final_line(self) -> str:
        rates = {r.engine: r.rate for r in self.rows}
        parts = [f"{k}_sentences_per_s={v:.2f}" for k, v in rates.items()]
        if rates.get("local") and rates.get("ray"):
            parts.append(f"ray_vs_local={rates['ray'] / rates['local']:.2f}")
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
) -> CorpusBench:
    from pipeline.bench.translation import build_model, make_sentences
    from pipeline.config import load_config
    from pipeline.corpus.job import run_corpus

    result = CorpusBench(sentences, out_tokens, beams, backend)
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-corpus-") as tmp:
        root = Path(tmp)
        model = build_model(root / "model", quick=quick)
        data = root / "input.txt"
        data.write_text("\n".join(make_sentences(sentences)) + "\n", encoding="utf-8")
        workers = actors or max(1, (os.cpu_count() or 1) // threads)
        overrides = [
            f"translate.model={model}",
            f"translate.backend={backend}",
            f"translate.num_beams={beams}",
            f"translate.max_new_tokens={out_tokens}",
            f"translate.threads={threads}",
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
        cfg = load_config(lang="uk", overrides=overrides)
        started = False
        for engine in engines:
            if engine == "ray" and ray_address is None:
                from pipeline.corpus.ray_engine import import_ray

                ray = import_ray()
                if not ray.is_initialized():  # a slot beyond the actors' CPUs for the light stages
                    ray.init(
                        num_cpus=workers * threads + 1,
                        include_dashboard=False,
                        log_to_driver=False,
                        logging_level=logging.WARNING,
                        runtime_env={"env_vars": {"PYTHONPATH": os.environ.get("PYTHONPATH", "")}},
                    )
                    started = True
            out = root / f"out-{engine}"
            t0 = time.perf_counter()
            report = run_corpus(
                cfg, data, out, engine=engine, ray_address=ray_address, translator_factory=ForcedLength(cfg, out_tokens)
            )
            wall = time.perf_counter() - t0
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
            done = [s["result"] for s in manifest["shards"] if s["result"]]
            busy = sum(r["seconds"].get("translate", 0.0) for r in done)
            loads = [r["seconds"]["model_load"] for r in done if "model_load" in r["seconds"]]
            devices = sorted({r["device"] for r in done})
            result.rows.append(
                EngineRow(
                    engine,
                    len(loads) if engine == "ray" else 1,
                    threads,
                    ",".join(devices),
                    report.sentences_now,
                    wall,
                    busy,
                    sum(loads) / len(loads) if loads else 0.0,
                )
            )
            log.info("%s", report.summary())
        if started:
            from pipeline.corpus.ray_engine import import_ray

            import_ray().shutdown()
    return result

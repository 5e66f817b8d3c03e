"""End-to-end lines of ``python -m pipeline bench``: whole ``translate`` runs of the seed, per backend, without
and with bounded decoding.

Each run is ``python -m pipeline translate --lang uk --model MODEL --input tests/data/seed.en.txt
--no-cache --out TMP`` in a child process, with the run's defaults otherwise (beam 4, ``check_links`` on,
the library's thread count) and a fresh ``translate.ct2_dir``, so that the ctranslate2 run converts the
model as a first run does. Per backend, first "before" (``translate.max_length_factor=null``: every unit may
run to ``max_new_tokens``), then "after" (the configured factor, 3.0 by default): on the random-weight model,
which never ends a unit on its own, the difference is what bounded decoding saves on looping units.
Measured from outside:

- wall seconds of the child, start to exit (Python start-up, imports, model load, conversion included);
- peak RSS of the largest process of the run (``os.wait4``'s ``ru_maxrss`` of that child: the
  translating process, or its conversion child if that was larger; what ``/usr/bin/time -v`` reports);
- peak RSS of the whole process tree, summed, sampled every 20 ms from ``/proc`` (Linux; the
  conversion child and the translating process together).

The run's own report (``*.report.json``) gives the split of its time; the line shows its translate and
link (``check_links``: embedder load, embedding, alignment search) seconds where the report has them, and
the target tokens it generated (from the run's summary line on stderr).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import repo_root

SEED = Path("tests") / "data" / "seed.en.txt"
BACKENDS = ("transformers", "ctranslate2")
#: per backend: "before" (no length factor) and "after" (None: the default of ``translate.max_length_factor``)
FACTORS: tuple[str | None, ...] = ("null", None)
#: the translate command's summary line (``TranslateStats.summary``), read from the child's stderr
_SUMMARY = re.compile(r"translated \d+ sentences \(\d+ cache hits\): (\d+) target tokens in ([\d.]+)s")


@dataclass(frozen=True)
class EndToEnd:
    """One whole ``translate`` run, measured from outside."""

    backend: str
    seconds: float  # wall, start to exit
    peak_rss_kib: int  # largest process of the run (ru_maxrss)
    tree_rss_kib: int | None  # summed RSS of the process tree, sampled (None off Linux)
    returncode: int
    sentences: int | None = None  # from the run's report
    stages: tuple[tuple[str, float], ...] = ()  # seconds per step, from the run's report
    max_new_tokens: int | None = None
    error: str = ""  # the run's last stderr line when it failed
    factor: str | None = None  # translate.max_length_factor as set ("null": off), None: the config's default
    target_tokens: int | None = None  # generated target tokens, from the run's summary line

    def stage(self, name: str) -> float | None:
        return dict(self.stages).get(name)

    @property
    def label(self) -> str:
        """``<backend>`` or ``<backend> max_length_factor=<F>``."""
        return self.backend + (f" max_length_factor={self.factor}" if self.factor else "")

    def line(self) -> str:
        """``e2e <label>: ...`` with wall seconds and peak RSS (and the translate / link split, target tokens)."""
        if self.returncode != 0:
            return f"e2e {self.label}: failed (exit status {self.returncode}) after {self.seconds:.1f} s: {self.error}"
        tree = f", whole tree {self.tree_rss_kib / 1024:.0f} MiB" if self.tree_rss_kib else ""
        parts = [
            f"e2e {self.label}: {self.sentences if self.sentences is not None else '?'} sentences",
            f"wall {self.seconds:.1f} s",
            f"peak RSS {self.peak_rss_kib / 1024:.0f} MiB (largest process{tree})",
        ]
        translate, link = self.stage("translate"), self.stage("link")
        if translate is not None and link is not None:
            share = f" ({100 * link / translate:.0f}% of translate)" if translate > 0 else ""
            parts.append(f"translate {translate:.1f} s, check_links {link:.1f} s{share}")
        if self.target_tokens is not None:
            parts.append(f"{self.target_tokens} target tokens")
        return ", ".join(parts)


def _tree_rss_kib(root: int, *, include_root: bool = True) -> int:
    """Summed VmRSS (KiB) of ``root`` (unless not ``include_root``) and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root] if include_root else list(children.get(root, []))
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError):
            pass
        todo += children.get(pid, [])
    return total


#: A small Python process between us and the measured command. ``ru_maxrss`` of a child counts the pages
#: of the process that started it (fork and exec keep the old high-water mark), so a command started by
#: this (large) process would report at least this process's size; started by the wrapper it reports its
#: own. The wrapper writes the command's exit status and RUSAGE_CHILDREN ru_maxrss to the file argv[1].
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{rc} {usage.ru_maxrss}')\n"
)


def measure(
    cmd: Sequence[str], *, cwd: Path | None = None, timeout: float | None = None, stderr: list[str] | None = None
) -> tuple[int, float, int, int | None, str]:
    """Run ``cmd``: (exit status, wall seconds, ru_maxrss KiB of its largest process, sampled peak KiB of
    its whole process tree or None off Linux, the last line of its stderr); every stderr line is appended
    to ``stderr`` when given."""
    sample = sys.platform.startswith("linux") and os.path.isdir("/proc")
    with tempfile.TemporaryDirectory(prefix="pipeline-e2e-") as tmp:
        answer = Path(tmp) / "usage"
        with open(Path(tmp) / "stderr", "w+b") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-c", _WRAPPER, str(answer), *cmd],
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,  # its own process group: a timeout ends the command and its children
            )
            peak = [0]
            done = threading.Event()

            def sampler() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], _tree_rss_kib(proc.pid, include_root=False))
                    done.wait(0.02)

            watcher = threading.Thread(target=sampler, name="e2e-rss", daemon=True)
            if sample:
                watcher.start()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            finally:
                done.set()
            seconds = time.perf_counter() - t0
            if sample:
                watcher.join()
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()
            if stderr is not None:
                stderr += tail
        try:
            rc_text, maxrss_text = answer.read_text(encoding="utf-8").split()
            rc, maxrss = int(rc_text), int(maxrss_text)
        except (OSError, ValueError):  # the wrapper itself was killed (timeout)
            rc, maxrss = proc.returncode or -9, 0
    if sys.platform == "darwin":
        maxrss //= 1024  # bytes there
    return rc, seconds, maxrss, (peak[0] or None) if sample else None, tail[-1] if tail else ""


def run_translate(
    model: Path,
    backend: str,
    *,
    work: Path,
    max_new_tokens: int | None = None,
    factor: str | None = None,
    extra: Sequence[str] = (),
    timeout: float | None = None,
) -> EndToEnd:
    """One ``python -m pipeline translate`` of the seed into Ukrainian with ``backend``, measured
    (``factor``: ``translate.max_length_factor`` as a ``--set`` value; None: the config's)."""
    tag = f"{backend}-{factor or 'default'}"
    out = work / f"out-{tag}"
    ct2_dir = work / f"ct2-{tag}"  # fresh: the first run's conversion is part of the measurement
    cmd = [
        sys.executable, "-m", "pipeline", "translate",
        "--lang", "uk", "--model", str(model), "--input", str(repo_root() / SEED), "--out", str(out), "--no-cache",
        "--set", f"translate.backend={backend}",
        "--set", f"translate.ct2_dir={ct2_dir}",
        "--set", "qa.fail_wrong_language_ratio=null",  # random weights: not Ukrainian, and that is not the point
    ]  # fmt: skip
    if max_new_tokens:
        cmd += ["--set", f"translate.max_new_tokens={max_new_tokens}"]
    if factor is not None:
        cmd += ["--set", f"translate.max_length_factor={factor}"]
    for item in extra:
        cmd += ["--set", item]
    lines: list[str] = []
    rc, seconds, maxrss, tree, last = measure(cmd, cwd=repo_root(), timeout=timeout, stderr=lines)
    found = [m for m in map(_SUMMARY.search, lines) if m]
    target_tokens = int(found[-1][1]) if found else None
    sentences: int | None = None
    stages: tuple[tuple[str, float], ...] = ()
    reports = sorted(out.glob("*.report.json")) if out.is_dir() else []
    if reports:
        try:
            report = json.loads(reports[0].read_text(encoding="utf-8"))
            sentences = int(report.get("sentences"))
            seconds_by_step = (report.get("profile") or {}).get("seconds") or {}
            stages = tuple((str(k), float(v)) for k, v in seconds_by_step.items())
        except (OSError, ValueError, TypeError, AttributeError):
            pass
    error = "" if rc == 0 else last
    return EndToEnd(backend, seconds, maxrss, tree, rc, sentences, stages, max_new_tokens, error, factor, target_tokens)


def run_end_to_end(
    model: Path,
    *,
    backends: Sequence[str] = BACKENDS,
    factors: Sequence[str | None] = FACTORS,
    max_new_tokens: int | None = None,
    extra: Sequence[str] = (),
    timeout: float | None = None,
    done: Callable[[EndToEnd], None] | None = None,
) -> list[EndToEnd]:
    """One measured ``translate`` of the seed per backend and length factor, one after the other (nothing else
    running); ``done`` is called with each run's result as it ends."""
    from pipeline.translate.config import TranslateConfig

    default = TranslateConfig.model_fields["max_length_factor"].default
    factors = [f if f is not None else ("null" if default is None else f"{default:g}") for f in factors]
    results: list[EndToEnd] = []
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-e2e-") as tmp:
        for b in backends:
            for f in factors:
                r = run_translate(
                    model, b, work=Path(tmp), max_new_tokens=max_new_tokens, factor=f, extra=extra, timeout=timeout
                )
                results.append(r)
                if done is not None:
                    done(r)
    return results


def header(results: Sequence[EndToEnd]) -> str:
    tokens = next((r.max_new_tokens for r in results if r.max_new_tokens), None)
    return (
        f"end-to-end: python -m pipeline translate of {SEED.as_posix()} into uk in a child process, --no-cache, "
        f"check_links on, beam 4, max_new_tokens {tokens or 'default (256)'}, default threads, "
        "ctranslate2 converting the model first (a first run); per backend without the length factor "
        "(max_length_factor=null) and with the default one"
    )

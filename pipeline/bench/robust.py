"""``python -m pipeline bench-robust``: how well degenerate translations are found and repaired, and what it costs.

A real backend (the tiny copying MarianMT model of ``tests/tiny_models.py`` on the transformers backend) is wrapped
by :class:`Injector`, which corrupts the *first* decode of chosen units at known rates, one fault class each:

- ``loop``: the output's last words repeated over and over (a decoding loop);
- ``truncation``: the second half of the output dropped (an early ``</s>``);
- ``copy``: the source given back as the output;
- ``other_cyrillic``: the output in the other Cyrillic language's letters (Russian for a Ukrainian run);
- ``empty``: nothing.

The faults model decoding failures: every later decode of the unit (the repair ladder's, with its own settings,
and the parts of a split unit) goes to the real model unchanged, so a unit counts as repaired only when decoding
it again really gives an output that passes the checks. The copying model gives back its (English) input; the
bench reads every output of the model through one fixed transliteration into Ukrainian letters (:func:`render`),
which stands for a translation, so that a clean output passes the checks and a fault is what the injector put in.

Per class the bench reports detection precision and recall (a unit is detected when its first output carries the
class's flag: ``repetition``, ``length_ratio``, ``identical``, ``wrong_language``, ``empty_target``; a clean unit
with that flag is a false alarm) and the share repaired (its final pair carries no flag of
``translate.repair.flags``). A random-weight model of the opus-mt-en-uk architecture (as ``bench`` builds) adds
its own loops, measured the same way. The ladder's cost is timed on a clean run (no fault injected): translate,
repair and link with the ladder against the same without it, in CPU seconds of this process (one thread:
``translate.threads=1``), so that other work on a shared machine does not move the ratio.
"""

from __future__ import annotations

import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config, load_config, repo_root
from pipeline.errors import ConfigError
from pipeline.translate.base import Batches, Decoding, Output, TranslateStats, Translator

log = logging.getLogger(__name__)

FAULTS = ("loop", "truncation", "copy", "other_cyrillic", "empty")
#: the flag that detects each fault class
FLAG_OF = {
    "loop": "repetition",
    "truncation": "length_ratio",
    "copy": "identical",
    "other_cyrillic": "wrong_language",
    "empty": "empty_target",
}
SETTINGS = [
    "translate.cache=false",
    "translate.threads=1",
    "translate.compute_type=float32",  # ctranslate2: int8 weights make the tiny copying model loop on its own
    "check_links=false",  # no embedder: the ladder's flags do not depend on the aligner's check
    "align.aligner=length",
    "qa.wrong_language.use_lid=false",  # the transliteration is not a language fastText knows: script signals only
    "qa.fail_wrong_language_ratio=null",
]
_UK = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "абцдефгхіжклмнопкрстувшксзАБЦДЕФГХІЖКЛМНОПКРСТУВШКСЗ"
)
#: Russian letters: the marks of Russian (ы э ё) and none of Ukrainian's own (і ї є ґ)
_RU = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "абцдэфгхижклмнёпкрстувшксыАБЦДЭФГХИЖКЛМНЁПКРСТУВШКСЫ"
)


def render(text: str) -> str:
    """The copying model's output read as a Ukrainian translation (one fixed letter-for-letter transliteration)."""
    return text.translate(_UK)


def corrupt(kind: str, source: str, clean: str) -> str:
    """``clean`` (the real first output) with fault ``kind`` (:data:`FAULTS`)."""
    if kind == "loop":
        words = clean.rstrip(".!?").split()
        letters = [w for w in words if w.isalpha()] or ["так"]  # a repeated number is not a loop to the check
        tail = " ".join(letters[-2:])
        return " ".join([*words, *[tail] * 6])
    if kind == "truncation":
        cut = clean.rfind(" ", 0, len(clean) * 2 // 5)
        return clean[: cut if cut > 0 else len(clean) // 2].rstrip(" ,;:")
    if kind == "copy":
        return source
    if kind == "other_cyrillic":
        return source.translate(_RU)
    if kind == "empty":
        return ""
    raise ValueError(f"unknown fault {kind!r}")


class Injector:
    """A backend that corrupts the first decode of the units of ``plan`` (source text -> fault class) and passes
    everything else to ``inner``, every output read through :func:`render`."""

    def __init__(self, inner: Translator, plan: dict[str, str]) -> None:
        self.inner = inner
        self.plan = plan
        self.decoded: set[str] = set()
        self.name = f"{inner.name}+faults"
        self.model_id = inner.model_id
        self.model_revision = inner.model_revision
        self.device = inner.device
        self.prefix = inner.prefix
        self.stats: TranslateStats = inner.stats

    def translate(self, texts: Sequence[str]) -> list[Output]:
        outs = self.inner.translate(texts)
        got = []
        for t, o in zip(texts, outs, strict=True):
            text = render(o.text)
            if t in self.plan and t not in self.decoded:
                text = corrupt(self.plan[t], t, text)
            self.decoded.add(t)
            got.append(Output(text, o.score, o.error))
        return got

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        got = self.inner.translate_with(texts, decoding)
        if got is None:
            return None
        self.decoded.update(texts)
        return [[Output(render(o.text), o.score, o.error) for o in hyps] for hyps in got]

    def translate_iter(self, texts: Sequence[str], skip: Collection[int] = ()) -> Batches:
        todo = [j for j in range(len(texts)) if j not in set(skip)]
        if todo:
            yield todo, self.translate([texts[j] for j in todo])

    def count_tokens(self, texts: Sequence[str]) -> list[int] | None:
        return self.inner.count_tokens(texts)

    def cache_settings(self) -> dict[str, Any] | None:
        return None


@dataclass
class ClassResult:
    """One fault class: units injected, detected (with its flag), false alarms on clean units, repaired."""

    kind: str
    injected: int = 0
    detected: int = 0
    false_alarms: int = 0
    repaired: int = 0
    steps: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        flagged = self.detected + self.false_alarms
        return self.detected / flagged if flagged else (1.0 if not self.injected else 0.0)

    @property
    def recall(self) -> float:
        return self.detected / self.injected if self.injected else 1.0

    @property
    def repaired_share(self) -> float:
        return self.repaired / self.injected if self.injected else 1.0

    def line(self) -> str:
        steps = ", ".join(f"{k} {v}" for k, v in sorted(self.steps.items()))
        return (
            f"robust {self.kind}: {self.injected} injected, detected {self.detected} ({FLAG_OF[self.kind]}), "
            f"{self.false_alarms} false alarms: P {self.precision:.2f} R {self.recall:.2f}; repaired "
            f"{self.repaired} ({self.repaired_share:.2f}{'; ' + steps if steps else ''})"
        )


@dataclass
class RobustResult:
    classes: list[ClassResult]
    clean_units: int
    clean_flagged: int
    base: str = ""  # the random-weight model's line
    seconds_off: float = 0.0
    seconds_on: float = 0.0
    overhead_flagged: int = 0

    @property
    def overhead(self) -> float:
        return self.seconds_on / self.seconds_off if self.seconds_off else 0.0

    def final_line(self) -> str:
        by = {c.kind: c for c in self.classes}
        return (
            f"robust detect_p={min(c.precision for c in self.classes):.2f} "
            f"detect_r={min(c.recall for c in self.classes):.2f} "
            f"repaired_loop={by['loop'].repaired_share:.2f} repaired_truncation={by['truncation'].repaired_share:.2f} "
            f"overhead={self.overhead:.2f}"
        )


def make_plan(sentences: Sequence[str], rate: float, seed: int) -> dict[str, str]:
    """Each fault class on ``rate`` of the sentences (at least one each), chosen at random with ``seed``."""
    rng = random.Random(seed)
    order = list(dict.fromkeys(sentences))
    rng.shuffle(order)
    per = max(1, round(rate * len(order)))
    plan: dict[str, str] = {}
    for n, kind in enumerate(FAULTS):
        for s in order[n * per : (n + 1) * per]:
            plan[s] = kind
    return plan


def _document(sentences: Sequence[str], per_paragraph: int = 8) -> str:
    paras = [" ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)]
    return "\n\n".join(paras) + "\n"


def unit_texts(cfg: Config, sentences: Sequence[str]) -> list[str]:
    """What the model is given for the document of ``sentences`` (its segmentation may join or cut sentences)."""
    from pipeline.components import Components
    from pipeline.document import plan_units

    parts = Components.build(cfg)
    return [u.text for u in plan_units(parts.segment(_document(sentences)), parts.linker, None)]


def measure(
    cfg: Config, translator: Translator, sentences: Sequence[str], plan: dict[str, str]
) -> tuple[list[ClassResult], int, int]:
    """Inject ``plan`` into one document of ``sentences``, detect, repair; per class what happened."""
    from pipeline.components import Components

    injector = Injector(translator, plan)
    parts = Components.build(cfg)
    seg = parts.segment(_document(sentences))
    units = parts.plan(seg, injector)
    first = parts.translate(injector, [u.text for u in units]).outputs
    flagged_first = parts.link(seg, units, first).pairs
    fixed = parts.repair(injector, seg, units, [() for _ in units], None, first)
    final = parts.link(seg, units, fixed.outputs, notes=fixed.notes).pairs
    wanted = set(cfg.translate.repair.flags)
    results = {k: ClassResult(k) for k in FAULTS}
    clean_units = clean_flagged = 0
    for p0, p1 in zip(flagged_first, final, strict=True):
        kind = plan.get(p0.src)
        if kind is None:
            clean_units += 1
            clean_flagged += bool(wanted & set(p0.flags))
            for k, r in results.items():
                r.false_alarms += FLAG_OF[k] in p0.flags
            continue
        r = results[kind]
        r.injected += 1
        r.detected += FLAG_OF[kind] in p0.flags
        if p1.repaired is not None and not wanted & set(p1.flags):
            r.repaired += 1
            r.steps[p1.repaired] = r.steps.get(p1.repaired, 0) + 1
    return list(results.values()), clean_units, clean_flagged


def time_overhead(
    cfg: Config, translator: Translator, sentences: Sequence[str], repeat: int, clock: Callable[[], float]
) -> tuple[float, float, int]:
    """Median seconds of a clean document through translate and link, without and with the ladder, in rounds;
    and the units flagged in it."""
    from pipeline.components import Components

    parts = Components.build(cfg)
    seg = parts.segment(_document(sentences))
    units = parts.plan(seg, translator)
    clean = Injector(translator, {})
    times: dict[bool, list[float]] = {False: [], True: []}
    flagged = 0
    for _ in range(repeat):
        for on in (False, True):
            t0 = clock()
            outs = parts.translate(clean, [u.text for u in units]).outputs
            notes = None
            if on:
                fixed = parts.repair(clean, seg, units, [() for _ in units], None, outs)
                outs, notes, flagged = fixed.outputs, fixed.notes, fixed.flagged
            parts.link(seg, units, outs, notes=notes)
            times[on].append(clock() - t0)
    return statistics.median(times[False]), statistics.median(times[True]), flagged


def _tiny_model(folder: Path) -> Path:
    tests = str(repo_root() / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from tiny_models import build_en_uk_model

    return Path(build_en_uk_model(folder))


def base_model_line(sentences: Sequence[str], folder: Path, extra: Sequence[str]) -> str:
    """The random-weight base model's own outputs (loops, mostly): flagged and repaired units."""
    from pipeline.bench.translation import build_model
    from pipeline.translate import get_translator

    model = build_model(folder / "base", quick=False)
    cfg = load_config(
        lang="uk",
        overrides=[*SETTINGS, f"translate.model={model}", "translate.repair.max_share=1.0", *extra],
    )
    translator = get_translator(cfg.translate, "uk")
    from pipeline.components import Components

    parts = Components.build(cfg)
    seg = parts.segment(_document(sentences))
    units = parts.plan(seg, translator)
    first = parts.translate(translator, [u.text for u in units]).outputs
    loops = sum("repetition" in p.flags for p in parts.link(seg, units, first).pairs)
    fixed = parts.repair(translator, seg, units, [() for _ in units], None, first)
    final = parts.link(seg, units, fixed.outputs, notes=fixed.notes).pairs
    wanted = set(cfg.translate.repair.flags)
    no_loop = sum(p.repaired is not None and "repetition" not in p.flags for p in final)
    clean = sum(p.repaired is not None and not wanted & set(p.flags) for p in final)
    return (
        f"robust base model (random weights, opus-mt-en-uk architecture): {len(final)} units, {loops} loops "
        f"(repetition); after the ladder {no_loop} of them without a loop, {clean} without any flag of "
        f"translate.repair.flags (its outputs are not Ukrainian)"
    )


def run_robust(
    *,
    sentences: int = 120,
    rate: float = 0.05,
    seed: int = 7,
    repeat: int = 3,
    base_sentences: int = 6,
    backend: str = "transformers",
    extra: Sequence[str] = (),
    clock: Callable[[], float] = time.process_time,
) -> RobustResult:
    """The whole benchmark (see the module docstring); ``extra``: more ``--set`` settings."""
    from pipeline.bench.translation import make_sentences
    from pipeline.translate import get_translator

    texts = make_sentences(sentences, seed=seed)
    with tempfile.TemporaryDirectory(prefix="bench-robust-") as tmp:
        folder = Path(tmp)
        model = _tiny_model(folder / "tiny")
        cfg = load_config(
            lang="uk",
            overrides=[
                *SETTINGS,
                f"translate.model={model}",
                f"translate.backend={backend}",
                f"translate.ct2_dir={folder / 'ct2'}",
                *extra,
            ],
        )
        if cfg.translate.unit != "sentence":
            raise ConfigError("bench-robust injects faults into sentence units", "leave translate.unit at sentence")
        translator = get_translator(cfg.translate, "uk")
        plan = make_plan(unit_texts(cfg, texts), rate, seed)  # over the units the model is given
        classes, clean_units, clean_flagged = measure(cfg, translator, texts, plan)
        off, on, flagged = time_overhead(cfg, translator, texts, repeat, clock)
        base = base_model_line(texts[:base_sentences], folder, extra) if base_sentences else ""
    return RobustResult(classes, clean_units, clean_flagged, base, off, on, flagged)


def report_lines(result: RobustResult) -> list[str]:
    lines = [c.line() for c in result.classes]
    lines.append(f"robust clean units: {result.clean_units}, {result.clean_flagged} flagged")
    if result.base:
        lines.append(result.base)
    lines.append(
        f"robust overhead: a clean document in {result.seconds_off:.2f} s without the ladder, "
        f"{result.seconds_on:.2f} s with it (x{result.overhead:.2f}; {result.overhead_flagged} units flagged)"
    )
    lines.append(result.final_line())
    return lines

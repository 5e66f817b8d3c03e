"""Translation throughput on the real OPUS-MT base architecture: naive vs batched transformers vs CTranslate2.

Every system decodes the same sentences with the same settings and the same number of output tokens
per sentence (min = max new tokens, no early end-of-sentence), so tokens/s compare like for like.
The model has random weights (no weights can be downloaded here) around the real opus-mt-en-uk
tokenizer in ``tests/fixtures/opus-mt-en-uk``; with ``quick`` a tiny architecture is used instead
(a smoke test, not a measurement).

Systems:
  a  naive           ``MarianMTModel.generate()`` one sentence at a time, text to text
  b  hf-batched      the pipeline's transformers backend (token-budget batches, sorted), text to text
  c  pipeline-ct2    the pipeline's ctranslate2 backend (int8 on CPU, float16 on CUDA), text to text
  d  raw-ct2         ``ctranslate2.Translator.translate_batch`` on pre-tokenized input, tokens out

Every system is timed ``repeat`` times (3 by default), in rounds (a, b, c, d, then again), so that a change
of load on the machine hits every system alike; a table row gives the median tokens/s and the min-max of
the runs, and the ratios of the summary line are ratios of medians. The CTranslate2 conversion and one
small warm-up call before each timed run are outside the clock.

Before any clock starts, the bench proves that the systems it compares do the same work
(:mod:`pipeline.bench.equal`): per decoding, each system decodes the sentences of the naive baseline once, and

- a and b (both transformers float32, the same weights): the same settings and the same text per sentence;
- c and d (the same CTranslate2 model): the same settings and the same text per sentence;
- b and c: the same settings (beam, min and max new tokens, length factor, prefix), as many outputs and
  target tokens; the same text per sentence only where CTranslate2 computes in float32 (``quick``: the tiny
  model, float32), since int8 (CTranslate2's default on CPU) rounds otherwise.

Any difference stops the bench with :class:`~pipeline.bench.equal.BenchMismatch` naming the two systems,
the first differing sentence and both outputs. After the timed runs the same checks hold for what was timed:
a's outputs against b's for the same sentences, c's against d's; and every run of a system must give the same
output (a note says when not).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.bench import median
from pipeline.bench.baselines import backend_settings, forced_settings, naive_generate, raw_ct2
from pipeline.bench.e2e import BACKENDS, EndToEnd, header, run_end_to_end
from pipeline.bench.equal import Decoded, require_same
from pipeline.config import repo_root

log = logging.getLogger(__name__)

FIXTURE = Path("tests") / "fixtures" / "opus-mt-en-uk"
SEED_SENTENCES = Path("tests") / "data" / "seed.en.txt"
TOKENIZER_FILES = ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json")
ARCH_KEYS = (
    "vocab_size",
    "d_model",
    "encoder_layers",
    "decoder_layers",
    "encoder_attention_heads",
    "decoder_attention_heads",
    "encoder_ffn_dim",
    "decoder_ffn_dim",
    "activation_function",
    "max_position_embeddings",
    "pad_token_id",
    "eos_token_id",
    "bos_token_id",
    "decoder_start_token_id",
    "scale_embedding",
    "static_position_embeddings",
)
QUICK_ARCH = dict(
    d_model=32,
    encoder_layers=1,
    decoder_layers=1,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=64,
    decoder_ffn_dim=64,
)
SYSTEMS = {
    "a": "naive generate(), 1 sentence/call",
    "b": "transformers backend, batched",
    "c": "ctranslate2 backend, text to text",
    "d": "raw ctranslate2 translate_batch",
}


@dataclass(frozen=True)
class Row:
    key: str  # a, b, c, d
    decoding: str  # beam4, greedy
    device: str
    sentences: int
    tokens: int  # target tokens of one run
    seconds: tuple[float, ...]  # one per timed run
    output: str = ""  # digest of what the system decoded (the same in every run)

    @property
    def runs(self) -> int:
        return len(self.seconds)

    @property
    def rates(self) -> list[float]:
        return [self.tokens / s if s > 0 else 0.0 for s in self.seconds]

    @property
    def rate(self) -> float:
        """Median tokens/s over the runs."""
        return median(self.rates)

    @property
    def rate_min(self) -> float:
        return min(self.rates, default=0.0)

    @property
    def rate_max(self) -> float:
        return max(self.rates, default=0.0)

    @property
    def median_seconds(self) -> float:
        return median(self.seconds)


@dataclass
class BenchResult:
    device: str
    threads: int | None
    out_tokens: int
    sentences: int
    repeat: int = 1
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    end_to_end: list[EndToEnd] = field(default_factory=list)  # whole translate runs of the seed, per backend

    def rate(self, key: str, decoding: str) -> float:
        """The median tokens/s of system ``key``."""
        return next((r.rate for r in self.rows if r.key == key and r.decoding == decoding), 0.0)

    def ratios(self, decoding: str) -> dict[str, float]:
        """c's median tokens/s over a's, b's and d's medians."""
        c = self.rate("c", decoding)

        def div(x: float) -> float:
            return c / x if x > 0 else float("nan")

        return {
            "speedup_vs_naive": div(self.rate("a", decoding)),
            "speedup_vs_hf_batched": div(self.rate("b", decoding)),
            "vs_raw_ctranslate2": div(self.rate("d", decoding)),
        }

    def table(self) -> str:
        head = (
            f"translation throughput: random-weight OPUS-MT base (opus-mt-en-uk architecture and tokenizer), "
            f"{self.sentences} sentences, {self.out_tokens} target tokens each (min = max), "
            f"threads={self.threads if self.threads else 'default'}, device={self.device}; "
            f"each system timed {self.repeat} time(s): median tokens/s, min-max"
        )
        cols = (
            f"{'system':<38} {'decoding':<8} {'device':<12} {'sents':>6} {'tokens':>7} {'runs':>4} "
            f"{'median s':>8} {'tok/s':>8} {'min-max tok/s':>17}"
        )
        lines = [head, "", cols, "-" * len(cols)]
        for r in self.rows:
            spread = f"{r.rate_min:.1f}-{r.rate_max:.1f}"
            lines.append(
                f"{r.key + ') ' + SYSTEMS[r.key]:<38} {r.decoding:<8} {r.device:<12} {r.sentences:>6} "
                f"{r.tokens:>7} {r.runs:>4} {r.median_seconds:>8.2f} {r.rate:>8.1f} {spread:>17}"
            )
        lines.append("")
        for decoding in dict.fromkeys(r.decoding for r in self.rows):
            ratios = self.ratios(decoding)
            shown = zip("abd", ratios.values(), strict=True)
            lines.append(f"{decoding}: " + "  ".join(f"c/{k}={v:.2f}" for k, v in shown))
        lines += [f"note: {n}" for n in self.notes]
        if self.end_to_end:
            lines += ["", header(self.end_to_end), *(r.line() for r in self.end_to_end)]
        return "\n".join(lines)

    def final_line(self) -> str:
        r = self.ratios("beam4")
        return " ".join(f"{k}={v:.2f}" for k, v in r.items())


# --------------------------------------------------------------------------- inputs


def make_sentences(n: int, seed: int = 20240607) -> list[str]:
    """``n`` English sentences: the seed article's sentences, then deterministic recombinations of them."""
    base = [s.strip() for s in (repo_root() / SEED_SENTENCES).read_text(encoding="utf-8").splitlines() if s.strip()]
    rng = random.Random(seed)
    out = list(base[:n])
    while len(out) < n:
        a, b = rng.sample(base, 2)
        wa, wb = a.rstrip(".!?").split(), b.split()
        cut_a = rng.randint(2, max(2, len(wa)))
        cut_b = rng.randint(0, max(0, len(wb) - 2))
        words = wa[:cut_a] + wb[cut_b:]
        sent = " ".join(words)
        out.append(sent[0].upper() + sent[1:] if sent else a)
    return out


def build_model(folder: Path, *, quick: bool = False, seed: int = 0) -> Path:
    """Random weights of the opus-mt-en-uk architecture (tiny with ``quick``) around its real tokenizer files."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    src = repo_root() / FIXTURE
    real = json.loads((src / "config.json").read_text(encoding="utf-8"))
    arch = {k: real[k] for k in ARCH_KEYS if k in real}
    if quick:
        arch.update(QUICK_ARCH)
    torch.manual_seed(seed)
    model = MarianMTModel(MarianConfig(**arch, share_encoder_decoder_embeddings=True)).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    pad = real["pad_token_id"]
    # No forced </s>: every system must be able to emit exactly max new tokens.
    GenerationConfig(
        bad_words_ids=[[pad]],
        bos_token_id=0,
        decoder_start_token_id=pad,
        eos_token_id=real["eos_token_id"],
        pad_token_id=pad,
        num_beams=4,
    ).save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(src / name, folder / name)
    return folder


# --------------------------------------------------------------------------- timing


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _timed(fn: Callable[[], Any], device: str, clock: Callable[[], float]) -> tuple[Any, float]:
    _sync(device)
    t0 = clock()
    out = fn()
    _sync(device)
    return out, clock() - t0


def digest(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def run_bench(
    *,
    sentences: int = 208,
    threads: int | None = 1,
    out_tokens: int = 20,
    naive_sentences: int = 32,
    batch_tokens: int | None = None,
    device: str = "auto",
    quick: bool = False,
    greedy: bool = True,
    repeat: int = 3,
    end_to_end: bool = False,
    e2e_max_new_tokens: int | None = None,
    e2e_only: bool = False,
    e2e_settings: Sequence[str] = (),
    e2e_backends: Sequence[str] = BACKENDS,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run systems a-d for beam 4 (and greedy), each timed ``repeat`` times; return the rows.

    Per decoding, ``repeat`` rounds of a, b, c, d (one untimed warm-up call before each timed run).
    ``clock`` times the runs (a test passes a fake one). Nothing is written outside a temp dir.

    With ``end_to_end``, first (before this process loads any model) one whole ``translate`` of the seed
    per backend in a child process, on the same model (:mod:`pipeline.bench.e2e`): wall seconds and peak
    RSS, ``e2e_max_new_tokens`` (None: the config's default) per sentence, ``e2e_settings`` (``key=value``)
    on top, for ``e2e_backends``; each line is said as its run ends. With ``e2e_only`` nothing else is run."""
    import torch

    from pipeline.config import load_config
    from pipeline.translate import get_translator
    from pipeline.translate.ct2 import CT2Translator
    from pipeline.translate.hf import HFTranslator, pick_device
    from pipeline.translate.tokenizer import load_tokenizer

    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    say = progress or (lambda msg: log.info("%s", msg))
    if threads:
        torch.set_num_threads(threads)
    texts = make_sentences(sentences)
    step = 1
    if 0 < naive_sentences < len(texts):
        step = len(texts) // naive_sentences
    naive_texts = texts[::step][: naive_sentences or len(texts)]
    torch_device = pick_device(device)
    result = BenchResult(
        device=torch_device, threads=threads, out_tokens=out_tokens, sentences=len(texts), repeat=repeat
    )
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        t0 = time.perf_counter()
        folder = build_model(Path(tmp) / "model", quick=quick)
        say(f"built the {'tiny' if quick else 'full-size'} random model in {time.perf_counter() - t0:.1f}s")
        if end_to_end or e2e_only:
            extra = [f"translate.device={device}", *e2e_settings]
            result.end_to_end = run_end_to_end(
                folder,
                backends=e2e_backends,
                max_new_tokens=e2e_max_new_tokens,
                extra=extra,
                done=lambda e2e: say(e2e.line()),
            )
        if e2e_only:
            return result

        def config(backend: str, beams: int) -> Any:
            overrides = [
                f"translate.model={folder}",
                f"translate.backend={backend}",
                f"translate.num_beams={beams}",
                f"translate.max_new_tokens={out_tokens}",
                "translate.max_length_factor=null",  # min = max new tokens: every system decodes out_tokens
                f"translate.device={device}",
                "translate.cache=false",
                f"translate.ct2_dir={Path(tmp) / 'ct2'}",
            ]
            if quick:  # the tiny model in float32 on both backends: b and c must then decode the same text
                overrides.append("translate.compute_type=float32")
            if threads:
                overrides.append(f"translate.threads={threads}")
            if batch_tokens:
                overrides.append(f"translate.batch_tokens={batch_tokens}")
            return load_config(lang="uk", overrides=overrides).translate

        # One instance per backend; beams are read from cfg at each call, so swap the cfg per decoding.
        hf = HFTranslator(config("transformers", 4), "uk")
        hf.min_new_tokens = out_tokens
        t0 = time.perf_counter()
        ct2 = get_translator(config("ctranslate2", 4), "uk")  # converts the model now, before any clock
        assert isinstance(ct2, CT2Translator)
        ct2.min_new_tokens = out_tokens
        result.notes.append(
            f"ctranslate2 {ct2.compute_type} on {ct2.device}: conversion + load {time.perf_counter() - t0:.1f}s "
            "(once, before any timed run; later runs load the cached conversion)"
        )
        if ct2.device != torch_device:
            result.device = f"transformers {torch_device}, ctranslate2 {ct2.device}"
        tok, _ = load_tokenizer(
            {n: folder / n for n in TOKENIZER_FILES}, pad_id=hf.model.config.pad_token_id, model=str(folder)
        )
        naive_model = hf.model  # the same weights on the same device; generate() without our batching
        pretokenized = [[ct2.source_vocab[i] for i in ids] for ids in ct2.encode(texts)]
        budget = ct2.cfg.batch_tokens
        unk = ct2.tokenizer.unk_token_id

        def naive(beams: int, which: list[str] | None = None) -> tuple[int, list[str]]:
            return naive_generate(
                naive_model, tok, naive_texts if which is None else which, beams=beams, out_tokens=out_tokens,
                device=torch_device,
            )  # fmt: skip

        def ours(tr: Any, beams: int) -> Callable[[], tuple[int, list[str]]]:
            def go() -> tuple[int, list[str]]:
                tr.cfg = tr.cfg.model_copy(update={"num_beams": beams})
                before = tr.stats.tgt_tokens
                out = tr.translate(texts)
                return int(tr.stats.tgt_tokens - before), [o.text for o in out]

            return go

        def raw(beams: int, source: list[list[str]] | None = None) -> Callable[[], list[list[str]]]:
            given = pretokenized if source is None else source
            return lambda: raw_ct2(ct2.translator, given, beams=beams, out_tokens=out_tokens, budget=budget)

        def raw_text(hyps: list[list[str]]) -> tuple[int, list[str]]:
            """The raw tokens as text, decoded as the ctranslate2 backend decodes them (outside the clock)."""
            ids = [[ct2.target_ids.get(t, unk) for t in h] for h in hyps]
            return sum(map(len, hyps)), [ct2.tokenizer.decode(i, skip_special_tokens=True).strip() for i in ids]

        def check(name: str, beams: int) -> None:
            """Before the clock: every system decodes the naive baseline's sentences once; pairs must agree."""
            a_tokens, a_out = naive(beams)
            b_tokens, b_out = _untimed(hf, beams, naive_texts)
            c_tokens, c_out = _untimed(ct2, beams, naive_texts)
            d_tokens, d_out = raw_text(
                raw(beams, [[ct2.source_vocab[i] for i in ids] for ids in ct2.encode(naive_texts)])()
            )
            forced = forced_settings(beams, out_tokens)
            a = Decoded(f"a) {SYSTEMS['a']}", forced, a_out, a_tokens, naive_texts)
            b = Decoded(f"b) {SYSTEMS['b']}", backend_settings(hf), b_out, b_tokens, naive_texts)
            c = Decoded(f"c) {SYSTEMS['c']} ({ct2.compute_type})", backend_settings(ct2), c_out, c_tokens, naive_texts)
            d = Decoded(f"d) {SYSTEMS['d']}", forced, d_out, d_tokens, naive_texts)
            require_same(a, b, what=f"{name}, before timing")
            require_same(c, d, what=f"{name}, before timing")
            require_same(b, c, exact=ct2.compute_type == "float32", what=f"{name}, before timing")

        decodings = [("beam4", 4)] + ([("greedy", 1)] if greedy else [])
        for name, beams in decodings:
            check(name, beams)
            systems: list[tuple[str, Callable[[], Any], Callable[[Any], tuple[int, list[str]]], str, int]] = [
                ("a", partial(naive, beams), _same, torch_device, len(naive_texts)),
                ("b", ours(hf, beams), _same, torch_device, len(texts)),
                ("c", ours(ct2, beams), _same, ct2.device, len(texts)),
                ("d", raw(beams), raw_text, ct2.device, len(texts)),
            ]
            runs: dict[str, list[tuple[int, float, str]]] = {key: [] for key, *_ in systems}
            timed: dict[str, list[str]] = {}  # the first timed run's outputs per system
            for round_ in range(1, repeat + 1):
                for key, fn, finish, dev, _n in systems:
                    _warm_up(key, hf, ct2, beams, texts[:2])
                    out, seconds = _timed(fn, dev, clock)
                    tokens, decoded = finish(out)
                    runs[key].append((tokens, seconds, digest(decoded)))
                    timed.setdefault(key, decoded)
                    rate = tokens / seconds if seconds > 0 else 0.0
                    say(
                        f"{key}) {SYSTEMS[key]:<36} {name:<7} run {round_}/{repeat} {tokens:>6} tokens "
                        f"{seconds:7.2f}s {rate:8.1f} tok/s"
                    )
            for key, _fn, _finish, dev, n in systems:
                tokens = runs[key][0][0]
                row = Row(key, name, dev, n, tokens, tuple(s for _, s, _ in runs[key]), runs[key][0][2])
                result.rows.append(row)
                expected = n * out_tokens
                if any(t != expected for t, _, _ in runs[key]):
                    made = sorted({t for t, _, _ in runs[key]})
                    result.notes.append(f"{key}/{name}: {made} target tokens, not the forced {expected}")
                if len({d for _, _, d in runs[key]}) > 1:
                    result.notes.append(f"{key}/{name}: the runs decoded different outputs")
            # what was timed: a's sentences as b decoded them in its batches, and c's outputs against d's
            forced = forced_settings(beams, out_tokens)
            picked = [timed["b"][i] for i in range(0, len(texts), step)][: len(naive_texts)]
            require_same(
                Decoded(f"a) {SYSTEMS['a']}", forced, timed["a"], runs["a"][0][0], naive_texts),
                Decoded(f"b) {SYSTEMS['b']}", backend_settings(hf), picked, None, naive_texts),
                what=f"{name}, the timed runs",
            )
            require_same(
                Decoded(f"c) {SYSTEMS['c']}", backend_settings(ct2), timed["c"], runs["c"][0][0], texts),
                Decoded(f"d) {SYSTEMS['d']}", forced, timed["d"], runs["d"][0][0], texts),
                what=f"{name}, the timed runs",
            )
    if len(naive_texts) < len(texts):
        result.notes.append(
            f"a) runs one sentence in {step} ({len(naive_texts)} of {len(texts)}; --naive-sentences 0 runs all): "
            "one sentence per call, so its tokens/s do not depend on which sentences share a batch"
        )
    return result


def _same(out: tuple[int, list[str]]) -> tuple[int, list[str]]:
    return out


def _untimed(tr: Any, beams: int, texts: list[str]) -> tuple[int, list[str]]:
    """A pipeline backend's (target tokens, texts) for ``texts`` with ``beams``, its counters left as they were."""
    from dataclasses import replace

    saved = replace(tr.stats)
    tr.cfg = tr.cfg.model_copy(update={"num_beams": beams})
    out = [o.text for o in tr.translate(texts)]
    tokens = tr.stats.tgt_tokens - saved.tgt_tokens
    tr.stats = saved
    return tokens, out


def _warm_up(key: str, hf: Any, ct2: Any, beams: int, texts: list[str]) -> None:
    """One small untimed call so that lazy initialisation is not measured."""
    tr = hf if key in "ab" else ct2
    saved = tr.stats
    from dataclasses import replace

    tr.cfg = tr.cfg.model_copy(update={"num_beams": beams})
    tr.translate(texts)
    tr.stats = replace(saved)

"""What every backend shares: split over-long inputs, batch by a token budget, restore input order.

A backend subclasses :class:`BatchedTranslator` and implements ``_translate_ids`` (one batch of
token-id sequences in, one :class:`~pipeline.translate.Output` per sequence out). The base class
tokenizes once, splits inputs longer than the model's limit at word boundaries (never truncating),
sorts by length, cuts batches by a budget of padded source tokens, shows a progress bar on a
terminal, keeps :class:`~pipeline.translate.base.TranslateStats`, and yields finished inputs batch by
batch (so a cache can commit after each batch) before rejoining split inputs in input order.
"""

from __future__ import annotations

import logging
import math
import re
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pipeline.errors import ModelError, PipelineError, TranslationError, failure_reason
from pipeline.translate.base import Decoding, Output, TranslateStats
from pipeline.translate.cache import model_fingerprint
from pipeline.translate.config import TranslateConfig

if TYPE_CHECKING:
    from pipeline.translate.models import ModelFiles

log = logging.getLogger(__name__)


def plan_batches(lengths: Sequence[int], max_tokens: int, max_items: int | None = None) -> list[list[int]]:
    """Group indices into batches, longest first, each costing at most ``max_tokens`` padded tokens.

    A batch costs ``len(batch) * longest`` (what the model computes over after padding). Indices are
    sorted by decreasing length (ties keep input order), so batches hold similar lengths. A single
    input longer than the budget goes alone in its batch. ``max_items`` caps the units per batch.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    cur: list[int] = []
    longest = 0
    for i in order:
        n = max(1, lengths[i])
        full = (max_items is not None and len(cur) >= max_items) or max(longest, n) * (len(cur) + 1) > max_tokens
        if cur and full:
            batches.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, n)
    if cur:
        batches.append(cur)
    return batches


def split_words(text: str, limit: int, count_words: Callable[[list[str]], list[int]]) -> list[str]:
    """Cut ``text`` at spaces into chunks of at most ``limit`` tokens; a longer "word" is cut by characters."""
    words = text.split(" ")
    counts = count_words(words)
    chunks: list[str] = []
    cur: list[str] = []
    used = 0
    for word, c in zip(words, counts, strict=True):
        if c > limit:
            if cur:
                chunks.append(" ".join(cur))
                cur, used = [], 0
            step = max(1, len(word) * limit // (c + 1))
            chunks += [word[i : i + step] for i in range(0, len(word), step)]
            continue
        if used + c > limit and cur:
            chunks.append(" ".join(cur))
            cur, used = [], 0
        cur.append(word)
        used += c
    if cur:
        chunks.append(" ".join(cur))
    return [c for c in chunks if c.strip()]


def rejoin(results: Sequence[Output | None], owners: Sequence[int], n: int) -> list[Output]:
    """Join the outputs of split inputs (space-separated; score = geometric mean of the parts' scores).

    An input any part of which failed fails as a whole (empty text, the first part's error).
    """
    texts: list[list[str]] = [[] for _ in range(n)]
    scores: list[list[float]] = [[] for _ in range(n)]
    errors: list[str | None] = [None] * n
    for owner, out in zip(owners, results, strict=True):
        if out is None:
            raise RuntimeError(f"no output for a part of input {owner}")
        texts[owner].append(out.text)
        if out.score is not None:
            scores[owner].append(out.score)
        if out.error is not None and errors[owner] is None:
            errors[owner] = f"a part failed: {out.error}"
    return [
        Output("", None, e)
        if e is not None
        else Output(" ".join(t).strip(), (math.prod(s) ** (1 / len(s))) if s else None)
        for t, s, e in zip(texts, scores, errors, strict=True)
    ]


def output_budget(source_tokens: int, *, factor: float | None, floor: int, ceiling: int) -> int:
    """The most new tokens (``</s>`` included) a unit of ``source_tokens`` may get: bounded decoding.

    ``min(ceiling, max(floor, ceil(factor * source_tokens)))``, the ``ceiling`` (``max_new_tokens``) alone when
    ``factor`` is None. ``source_tokens`` counts the unit's pieces without the target-language token and ``</s>``.
    """
    if factor is None:
        return ceiling
    return min(ceiling, max(floor, math.ceil(factor * source_tokens - 1e-9)))


def distinct(outputs: Sequence[Output]) -> list[Output]:
    """``outputs`` without a text seen before (the first of equal texts is kept; order kept)."""
    seen: set[str] = set()
    kept: list[Output] = []
    for o in outputs:
        if o.text not in seen:
            seen.add(o.text)
            kept.append(o)
    return kept


#: backend errors that no input causes (a missing or mismatched library): the run stops at once
_ENVIRONMENT_FAILURE = re.compile(
    r"cannot be loaded|cannot open shared object|undefined symbol|driver version is insufficient|no kernel image",
    re.IGNORECASE,
)


def progress_bar(total: int, desc: str) -> Any:
    """A tqdm bar on stderr, shown only on a terminal and only for runs longer than a couple of seconds."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="sent", disable=not sys.stderr.isatty(), delay=2.0, leave=False)


class BatchedTranslator:
    """Base of the backends: token-budget batching in sorted order, split/rejoin, stats, progress."""

    name: str
    model_id: str
    model_revision: str
    model_fingerprint: str  # revision for hub models, a hash of the files for local folders
    device: str
    cfg: TranslateConfig
    tokenizer: Any
    prefix: str | None
    max_input_tokens: int
    # Forces every output to this many tokens (no early </s>): for benchmarks only, never set by the config.
    min_new_tokens: int | None = None

    def __init__(self) -> None:
        self.stats = TranslateStats()

    def _resolve_model(self, cfg: TranslateConfig, lang: str) -> ModelFiles:
        """Take the configured model (ModelError without one): set ``cfg``, ``model_id``, ``model_revision``
        and ``model_fingerprint``, and return the model's files (a local folder, or from the hub)."""
        from pipeline.translate.models import resolve_files

        self.cfg = cfg
        if not cfg.model:
            raise ModelError(f"no translation model configured for {lang}", "pass --model ID_OR_DIR")
        self.model_id = cfg.model
        files = resolve_files(self.model_id, cfg.revision)
        self.model_revision = files.revision
        self.model_fingerprint = model_fingerprint(files)
        return files

    # ------------------------------------------------------------------ what a backend implements

    def _translate_ids(self, batch: list[list[int]]) -> tuple[list[Output], int]:
        """Translate one batch of source id sequences (``</s>`` included); return outputs and target tokens."""
        raise NotImplementedError

    def _translate_nbest(self, batch: list[list[int]], decoding: Decoding) -> tuple[list[list[Output]], int]:
        """Translate one batch with ``decoding``'s options: per sequence its best hypotheses (best first)."""
        raise NotImplementedError

    def cache_settings(self) -> dict[str, Any]:
        """Everything besides the source text that decides the output (the translation cache's key)."""
        return {
            "backend": self.name,
            "model": self.model_id,
            "fingerprint": self.model_fingerprint,
            "device": self.device.split(":")[0],
            "num_beams": self.cfg.num_beams,
            "max_new_tokens": self.cfg.max_new_tokens,
            "max_length_factor": self.cfg.max_length_factor,
            "max_length_floor": self.cfg.max_length_floor if self.cfg.max_length_factor is not None else None,
            "max_input_tokens": self.max_input_tokens,
            "prefix": self.prefix,
        }

    def budget(self, ids: Sequence[int]) -> int:
        """The output budget of one source piece (its token ids, target-language token and ``</s>`` included):
        :func:`output_budget` of its own length only, so a unit decodes alike in whatever batch it lands.
        Never below ``min_new_tokens`` (the benchmarks' forced length)."""
        source = len(ids) - 1 - (1 if self.prefix else 0)
        cfg = self.cfg
        limit = output_budget(
            max(0, source), factor=cfg.max_length_factor, floor=cfg.max_length_floor, ceiling=cfg.max_new_tokens
        )
        return max(limit, min(self.min_new_tokens or 0, cfg.max_new_tokens))

    # ------------------------------------------------------------------ public API

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        ids: list[list[int]] = self.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
        return ids

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.encode(texts)]

    def translate(self, texts: Sequence[str]) -> list[Output]:
        """Translate ``texts``; results come back in input order."""
        results: list[Output | None] = [None] * len(texts)
        for idx, outs in self.translate_iter(texts):
            for i, out in zip(idx, outs, strict=True):
                results[i] = out
        return [r if r is not None else Output("", None) for r in results]

    def translate_iter(
        self, texts: Sequence[str], skip: Collection[int] = ()
    ) -> Iterator[tuple[list[int], list[Output]]]:
        """Translate ``texts`` batch by batch; after each batch yield the inputs it finished and their outputs.

        Inputs in ``skip`` (indices into ``texts``: answers a cache already holds) are planned into batches
        like the others but not translated nor yielded; a batch of only such inputs is not run. The batches
        that are run are thus the same as in a run without ``skip``, so a resumed run computes every
        output in the same batch (same padding, same numerics) as an uninterrupted one.
        """
        if not texts:
            return
        t0 = time.perf_counter()
        skip = set(skip)
        self.stats.sentences += len(texts) - len(skip)
        try:
            blank = [n for n, t in enumerate(texts) if not t.strip() and n not in skip]
            if blank:  # nothing to translate: an empty output, not whatever the model makes of "</s>"
                yield blank, [Output("", None) for _ in blank]
            keep = [n for n, t in enumerate(texts) if t.strip()]
            inputs = [f"{self.prefix} {texts[n]}" if self.prefix else texts[n] for n in keep]
            pieces, owners, ids = self._split_encode(inputs)
            parts: list[list[int]] = [[] for _ in keep]
            for i, o in enumerate(owners):
                parts[o].append(i)
            left = [len(p) for p in parts]
            results: list[Output | None] = [None] * len(pieces)
            failed = 0
            batches = plan_batches([len(x) for x in ids], self.cfg.batch_tokens, self.cfg.batch_size)
            with progress_bar(len(pieces), f"translate {self.model_id.rstrip('/').split('/')[-1]}") as bar:
                for planned in batches:
                    batch = [i for i in planned if keep[owners[i]] not in skip]
                    if not batch:
                        bar.update(len(planned))
                        continue
                    outs, tgt_tokens = self._translate_isolating([ids[i] for i in batch])
                    failed += sum(1 for o in outs if o.error is not None)
                    if failed > max(10, len(pieces) // 20):
                        raise TranslationError(
                            f"{failed} inputs failed to translate so far ({outs[-1].error or 'see the log'})",
                            "the model or backend is broken: check the model folder, the device and its memory",
                        )
                    self.stats.batches += 1
                    self.stats.src_tokens += sum(len(ids[i]) for i in batch)
                    self.stats.tgt_tokens += tgt_tokens
                    done: list[int] = []
                    for i, out in zip(batch, outs, strict=True):
                        results[i] = out
                        left[owners[i]] -= 1
                        if left[owners[i]] == 0:
                            done.append(owners[i])
                    bar.update(len(planned))  # skipped (cached) inputs of the batch included
                    if done:
                        done.sort()
                        yield [keep[n] for n in done], [self._joined([results[i] for i in parts[n]]) for n in done]
        finally:
            self.stats.seconds += time.perf_counter() - t0

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]]:
        """Per text its best ``decoding.num_hypotheses`` distinct outputs, best first (at least one), decoded with
        ``decoding``'s options: the repair ladder's and ``translate.alternatives``' decodes, a few units at a time.

        Batched like :meth:`translate_iter` (same splitting of over-long inputs, same budgets); a split input's
        hypothesis k joins its parts' k-th hypotheses (a part with fewer gives its last). A batch that fails gives
        its units one output with ``error`` set.
        """
        if not texts:
            return []
        t0 = time.perf_counter()
        try:
            results: list[list[Output]] = [[Output("", None)] for _ in texts]
            keep = [n for n, t in enumerate(texts) if t.strip()]
            inputs = [f"{self.prefix} {texts[n]}" if self.prefix else texts[n] for n in keep]
            pieces, owners, ids = self._split_encode(inputs)
            hyps: list[list[Output]] = [[] for _ in pieces]
            for batch in plan_batches([len(x) for x in ids], self.cfg.batch_tokens, self.cfg.batch_size):
                try:
                    outs, n_tokens = self._translate_nbest([ids[i] for i in batch], decoding)
                except PipelineError:
                    raise
                except Exception as e:  # noqa: BLE001 - a failed extra decode leaves the first output as it is
                    log.warning("a decode with %s failed (%s)", decoding.key(), failure_reason(e))
                    outs, n_tokens = [[Output("", None, failure_reason(e))] for _ in batch], 0
                self.stats.batches += 1
                self.stats.src_tokens += sum(len(ids[i]) for i in batch)
                self.stats.tgt_tokens += n_tokens
                for i, out in zip(batch, outs, strict=True):
                    hyps[i] = out
            parts: list[list[int]] = [[] for _ in keep]
            for i, o in enumerate(owners):
                parts[o].append(i)
            for n, own in zip(keep, parts, strict=True):
                k = max(len(hyps[i]) for i in own)
                joined = [self._joined([hyps[i][min(r, len(hyps[i]) - 1)] for i in own]) for r in range(k)]
                results[n] = distinct(joined)
            return results
        finally:
            self.stats.seconds += time.perf_counter() - t0

    # ------------------------------------------------------------------ internals

    def _translate_isolating(self, batch: list[list[int]]) -> tuple[list[Output], int]:
        """``_translate_ids``, but a failing batch is retried in halves down to single inputs.

        A batch that runs out of memory thus succeeds in smaller pieces, and one input that makes the
        backend fail comes back as an :class:`Output` with ``error`` set instead of ending the run.
        When every input of a batch of two or more fails on its own, the fault is not in the inputs:
        :class:`TranslationError` ends the run.
        """
        try:
            return self._translate_ids(batch)
        except PipelineError:
            raise
        except Exception as e:  # noqa: BLE001 - any backend failure is isolated to the inputs that cause it
            reason = failure_reason(e)
            if _ENVIRONMENT_FAILURE.search(reason):  # no input is to blame: stop now
                raise TranslationError(
                    f"the {self.name} backend cannot run on {self.device} ({reason})",
                    "install the missing library (CUDA's cuBLAS for ctranslate2: pip install '.[gpu]'), or choose "
                    "another device or backend (translate.device, translate.backend)",
                ) from None
            self._release_memory()
            if len(batch) == 1:
                log.warning("an input of %d tokens failed to translate (%s): left empty", len(batch[0]), reason)
                return [Output("", None, reason)], 0
            log.warning("a batch of %d inputs failed (%s): retrying it in halves", len(batch), reason)
        mid = len(batch) // 2
        first, n1 = self._translate_isolating(batch[:mid])
        second, n2 = self._translate_isolating(batch[mid:])
        outs = first + second
        if all(o.error is not None for o in outs):
            raise TranslationError(
                f"every input of a batch of {len(batch)} failed to translate on its own ({outs[0].error})",
                "the model or backend is broken: check the model folder, the device and its memory",
            )
        return outs, n1 + n2

    def _release_memory(self) -> None:
        """After a failure (often out of memory on a GPU): give cached device memory back."""
        if self.device.startswith("cuda"):
            try:
                import torch

                torch.cuda.empty_cache()
            except Exception:  # noqa: BLE001 - best effort
                pass

    @staticmethod
    def _joined(parts: list[Output | None]) -> Output:
        if len(parts) == 1 and parts[0] is not None:
            return parts[0]
        return rejoin(parts, [0] * len(parts), 1)[0]

    def _split_long(self, inputs: list[str]) -> tuple[list[str], list[int]]:
        """Split inputs over the model's token limit at word boundaries (never truncate)."""
        pieces, owners, _ = self._split_encode(inputs)
        return pieces, owners

    def _split_encode(self, inputs: list[str]) -> tuple[list[str], list[int], list[list[int]]]:
        """Pieces (inputs, or parts of inputs over the limit), the input each belongs to, and their token ids."""
        pieces: list[str] = []
        owners: list[int] = []
        ids: list[list[int]] = []
        limit = self.max_input_tokens - 2
        for n, (text, text_ids) in enumerate(zip(inputs, self.encode(inputs), strict=True)):
            if len(text_ids) <= limit:
                pieces.append(text)
                owners.append(n)
                ids.append(text_ids)
                continue
            log.warning("input %d has %d tokens (limit %d): translating it in parts", n, len(text_ids), limit)
            prefix = f"{self.prefix} " if self.prefix else ""
            body = text[len(prefix) :] if prefix and text.startswith(prefix) else text
            chunks = [prefix + c for c in split_words(body, limit - (2 if prefix else 0), self._count_words)]
            pieces += chunks
            owners += [n] * len(chunks)
            ids += self.encode(chunks)
        return pieces, owners, ids

    def _count_words(self, words: list[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(words, add_special_tokens=False)["input_ids"]]

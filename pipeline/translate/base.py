"""What a translation backend is (the protocol every registered backend implements) and what it returns.

Every ability a runner uses is declared here: the protocol is the whole contract, no runner probes a backend
for optional attributes. :class:`TranslatorBase` gives a backend that has only ``translate`` the declared
defaults (no target prefix, counters that count units, no token counting, no caching, one batch, no decoding
options).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["Decoding", "Output", "TranslateStats", "Translator", "TranslatorBase"]


@dataclass(frozen=True)
class Output:
    """One translated unit: target text and the model's confidence (exp of mean token log-prob).

    ``error`` is set (and ``text`` empty) when this unit could not be translated: the reason, for the
    run report. Such outputs are never cached.
    """

    text: str
    score: float | None
    error: str | None = None


@dataclass(frozen=True)
class Decoding:
    """Decoding options of one call on top of the configured ones (the repair ladder, ``translate.alternatives``).

    ``num_hypotheses``: the best distinct outputs returned per unit, best first (the beam is widened to at least
    that many); ``no_repeat_ngram_size``: no n-gram of that size twice in an output (0: off);
    ``repetition_penalty``: a token already in the output is that much less likely (1.0: off).
    """

    num_hypotheses: int = 1
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0

    def __post_init__(self) -> None:
        if self.num_hypotheses < 1 or self.no_repeat_ngram_size < 0 or self.repetition_penalty <= 0:
            raise ValueError(f"bad decoding options {self}")

    def key(self) -> str:
        """The options as a short string (the translation cache's key of such a call)."""
        return f"n{self.num_hypotheses}.norepeat{self.no_repeat_ngram_size}.penalty{self.repetition_penalty:g}"


@dataclass
class TranslateStats:
    """Counters for the one-line summary of a translate run."""

    sentences: int = 0  # units asked for (cache hits included)
    cached: int = 0  # units answered from the translation cache
    batches: int = 0
    src_tokens: int = 0  # source tokens sent to the model (prefix and </s> included)
    tgt_tokens: int = 0  # target tokens generated (</s> excluded)
    seconds: float = 0.0  # wall time inside translate()

    def add(self, other: TranslateStats) -> None:
        for name in ("sentences", "cached", "batches", "src_tokens", "tgt_tokens", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self, *, backend: str = "", device: str = "") -> str:
        rate = self.tgt_tokens / self.seconds if self.seconds > 0 else 0.0
        where = f" ({backend} on {device})" if backend else ""
        return (
            f"translated {self.sentences} sentences ({self.cached} cache hits): {self.tgt_tokens} target tokens "
            f"in {self.seconds:.1f}s, {rate:.0f} tokens/s, {self.batches} batches{where}"
        )


Batches = Iterator[tuple[list[int], list[Output]]]


class Translator(Protocol):
    name: str  # backend id with version, e.g. "transformers-5.2"; goes into output signatures
    model_id: str
    model_revision: str
    device: str
    prefix: str | None  # the target-language token prepended to every source (``>>ukr<<``), or None
    stats: TranslateStats  # what it translated so far (the run's summary line)

    def translate(self, texts: Sequence[str]) -> list[Output]:
        """One output per text, in order (a unit that fails has ``error`` set, the others still come back)."""
        ...

    def translate_iter(self, texts: Sequence[str], skip: Collection[int] = ()) -> Batches:
        """Translate batch by batch, yielding (indices into ``texts``, their outputs) after each batch; the
        indices in ``skip`` are not translated (the translation cache commits after every batch)."""
        ...

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        """Per text its best ``decoding.num_hypotheses`` outputs (at least one, best first), decoded with
        ``decoding``'s options; None: this backend cannot decode with options (the repair ladder skips the steps
        that need them, ``translate.alternatives`` keeps none)."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int] | None:
        """The model's source tokens per text (``translate.unit: paragraph`` fills units up to the model's
        limit with it); None when this backend cannot count them (then it cannot translate paragraphs)."""
        ...

    def cache_settings(self) -> dict[str, Any] | None:
        """Everything besides the source text that decides an output (the translation cache's key); None: this
        backend's outputs are not to be cached."""
        ...


class TranslatorBase:
    """The declared defaults for a backend that implements only ``translate`` (plugins, stand-ins in tests)."""

    name: str
    model_id: str
    model_revision: str
    device: str
    prefix: str | None = None

    def __init__(self) -> None:
        self.stats = TranslateStats()

    def translate(self, texts: Sequence[str]) -> list[Output]:
        raise NotImplementedError

    def translate_iter(self, texts: Sequence[str], skip: Collection[int] = ()) -> Batches:
        skipped = set(skip)
        todo = [j for j in range(len(texts)) if j not in skipped]
        if todo:  # one batch: the translation cache commits once, at the end
            yield todo, self.translate([texts[j] for j in todo])

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        return None

    def count_tokens(self, texts: Sequence[str]) -> list[int] | None:
        return None

    def cache_settings(self) -> dict[str, Any] | None:
        return None

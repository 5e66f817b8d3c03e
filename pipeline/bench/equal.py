"""Before a benchmark times two systems against each other, it proves they do the same work.

A speed ratio means something only when both systems decode the same inputs under the same settings into
the same outputs: a baseline that decodes greedily while the system decodes beam 4, stops earlier, or skips
a prefix, does less work and flatters or hides the difference. Each benchmark states what its systems
decode (:class:`Decoded`: the settings that decide an output, and the outputs per unit) and calls
:func:`require_same` before its clock starts; a difference ends the benchmark with :class:`BenchMismatch`,
one line naming the two systems, the first differing unit and both outputs.

What must be equal, and how (the rule each benchmark's docstring repeats for its pairs):

- the settings, always: every key the two systems both state (beam, minimum and maximum output length,
  target prefix, length factor, inputs), compared exactly;
- the number of outputs, always;
- the outputs, unit by unit and exactly, where the two systems compute the same numbers (the same library
  with the same weights and precision: naive and batched transformers, the ctranslate2 backend and raw
  ``translate_batch``; transformers and CTranslate2 both in float32). Where they legitimately differ in
  rounding (transformers float32 against CTranslate2 int8), ``exact=False`` compares the number of target
  tokens of all the outputs instead, which forced lengths (min = max) make equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import PipelineError

__all__ = ["BenchMismatch", "Decoded", "require_same"]


class BenchMismatch(PipelineError):
    """Two systems a benchmark compares do not decode alike under the same settings: nothing was timed."""


@dataclass(frozen=True)
class Decoded:
    """What one system of a benchmark decoded: its name, the settings that decide an output, one output per
    unit, and the number of target tokens of all the outputs together (None: not counted)."""

    system: str
    settings: Mapping[str, Any]
    outputs: Sequence[str]
    tokens: int | None
    inputs: Sequence[str] = field(default_factory=list)  # the units, for the message


def _short(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def require_same(a: Decoded, b: Decoded, *, exact: bool = True, what: str = "") -> None:
    """Raise :class:`BenchMismatch` unless ``a`` and ``b`` state the same settings (the keys both state), give as
    many outputs, as many target tokens (where both counted them), and (``exact``) the same output for every
    unit."""
    where = f" ({what})" if what else ""
    head = f"benchmark systems {a.system} and {b.system}{where}"
    fix = "nothing was timed: a comparison of systems that do different work means nothing; make them decode alike"
    for key in sorted(set(a.settings) & set(b.settings)):
        if a.settings[key] != b.settings[key]:
            raise BenchMismatch(
                f"{head} use different settings: {key} = {a.settings[key]!r} and {b.settings[key]!r}", fix
            )
    if len(a.outputs) != len(b.outputs):
        raise BenchMismatch(f"{head} give {len(a.outputs)} and {len(b.outputs)} outputs", fix)
    first = next((i for i, (x, y) in enumerate(zip(a.outputs, b.outputs, strict=True)) if x != y), None)
    counted = a.tokens is not None and b.tokens is not None
    if (counted and a.tokens != b.tokens) or (exact and first is not None):
        counts = f" ({a.tokens} and {b.tokens} target tokens in all)" if counted else ""
        if first is None:
            raise BenchMismatch(f"{head} decode different numbers of target tokens{counts}", fix)
        unit = a.inputs[first] if first < len(a.inputs) else ""
        raise BenchMismatch(
            f"{head} decode differently under the same settings{counts}: first at unit {first}"
            + (f" {_short(unit, 80)}" if unit else "")
            + f": {a.system} gives {_short(a.outputs[first])}, {b.system} gives {_short(b.outputs[first])}",
            fix,
        )

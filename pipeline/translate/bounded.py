"""Bounded decoding in ``generate()``: each row of a batch ends with ``</s>`` at its own output budget.

``generate()`` takes one ``max_new_tokens`` per call, but the budget of a unit follows its own source length
(:func:`pipeline.translate.batching.output_budget`). :class:`RowBudget` is a logits processor that, at the
last step a row's budget allows, leaves ``</s>`` as the only token that row can take (score 0, every other
token -inf): what transformers' own ``ForcedEOSTokenLogitsProcessor`` does at ``max_length``, per row. Greedy
search then pads the finished row; beam search finishes every beam of it, so the row is done and its best
hypothesis (one that ended earlier, or one of the forced ones) is chosen as at ``max_length``. A row that
ends before its budget never meets the processor, and the call's ``max_new_tokens`` is the largest budget of
the batch, so a batch of short units stops as soon as its longest budget is spent.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import LogitsProcessor


class RowBudget(LogitsProcessor):
    """Force ``</s>`` at step ``budget - 1`` (0-based new-token index) of every row whose budget is given.

    ``budgets`` has one entry per input (None: no bound of its own, the call's ``max_new_tokens`` applies);
    ``num_beams`` rows of the running batch belong to each input, in order. ``start`` is the decoder input's
    length before the first new token (1: the decoder start token).
    """

    def __init__(self, budgets: Sequence[int | None], num_beams: int, eos_id: int, start: int = 1) -> None:
        self.eos_id = eos_id
        self.start = start
        self.k = num_beams
        self.budgets = list(budgets)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        step = input_ids.shape[1] - self.start  # index of the token about to be chosen
        rows = [r for r in range(scores.shape[0]) if (b := self.budgets[r // self.k]) is not None and step == b - 1]
        if not rows:
            return scores
        index = torch.tensor(rows, dtype=torch.long, device=scores.device)
        forced = torch.full_like(scores[index], -float("inf"))
        forced[:, self.eos_id] = 0.0
        out = scores.clone()
        out[index] = forced
        return out  # type: ignore[return-value]

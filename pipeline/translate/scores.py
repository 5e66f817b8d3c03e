"""``mt_score`` during ``generate()`` without keeping every step's full-vocabulary scores.

``mt_score`` is ``exp(min(0, s))`` of the output's length-normalised log-probability ``s``:

- beam search: the beam's own final score (``sequences_scores``): the sum of the processed log-probabilities
  of the chosen tokens divided by ``length ** length_penalty``;
- greedy: the mean of the chosen tokens' log-probabilities under the processed distribution
  (``compute_transition_scores(normalize_logits=True)``), positions holding the pad token left out;
  the greedy token is the argmax, so its log-probability is the step's maximum.

``generate(output_scores=True)`` gives both, but it keeps a ``(batch x beams) x vocab`` tensor for every
step: 7.6 GB on the seed with a base-size model running to ``max_new_tokens``. The recorders here are
logits processors appended to ``generate()``'s own list. They see each step's processed scores, keep one
step of them, and store a few numbers per row and step, so that the values are the same as those computed
from the stored scores (``tests/test_scores.py`` compares both ways).
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import LogitsProcessor


def _normalised(scores: torch.Tensor, renormalize: bool) -> torch.Tensor:
    # generate() appends LogitNormalization (log_softmax) *after* the user's processors, so a recorder
    # sees the scores before it: apply it here, the same operation on the same input.
    return torch.log_softmax(scores, dim=-1) if renormalize else scores


class GreedyScores(LogitsProcessor):
    """Greedy search: each step's log-probability of its argmax token (the token greedy search picks)."""

    def __init__(self, renormalize: bool) -> None:
        self.renormalize = renormalize
        self.steps: list[torch.Tensor] = []

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        final = _normalised(scores, self.renormalize)
        # in float64: a float32 sum over a 61k-token vocabulary is off by up to ~1e-4 (so was the old
        # compute_transition_scores way; see tests/test_scores.py)
        self.steps.append(torch.log_softmax(final.double(), dim=-1).max(dim=-1).values)
        return scores

    def finish(self, sequences: torch.Tensor, pad_id: int) -> list[float]:
        """Mean log-probability per output row of ``sequences`` (decoder start token first)."""
        gen = sequences[:, 1:]
        if not self.steps:
            return [0.0] * sequences.shape[0]
        trans = torch.stack(self.steps, dim=1)[:, : gen.shape[1]]
        mask = torch.isfinite(trans) & (gen != pad_id)
        logp = torch.where(mask, trans, torch.zeros_like(trans)).sum(1) / mask.sum(1).clamp(min=1)
        return [float(s) for s in logp.cpu()]


class BeamScores(LogitsProcessor):
    """Beam search: the accumulated log-probability of every running beam, found from its parent beam.

    Each step's rows are the running beams; a row's prefix (its ids without the last token) is the whole
    sequence of one row of the step before, its parent. The recorder keeps the step before's processed
    scores (one tensor), each step's accumulated score and end-of-sequence scores per row, and the parent
    links, from which a finished output's score is read back.
    """

    def __init__(self, num_beams: int, eos_ids: list[int], renormalize: bool, length_penalty: float) -> None:
        self.k = num_beams
        self.eos = {e: i for i, e in enumerate(eos_ids)}
        self.renormalize = renormalize
        self.length_penalty = length_penalty
        self._prev_ids: torch.Tensor | None = None
        self._prev_logp: torch.Tensor | None = None
        self._prev_acc: torch.Tensor | None = None
        self.acc: list[torch.Tensor] = []  # per step: each row's score before this step's token
        self.eos_logp: list[torch.Tensor] = []  # per step: rows x eos ids
        self.tokens: list[list[int]] = []  # per step: each row's last id
        self.parents: list[list[int]] = []  # per step: each row's row in the step before

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        logp = _normalised(scores, self.renormalize)
        rows = input_ids.shape[0]
        if self._prev_ids is None or self._prev_logp is None or self._prev_acc is None:
            parent = torch.arange(rows, device=input_ids.device)
            acc = torch.zeros(rows, dtype=logp.dtype, device=logp.device)
        else:
            groups = rows // self.k
            cur = input_ids[:, :-1].reshape(groups, self.k, 1, -1)
            prev = self._prev_ids.reshape(groups, 1, self.k, -1)
            match = (cur == prev).all(dim=-1)  # groups x row x candidate parent
            if not bool(match.any(dim=-1).all()):
                raise RuntimeError("beam score recorder: a running beam has no parent (transformers changed?)")
            offset = torch.arange(groups, device=input_ids.device)[:, None] * self.k
            parent = (match.to(torch.int8).argmax(dim=-1) + offset).reshape(-1)
            acc = self._prev_acc[parent] + self._prev_logp[parent, input_ids[:, -1]]
        eos_cols = torch.tensor(list(self.eos), dtype=torch.long, device=logp.device)
        self.acc.append(acc)
        self.eos_logp.append(logp[:, eos_cols])
        self.tokens.append(input_ids[:, -1].tolist())
        self.parents.append(parent.tolist())
        self._prev_ids, self._prev_logp, self._prev_acc = input_ids, logp, acc
        return scores

    def _path(self, step: int, row: int) -> list[int]:
        """The generated ids of ``row`` at ``step`` (without the decoder start token)."""
        out = []
        for t in range(step, 0, -1):
            out.append(self.tokens[t][row])
            row = self.parents[t][row]
        return out[::-1]

    def finish(self, sequences: torch.Tensor, returns: int = 1) -> list[float]:
        """The beam score of each output row (``returns`` rows per input: ``num_return_sequences``)."""
        out = []
        for j, seq in enumerate(sequences[:, 1:].tolist()):
            i = j // returns
            end = next((n for n, t in enumerate(seq) if t in self.eos), None)
            length = len(seq) if end is None else end + 1
            step, last = length - 1, seq[length - 1]
            rows = range(i * self.k, (i + 1) * self.k)
            row = next((r for r in rows if self._path(step, r) == seq[:step]), None)
            if row is None:
                raise RuntimeError("beam score recorder: an output is not among the recorded beams")
            if last in self.eos:
                value = self.acc[step][row] + self.eos_logp[step][row, self.eos[last]]
            else:  # ended at max_length: the last step, whose scores are still held
                assert self._prev_logp is not None and step == len(self.acc) - 1
                value = self.acc[step][row] + self._prev_logp[row, last]
            out.append(float(value / (length**self.length_penalty)))
        return out


def eos_ids(generation_config: Any) -> list[int]:
    eos = generation_config.eos_token_id
    if eos is None:
        return []
    return [int(e) for e in eos] if isinstance(eos, list | tuple) else [int(eos)]

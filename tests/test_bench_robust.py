"""``python -m pipeline bench-robust`` (issue 28 item 5): faults injected into the first decode of a real tiny model's
units are found and repaired; the figures are not checked, the shape and the honesty of the injector are."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

import pytest

from pipeline.bench import robust
from pipeline.bench.robust import FAULTS, FLAG_OF, Injector, corrupt, make_plan, render, run_robust
from pipeline.commands import bench_robust
from pipeline.errors import ConfigError
from pipeline.qa import QAConfig, run_qa
from pipeline.records import AlignedPair
from pipeline.translate import Output
from pipeline.translate.base import Decoding, TranslatorBase

FINAL = re.compile(
    r"^robust detect_p=[\d.]+ detect_r=[\d.]+ repaired_loop=[\d.]+ repaired_truncation=[\d.]+ overhead=[\d.]+$"
)
SOURCES = [
    "The talks began on Monday in the old town hall of Geneva.",
    "Both sides met for the first time since the war began.",
    "The second round starts in May and may last a whole week.",
    "Observers from six countries will watch the vote closely.",
    "A new bridge over the river opened to traffic last spring.",
    "The museum shows paintings from the early modern period.",
]


def test_each_fault_is_caught_by_its_own_check() -> None:
    """corrupt() makes what its class's flag finds, and the clean rendering of a copy passes every one of them."""
    for kind in FAULTS:
        pairs = [AlignedPair(i, "en", "uk", s, render(s), (i,), (i,), 1.0, 0.9) for i, s in enumerate(SOURCES)]
        pairs[2] = AlignedPair(
            2, "en", "uk", SOURCES[2], corrupt(kind, SOURCES[2], render(SOURCES[2])), (2,), (2,), 1.0
        )
        checked, _ = run_qa(pairs, QAConfig(wrong_language={"use_lid": False}), src_lang="en", tgt_lang="uk")
        assert FLAG_OF[kind] in checked[2].flags, (kind, checked[2])
        assert not any(set(FLAG_OF.values()) & set(p.flags) for n, p in enumerate(checked) if n != 2), kind


class Echo(TranslatorBase):
    name, model_id, model_revision, device = "echo-1", "echo", "none", "cpu"

    def translate(self, texts: Sequence[str]) -> list[Output]:
        return [Output(t, 0.5) for t in texts]

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        return [[Output(t, 0.4)] for t in texts]


def test_the_injector_corrupts_only_the_first_decode_of_a_planned_unit() -> None:
    inj = Injector(Echo(), {SOURCES[0]: "empty", SOURCES[1]: "copy"})
    first = inj.translate(SOURCES[:3])
    assert [o.text for o in first] == ["", SOURCES[1], render(SOURCES[2])]
    assert [o.text for o in inj.translate(SOURCES[:2])] == [render(s) for s in SOURCES[:2]]  # decoded before
    assert inj.translate_with([SOURCES[3]], Decoding(1, 3, 1.3)) == [[Output(render(SOURCES[3]), 0.4)]]
    plan = make_plan([f"s{i}" for i in range(40)], 0.05, 1)
    assert sorted(plan.values()) == sorted([k for k in FAULTS for _ in range(2)])


@pytest.fixture(scope="module")
def small() -> robust.RobustResult:
    return run_robust(sentences=30, rate=0.04, repeat=1, base_sentences=0)


def test_the_bench_finds_and_repairs_the_injected_faults(small: robust.RobustResult) -> None:
    lines = robust.report_lines(small)
    assert FINAL.match(lines[-1]), lines[-1]
    assert [c.kind for c in small.classes] == list(FAULTS) and all(c.injected >= 1 for c in small.classes)
    by = {c.kind: c for c in small.classes}
    assert by["empty"].recall == 1.0 and by["copy"].recall == 1.0
    assert by["loop"].repaired_share > 0 and by["truncation"].repaired_share > 0
    assert small.seconds_on > 0 and small.seconds_off > 0


def test_a_fault_that_every_decode_repeats_is_not_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    """The injector is honest: a unit counts as repaired only when the model's own decodes give a clean output.
    Planted: the ladder's decodes corrupted too (a fault of the model, not of one decode)."""

    def always(self: Injector, texts: list[str], decoding: Decoding) -> list[list[Output]]:
        outs = self.inner.translate_with(texts, decoding) or []
        return [
            [Output(corrupt(self.plan[t], t, render(o.text)) if t in self.plan else render(o.text), o.score) for o in h]
            for t, h in zip(texts, outs, strict=True)
        ]

    monkeypatch.setattr(Injector, "translate_with", always)
    result = run_robust(
        sentences=30, rate=0.04, repeat=1, base_sentences=0, extra=["translate.repair.split_min_words=0"]
    )
    by = {c.kind: c for c in result.classes}
    assert by["loop"].repaired == 0 and by["truncation"].repaired == 0 and by["empty"].repaired == 0


def test_bad_arguments_are_refused_in_one_line() -> None:
    parser = argparse.ArgumentParser()
    bench_robust.add_arguments(parser)
    with pytest.raises(ConfigError, match="--sentences must be at least 25"):
        bench_robust.run(parser.parse_args(["--sentences", "3"]))
    with pytest.raises(ConfigError, match="--rate in"):
        bench_robust.run(parser.parse_args(["--rate", "0.5"]))

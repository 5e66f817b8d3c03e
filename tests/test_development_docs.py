"""docs/development.md's worked examples are true: each ``python`` block of "Adding a component" runs as a module
of its own (registering its component as a plugin would), and the registries are restored afterwards."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.align import EMBEDDERS
from pipeline.qa import CHECKS
from pipeline.read import READERS
from pipeline.registry import Registry
from pipeline.translate import BACKENDS
from pipeline.write import FORMATS

PAGE = Path(__file__).resolve().parent.parent / "docs" / "development.md"
REGISTRIES: tuple[Registry[Any], ...] = (FORMATS, CHECKS, BACKENDS, EMBEDDERS, READERS)


def _examples() -> list[str]:
    section = PAGE.read_text(encoding="utf-8").split("## Adding a component", 1)[1]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture
def registries() -> Iterator[None]:
    saved = [(dict(r._targets), dict(r._loaded)) for r in REGISTRIES]
    yield
    for r, (targets, loaded) in zip(REGISTRIES, saved, strict=True):
        r._targets.clear()
        r._targets.update(targets)
        r._loaded.clear()
        r._loaded.update(loaded)


def test_the_page_has_an_example_per_kind() -> None:
    kinds = ["FORMATS.add", "CHECKS.add", "BACKENDS.add", "EMBEDDERS.add", "READERS.add"]
    assert [next((k for k in kinds if k in code), None) for code in _examples()] == kinds


@pytest.mark.parametrize("n", range(5), ids=["format", "check", "backend", "embedder", "reader"])
def test_the_worked_example_runs(n: int, registries: None) -> None:
    code = _examples()[n]
    name = f"devdoc_example_{n}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(code, f"{PAGE.name} example {n + 1}", "exec"), module.__dict__)
    finally:
        del sys.modules[name]

"""The package's shape: small modules in declared layers, and imports that go one way: down the layers, never
in a circle (between modules or between packages), lazy and TYPE_CHECKING imports included.

The layers, bottom first (``docs/development.md`` shows them with where each kind of component goes). A module
belongs to the longest entry that names it or a package above it; it may import its own layer and those below.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "pipeline"

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (layer, tuple(f"pipeline.{m}" if m != "pipeline" else m for m in modules.split()))
    for layer, modules in (
        # records, errors, settings and what every stage shares
        ("foundation", "pipeline errors records settings registry langs fingerprint hub xmlsafe io placeholders"),
        # each a package with its base.py protocol, its config.py section and its registry
        ("stages", "read segment translate glossary qa align write review evaluate"),
        # the whole configuration, the document core and the wiring from one to the other
        ("core", "config corpus.config document repair components"),
        ("runners", "run corpus"),
        ("benchmarks", "bench"),
        ("commands", "commands cli __main__"),
    )
)


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the pipeline modules it imports anywhere in its file (top level, functions, TYPE_CHECKING)."""
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[mod] |= {n for n in names if n in modules and n != mod}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def unit_of(module: str) -> str:
    """The entry of :data:`LAYERS` that ``module`` belongs to (the longest that names it or a package above it)."""
    names = [n for _, names in LAYERS for n in names]
    found = [n for n in names if module == n or (n != "pipeline" and module.startswith(n + "."))]
    assert found, f"{module} is in no layer: add it to LAYERS in tests/test_structure.py and docs/development.md"
    return max(found, key=len)


def layer_of(unit: str) -> int:
    return next(i for i, (_, names) in enumerate(LAYERS) if unit in names)


def unit_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The import graph between the units of :data:`LAYERS` (packages and the modules named there)."""
    units: dict[str, set[str]] = {unit_of(m): set() for m in graph}
    for mod, deps in graph.items():
        units[unit_of(mod)] |= {unit_of(d) for d in deps} - {unit_of(mod)}
    return units


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import of a module from a higher layer than its own, as ``a (layer) -> b (layer)``."""
    bad = []
    for mod, deps in sorted(graph.items()):
        for dep in sorted(deps):
            a, b = layer_of(unit_of(mod)), layer_of(unit_of(dep))
            if b > a:
                bad.append(f"{mod} ({LAYERS[a][0]}) -> {dep} ({LAYERS[b][0]})")
    return bad


def test_no_import_circles() -> None:
    assert cycles(import_graph()) == []


def test_every_module_is_in_a_layer_and_imports_only_down() -> None:
    assert upward_imports(import_graph()) == []


def test_no_package_circles() -> None:
    assert cycles(unit_graph(import_graph())) == []


def test_the_layer_check_finds_a_planted_upward_import() -> None:
    graph = import_graph()
    graph["pipeline.write.xliff"].add("pipeline.review.common")  # a sideways edge, fine on its own ...
    assert upward_imports(graph) == []
    graph["pipeline.segment.rules"].add("pipeline.components")  # a stage reaching into the core
    assert upward_imports(graph) == ["pipeline.segment.rules (stages) -> pipeline.components (core)"]


def test_the_package_check_finds_a_planted_package_circle() -> None:
    graph = import_graph()
    graph["pipeline.write.xliff"].add("pipeline.review.common")  # review imports write: now write <-> review
    assert cycles(graph) == []  # no circle between modules ...
    assert ["pipeline.review", "pipeline.write"] in cycles(unit_graph(graph))  # ... but one between packages


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = import_graph()
    graph["pipeline.settings"].add("pipeline.config")  # config imports settings: now a circle
    assert any({"pipeline.config", "pipeline.settings"} <= set(c) for c in cycles(graph))


def test_no_module_over_500_lines() -> None:
    long = {_module(p): n for p in PKG.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}

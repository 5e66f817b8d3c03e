"""Mutation testing of the core modules with mutmut 3: `make mutate [MODULE=segment]`.

Each module runs in its own work folder .mutate/<module>/: links to pipeline/, tests/, seeds/ and configs/, and a
pyproject.toml that is the repository's plus a [tool.mutmut] section naming the module's files and its test files.
mutmut copies that into .mutate/<module>/mutants/, where the tests import the mutated package (tests/conftest.py puts
the folder above tests/ first on sys.path), and runs, for each mutant, the tests that call the mutated function.
mutmut mutates code inside functions and methods only: module-level constants are not mutated.

Prints one table (mutants, killed, of which by timeout, survived, suspicious, no tests, share killed, minutes), each
surviving mutant as `file:line  status  old -> new`, and last a line `mutate segment=0.xx ...`. A mutant that makes the
tests hang (an endless loop) counts as killed: the test run fails on mutmut's time limit, as mutmut's own score has it.
`mutmut show NAME` / `mutmut browse` in .mutate/<module>/ show a mutant in full. With --rev the work folder holds that
commit's tests too (a copy, not a link): tests added later are not seen there until the module is run again.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"

# module -> (files to mutate, its test files)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "segment": (
        [
            "pipeline/segment/__init__.py",
            "pipeline/segment/rules.py",
            "pipeline/segment/furniture.py",
            "pipeline/segment/paragraphs.py",
        ],
        ["tests/test_segment.py", "tests/test_segment_golden.py"],
    ),
    "align_search": (["pipeline/align/search.py"], ["tests/test_align.py", "tests/test_properties.py"]),
    "cache": (["pipeline/translate/cache.py"], ["tests/test_cache.py", "tests/test_translate.py"]),
    "batching": (["pipeline/translate/batching.py"], ["tests/test_cache.py", "tests/test_translate.py"]),
    "qa": (["pipeline/qa/checks.py", "pipeline/qa/numbers.py", "pipeline/qa/language.py"], ["tests/test_qa.py"]),
    "apply_review": (["pipeline/review/apply.py"], ["tests/test_review.py"]),
    "tmx": (["pipeline/write/tmx.py"], ["tests/test_write.py", "tests/test_formats.py", "tests/test_properties.py"]),
}
LINKS = ["pipeline", "tests", "seeds", "configs"]
# no pytest cache writes from parallel workers; one fixed seed for the Hypothesis tests that are not derandomized
PYTEST_ARGS = ["-p", "no:cacheprovider", "--hypothesis-seed=0"]


def prepare(name: str, keep: bool, rev: str | None) -> Path:
    files, tests = MODULES[name]
    work = WORK / name
    if work.exists() and not keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    if rev and not (work / "pipeline").exists():  # a commit's files, untouched by edits in the working tree
        git = ["git", "-C", str(ROOT)]
        commit = subprocess.run([*git, "rev-parse", "--short", rev], check=True, capture_output=True, text=True).stdout
        archive = subprocess.run([*git, "archive", rev, *LINKS], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(work)], input=archive, check=True)
        (work / "source").write_text(f"commit {commit.strip()}\n", encoding="utf-8")
    elif not (work / "source").exists():
        (work / "source").write_text("working tree\n", encoding="utf-8")
    for link in LINKS:
        if not (work / link).exists():
            (work / link).symlink_to(Path("..") / ".." / link)
    settings = {
        "source_paths": ["pipeline"],
        "only_mutate": files,
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": PYTEST_ARGS,
        "also_copy": ["seeds", "configs"],
        "use_git_change_detection": False,
    }
    section = "\n".join(f"{k} = {json.dumps(v)}" for k, v in settings.items())
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (work / "pyproject.toml").write_text(f"{pyproject.rstrip()}\n\n[tool.mutmut]\n{section}\n", encoding="utf-8")
    return work


def function_lines(source: str) -> dict[tuple[str | None, str], tuple[int, int]]:
    """(class or None, function) -> (first line, last line) of each top-level function and method."""
    spans: dict[tuple[str | None, str], tuple[int, int]] = {}
    for node in ast.parse(source).body:
        inner = node.body if isinstance(node, ast.ClassDef) else [node]
        owner = node.name if isinstance(node, ast.ClassDef) else None
        for f in inner:
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spans[(owner, f.name)] = (f.lineno, f.end_lineno or f.lineno)
    return spans


def describe(work: Path, path: str, key: str) -> tuple[int, str]:
    """The source line of a mutant and its change as `old -> new`."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    cwd = os.getcwd()
    os.chdir(work)
    try:
        diff = get_diff_for_mutant(key, path=path).splitlines()
    finally:
        os.chdir(cwd)
    old = [d[1:].strip() for d in diff if d.startswith("-") and not d.startswith("---")]
    new = [d[1:].strip() for d in diff if d.startswith("+") and not d.startswith("+++")]
    function, owner = orig_function_and_class_names_from_key(key)
    source = (work / path).read_text(encoding="utf-8").splitlines()
    first, last = function_lines("\n".join(source)).get((owner, function), (1, len(source)))
    line = next((i for i in range(first, last + 1) if old and source[i - 1].strip() == old[0]), first)
    return line, f"{' / '.join(old) or '(nothing)'} -> {' / '.join(new) or '(nothing)'}"


def results(work: Path, files: list[str]) -> tuple[dict[str, int], list[str]]:
    from mutmut.stats import status_by_exit_code

    counts = {"mutants": 0, "killed": 0, "timeout": 0, "survived": 0, "suspicious": 0, "no tests": 0, "not checked": 0}
    survivors = []
    for path in files:
        meta = json.loads((work / "mutants" / f"{path}.meta").read_text(encoding="utf-8"))
        for key, code in sorted(meta["exit_code_by_key"].items()):
            status = status_by_exit_code[code]
            counts["mutants"] += 1
            if status in ("killed", "caught by type check", "timeout"):
                # a mutant that makes the tests hang is caught too: the run fails on its time limit
                counts["killed"] += 1
                counts["timeout"] += status == "timeout"
                continue
            group = status if status in counts else "suspicious"
            counts[group] += 1
            line, change = describe(work, path, key)
            survivors.append(f"{path}:{line}  {status}  {change}  [{key.rpartition('.')[2]}]")
    return counts, survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--module", choices=sorted(MODULES), action="append", help="repeatable; default: all")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    parser.add_argument("--keep", action="store_true", help="reuse .mutate/<module>/ (resume an interrupted run)")
    parser.add_argument("--rev", help="test the files of this commit (git archive) instead of the working tree")
    parser.add_argument("--report-only", action="store_true", help="print the results of the last run, run nothing")
    args = parser.parse_args(argv)

    rows = []
    for name in args.module or list(MODULES):
        files, _ = MODULES[name]
        work = WORK / name if args.report_only else prepare(name, args.keep, args.rev)
        start = time.monotonic()
        if not args.report_only:
            print(f"== {name}: mutmut run in {work.relative_to(ROOT)}", flush=True)
            cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.jobs)]
            if subprocess.run(cmd, cwd=work).returncode != 0:
                print(f"mutate: mutmut failed for {name}", file=sys.stderr)
                return 1
            (work / "minutes").write_text(f"{(time.monotonic() - start) / 60:.1f}\n", encoding="utf-8")
        minutes = (work / "minutes").read_text(encoding="utf-8").strip() if (work / "minutes").exists() else "-"
        counts, survivors = results(work, files)
        source = (work / "source").read_text(encoding="utf-8").strip()
        print(f"\n{name}: {len(survivors)} not killed ({source})")
        for s in survivors:
            print(f"  {s}")
        rows.append((name, counts, minutes))

    columns = ["mutants", "killed", "timeout", "survived", "suspicious", "no tests"]
    header = ["module", "mutants", "killed", "by timeout", "survived", "suspicious", "no tests", "share", "minutes"]
    table = [header] + [
        [name, *(str(c[k]) for k in columns), f"{c['killed'] / max(c['mutants'], 1):.2f}", minutes]
        for name, c, minutes in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    print()
    for r in table:
        cells = [cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells))
    print("mutate " + " ".join(f"{name}={c['killed'] / max(c['mutants'], 1):.2f}" for name, c, _ in rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The skips for a missing ``../shared`` file: one helper, one reason, counted at the end, fatal in CI.

Each case runs a small pytest session of its own (``pytester``) with the hooks of :mod:`shared_files`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent

#: Five tests: two need a present file, two a missing one (one of them through a module fixture), one skips
#: for another reason (not counted).
SESSION = """
import pytest
from shared_files import shared_path

ROOT = __import__("pathlib").Path(__file__).parent / "fake-shared"


@pytest.fixture(scope="module")
def schema():
    return shared_path("xliff", "missing.xsd", root=ROOT)


def test_present():
    assert shared_path("here.txt", root=ROOT).read_text() == "x"


def test_present_too():
    assert shared_path("here.txt", root=ROOT).is_file()


def test_missing_file():
    shared_path("tmx", "gone.tmx", root=ROOT)


def test_missing_by_fixture(schema):
    raise AssertionError("never runs")


def test_other_skip():
    pytest.skip("no chromium")
"""


@pytest.fixture
def session(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.syspathinsert(TESTS)
    pytester.makeconftest("from shared_files import pytest_configure  # noqa: F401\n")
    pytester.makepyfile(test_uses_shared=SESSION)
    (pytester.path / "fake-shared").mkdir()
    (pytester.path / "fake-shared" / "here.txt").write_text("x", encoding="utf-8")
    return pytester


def _summary(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if "../shared missing" in line and "tests skipped" in line]


def test_the_summary_counts_the_skips_for_missing_shared_files(
    session: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIPELINE_REQUIRE_SHARED", raising=False)
    result = session.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=3)
    assert result.ret == pytest.ExitCode.OK
    fake = session.path / "fake-shared"
    assert _summary(result) == [
        f"2 tests skipped: ../shared missing ({fake / 'tmx' / 'gone.tmx'}, {fake / 'xliff' / 'missing.xsd'})"
    ]


@pytest.mark.parametrize("value", ["1", "yes"])
def test_the_session_fails_when_shared_files_are_required(
    session: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("PIPELINE_REQUIRE_SHARED", value)
    result = session.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, skipped=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    (line,) = _summary(result)
    assert line.startswith("2 tests skipped: ../shared missing (") and "PIPELINE_REQUIRE_SHARED is set" in line


def test_required_but_nothing_missing_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_REQUIRE_SHARED", "1")
    pytester.syspathinsert(TESTS)
    pytester.makeconftest("from shared_files import pytest_configure  # noqa: F401\n")
    pytester.makepyfile(test_fine="def test_fine():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    assert _summary(result) == ["0 tests skipped: ../shared missing"]


def test_unset_or_zero_does_not_fail(session: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("", "0"):
        monkeypatch.setenv("PIPELINE_REQUIRE_SHARED", value)
        result = session.runpytest("-p", "no:cacheprovider")
        assert result.ret == pytest.ExitCode.OK, value
        (line,) = _summary(result)
        assert line.startswith("2 tests skipped") and "fails" not in line


def test_every_shared_skip_goes_through_the_helper() -> None:
    """No test module builds a ``../shared`` path or skips for one on its own: they ask :func:`shared_path`."""
    offenders = []
    for path in sorted(TESTS.glob("*.py")):
        if path.name in ("shared_files.py", Path(__file__).name):
            continue
        text = path.read_text(encoding="utf-8")
        if '/ "shared"' in text.replace("'", '"') and "shared_path" not in text:
            offenders.append(path.name)
        for line in text.splitlines():
            if "pytest.skip(" in line and "shared" in line:
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []

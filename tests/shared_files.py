"""Test data from ``../shared`` (beside the repository): one helper to find it, one reason when it is missing.

A test that needs a file of ``../shared`` asks :func:`shared_path` for it; when the file is missing the test
skips with a reason that starts with :data:`SKIP_REASON`, so the session can count those skips. The hooks
here (imported by ``tests/conftest.py``) print ``N tests skipped: ../shared missing (...)`` at the end of a run
and, when :data:`REQUIRE_ENV` is set (``.ci/run`` sets it), fail the session if N > 0: CI must not pass by
skipping the tests that check our outputs against the schemas in ``../shared``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The ``../shared`` folder beside the repository.
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
#: How every skip for a missing ``../shared`` file starts (recognised by the summary hook).
SKIP_REASON = "../shared missing"
#: Set to a non-empty value other than 0: a skip for a missing ``../shared`` file fails the session.
REQUIRE_ENV = "PIPELINE_REQUIRE_SHARED"


def shared_path(*parts: str, root: Path | None = None) -> Path:
    """``../shared/<parts>``, or skip the calling test (reason ``../shared missing: <path>``) when it is missing.

    ``root`` replaces the ``../shared`` folder (the hook's own tests use a temporary one).
    """
    path = (root if root is not None else SHARED).joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{SKIP_REASON}: {path}")
    return path


def _reason(report: pytest.TestReport) -> str | None:
    """The missing path of a test skipped by :func:`shared_path`, else None."""
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return None
    reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    return reason.removeprefix(SKIP_REASON + ": ") if reason.startswith(SKIP_REASON) else None


def _required() -> bool:
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


class SharedSkips:
    """The plugin that counts the skips for missing ``../shared`` files of one session and reports them."""

    def __init__(self) -> None:
        self.missing: list[str] = []  # one entry per skipped test: the path it missed

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        missing = _reason(report)
        if missing is not None:
            self.missing.append(missing)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.missing and _required() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        n = len(self.missing)
        paths = sorted(set(self.missing))
        line = f"{n} tests skipped: {SKIP_REASON}" + (f" ({', '.join(paths)})" if paths else "")
        fail = bool(n) and _required()
        if fail:
            line += f"; {REQUIRE_ENV} is set: the session fails"
        terminalreporter.write_line(line, red=fail, yellow=bool(n) and not fail)


def pytest_configure(config: pytest.Config) -> None:
    """Register :class:`SharedSkips` for this session (once per configuration: pytester runs get their own)."""
    if not config.pluginmanager.has_plugin("shared-skips"):
        config.pluginmanager.register(SharedSkips(), "shared-skips")

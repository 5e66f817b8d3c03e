"""Helpers shared by the tests that run the CLI in-process and read what it printed."""

from __future__ import annotations

import pytest


def one_line_error(capsys: pytest.CaptureFixture[str], prefix: str = "pipeline: ") -> str:
    """The CLI's stderr, asserted to be one line starting with ``prefix`` and without a traceback."""
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith(prefix), err
    return err

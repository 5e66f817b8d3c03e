"""Helpers shared by the tests that run the CLI in-process and read what it printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def one_line_error(capsys: pytest.CaptureFixture[str], prefix: str = "pipeline: ") -> str:
    """The CLI's stderr, asserted to be one line starting with ``prefix`` and without a traceback."""
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1 and err.startswith(prefix), err
    return err


def output_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative POSIX path -> bytes); a run report without its ``profile``, the one
    part of a run's outputs that differs from run to run (seconds, memory)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name.endswith(".report.json"):
                body = json.loads(data)
                assert set(body.pop("profile")) == {"seconds", "peak_rss_mb"}
                data = (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            out[p.relative_to(folder).as_posix()] = data
    return out

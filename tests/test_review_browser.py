"""The review page in headless Chromium: filter, correct, export, apply-review; a non-blank screenshot.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands on fd 3,
replies on fd 4, NUL-terminated JSON), so no extra Python package, port or driver is needed. The test
skips when no Chromium is installed (Debian: ``apt-get install chromium``; or set ``PIPELINE_CHROMIUM``).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from test_review import XSS, make_run

from pipeline.cli import main
from pipeline.write import read_jsonl

EDITED = "Виправлено <b>вручну</b> \U0001f1fa\U0001f1e6 — «так»."  # markup stays text
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    env = os.environ.get("PIPELINE_CHROMIUM")
    if env:
        return env if os.access(env, os.X_OK) else None
    return next((p for p in map(shutil.which, CANDIDATES) if p), None)


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")


class Browser:
    """A headless Chromium with one page, spoken to over the DevTools pipe."""

    def __init__(self, binary: str, profile: Path, downloads: Path) -> None:
        child_in, self._out = os.pipe()
        self._in, child_out = os.pipe()
        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", "--window-size=1200,900", "about:blank",
        ]  # fmt: skip
        null = os.open(os.devnull, os.O_RDWR)
        dup = os.POSIX_SPAWN_DUP2
        actions = [(dup, child_in, 3), (dup, child_out, 4), (dup, null, 0), (dup, null, 1), (dup, null, 2)]
        self.pid = os.posix_spawn(binary, args, dict(os.environ), file_actions=actions)
        for fd in (child_in, child_out, null):
            os.close(fd)
        self._buf = b""
        self._id = 0
        self._events: list[dict[str, Any]] = []
        self.send("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=self.session)
        self.send("Network.enable", session=self.session)

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        msg: dict[str, Any] = json.loads(raw)
        return msg

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + 20
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == method:
                    return self._events.pop(i)
            self._events.append(self._message(deadline))

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self._events if e.get("method") == "Network.requestWillBeSent"]

    def js(self, expression: str) -> Any:
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True, "userGesture": True},
            session=self.session,
        )
        if "exceptionDetails" in res:
            raise AssertionError(f"{expression}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url}, session=self.session)
        self.wait_event("Page.loadEventFired")

    def screenshot(self) -> bytes:
        clip = {"x": 0, "y": 0, "width": 480, "height": 320, "scale": 1}
        data = self.send("Page.captureScreenshot", {"format": "png", "clip": clip}, session=self.session)["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        for fd in (self._out, self._in):
            os.close(fd)
        for _ in range(50):
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            time.sleep(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)


def png_variance(png: bytes) -> float:
    """Variance of all 8-bit samples of an RGB/RGBA PNG (non-interlaced), decoded with zlib only."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    total = total_sq = 0
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        total += sum(line)
        total_sq += sum(v * v for v in line)
        prev = line
    n = width * height * channels
    return total_sq / n - (total / n) ** 2


def test_png_variance_tells_blank_from_not_blank() -> None:
    def png(rows: list[bytes], w: int) -> bytes:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

        raw = b"".join(b"\x00" + r for r in rows)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, len(rows), 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))  # fmt: skip

    assert png_variance(png([b"\xff" * 6] * 2, 2)) == 0
    assert png_variance(png([b"\xff" * 6, b"\x00" * 6], 2)) > 0


def test_review_in_chromium_filter_correct_export_apply(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    run_dir, downloads = tmp_path / "run", tmp_path / "downloads"
    run_dir.mkdir()
    downloads.mkdir()
    jsonl, page, pairs = make_run(run_dir)
    flagged_ids = [p.id for p in pairs if p.flags]
    assert 0 < len(flagged_ids) < len(pairs) and 4 not in flagged_ids and {0, 5} <= set(flagged_ids)

    browser = Browser(CHROMIUM, tmp_path / "profile", downloads)
    try:
        browser.open(page.as_uri())
        assert browser.js("document.body.dataset.ready") == "1"
        assert browser.js("document.querySelectorAll('tr.pair').length") == len(pairs)
        # Markup in the data stays text.
        assert browser.js("window.__xss === undefined && !document.querySelector('#rows img, #rows script')")
        assert browser.js("document.querySelector('tr[data-id=\"1\"] td:nth-child(2) .text').textContent") == (
            pairs[1].src
        )
        assert browser.js("document.querySelector('tr[data-id=\"2\"] .text').getAttribute('dir')") == "auto"

        # Flagged pairs only.
        browser.js("document.getElementById('flagged-only').click()")
        shown = browser.js("Array.from(document.querySelectorAll('tr.pair:not([hidden])')).map(r => +r.dataset.id)")
        assert shown == flagged_ids

        # Corrections: reject pair 0, merge 5 with 6 (both via the visible rows' buttons), split pair 4
        # into its sentences and pair 3 at cursors placed after an emoji (UTF-16 vs code points).
        browser.js("document.querySelector('tr[data-id=\"0\"] button[data-act=reject]').click()")
        browser.js("document.querySelector('tr[data-id=\"5\"] button[data-act=merge]').click()")
        browser.js("document.getElementById('flagged-only').click()")
        browser.js("document.querySelector('tr[data-id=\"4\"] button[data-act=split]').click()")
        browser.js("document.querySelector('tr[data-editor=\"4\"] button[data-act=split-sentences]').click()")
        browser.js("document.querySelector('tr[data-id=\"3\"] button[data-act=split]').click()")
        src3, tgt3 = pairs[3].src, pairs[3].tgt
        s_cut = src3.index("agreed")  # after the flag emoji: code points, not UTF-16 units
        t_cut = tgt3.index("погодилися")
        s16, t16 = len(src3[:s_cut].encode("utf-16-le")) // 2, len(tgt3[:t_cut].encode("utf-16-le")) // 2
        assert (s16, t16) != (s_cut, t_cut)
        browser.js(
            "(() => { const e = document.querySelector('tr[data-editor=\"3\"]');"
            f" e.querySelector('[data-side=src]').setSelectionRange({s16}, {s16});"
            f" e.querySelector('[data-side=tgt]').setSelectionRange({t16}, {t16});"
            " e.querySelector('button[data-act=split-here]').click(); })()"
        )
        # Correct the target of pair 2 (it keeps its source): Edit..., type, Save.
        browser.js("document.querySelector('tr[data-id=\"2\"] button[data-act=edit]').click()")
        browser.js(
            "(() => { const e = document.querySelector('tr[data-retype=\"2\"]');"
            f" e.querySelector('[data-side=edit]').value = {json.dumps(EDITED)};"
            " e.querySelector('button[data-act=edit-save]').click(); })()"
        )
        assert browser.js("document.querySelector('tr[data-id=\"2\"] td:nth-child(3) .text').textContent") == EDITED
        assert browser.js("document.getElementById('decision-count').textContent") == "5 decision(s)"
        assert browser.js("document.querySelector('tr[data-id=\"0\"]').classList.contains('rejected')")

        browser.js("document.getElementById('export').click()")
        exported = browser.js("document.getElementById('decisions-json').value")
        target = downloads / "doc.en-uk.review-decisions.json"
        deadline = time.monotonic() + 10
        while not target.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        png = browser.screenshot()
        urls = browser.requested_urls()
    finally:
        browser.close()

    assert urls and all(u.split(":", 1)[0] in ("file", "blob", "data") for u in urls), urls  # no network
    assert target.read_text(encoding="utf-8") == exported
    doc = json.loads(exported)
    assert doc["decisions"] == [
        {"op": "reject", "id": 0},
        {"op": "edit", "id": 2, "tgt": EDITED},
        {"op": "split", "id": 3, "src_at": [s_cut], "tgt_at": [t_cut]},
        {"op": "split", "id": 4, "src_at": [14], "tgt_at": [15]},
        {"op": "merge", "ids": [5, 6]},
    ]
    assert png_variance(png) > 0

    assert main(["-q", "apply-review", str(target), "--out", str(tmp_path / "fixed")]) == 0
    fixed = read_jsonl(tmp_path / "fixed" / "doc.en-uk.reviewed.jsonl")
    assert [p.src for p in fixed] == [
        pairs[1].src,
        pairs[2].src,
        src3[:s_cut].strip(),
        "agreed.",
        "Kursk is far.",
        "It is cold there.",
        f"{pairs[5].src} {pairs[6].src}",
    ]
    assert fixed[1].src.endswith("\U0001f44b.") and XSS in fixed[0].src
    assert fixed[1].tgt == EDITED and fixed[1].flags == ("reviewed:edited",)
    assert [p.tgt_idx for p in fixed][4:] == [(4,), (5,), (7,)]


def test_review_in_chromium_filters_sentences_without_a_counterpart(tmp_path: Path) -> None:
    """The *no counterpart* filter shows the no_target and no_source pairs (and only them)."""
    from pipeline.records import AlignedPair

    assert CHROMIUM is not None
    rows = [
        ("One.", "Один.", (0,), (0,), ()),
        ("Left out.", "", (1,), (), ("no_target",)),
        ("Two.", "Два.", (2,), (1,), ("length_ratio",)),
        ("", "Додане речення.", (), (2,), ("no_source",)),
        ("Three.", "Три.", (3,), (3,), ()),
    ]
    pairs = [AlignedPair(n, "en", "uk", s, t, si, ti, 0.5, None, 0, f) for n, (s, t, si, ti, f) in enumerate(rows)]
    _, page, _ = make_run(tmp_path, pairs)
    browser = Browser(CHROMIUM, tmp_path / "profile", tmp_path)
    try:
        browser.open(page.as_uri())
        assert browser.js("document.body.dataset.ready") == "1"
        options = browser.js("Array.from(document.querySelectorAll('#flag-filter option')).map(o => o.value)")
        assert "no_target|no_source" in options and "no_target" in options and "no_source" in options
        shown = "Array.from(document.querySelectorAll('tr.pair:not([hidden])')).map(r => +r.dataset.id)"
        assert browser.js(shown) == [0, 1, 2, 3, 4]
        browser.js(
            "(() => { const s = document.getElementById('flag-filter'); s.value = 'no_target|no_source';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        assert browser.js(shown) == [1, 3]
        browser.js(
            "(() => { const s = document.getElementById('flag-filter'); s.value = 'no_source';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        assert browser.js(shown) == [3]
    finally:
        browser.close()

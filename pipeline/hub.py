"""Is the Hugging Face hub reachable? Asked once per process, answered within ~1.5 s.

Without network, ``huggingface_hub`` and ``transformers`` retry each request with their own timeouts (about
25 s before the pipeline could say "not cached and the hub cannot be reached"). Before any download, the
pipeline opens one TCP connection to the hub's host (``HF_ENDPOINT``, default ``https://huggingface.co``,
or the proxy that the environment names for it) with a short timeout, and remembers the answer for the
rest of the process. ``HF_HUB_OFFLINE=1`` means unreachable at once, without a probe.

Nothing here imports ``huggingface_hub``, ``transformers`` or torch.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import urllib.request
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

#: seconds the probe waits for name resolution and the TCP connection together
PROBE_TIMEOUT = 1.5
DEFAULT_ENDPOINT = "https://huggingface.co"
_TRUE = ("1", "on", "true", "yes")


def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set: no request is to be made."""
    if any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        return True
    try:  # already imported: its constants are what the library itself obeys (tests set them)
        import sys

        constants = sys.modules.get("huggingface_hub.constants")
        return bool(getattr(constants, "HF_HUB_OFFLINE", False)) if constants else False
    except Exception:  # pragma: no cover
        return False


def hub_cache_dir() -> str:
    """The Hugging Face cache folder, as the user set it, for messages."""
    return os.environ.get("HF_HUB_CACHE") or os.environ.get("HF_HOME") or "~/.cache/huggingface"


def probe_address() -> tuple[str, int]:
    """The host and port a download would connect to first: the hub endpoint, or the proxy for it."""
    endpoint = os.environ.get("HF_ENDPOINT", "").strip() or DEFAULT_ENDPOINT
    url = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
    scheme = url.scheme or "https"
    host = url.hostname or "huggingface.co"
    port = url.port or (80 if scheme == "http" else 443)
    proxy = urllib.request.getproxies().get(scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if p.hostname:
            return p.hostname, p.port or (443 if p.scheme == "https" else 80)
    return host, port


def _connects(host: str, port: int, timeout: float) -> bool:
    """One TCP connection, name resolution included, given up after ``timeout`` seconds in all."""
    result: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError as e:
            log.debug("hub probe %s:%d: %s", host, port, e)
            result.append(False)

    # getaddrinfo() has no timeout of its own: a thread bounds it (left to finish on its own)
    t = threading.Thread(target=attempt, name="hub-probe", daemon=True)
    t.start()
    t.join(timeout)
    return bool(result and result[0])


@functools.cache
def _probe(host: str, port: int) -> bool:
    ok = _connects(host, port, PROBE_TIMEOUT)
    log.debug("hub %s:%d %s", host, port, "reachable" if ok else f"unreachable within {PROBE_TIMEOUT}s")
    return ok


def hub_reachable() -> bool:
    """False when offline mode is set or the hub's host does not accept a connection in time (cached)."""
    if hub_offline():
        return False
    return _probe(*probe_address())

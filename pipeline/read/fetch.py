"""An ``http(s)://`` address as the input: the page is fetched once, with a time-out and a size limit, and read in
article mode (:mod:`pipeline.read.article`). Nothing else is ever fetched: not while parsing, not the page's
images, stylesheets or scripts."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from pipeline import __version__
from pipeline.errors import InputError

__all__ = ["MAX_BYTES", "TIMEOUT_S", "fetch", "is_url", "url_stem"]

TIMEOUT_S = 20.0
MAX_BYTES = 20 << 20
_TYPES = ("text/html", "application/xhtml+xml")


def is_url(given: str) -> bool:
    return given.lower().startswith(("http://", "https://"))


def url_stem(url: str) -> str:
    """A file name stem for a page's outputs: the last path segment without its extension, else the host."""
    parts = urlsplit(url)
    last = PurePosixPath(unquote(parts.path)).stem
    stem = last or parts.hostname or "page"
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:80] or "page"


def fetch(url: str, *, timeout: float = TIMEOUT_S, max_bytes: int = MAX_BYTES) -> bytes:
    """The body of the web page at ``url``; :class:`InputError` in one line for anything but an HTML page of at most
    ``max_bytes`` answered within ``timeout`` seconds."""
    import http.client
    import urllib.error
    import urllib.request

    fix = "check the address, or save the page and give the file"
    request = urllib.request.Request(url, headers={"User-Agent": f"opus-align-pipeline/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only (is_url)
            kind = (response.headers.get_content_type() or "").lower()
            if kind not in _TYPES:
                raise InputError(f"{url} is not a web page (content type {kind or 'unknown'})", fix)
            body: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as e:
        raise InputError(f"{url}: the server answered {e.code} {e.reason}", fix) from None
    except urllib.error.URLError as e:
        raise InputError(f"{url} cannot be fetched: {e.reason}", fix) from None
    except TimeoutError:
        raise InputError(f"{url} did not answer within {timeout:g} s", fix) from None
    except ValueError as e:
        raise InputError(f"{url} is not a usable address: {e}", fix) from None
    except (OSError, http.client.HTTPException) as e:  # a connection reset, a malformed answer
        raise InputError(f"{url} cannot be fetched: {type(e).__name__}: {e}", fix) from None
    if len(body) > max_bytes:
        raise InputError(f"{url} is larger than {max_bytes >> 20} MB", "save the part to translate and give the file")
    return body

"""Fast failures without network: one short hub probe per process instead of the client's retries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line_error

from pipeline import hub
from pipeline.cli import main
from pipeline.errors import ModelError
from pipeline.translate.models import ModelFiles, resolve_files


@pytest.fixture
def online_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Offline mode off (conftest turns it on), an empty HF cache, a fresh probe cache; the hub at a closed port."""
    import huggingface_hub.constants

    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens, refused at once
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    hub._probe.cache_clear()
    yield tmp_path
    hub._probe.cache_clear()


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every connection the probe makes (the real one still runs)."""
    seen: list[tuple[str, int]] = []
    real = hub._connects

    def spy(host: str, port: int, timeout: float) -> bool:
        seen.append((host, port))
        assert timeout <= 2.0
        return real(host, port, timeout)

    monkeypatch.setattr(hub, "_connects", spy)
    return seen


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls of the hub clients that would go to the network (local_files_only not set)."""
    import huggingface_hub
    import transformers

    calls: list[dict[str, Any]] = []
    real_download = huggingface_hub.hf_hub_download

    def download(*args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("local_files_only"):
            calls.append({"fn": "hf_hub_download", "args": args, **kwargs})
        return real_download(*args, **kwargs)

    real_load = transformers.MarianMTModel.from_pretrained.__func__  # type: ignore[attr-defined]

    def load(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.get("local_files_only"):
            calls.append({"fn": "from_pretrained", "args": args, **kwargs})
        return real_load(cls, *args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(transformers.MarianMTModel, "from_pretrained", classmethod(load))
    return calls


def test_cli_fails_in_one_line_after_one_probe_and_no_download(
    online_mode: Path, probes: list[tuple[str, int]], downloads: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    src = online_mode / "in.txt"
    src.write_text("The talks resume on Monday.\nPrices rose in March.\n", encoding="utf-8")
    out = online_mode / "out"
    code = main(["-q", "translate", "--lang", "uk", "--input", str(src), "--out", str(out)])
    assert code == 2
    err = one_line_error(capsys)
    assert "Helsinki-NLP/opus-mt-en-uk" in err and "the hub cannot be reached" in err and "--model DIR" in err
    assert probes == [("127.0.0.1", 9)]
    assert downloads == []
    assert not out.exists()


def test_the_probe_is_made_once_per_process(online_mode: Path, probes: list[tuple[str, int]]) -> None:
    for _ in range(3):
        with pytest.raises(ModelError, match="cannot be reached"):
            resolve_files("Helsinki-NLP/opus-mt-en-ru")
    assert probes == [("127.0.0.1", 9)]


def test_offline_mode_fails_at_once_without_a_probe(
    online_mode: Path, probes: list[tuple[str, int]], downloads: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="cannot be reached"):
        resolve_files("Helsinki-NLP/opus-mt-en-uk")
    assert probes == [] and downloads == []


def test_weights_not_cached_and_hub_unreachable(
    online_mode: Path, probes: list[tuple[str, int]], downloads: list[dict[str, Any]], en_uk_model: Path
) -> None:
    """Config and tokenizer in the cache, the weights not: no download attempt either."""
    from pipeline.translate.hf import load_marian_model

    snapshot = online_mode / "snapshot"
    snapshot.mkdir()
    (snapshot / "config.json").write_bytes((en_uk_model / "config.json").read_bytes())
    files = ModelFiles("Helsinki-NLP/opus-mt-en-uk", "abc", False, snapshot / "config.json", {})
    with pytest.raises(ModelError, match="cannot be reached"):
        load_marian_model(files, None)
    assert probes == [("127.0.0.1", 9)] and downloads == []


@pytest.mark.parametrize(
    ("env", "address"),
    [
        ({}, ("huggingface.co", 443)),
        ({"HF_ENDPOINT": "https://hf-mirror.example.org"}, ("hf-mirror.example.org", 443)),
        ({"HF_ENDPOINT": "http://10.1.2.3:8080/"}, ("10.1.2.3", 8080)),
        ({"HTTPS_PROXY": "http://proxy.local:3128"}, ("proxy.local", 3128)),
        ({"HTTPS_PROXY": "http://proxy.local:3128", "NO_PROXY": "huggingface.co"}, ("huggingface.co", 443)),
    ],
)
def test_probe_address(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], address: tuple[str, int]) -> None:
    for var in ("HF_ENDPOINT", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
                "ALL_PROXY", "all_proxy"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert hub.probe_address() == address


def test_a_probe_that_hangs_is_given_up_on_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name resolution has no timeout of its own: the probe does not wait for it."""
    import threading

    release = threading.Event()

    def stuck(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        raise OSError("gave up")

    monkeypatch.setattr(hub.socket, "create_connection", stuck)
    try:
        assert hub._connects("huggingface.co", 443, 0.2) is False
    finally:
        release.set()


class _NoST:
    calls: list[dict[str, Any]] = []

    def __init__(self, model: str, **kwargs: Any) -> None:
        _NoST.calls.append({"model": model, **kwargs})
        raise OSError("not loaded in this test")


def test_sentence_transformers_route(
    online_mode: Path, probes: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentence_transformers

    from pipeline.align import embed

    _NoST.calls = []
    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", _NoST)
    # not cached, hub unreachable: the one-line error, and the library is not asked
    with pytest.raises(ModelError) as e:
        embed.SentenceTransformersEmbedder("sentence-transformers/LaBSE")
    msg = str(e.value)
    assert "not in the Hugging Face cache" in msg and "the hub cannot be reached" in msg and "\n" not in msg
    assert _NoST.calls == [] and probes == [("127.0.0.1", 9)]
    # cached, hub unreachable: read from the cache only
    monkeypatch.setattr(embed, "_in_hub_cache", lambda model, revision: True)
    with pytest.raises(ModelError, match="not loaded in this test"):
        embed.SentenceTransformersEmbedder("sentence-transformers/LaBSE")
    assert _NoST.calls[-1]["local_files_only"] is True
    assert probes == [("127.0.0.1", 9)]  # still the one probe

"""The ctranslate2 backend against the transformers backend on tiny local models; token-budget batching."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import sentencepiece as spm
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import load_config
from pipeline.errors import ModelError
from pipeline.translate import get_translator
from pipeline.translate.batching import BatchedTranslator, plan_batches
from pipeline.translate.ct2 import CT2Translator, resolve_compute_type
from pipeline.translate.ct2_convert import MARKER

DATA = Path(__file__).resolve().parent / "data"
TEXTS = [*(DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()[:6], "Short.", "Kim Jong Un"]


@pytest.fixture(scope="module")
def models(en_uk_model: Path, en_ko_broken_model: Path, en_zle_model: Path) -> dict[str, Path]:
    """The copying fixtures: every input has its own output, so matching outputs mean something."""
    return {"uk": en_uk_model, "ko": en_ko_broken_model, "zle": en_zle_model}


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2")


def _cfg(model: Path, lang: str, ct2_dir: Path, *extra: str):
    return load_config(
        lang=lang,
        overrides=[
            f"translate.model={model}",
            "translate.max_new_tokens=16",
            "translate.num_beams=1",
            "translate.compute_type=float32",
            "translate.cache=false",
            f"translate.ct2_dir={ct2_dir}",
            "translate.threads=1",
            *extra,
        ],
    ).translate


def _both(model: Path, lang: str, ct2_dir: Path, *extra: str) -> tuple[list[str], list[str], CT2Translator]:
    hf = get_translator(_cfg(model, lang, ct2_dir, "translate.backend=transformers", *extra), lang)
    ct = get_translator(_cfg(model, lang, ct2_dir, "translate.backend=ctranslate2", *extra), lang)
    assert isinstance(ct, CT2Translator)
    return [o.text for o in hf.translate(TEXTS)], [o.text for o in ct.translate(TEXTS)], ct


@pytest.mark.parametrize(("key", "lang"), [("uk", "uk"), ("ko", "ko"), ("zle", "ru"), ("zle", "uk")])
def test_ct2_gives_the_transformers_output_with_greedy_float32(
    models: dict[str, Path], ct2_dir: Path, key: str, lang: str
) -> None:
    hf, ct, tr = _both(models[key], lang, ct2_dir)
    assert ct == hf
    assert len(set(hf)) == len(TEXTS)  # every input its own output: the comparison means something
    assert tr.name.startswith("ctranslate2-") and tr.name.endswith("-float32") and tr.device == "cpu"
    if key == "zle":
        assert tr.prefix == {"ru": ">>rus<<", "uk": ">>ukr<<"}[lang]


def test_ct2_beam_search_matches_too(models: dict[str, Path], ct2_dir: Path) -> None:
    hf, ct, _ = _both(models["uk"], "uk", ct2_dir, "translate.num_beams=4")
    assert ct == hf


def test_prefix_reaches_ct2(models: dict[str, Path], ct2_dir: Path) -> None:
    _, ru, _ = _both(models["zle"], "ru", ct2_dir)
    _, uk, _ = _both(models["zle"], "uk", ct2_dir)
    assert ru != uk


def test_broken_en_ko_converts_with_separate_vocabularies(models: dict[str, Path], ct2_dir: Path) -> None:
    """The converter's own export would put one table on both sides; ours follows source.spm / target.spm."""
    tr = get_translator(_cfg(models["ko"], "ko", ct2_dir, "translate.backend=ctranslate2"), "ko")
    assert isinstance(tr, CT2Translator) and tr.vocab_check.repaired
    src_sp = spm.SentencePieceProcessor(model_file=str(models["ko"] / "source.spm"))
    tgt_sp = spm.SentencePieceProcessor(model_file=str(models["ko"] / "target.spm"))
    src = json.loads((tr.model_dir / "source_vocabulary.json").read_text(encoding="utf-8"))
    tgt = json.loads((tr.model_dir / "target_vocabulary.json").read_text(encoding="utf-8"))
    assert src[: src_sp.GetPieceSize()] == [src_sp.IdToPiece(i) for i in range(src_sp.GetPieceSize())]
    assert tgt[: tgt_sp.GetPieceSize()] == [tgt_sp.IdToPiece(i) for i in range(tgt_sp.GetPieceSize())]
    assert not (tr.model_dir / "shared_vocabulary.json").exists()
    out = tr.translate(["Two North Korean soldiers captured in Ukraine."])[0].text
    # Decoded through the target table: re-encoding with target.spm gives the same text back, in Korean.
    assert out and tgt_sp.decode(tgt_sp.encode(out)) == out
    assert any("\uac00" <= ch <= "\ud7a3" for ch in out)


def test_auto_compute_type_is_int8_on_cpu(en_uk_model: Path, tmp_path: Path) -> None:
    assert resolve_compute_type("auto", "cpu") == "int8"
    tr = get_translator(
        _cfg(en_uk_model, "uk", tmp_path, "translate.backend=ctranslate2", "translate.compute_type=auto"), "uk"
    )
    assert tr.name.endswith("-int8")
    out = tr.translate(["Hello world.", "Short."])
    assert len(out) == 2 and all(o.text and o.score is not None and 0 < o.score <= 1 for o in out)


def test_converted_model_is_reused(en_ko_broken_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(en_ko_broken_model, "ko", tmp_path, "translate.backend=ctranslate2")
    first = get_translator(cfg, "ko").translate(TEXTS[:3])
    from pipeline.translate import ct2

    def no_conversion(*a: object, **k: object) -> None:
        raise AssertionError("converted again")

    monkeypatch.setattr(ct2.Conversion, "build", no_conversion)
    monkeypatch.setattr(ct2, "convert_in_child", no_conversion)  # the conversion runs in a child process
    assert get_translator(cfg, "ko").translate(TEXTS[:3]) == first


def test_the_conversion_leaves_torch_out_of_the_translating_process(en_uk_model: Path, tmp_path: Path) -> None:
    """Converting loads torch and the float32 weights (about 0.8 GB for a base-size model): in a child
    process, which gives that memory back when it ends. The translating process never imports torch
    (transformers, without torch, for its tokenizer only)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pipeline.config import load_config\n"
        "from pipeline.translate import get_translator\n"
        f"cfg = load_config(lang='uk', overrides=['translate.model={en_uk_model}', 'translate.backend=ctranslate2', "
        f"'translate.cache=false', 'translate.ct2_dir={tmp_path}', 'translate.threads=1']).translate\n"
        "tr = get_translator(cfg, 'uk')\n"
        "print(tr.translate(['Hello world.'])[0].text)\n"
        "print('torch' in sys.modules)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    text, imported = res.stdout.strip().splitlines()[-2:]
    assert text and imported == "False"
    assert list(tmp_path.rglob("model.bin"))  # converted, in the child


def test_a_conversion_process_that_dies_is_one_line(
    en_uk_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.translate import ct2_convert

    monkeypatch.setattr(ct2_convert, "_CHILD", "import os; os.kill(os.getpid(), 9)")  # as the kernel's OOM killer would
    with pytest.raises(ModelError) as err:
        get_translator(_cfg(en_uk_model, "uk", tmp_path, "translate.backend=ctranslate2"), "uk")
    msg = str(err.value)
    assert "ended without an answer (signal 9) (out of memory?)" in msg and "\n" not in msg
    assert "translate.backend=transformers" in msg


@pytest.mark.parametrize("damage", ["truncated", "no-marker", "bad-marker", "unloadable"])
def test_damaged_converted_model_is_rebuilt(
    en_ko_broken_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    cfg = _cfg(en_ko_broken_model, "ko", tmp_path, "translate.backend=ctranslate2")
    tr = get_translator(cfg, "ko")
    assert isinstance(tr, CT2Translator)
    good = tr.translate(TEXTS[:3])
    folder = tr.model_dir
    model_bin = folder / "model.bin"
    if damage == "truncated":
        model_bin.write_bytes(model_bin.read_bytes()[:100])
    elif damage == "no-marker":
        (folder / MARKER).unlink()
    elif damage == "bad-marker":
        (folder / MARKER).write_text("{not json", encoding="utf-8")
    else:  # garbage weights with a matching marker: only loading them shows the damage
        import hashlib

        model_bin.write_bytes(b"garbage" * 100)
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        marker["files"]["model.bin"] = {"size": 700, "sha256": hashlib.sha256(b"garbage" * 100).hexdigest()}
        (folder / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        again = get_translator(cfg, "ko")
    warnings = [r.getMessage() for r in caplog.records if "unusable" in r.getMessage()]
    assert len(warnings) == 1 and "\n" not in warnings[0] and str(folder) in warnings[0]
    assert again.translate(TEXTS[:3]) == good
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no temp or stale folders left


def test_unwritable_ct2_dir_is_one_line(en_uk_model: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ModelError) as err:
        get_translator(_cfg(en_uk_model, "uk", blocker / "ct2", "translate.backend=ctranslate2"), "uk")
    msg = str(err.value)
    assert "cannot write the converted model" in msg and "translate.ct2_dir" in msg and "\n" not in msg


def test_nonzero_start_embedding_is_refused(en_ko_broken_model: Path, tmp_path: Path) -> None:
    import torch
    from transformers import MarianMTModel

    folder = shutil.copytree(en_ko_broken_model, tmp_path / "m")
    model = MarianMTModel.from_pretrained(folder)
    with torch.no_grad():
        model.model.shared.weight[model.config.pad_token_id].fill_(0.5)
    model.save_pretrained(folder)
    with pytest.raises(ModelError, match="<pad> embedding .* is not zero.*backend=transformers"):
        get_translator(_cfg(folder, "ko", tmp_path / "ct2", "translate.backend=ctranslate2"), "ko")


def test_long_input_is_split_in_ct2_too(
    models: dict[str, Path], ct2_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    long = " ".join(["The soldiers were captured in Kursk."] * 12)
    outs = {}
    for backend in ("transformers", "ctranslate2"):
        cfg = _cfg(models["uk"], "uk", ct2_dir, f"translate.backend={backend}", "translate.max_input_tokens=16")
        outs[backend] = [o.text for o in get_translator(cfg, "uk").translate([long, "Short."])]
    assert len(outs["ctranslate2"]) == 2 and outs["ctranslate2"] == outs["transformers"]
    assert "translating it in parts" in caplog.text


# --------------------------------------------------------------------------- token-budget batching


@settings(max_examples=200, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=1, max_value=120), max_size=60),
    budget=st.integers(min_value=1, max_value=400),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
)
def test_plan_batches_covers_everything_within_the_budget(lengths: list[int], budget: int, cap: int | None) -> None:
    batches = plan_batches(lengths, budget, cap)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        cost = len(b) * max(lengths[i] for i in b)
        assert cost <= budget or len(b) == 1  # only a single over-budget unit may exceed it
        assert cap is None or len(b) <= cap
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat, reverse=True)  # sorted by length, longest first


def test_tiny_budget_gives_many_batches_and_the_same_outputs_in_order(models: dict[str, Path], ct2_dir: Path) -> None:
    for backend in ("transformers", "ctranslate2"):
        big = get_translator(_cfg(models["uk"], "uk", ct2_dir, f"translate.backend={backend}"), "uk")
        small = get_translator(
            _cfg(models["uk"], "uk", ct2_dir, f"translate.backend={backend}", "translate.batch_tokens=20"), "uk"
        )
        assert isinstance(big, BatchedTranslator) and isinstance(small, BatchedTranslator)
        one_by_one = [big.translate([t])[0].text for t in TEXTS]
        before = big.stats.batches
        assert [o.text for o in big.translate(TEXTS)] == one_by_one
        assert big.stats.batches - before == 1
        assert [o.text for o in small.translate(TEXTS)] == one_by_one
        assert small.stats.batches > 2
        assert small.stats.sentences == len(TEXTS) and small.stats.tgt_tokens > 0


def test_blank_inputs_give_empty_outputs(en_uk_model: Path, ct2_dir: Path) -> None:
    for backend in ("transformers", "ctranslate2"):
        tr = get_translator(_cfg(en_uk_model, "uk", ct2_dir, f"translate.backend={backend}"), "uk")
        out = tr.translate(["", "Hello.", "  "])
        assert [o.text for o in out][0::2] == ["", ""] and out[1].text


# --------------------------------------------------------------------------- GPU: CUDA 12's cuBLAS, the gpu extra

NO_CUBLAS = "Library libcublas.so.12 is not found or cannot be loaded"


def _on_a_gpu_without(monkeypatch: pytest.MonkeyPatch, *, at_load: str | None = None, at_compute: str | None = None):
    """CTranslate2 on a pretend CUDA device: the real CPU translator, failing as a wheel without cuBLAS does
    (loading the model works, the first computation fails), or failing ``at_load``."""
    import ctranslate2

    from pipeline.translate import ct2

    real = ctranslate2.Translator

    class GPU:
        def __init__(self, path: str, **kw: object) -> None:
            if at_load:
                raise RuntimeError(at_load)
            self._real = real(path, device="cpu", compute_type="float32")

        def translate_batch(self, *a: object, **k: object) -> object:
            if at_compute:
                raise RuntimeError(at_compute)
            return self._real.translate_batch(*a, **k)

    monkeypatch.setattr(ct2, "ct2_device", lambda requested: ("cuda", 0))
    monkeypatch.setattr(ct2, "resolve_compute_type", lambda requested, device: "float32")
    monkeypatch.setattr(ctranslate2, "Translator", GPU)


def test_missing_cublas_names_the_gpu_extra(en_uk_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _on_a_gpu_without(monkeypatch, at_compute=NO_CUBLAS)
    with pytest.raises(ModelError) as err:
        get_translator(_cfg(en_uk_model, "uk", tmp_path, "translate.backend=ctranslate2"), "uk")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"CTranslate2 cannot compute on cuda:0: {NO_CUBLAS}; ")
    assert "pip install '.[gpu]'" in msg and "nvidia-cublas-cu12" in msg
    assert "translate.backend=transformers" in msg and "translate.device=cpu" in msg


def test_a_cuda_failure_at_load_is_not_taken_for_a_damaged_model(
    en_uk_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A loading error that is the GPU's (a library, the driver) stops at once: the converted folder is fine
    and is neither deleted nor converted again."""
    for error, extra in [(NO_CUBLAS, True), ("CUDA failed with error CUDA driver version is insufficient", False)]:
        with monkeypatch.context() as m:
            _on_a_gpu_without(m, at_load=error)
            caplog.clear()
            with pytest.raises(ModelError) as err:
                get_translator(_cfg(en_uk_model, "uk", tmp_path, "translate.backend=ctranslate2"), "uk")
        msg = str(err.value)
        assert error in msg and ("pip install '.[gpu]'" in msg) is extra and "\n" not in msg
        assert "nvidia-smi" in msg or extra
        assert not any("unusable" in r.getMessage() for r in caplog.records)  # not removed as damaged
    assert len(list(tmp_path.rglob("model.bin"))) == 1  # converted once, kept


def test_preload_cublas_loads_the_pip_package_libraries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CTranslate2 opens libcublas.so.12 by name; the gpu extra's copy lies inside site-packages, off the
    loader's path, so it is loaded first (cuBLAS needs cuBLASLt, loaded before it)."""
    import sys

    from pipeline.translate.ct2 import preload_cublas

    stand_in = next(
        (p for p in (Path("/lib/x86_64-linux-gnu/libz.so.1"), Path("/usr/lib/libz.so.1")) if p.exists()), None
    )
    if stand_in is None:
        pytest.skip("no libz.so.1 to stand in for cuBLAS")
    for name in [m for m in sys.modules if m == "nvidia" or m.startswith("nvidia.")]:
        monkeypatch.delitem(sys.modules, name)
    # no real nvidia.* here. One setattr of a new list, never syspath_prepend on top of it: its undo would write
    # this filtered list back into the real sys.path and hide site-packages from every later test.
    without_packages = [p for p in sys.path if "-packages" not in p]
    monkeypatch.setattr(sys, "path", without_packages)
    assert preload_cublas() == []
    lib = tmp_path / "nvidia" / "cublas" / "lib"
    lib.mkdir(parents=True)
    (tmp_path / "nvidia" / "cublas" / "__init__.py").write_text("", encoding="utf-8")
    for name in ("libcublasLt.so.12", "libcublas.so.12"):
        shutil.copy(stand_in, lib / name)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *without_packages])
    import importlib

    importlib.invalidate_caches()
    assert preload_cublas() == [str(lib / "libcublasLt.so.12"), str(lib / "libcublas.so.12")]


# --------------------------------------------------------------------------- bounded decoding (max_length_factor)

BOUNDED = ("translate.max_new_tokens=64", "translate.max_length_floor=4")


@pytest.fixture(scope="module")
def looping_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random weights that never write </s> (the bench's tiny model): every output runs to its limit."""
    from pipeline.bench.translation import build_model

    return build_model(tmp_path_factory.mktemp("looping") / "model", quick=True)


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
@pytest.mark.parametrize("beams", [1, 4])
def test_bounded_decoding_leaves_outputs_that_end_early_alone(
    models: dict[str, Path], ct2_dir: Path, backend: str, beams: int
) -> None:
    """The copying model ends every output at about its source length: with a factor of 1.2 (and a floor of 4)
    no output reaches its budget, so the texts are byte for byte those of a run without the factor."""
    extra = (f"translate.backend={backend}", f"translate.num_beams={beams}", *BOUNDED)
    free = get_translator(_cfg(models["uk"], "uk", ct2_dir, *extra, "translate.max_length_factor=null"), "uk")
    bound = get_translator(_cfg(models["uk"], "uk", ct2_dir, *extra, "translate.max_length_factor=1.2"), "uk")
    a, b = free.translate(TEXTS), bound.translate(TEXTS)
    assert [o.text for o in b] == [o.text for o in a]
    assert [o.score for o in b] == pytest.approx([o.score for o in a], abs=1e-5)
    assert len({o.text for o in a}) == len(TEXTS) and free.stats.tgt_tokens == bound.stats.tgt_tokens


@pytest.mark.parametrize("beams", [1, 4])
def test_bounded_decoding_cuts_a_looping_unit_at_its_budget_on_both_backends(
    looping_model: Path, ct2_dir: Path, beams: int
) -> None:
    """A model that never ends runs every unit to max_new_tokens without a factor; with factor 1 each unit
    stops at its own budget (max(4, source tokens), the closing </s> included), in the same batch as longer
    ones, and both backends cut at the same token."""
    extra = (f"translate.num_beams={beams}", *BOUNDED)
    outs: dict[str, list[str]] = {}
    for backend in ("transformers", "ctranslate2"):
        cfg = _cfg(looping_model, "uk", ct2_dir, f"translate.backend={backend}", *extra)
        free = get_translator(cfg.model_copy(update={"max_length_factor": None}), "uk")
        bound = get_translator(cfg.model_copy(update={"max_length_factor": 1.0}), "uk")
        assert isinstance(bound, BatchedTranslator)
        free.translate(TEXTS)
        outs[backend] = [o.text for o in bound.translate(TEXTS)]
        sources = [len(ids) - 1 for ids in bound.encode(TEXTS)]
        assert free.stats.tgt_tokens == 64 * len(TEXTS)  # unbounded: every unit to the ceiling
        assert bound.stats.tgt_tokens == sum(max(4, n) - 1 for n in sources)  # each unit to its own budget
        assert bound.stats.batches == 1 and len(set(sources)) > 4  # one batch of units with different budgets
    if beams == 1:
        assert outs["ctranslate2"] == outs["transformers"]  # float32 greedy: the same tokens, cut at the same place

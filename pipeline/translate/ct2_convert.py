"""Converting a MarianMT model for CTranslate2: the cached, checked folder (:class:`Conversion`) and the
conversion itself, in a child process.

The conversion runs in a child process (:func:`convert_in_child`): it loads the transformers model in
float32 (torch, the weights and the converter's copy of them: about 0.8 GB for a base-size model), and
a process gives all of that back to the system when it ends, where ``del model`` would leave torch and
the allocator's pages in the translating process for the rest of the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError
from pipeline.translate.models import ModelFiles
from pipeline.translate.tokenizer import load_tokenizer

log = logging.getLogger(__name__)

MARKER = "pipeline-ct2.json"
FORMAT_VERSION = 1  # bump when the conversion here changes


def vocab_table(token_to_id: dict[str, int], size: int) -> list[str]:
    """Tokens by id for ids ``0..size-1``; ids no token uses get unique placeholders."""
    table = [f"<ct2_unused_{i}>" for i in range(size)]
    for token, i in sorted(token_to_id.items(), key=lambda kv: kv[1]):
        if 0 <= i < size:
            table[i] = token
    return table


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.rstrip("/").split("/")[-1])[:60] or "model"


class Conversion:
    """Where one model's converted copy lives, and what it must have been made from."""

    def __init__(self, files: ModelFiles, fingerprint: str, quantization: str, root: Path) -> None:
        import ctranslate2

        self.files = files
        self.meta = {
            "format": FORMAT_VERSION,
            "model": files.model,
            "revision": files.revision,
            "fingerprint": fingerprint,
            "quantization": quantization,
            "ctranslate2": ctranslate2.__version__,
        }
        digest = hashlib.sha256(json.dumps(self.meta, sort_keys=True).encode()).hexdigest()[:16]
        self.root = root
        self.folder = root / f"{_safe(files.model)}-{quantization}-{digest}"
        self.generation: dict[str, Any] = {}  # from the marker, once checked

    def problem(self) -> str | None:
        """Why the cached folder cannot be used (None: it can)."""
        marker = self.folder / MARKER
        if not marker.is_file():
            return f"no {MARKER} (an interrupted or foreign conversion)"
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8"))
            meta, listed = recorded["meta"], recorded["files"]
            self.generation = dict(recorded["generation"])
        except (OSError, ValueError, KeyError, TypeError):
            return f"{MARKER} is unreadable"
        if meta != self.meta:
            return f"{MARKER} describes another conversion"
        for name, info in listed.items():
            path = self.folder / name
            if not path.is_file():
                return f"{name} is missing"
            if path.stat().st_size != info["size"]:
                return f"{name} has {path.stat().st_size} bytes, {info['size']} expected"
            if _sha256(path) != info["sha256"]:
                return f"{name} does not match its checksum"
        return None

    def remove(self, why: str) -> None:
        log.warning("converted model %s is unusable (%s): converting again", self.folder, why)
        trash = self.folder.with_name(f".{self.folder.name}.stale-{os.getpid()}")
        try:
            os.replace(self.folder, trash)
        except OSError:
            trash = self.folder
        shutil.rmtree(trash, ignore_errors=True)

    def build(self, model: Any, tokenizer: Any) -> Path:
        """Convert into a temporary folder beside the final one and rename it into place."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.tmp-", dir=self.root))
        except OSError as e:
            raise self._write_error(e) from None
        try:
            convert_marian(model, tokenizer, tmp / "model", str(self.meta["quantization"]))
            listed = {
                p.name: {"size": p.stat().st_size, "sha256": _sha256(p)} for p in sorted((tmp / "model").iterdir())
            }
            # What generate() would do at the length limit, read from the loaded model (generation_config.json
            # wins over config.json, and for hub models it may only arrive with the weights).
            gen = getattr(model, "generation_config", None)
            generation = {"forced_eos": getattr(gen, "forced_eos_token_id", None) is not None}
            marker = tmp / "model" / MARKER
            body = {"meta": self.meta, "files": listed, "generation": generation}
            marker.write_text(json.dumps(body, indent=1), encoding="utf-8")
            self.generation = generation
            try:
                os.rename(tmp / "model", self.folder)
            except OSError:
                if self.problem() is not None:  # not another process's finished copy: a real failure
                    raise
        except OSError as e:
            raise self._write_error(e) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return self.folder

    def _write_error(self, e: OSError) -> ModelError:
        return ModelError(
            f"cannot write the converted model under {self.root}: {e.strerror or e}",
            "free disk space, set translate.ct2_dir to a writable folder, or use translate.backend=transformers",
        )


def convert_marian(model: Any, tokenizer: Any, out: Path, quantization: str) -> None:
    """Convert a loaded ``MarianMTModel`` with ``TransformersConverter``, writing our own vocabularies."""
    import torch
    from ctranslate2.converters import TransformersConverter
    from ctranslate2.converters.transformers import MarianMTLoader

    rows = int(model.get_input_embeddings().weight.shape[0])
    pad = model.config.pad_token_id
    if pad != rows - 1:  # the Marian loader drops the last embedding row as <pad>
        raise ModelError(
            f"model {model.name_or_path}: pad id {pad} is not the last of {rows} embedding rows, "
            "which the CTranslate2 conversion of Marian models needs",
            "use translate.backend=transformers for this model",
        )
    start = model.model.decoder.embed_tokens.weight[pad]
    if bool(torch.count_nonzero(start)):  # CTranslate2 starts the decoder from a zero vector instead
        raise ModelError(
            f"model {model.name_or_path}: the <pad> embedding (the decoder's start) is not zero, "
            "so CTranslate2 would not reproduce it",
            "use translate.backend=transformers for this model",
        )
    src = vocab_table(tokenizer.encoder, rows - 1)
    tgt = vocab_table({t: i for i, t in tokenizer.decoder.items()}, rows - 1)

    class Loader(MarianMTLoader):  # type: ignore[misc]
        def set_vocabulary(self, spec: Any, tokens: list[str]) -> None:
            spec.register_source_vocabulary(src)
            spec.register_target_vocabulary(tgt)

    class Converter(TransformersConverter):  # type: ignore[misc]
        def _load(self) -> Any:
            with torch.no_grad():
                return Loader()(model, tokenizer)

    try:
        Converter(str(model.name_or_path)).convert(str(out), quantization=quantization, force=True)
    except (ValueError, RuntimeError, NotImplementedError) as e:
        raise ModelError(
            f"CTranslate2 cannot convert model {model.name_or_path}: {str(e).splitlines()[0]}",
            "use translate.backend=transformers",
        ) from None


@dataclass(frozen=True)
class ConvertRequest:
    """What the conversion process needs: where to write, and how to load the model and its tokenizer."""

    conversion: Conversion
    revision: str | None
    pad_id: int
    model_id: str
    threads: int | None = None


def convert_here(request: ConvertRequest) -> dict[str, Any]:
    """Load the transformers model, convert it into ``request.conversion.folder``; the generation settings."""
    from pipeline.translate.hf import check_sizes, load_marian_model

    if request.threads:
        import torch

        torch.set_num_threads(request.threads)
    conversion = request.conversion
    tokenizer, _ = load_tokenizer(conversion.files.tokenizer, pad_id=request.pad_id, model=request.model_id)
    model = load_marian_model(conversion.files, request.revision)
    check_sizes(tokenizer, int(model.get_input_embeddings().weight.shape[0]), request.model_id)
    conversion.build(model, tokenizer)
    return conversion.generation


#: the child's entry point: reads a pickled ConvertRequest on stdin, writes a JSON answer to the file in argv[1]
_CHILD = "import sys; from pipeline.translate.ct2_convert import _child_main; sys.exit(_child_main(sys.argv[1]))"


def convert_in_child(request: ConvertRequest) -> dict[str, Any]:
    """:func:`convert_here` in a fresh Python process (``sys.executable``), so that torch, the float32
    weights and the converter's copies never enter this one; its errors come back as the same one line."""
    import pipeline

    env = dict(os.environ)
    top = str(Path(pipeline.__file__).resolve().parent.parent)  # the folder that holds this package
    env["PYTHONPATH"] = os.pathsep.join([top, *filter(None, [env.get("PYTHONPATH")])])
    with tempfile.TemporaryDirectory(prefix="pipeline-ct2-convert-") as tmp:
        answer_file = Path(tmp) / "answer.json"
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(answer_file)],
                input=pickle.dumps(request),
                env=env,
                stdout=subprocess.DEVNULL,  # our stdout may carry a command's output; libraries print
                check=False,
            )
        except OSError as e:
            raise ModelError(
                f"cannot start the process that converts model {request.model_id} for CTranslate2: {e}",
                "use translate.backend=transformers",
            ) from None
        try:
            answer = json.loads(answer_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            answer = None
    if not isinstance(answer, dict) or answer.get("status") is None:
        died = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        hint = " (out of memory?)" if proc.returncode in (-9, 137) else ""
        raise ModelError(
            f"the process converting model {request.model_id} for CTranslate2 ended without an answer ({died}){hint}",
            "see the messages above; free memory, or use translate.backend=transformers",
        )
    if answer["status"] != "ok":
        raise ModelError(str(answer.get("problem")), answer.get("fix"))
    generation: dict[str, Any] = answer["generation"]
    return generation


def _child_main(answer_path: str) -> int:
    """In the conversion process: convert, write ``{"status": "ok", "generation": ...}`` or the error."""
    from pipeline.errors import PipelineError, failure_reason

    logging.basicConfig(level=logging.WARNING, format="pipeline: %(levelname)s: %(message)s")
    try:
        request = pickle.loads(sys.stdin.buffer.read())
        answer: dict[str, Any] = {"status": "ok", "generation": convert_here(request)}
    except PipelineError as e:
        answer = {"status": "error", "problem": e.problem, "fix": e.fix}
    except Exception as e:  # noqa: BLE001 - anything else still reaches the user in one line
        answer = {
            "status": "error",
            "problem": f"converting the model for CTranslate2 failed ({failure_reason(e)})",
            "fix": "use translate.backend=transformers",
        }
    Path(answer_path).write_text(json.dumps(answer), encoding="utf-8")
    return 0

"""Write every output of the seed into one folder, to compare two versions of the code byte for byte.

    python tools/snapshot_outputs.py OUT_DIR            # before a change
    python tools/snapshot_outputs.py OUT_DIR2           # after it
    diff -r OUT_DIR OUT_DIR2                            # or: python tools/snapshot_outputs.py --compare A B

It runs, on the tiny copying models of the tests (their output is not a translation):
``translate`` of the seed into uk (transformers and ctranslate2; sentence and paragraph units) and into ru
and ko, in every format with the review page; ``translate-corpus`` of the seed as a JSONL corpus (uk, both
formats); and ``align`` of the seed with its reference translations in every ``--format``. Everything runs with
``SOURCE_DATE_EPOCH`` set. What depends on the clock or the machine (seconds, peak memory, absolute paths
of the temporary models) is taken out of the report and manifest JSON before writing, so two runs of the
same code give the same tree.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

SEED = ROOT / "tests" / "data" / "seed.en.txt"
FORMATS = "[tmx,jsonl,tsv,moses,hf,parquet,xliff]"
VOLATILE = {"seconds", "profile", "peak_rss_mb", "elapsed", "created_at", "wall_seconds", "sentences_per_second"}


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "-q", *args], env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"pipeline {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _scrub_tree(folder: Path, paths: dict[str, str]) -> None:
    """Drop clock and machine figures from the reports and manifests; replace ``paths`` by their names."""
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix == ".json":
            text = json.dumps(_scrub(json.loads(path.read_text("utf-8"))), indent=1, ensure_ascii=False)
        elif path.is_file() and path.suffix in (".html", ".jsonl", ".xlf", ".tmx", ".md"):
            text = path.read_text("utf-8")
        else:
            continue
        for old, new in paths.items():
            text = text.replace(old, new)
        path.write_text(text, "utf-8")


def snapshot(out: Path) -> None:
    from tiny_models import build_en_uk_model, build_spm_model

    out.mkdir(parents=True, exist_ok=True)
    # one fixed work folder: the model's path is part of every signature and run hash
    tmp = Path(tempfile.gettempdir()) / "pipeline-snapshot"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        env = {
            **os.environ,
            "SOURCE_DATE_EPOCH": "1700000000",
            "HF_HUB_OFFLINE": "1",
            "XDG_CACHE_HOME": str(tmp / "cache"),
        }
        models = {
            "uk": build_en_uk_model(tmp / "en-uk"),
            "ru": build_spm_model(tmp / "en-ru", "ru", layout="shared"),
            "ko": build_spm_model(tmp / "en-ko", "ko", layout="broken-target-only"),
        }
        common = ["--input", str(SEED), "--set", f"output.formats={FORMATS}", "--no-cache"]
        runs = [
            ("uk-transformers", "uk", []),
            ("uk-ctranslate2", "uk", ["--set", "translate.backend=ctranslate2"]),
            ("uk-paragraph", "uk", ["--set", "translate.unit=paragraph"]),
            ("ru-transformers", "ru", []),
            ("ko-ctranslate2", "ko", ["--set", "translate.backend=ctranslate2"]),
        ]
        for name, lang, extra in runs:
            _run(["translate", "--lang", lang, "--model", str(models[lang]), *common, "--out", str(out / name), *extra],
                 env)  # fmt: skip
        corpus = tmp / "corpus.jsonl"
        lines = SEED.read_text("utf-8").split("\n\n")
        half = len(lines) // 2
        docs = [{"id": "a", "text": "\n\n".join(lines[:half])}, {"id": "b", "text": "\n\n".join(lines[half:])}]
        corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), "utf-8")
        os.utime(corpus, (1700000000, 1700000000))  # the shard key counts the input's size and time
        for backend in ("transformers", "ctranslate2"):
            _run(["translate-corpus", "--lang", "uk", "--model", str(models["uk"]), "--input", str(corpus),
                  "--out", str(out / f"corpus-{backend}"), "--set", f"translate.backend={backend}",
                  "--set", "corpus.formats=[jsonl,tmx]", "--no-cache"], env)  # fmt: skip
        data = ROOT / "tests" / "data"
        for lang in ("ko", "ru", "uk"):
            for fmt in ("beads", "tmx", "jsonl", "tsv"):
                _run(["align", "--src", str(data / "seed.en.txt"), "--tgt", str(data / f"seed.{lang}.txt"),
                      "--src-lang", "en", "--tgt-lang", lang, "--format", fmt,
                      "--out", str(out / "align" / f"seed.en-{lang}.{fmt}")], env)  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _scrub_tree(out, {str(out.resolve()): "<out>", str(ROOT): "<repo>"})


def compare(a: Path, b: Path) -> int:
    """Print the files that differ or exist on one side only; 0 when the trees are byte-identical."""
    bad = 0
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    for rel in sorted(files_a ^ files_b):
        print(f"only in {'first' if rel in files_a else 'second'}: {rel}")
        bad += 1
    for rel in sorted(files_a & files_b):
        if not filecmp.cmp(a / rel, b / rel, shallow=False):
            print(f"differs: {rel}")
            bad += 1
    print(f"{len(files_a & files_b)} files compared, {bad} difference(s)")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="folder to write (replaced), or the first folder with --compare")
    ap.add_argument("--compare", type=Path, metavar="OTHER", help="compare OUT with OTHER instead of writing")
    args = ap.parse_args()
    if args.compare:
        return compare(args.out, args.compare)
    shutil.rmtree(args.out, ignore_errors=True)
    snapshot(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Alternatives for the translator (issue 28 item 3): ``translate.alternatives: N`` keeps the N best other distinct
hypotheses of each sentence: JSONL ``alternatives``, XLIFF ``<alt-trans>`` with their scores (after the pipeline's
own, which ``apply-review`` still reads), and the review page, where "Use" makes one the target (an edit)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from test_codes_tmx_xliff import FAKE_DOM
from test_repair import LOOP, SETTINGS, TEXT, Stand, clean, looped
from test_xliff import load_schema

from pipeline.config import load_config
from pipeline.corpus.job import run_corpus
from pipeline.records import Alternative
from pipeline.review.xliff import read_xliff
from pipeline.run import translate_file
from pipeline.translate import Output
from pipeline.translate.base import Decoding
from pipeline.write.jsonl import read_jsonl

NODE = shutil.which("node")
RANKS = ("", "друга", "третя", "четверта")


class NBest(Stand):
    """The plain output is hypothesis 1 of the n-best; ranks 2, 3, ... are told apart by a word and a score."""

    def translate_with(self, texts: Sequence[str], decoding: Decoding) -> list[list[Output]] | None:
        self.calls.append((decoding.key(), list(texts)))
        if decoding.num_hypotheses == 1:
            return [[Output(clean(t, "без"), 0.45)] for t in texts]
        hyps = [[Output(clean(t, tag), round(0.5 - 0.1 * r, 2)) for r, tag in enumerate(RANKS)] for t in texts]
        return [h[: decoding.num_hypotheses] for h in hyps]


def _run(tmp_path: Path, translator: Stand, *extra: str) -> Path:
    cfg = load_config(lang="uk", overrides=[*SETTINGS, "output.formats=[jsonl,xliff]", "output.review=true", *extra])
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = tmp_path / "talks.txt"
    src.write_text(TEXT.replace(LOOP + " ", ""), encoding="utf-8")
    translate_file(cfg, src, tmp_path / "out", translator=translator)
    return tmp_path / "out"


def test_alternatives_are_the_other_hypotheses_in_jsonl_and_xliff(tmp_path: Path) -> None:
    out = _run(tmp_path, NBest(), "translate.alternatives=2")
    pairs = read_jsonl(out / "talks.en-uk.jsonl")
    assert len(pairs) == 3
    for p in pairs:
        assert p.tgt == clean(p.src) and p.repaired is None
        assert p.alternatives == (
            Alternative(clean(p.src, "друга"), 0.4, "n-best"),
            Alternative(clean(p.src, "третя"), 0.3, "n-best"),
        )
    xlf = (out / "talks.en-uk.xlf").read_text(encoding="utf-8")
    assert xlf.count("<alt-trans") == 3 * 3 and xlf.count('origin="stand-in (n-best)" match-quality="40"') == 3
    units = read_xliff(out / "talks.en-uk.xlf").units
    assert [u.original for u in units] == [p.tgt for p in pairs]  # apply-review still reads the pipeline's own
    schema = load_schema()
    if schema is not None:  # the XLIFF 1.2 strict schema (../shared/xliff)
        assert schema.validate(etree.parse(str(out / "talks.en-uk.xlf"))), schema.error_log


def test_no_alternatives_by_default_and_a_backend_without_n_best_keeps_none(tmp_path: Path) -> None:
    tr = NBest()
    out = _run(tmp_path / "default", tr)
    assert all(c[0] == "plain" for c in tr.calls)
    records = [json.loads(line) for line in (out / "talks.en-uk.jsonl").read_text(encoding="utf-8").splitlines()]
    assert not any("alternatives" in r for r in records)
    out = _run(tmp_path / "none", Stand(options=False), "translate.alternatives=2")
    assert not any(p.alternatives for p in read_jsonl(out / "talks.en-uk.jsonl"))


def test_a_repaired_pair_keeps_its_first_output_first(tmp_path: Path) -> None:
    cfg = load_config(lang="uk", overrides=[*SETTINGS, "translate.alternatives=1"])
    src = tmp_path / "talks.txt"
    src.write_text(TEXT, encoding="utf-8")
    translate_file(cfg, src, tmp_path / "out", translator=NBest())
    (pair,) = [p for p in read_jsonl(tmp_path / "out" / "talks.en-uk.jsonl") if p.src == LOOP]
    assert pair.repaired == "no-repeat" and pair.tgt == clean(LOOP, "без")
    assert pair.alternatives == (
        Alternative(looped(LOOP), 0.5, "first-output"),
        Alternative(clean(LOOP), 0.5, "n-best"),  # hypothesis 1 of the n-best is not the repaired target
    )


def test_translate_corpus_keeps_the_same_alternatives(tmp_path: Path) -> None:
    cfg = load_config(lang="uk", overrides=[*SETTINGS, "translate.alternatives=2"])
    corpus = tmp_path / "talks.jsonl"
    corpus.write_text(json.dumps({"id": "talks", "text": TEXT}) + "\n", encoding="utf-8")
    run_corpus(cfg, corpus, tmp_path / "many", engine="local", translator_factory=NBest())
    shard = next((tmp_path / "many" / "shards").glob("*.en-uk.jsonl"))
    pairs = read_jsonl(shard)
    assert all(len(p.alternatives) >= 2 for p in pairs)
    assert [a.text for a in pairs[0].alternatives] == [clean(pairs[0].src, "друга"), clean(pairs[0].src, "третя")]


# --------------------------------------------------------------------------- the review page, run in Node

PICK = r"""
const rowsOf = () => document.getElementById("rows").children;
const find = (n, act) => n.attributes && n.attributes["data-act"] === act ? n
  : n.childNodes.map((c) => find(c, act)).find((x) => x) || null;
const pair0 = () => rowsOf().find((r) => r.getAttribute("data-id") === "0");
const repaired = rowsOf().filter((r) => r.getAttribute("data-id") !== null).map((r) => r.childNodes[3].textContent);
find(pair0(), "edit").handlers.click();
const editor = rowsOf().find((r) => r.getAttribute("data-retype") === "0");
const listed = editor.textContent;
find(editor, "use-alternative").handlers.click();
console.log(JSON.stringify({ saved: JSON.parse(globalThis.saved), listed, repaired,
  target: pair0().childNodes[2].textContent }));
"""


def _pick_script() -> str:
    head = FAKE_DOM.split("const show =")[0]
    head = head.replace("addEventListener() {}", "addEventListener(t, f) { (this.handlers ||= {})[t] = f; }")
    head = head.replace("setItem: () => {}", "setItem: (k, v) => { globalThis.saved = v; }")
    return head + PICK


@pytest.mark.skipif(NODE is None, reason="no Node.js to run the page's script")
def test_the_review_page_uses_an_alternative_as_an_edit(tmp_path: Path) -> None:
    out = _run(tmp_path, NBest(), "translate.alternatives=2", "translate.repair.enabled=false")
    page = out / "talks.en-uk.review.html"
    script = tmp_path / "pick.js"
    script.write_text(_pick_script(), encoding="utf-8")
    assert NODE is not None
    res = subprocess.run([NODE, str(script), str(page)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr[-3000:]
    got: dict[str, Any] = json.loads(res.stdout)
    first = read_jsonl(out / "talks.en-uk.jsonl")[0]
    assert got["saved"] == [{"op": "edit", "id": 0, "tgt": clean(first.src, "друга")}]
    assert clean(first.src, "третя") in got["listed"] and "(mt 0.30)" in got["listed"]
    assert got["target"] == clean(first.src, "друга")


def test_a_page_without_alternatives_has_none_of_their_parts(tmp_path: Path) -> None:
    out = _run(tmp_path, NBest())
    page = (out / "talks.en-uk.review.html").read_text(encoding="utf-8")
    for absent in ("alts{", "}alts", "alternativesList", "use-alternative", ".repaired"):
        assert absent not in page


OMEGAT = shutil.which("omegat")


@pytest.mark.skipif(
    not OMEGAT or not shutil.which("java"), reason="OmegaT is not installed (apt-get install -y omegat)"
)
def test_omegat_takes_an_xliff_with_alternatives_and_writes_them_back(tmp_path: Path) -> None:
    """OmegaT 3.6 (console-translate) reads the XLIFF with the alternatives' <alt-trans> as a source document and
    writes it back with every one of them; apply-review still reads the pipeline's own."""
    import os

    from test_omegat import PROJECT_FILE

    out = _run(tmp_path / "run", NBest(), "translate.alternatives=2")
    project = tmp_path / "project"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    (project / "omegat.project").write_text(PROJECT_FILE.format(src="EN", tgt="UK"), encoding="utf-8")
    xlf = (out / "talks.en-uk.xlf").read_text(encoding="utf-8")
    (project / "source" / "talks.en-uk.xlf").write_text(xlf, encoding="utf-8")
    env = {
        **os.environ,
        "JAVA_TOOL_OPTIONS": f"-Djava.awt.headless=true -Duser.home={tmp_path / 'home'}",
        "LC_ALL": "C.UTF-8",
    }
    assert OMEGAT is not None
    res = subprocess.run(
        [OMEGAT, str(project), "--mode=console-translate", f"--config-dir={tmp_path / 'cfg'}", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=tmp_path,
    )
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    back = (project / "target" / "talks.en-uk.xlf").read_text(encoding="utf-8")
    assert back.count("<alt-trans") == xlf.count("<alt-trans") == 9
    pairs = read_jsonl(out / "talks.en-uk.jsonl")
    for p in pairs:
        assert all(a.text in back for a in p.alternatives)
    units = read_xliff(project / "target" / "talks.en-uk.xlf").units
    assert [u.original for u in units] == [p.tgt for p in pairs]

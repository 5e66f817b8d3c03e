"""A real CAT tool imports our TMX: OmegaT (console mode) pre-translates a document from it.

OmegaT 3.6 (Debian ``omegat``), ``--mode=console-translate``: it loads the project, inserts every
exact match from the TMX files in ``tm/auto/`` as the translation of segments that have none yet (a
fresh project has none, so ``tm/auto`` fills every segment; ``tm/enforce`` would be needed only to
overwrite existing translations), and writes the translated documents to ``target/``.

Segmentation must match ours. The source document holds one source segment per paragraph (blank
line between) and the project turns sentence segmentation off (``<sentence_seg>false``), so each
paragraph of OmegaT's plain-text filter (which splits on empty lines by default) is exactly one of
our segments, whatever OmegaT's SRX rules would do with abbreviations. Language codes: the project
says ``EN``/``KO`` (as OmegaT writes them), the TMX ``en``/``ko``; OmegaT matches them
case-insensitively.

Two TMX files are checked: one from a real ``translate`` run with a tiny random-weight model (its
output is not a translation, and it is nearly the same string for every sentence), and one written by
our TMX writer from the project's own reference translations (``tests/data``, human translations with
1-2 and 2-1 beads), whose targets all differ, so the test also shows that each segment gets its own
translation. Skipped where ``omegat`` (or java) is not installed: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.records import AlignedPair, Signature
from pipeline.write import write_pairs

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OMEGAT = shutil.which("omegat")
JAVA = shutil.which("java")
TIMEOUT_S = 120

PROJECT_FILE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
    <project version="1.0">
        <source_dir>__DEFAULT__</source_dir>
        <target_dir>__DEFAULT__</target_dir>
        <tm_dir>__DEFAULT__</tm_dir>
        <glossary_dir>__DEFAULT__</glossary_dir>
        <glossary_file>__DEFAULT__</glossary_file>
        <dictionary_dir>__DEFAULT__</dictionary_dir>
        <source_lang>{src}</source_lang>
        <target_lang>{tgt}</target_lang>
        <source_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</source_tok>
        <target_tok>org.omegat.tokenizer.LuceneCJKTokenizer</target_tok>
        <sentence_seg>false</sentence_seg>
        <support_default_translations>true</support_default_translations>
        <remove_tags>false</remove_tags>
    </project>
</omegat>
"""


# Skipped before any fixture (the tiny model) is built.
pytestmark = pytest.mark.skipif(
    not OMEGAT or not JAVA,
    reason="OmegaT is not installed (apt-get install -y omegat); the CAT-tool import check needs it",
)


def tmx_units(path: Path, src_lang: str, tgt_lang: str) -> list[tuple[str, str]]:
    """(source, target) text of every <tu>, in order."""
    tree = etree.parse(str(path), etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    units = []
    for tu in tree.iter("tu"):
        segs = {tuv.get(XML_LANG): "".join(tuv.find("seg").itertext()) for tuv in tu.findall("tuv")}
        units.append((segs[src_lang], segs[tgt_lang]))
    return units


def translate_with_omegat(tmp: Path, tmx: Path, sources: list[str], tgt_lang: str = "ko") -> str:
    """Build an OmegaT project around ``tmx`` (in tm/auto) and ``sources``, run console-translate, return target/."""
    project = tmp / "project"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True, exist_ok=True)
    (project / "omegat.project").write_text(PROJECT_FILE.format(src="EN", tgt=tgt_lang.upper()), encoding="utf-8")
    (project / "source" / "article.txt").write_text("\n\n".join(sources) + "\n", encoding="utf-8")
    shutil.copy(tmx, project / "tm" / "auto" / tmx.name)
    env = {
        **os.environ,
        "JAVA_TOOL_OPTIONS": f"-Djava.awt.headless=true -Duser.home={tmp / 'home'}",
        "LC_ALL": "C.UTF-8",
    }
    assert OMEGAT is not None
    res = subprocess.run(
        [OMEGAT, str(project), "--mode=console-translate", f"--config-dir={tmp / 'omegat-config'}", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
        cwd=tmp,
    )
    log = (res.stdout + res.stderr)[-3000:]
    assert res.returncode == 0, log
    target = project / "target" / "article.txt"
    assert target.is_file(), log
    return target.read_text(encoding="utf-8")


def check_filled(tmp: Path, tmx: Path, tgt_lang: str) -> None:
    units = tmx_units(tmx, "en", tgt_lang)
    assert units and all(src and tgt for src, tgt in units)
    by_source: dict[str, str] = {}
    for src, tgt in units:  # one translation per distinct source (else OmegaT would pick one of them)
        assert by_source.setdefault(src, tgt) == tgt, src
    sources = [src for src, _ in units]
    got = translate_with_omegat(tmp, tmx, sources, tgt_lang)
    assert got == "\n\n".join(tgt for _, tgt in units) + "\n"


def test_omegat_fills_every_segment_from_a_translate_run(tmp_path: Path, en_ko_broken_model: Path) -> None:
    out = tmp_path / "out"
    args = ["-q", "translate", "--lang", "ko", "--model", str(en_ko_broken_model), "--out", str(out)]
    args += ["--set", "translate.max_new_tokens=6", "--set", "translate.num_beams=2"]
    assert main([*args, "--set", "output.formats=[tmx]", "--set", "output.creation_date=2026-01-01T00:00:00Z"]) == 0
    tmx = out / "000_d3c0a91caa4d5cc3.en-ko.tmx"
    assert [src for src, _ in tmx_units(tmx, "en", "ko")] == (DATA / "seed.en.txt").read_text("utf-8").splitlines()
    check_filled(tmp_path, tmx, "ko")


def _gold_pairs(lang: str) -> list[AlignedPair]:
    en = (DATA / "seed.en.txt").read_text(encoding="utf-8").splitlines()
    tgt = (DATA / f"seed.{lang}.txt").read_text(encoding="utf-8").splitlines()
    pairs = []
    for n, line in enumerate((DATA / f"seed.en-{lang}.gold").read_text(encoding="utf-8").splitlines()):
        s, t = ([int(i) for i in re.findall(r"\d+", side)] for side in line.split(":"))
        pairs.append(
            AlignedPair(n, "en", lang, " ".join(en[i] for i in s), " ".join(tgt[j] for j in t), tuple(s), tuple(t), 1.0)
        )
    tricky = ('Markup-like <b>text</b> & "quotes" stay text: 5 < 6 > 4, {1}, %s.', '마크업 <b>텍스트</b> & "인용".')
    pairs.append(AlignedPair(len(pairs), "en", lang, *tricky, (len(en),), (len(tgt),), 1.0))
    return pairs


def test_omegat_gives_each_segment_its_own_translation(tmp_path: Path) -> None:
    """Reference translations (not model output) through our TMX writer: distinct targets, n-m beads."""
    sig = Signature("0.1.0", "rules-en.v1", "reference-translation", "none", "none", "gold", "none")
    pairs = _gold_pairs("ko")
    tmx = write_pairs("tmx", pairs, tmp_path / "seed.en-ko.tmx", signature=sig, src_lang="en", tgt_lang="ko")
    assert len({p.tgt for p in pairs}) == len(pairs)
    check_filled(tmp_path, tmx, "ko")

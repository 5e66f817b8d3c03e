"""The glossary in a run: --glossary, the term_missing flag in every output, glossary.enforce on the tiny models.

The tiny models copy their input (their output is not a translation), so these tests check the mechanism:
a placeholder the model copies through comes back as the glossary's form at the same place, and one the
model drops leaves the pair flagged ``term_missing`` and counted in the report, never silently wrong.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.commands import with_glossaries
from pipeline.config import load_config
from pipeline.glossary import DESCRIPTION, find_terms, load_glossary, missing_terms, protect, restore

ROOT = Path(__file__).resolve().parent.parent
SEED_CSV = ROOT / "tests" / "data" / "glossary" / "seed.csv"
BASE = "doc"
FAST = ["--set", "translate.num_beams=1", "--set", "check_links=false", "--no-cache"]
FAST += ["--set", "output.creation_date=2026-01-01T00:00:00Z"]
KEPT = "Ukrainian President Volodymyr Zelenskyy said Kim Jong Un would fight in Kursk."
CUT = "Zelenskyy said that the soldiers would stay in Ukraine with Kim Jong Un."


def run(tmp: Path, model: Path, lang: str, text: str, *extra: str, name: str = "o") -> tuple[int, Path]:
    src = tmp / f"{BASE}.txt"
    src.write_text(text + "\n", encoding="utf-8")
    out = tmp / name
    args = ["-q", "translate", "--lang", lang, "--model", str(model), "--input", str(src), "--out", str(out)]
    return main([*args, *FAST, *extra]), out


def records(out: Path, lang: str) -> list[dict[str, Any]]:
    text = (out / f"{BASE}.en-{lang}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def report(out: Path, lang: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((out / f"{BASE}.en-{lang}.report.json").read_text(encoding="utf-8"))
    return body


@pytest.mark.parametrize(("model", "lang"), [("en_uk_model", "uk"), ("en_ru_model", "ru")])
def test_enforce_puts_each_accepted_form_where_the_model_put_its_placeholder(
    request: pytest.FixtureRequest, tmp_path: Path, model: str, lang: str
) -> None:
    folder: Path = request.getfixturevalue(model)
    slots = protect(KEPT, find_terms(load_glossary(SEED_CSV).for_lang(lang), KEPT))[1]
    protected = "Ukrainian President (1) said (2) would fight in (3)."
    # what the model makes of the protected sentence (a run without a glossary, given that text)
    rc, raw_out = run(tmp_path, folder, lang, protected, name="raw")
    assert rc == 0
    raw = records(raw_out, lang)[0]["tgt"]
    assert all(f"({n})" in raw for n in (1, 2, 3)), raw  # the copying model put every placeholder through
    rc, out = run(tmp_path, folder, lang, KEPT, "--glossary", str(SEED_CSV), "--set", "glossary.enforce=true")
    assert rc == 0
    [rec] = records(out, lang)
    expected, lost = restore(raw, slots, lang)
    assert lost == ()
    assert rec["tgt"] == expected  # the forms at the placeholders' places, the rest as the model wrote it
    forms = [s.match.entry.forms(lang)[0] for s in slots]
    assert [rec["tgt"].index(f) for f in forms] == sorted(rec["tgt"].index(f) for f in forms)
    # the re-check: a form the model glued letters onto (the tiny ru model does, after Ким Чен Ын) is flagged
    glued = missing_terms(KEPT, rec["tgt"], load_glossary(SEED_CSV), lang)
    assert ("term_missing" in rec["flags"]) == bool(glued)
    assert glued == [] if lang == "uk" else [e.source for e in glued] == ["Kim Jong Un"]
    assert "|terms:" in rec["signature"]  # the translation depends on the glossary: the signature says which
    body = report(out, lang)
    assert body["glossary"] == {"terms_protected": 3, "placeholders_dropped": 0, "dropped": []}
    assert body["qa"]["checks"]["term_missing"]["terms_checked"] == 3


def test_a_dropped_placeholder_is_flagged_and_counted_never_silently_wrong(
    en_uk_model: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cut = ["--set", "translate.max_new_tokens=9"]  # cut short: the model never writes the last placeholders
    with caplog.at_level(logging.INFO, logger="pipeline"):
        rc, out = run(
            tmp_path, en_uk_model, "uk", CUT, "--glossary", str(SEED_CSV), "--set", "glossary.enforce=true", *cut
        )
    assert rc == 0
    [rec] = records(out, "uk")
    assert rec["tgt"].startswith("Зеленський")  # the one the model kept
    assert "term_missing" in rec["flags"]
    body = report(out, "uk")
    assert body["qa"]["details"]["0"]["term_missing"] == "Ukraine (expected Україна); Kim Jong Un (expected Кім Чен Ин)"
    assert body["glossary"]["placeholders_dropped"] == 2 and body["glossary"]["terms_protected"] == 3
    assert [(d["term"], d["sentences"]) for d in body["glossary"]["dropped"]] == [
        ("Ukraine", [0]),
        ("Kim Jong Un", [0]),
    ]
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("uk: 1 sentences")]
    assert "3 glossary term(s) kept (2 placeholder(s) dropped by the model: flagged term_missing)" in summary[0]


def test_the_check_alone_flags_a_term_in_every_output_and_the_review_page(en_uk_model: Path, tmp_path: Path) -> None:
    """Without enforce the copying model leaves 'Kursk' in Latin letters: the pair is flagged, with the term."""
    formats = ["--set", "output.formats=[tmx,jsonl,xliff]"]
    rc, out = run(tmp_path, en_uk_model, "uk", "The soldiers fought near Kursk.", "--glossary", str(SEED_CSV), *formats)
    assert rc == 0
    [rec] = records(out, "uk")
    assert "term_missing" in rec["flags"] and "|terms:" not in rec["signature"]
    detail = "Kursk (expected Курськ or Курщина)"
    body = report(out, "uk")
    assert body["qa"]["details"]["0"]["term_missing"] == detail
    assert body["qa"]["checks"]["term_missing"]["missing_by_term"] == {"Kursk": 1}
    assert "glossary" not in body  # nothing was kept by force
    tmx = etree.parse(str(out / f"{BASE}.en-uk.tmx"))
    assert "term_missing" in tmx.findtext(".//tu/prop[@type='x-flags']")
    xlf = (out / f"{BASE}.en-uk.xlf").read_text(encoding="utf-8")
    assert f"term_missing: {detail}</note>" in xlf
    page = (out / f"{BASE}.en-uk.review.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="review-data">', 1)[1].split("</script>", 1)[0])
    assert data["flag_help"]["term_missing"] == DESCRIPTION
    assert data["pairs"][0]["details"]["term_missing"] == detail


def test_a_missing_glossary_is_one_line_before_any_work(
    en_uk_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = run(tmp_path, en_uk_model, "uk", KEPT, "--glossary", str(tmp_path / "nope.csv"))
    assert rc == 2 and not out.exists()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert f"glossary not found: {tmp_path / 'nope.csv'} (from --glossary or glossary.files)" in err


def test_a_tbx_without_translate_toolkit_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, en_uk_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "translate.storage.tbx", None)  # as if translate-toolkit were not installed
    tbx = ROOT / "tests" / "data" / "glossary" / "seed.tbx"
    rc, out = run(tmp_path, en_uk_model, "uk", KEPT, "--glossary", str(tbx))
    assert rc == 2 and not out.exists()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install '.[glossary]'" in err and str(tbx) in err


def test_glossary_flags_add_to_the_configured_files(tmp_path: Path) -> None:
    conf = tmp_path / "g.yaml"
    conf.write_text("glossary:\n  files: [a.csv]\n  enforce: true\n", encoding="utf-8")
    cfg = with_glossaries(load_config(lang="uk", config_files=[str(conf)]), ["b.yaml", "a.csv"])
    assert cfg.glossary.files == ["a.csv", "b.yaml"] and cfg.glossary.enforce
    assert with_glossaries(cfg, []) is cfg

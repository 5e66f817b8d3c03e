"""Configuration: layers, --set, and one clear error per kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError


def test_layers_base_language_file_and_set(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("translate:\n  num_beams: 2\n  batch_size: 3\n", encoding="utf-8")
    cfg = load_config(lang="uk", config_files=[str(extra)], overrides=["translate.batch_size=7"])
    assert cfg.translate.model == "Helsinki-NLP/opus-mt-en-uk"  # configs/uk.yaml
    assert cfg.translate.num_beams == 2  # --config
    assert cfg.translate.batch_size == 7  # --set wins
    assert cfg.output.formats == ["tmx", "jsonl"]  # base.yaml
    assert cfg.lang == "uk"


def test_set_parses_yaml_values() -> None:
    cfg = load_config(lang="ko", overrides=["output.formats=[tmx, tsv]", "translate.revision=null"])
    assert cfg.output.formats == ["tmx", "tsv"] and cfg.translate.revision is None


def test_set_reaches_the_aligner_section() -> None:
    cfg = load_config(lang="ko", overrides=["align.aligner=length"])
    assert cfg.align.aligner == "length"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["translate.num_beam=3"], r"unknown key translate\.num_beam .*did you mean translate\.num_beams\?"),
        (["translat.num_beams=3"], r"unknown key translat .*did you mean translate\?"),
        (["translate.num_beams=many"], r"translate\.num_beams \(from --set translate\.num_beams=many\): .*integer"),
        (["translate.num_beams=0"], r"translate\.num_beams .*greater than or equal to 1"),
        (["translate.device=tpu"], r"translate\.device .*must be auto, cpu, cuda or cuda:N"),
        (["translate.unit=word"], r"translate\.unit .*'sentence' or 'paragraph'"),
        (
            ["output.formats=[xml]"],
            r"output\.formats\.0 .*'tmx', 'jsonl', 'tsv', 'moses' or 'hf'.*--set output\.formats=",
        ),
        (["output.formats=[]"], r"output\.formats .*at least 1 item"),
        (["lang=fr"], r"lang .*unknown target language 'fr'; choose one of ko, uk, ru"),
        (["translate=3"], r"translate .*valid dictionary"),
        (["num_beams"], r"not of the form dotted\.key=value"),
        (["translate.num_beams.x=1"], r"translate\.num_beams is a value, not a section"),
    ],
)
def test_each_mistake_names_the_key_and_the_fix(overrides: list[str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as err:
        load_config(lang="ru", overrides=overrides)
    assert "\n" not in str(err.value)


def test_unknown_language() -> None:
    with pytest.raises(ConfigError, match=r"unknown language 'fr'.*choose one of ko, uk, ru"):
        load_config(lang="fr")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("translate:\n  num_beams: [\n", r"is not valid YAML at line \d+"),
        ("- a\n- b\n", r"must hold a mapping of keys, not a list"),
        ("translate:\n  beams: 4\n", r"unknown key translate\.beams \(from .*bad\.yaml\)"),
    ],
)
def test_malformed_config_files(tmp_path: Path, content: str, expected: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_config(lang="ko", config_files=[str(f)])


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match=r"config file not found: /no/such\.yaml; check the path given to --config"):
        load_config(lang="ko", config_files=["/no/such.yaml"])

"""Configuration: layers, --set, and one clear error per kind of mistake."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import Config, TranslateConfig, load_config
from pipeline.errors import ConfigError, ModelError, OutputError, PipelineError
from pipeline.run import translate_file
from pipeline.translate import get_translator

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_d3c0a91caa4d5cc3.txt"


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
            r"output\.formats\.0 .*unknown output format 'xml'; choose one of tmx, jsonl, tsv, moses, hf, parquet.*"
            r"--set output\.formats=",
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


# --------------------------------------------------------------------------- every kind of mistake, API and CLI
#
# Each case: what is wrong, the exact one-line message (it names the key, dotted, or the option, and the
# fix), raised by the Python API and printed by the command line (status 2, one line, no traceback).

KNOWN_TRANSLATE_KEYS = ", ".join(sorted(TranslateConfig.model_fields))
KNOWN_TOP_KEYS = ", ".join(sorted(Config.model_fields))
KNOWN_IDENTICAL_KEYS = ", ".join(sorted(load_config(lang="uk").qa.identical.__class__.model_fields))


def _cli_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """Run the command line; it must exit with 2 and print exactly one line on stderr (returned)."""
    capsys.readouterr()
    code = main(["-q", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("pipeline: error: ")
    return err.removeprefix("pipeline: error: ").rstrip("\n")


CONFIG_MISTAKES = [
    # unknown key: the dotted path, where it came from, the likely key and the keys known there
    (
        ["translate.num_beam=2"],
        "config error: unknown key translate.num_beam (from --set translate.num_beam=2); did you mean "
        f"translate.num_beams? known keys here: {KNOWN_TRANSLATE_KEYS}",
    ),
    (
        ["qa.identical.enabeld=false"],
        "config error: unknown key qa.identical.enabeld (from --set qa.identical.enabeld=false); did you mean "
        f"qa.identical.enabled? known keys here: {KNOWN_IDENTICAL_KEYS}",
    ),
    (
        ["colour=red"],
        f"config error: unknown key colour (from --set colour=red); remove it; known keys here: {KNOWN_TOP_KEYS}",
    ),
    # wrong type: the dotted path, the value, and how to set it
    (
        ["translate.num_beams=many"],
        "config error: translate.num_beams (from --set translate.num_beams=many): Input should be a valid "
        "integer, unable to parse string as an integer (got 'many'); fix it with --set translate.num_beams=...",
    ),
    (
        ["check_links=maybe"],
        "config error: check_links (from --set check_links=maybe): Input should be a valid boolean, unable to "
        "interpret input (got 'maybe'); fix it with --set check_links=...",
    ),
    (
        ["output.formats=[tmx, xml]"],
        "config error: output.formats.1 (from --set output.formats=[tmx, xml]): unknown output format 'xml'; "
        "choose one of tmx, jsonl, tsv, moses, hf, parquet, xliff (got 'xml'); fix it with --set output.formats=...",
    ),
    (
        ["translate=3"],
        "config error: translate (from --set translate=3): Input should be a valid dictionary or instance of "
        "TranslateConfig (got 3); translate is a section: set its keys, e.g. --set translate.backend=... "
        "(see configs/base.yaml)",
    ),
    (
        ["output.creation_date=tomorrow"],
        "config error: output.creation_date (from --set output.creation_date=tomorrow): Input should be a valid "
        "datetime or date, input is too short (got 'tomorrow'); fix it with --set output.creation_date=...",
    ),
    # unknown language (target, as a key), unknown segmenter, a furniture rule that is not a regex
    (
        ["lang=fr"],
        "config error: lang (from --set lang=fr): unknown target language 'fr'; choose one of ko, uk, ru "
        "(got 'fr'); fix it with --set lang=...",
    ),
    (
        ["segment.segmenter=spacy"],
        "config error: segment.segmenter (from --set segment.segmenter=spacy): unknown segmenter 'spacy'; "
        "choose one of rules, lines (got 'spacy'); fix it with --set segment.segmenter=...",
    ),
    (
        ['segment.furniture=["Comments", "Share (this"]'],
        'config error: segment.furniture (from --set segment.furniture=["Comments", "Share (this"]): item 1 '
        "'Share (this' is not a valid regular expression (missing ), unterminated subpattern at position 6) "
        "(got ['Comments', 'Share (this']); fix it with --set segment.furniture=...",
    ),
    # a --set that is not key=value, or that treats a value as a section
    (["num_beams"], "--set 'num_beams' is not of the form dotted.key=value; write e.g. --set translate.num_beams=2"),
    (
        ["translate.num_beams.x=1"],
        "--set translate.num_beams.x: translate.num_beams is a value, not a section; set the key itself, "
        "e.g. --set translate.num_beams=...",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), CONFIG_MISTAKES, ids=[m[0][0][:30] for m in CONFIG_MISTAKES])
def test_config_mistake_api_and_cli(
    overrides: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", overrides=overrides)
    assert str(err.value) == message
    args = ["translate", "--lang", "uk", "--out", str(tmp_path / "o")]
    for o in overrides:
        args += ["--set", o]
    assert _cli_error(capsys, args) == message
    assert not (tmp_path / "o").exists()


def test_mistakes_in_a_config_file_name_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text("translate:\n  num_beams: lots\n", encoding="utf-8")
    message = (
        f"config error: translate.num_beams (from {f}): Input should be a valid integer, unable to parse string "
        f"as an integer (got 'lots'); fix it with --set translate.num_beams=... or in {f}"
    )
    with pytest.raises(ConfigError) as err:
        load_config(lang="ko", config_files=[str(f)])
    assert str(err.value) == message
    assert _cli_error(capsys, ["translate", "--lang", "ko", "--config", str(f)]) == message
    f.write_text("lang: fr\n", encoding="utf-8")
    message = (
        f"config error: lang (from {f}): unknown target language 'fr'; choose one of ko, uk, ru (got 'fr'); "
        f"fix it with --set lang=... or in {f}"
    )
    with pytest.raises(ConfigError) as err:
        load_config(config_files=[str(f)])
    assert str(err.value) == message


def test_unknown_language_api_and_cli(capsys: pytest.CaptureFixture[str]) -> None:
    message = "config error: unknown language 'fr' for lang (from --lang); choose one of ko, uk, ru (e.g. --lang ko)"
    with pytest.raises(ConfigError) as err:
        load_config(lang="fr")
    assert str(err.value) == message
    assert _cli_error(capsys, ["translate", "--lang", "fr"]) == message


def test_missing_config_file_api_and_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    message = f"config file not found: {missing}; check the path given to --config"
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", config_files=[str(missing)])
    assert str(err.value) == message
    assert _cli_error(capsys, ["translate", "--lang", "uk", "--config", str(missing)]) == message


# -- missing or wrong model


def _t5_folder(root: Path) -> Path:
    root.mkdir()
    (root / "config.json").write_text('{"model_type": "t5"}', encoding="utf-8")
    return root


MODEL_MISTAKES = [
    (
        lambda tmp: tmp / "no-such-model",
        lambda m: (
            f"model folder not found: {m} (translate.model, --model); check the path, or give a hub id "
            "such as Helsinki-NLP/opus-mt-en-uk"
        ),
    ),
    (
        lambda tmp: (tmp / "empty").mkdir() or tmp / "empty",
        lambda m: (
            f"{m} is not a MarianMT model folder (no config.json) (translate.model, --model); pass a folder "
            "saved with MarianMTModel.save_pretrained() plus its tokenizer files"
        ),
    ),
    (
        lambda tmp: _t5_folder(tmp / "t5"),
        lambda m: (
            f"model {m} is not a MarianMT model (model_type is 't5') (translate.model, --model); use an "
            "OPUS-MT model such as Helsinki-NLP/opus-mt-en-uk"
        ),
    ),
    (
        lambda tmp: "Helsinki-NLP/opus-mt-en-xx",  # a hub id: not cached, and the tests are offline
        lambda m: (
            f"model {m} is not in the Hugging Face cache ({os.environ['HF_HUB_CACHE']}) and the hub cannot "
            f"be reached (translate.model, --model); download it where the hub is reachable (`hf download {m}`) and "
            "copy the cache, or pass a local model folder with --model DIR"
        ),
    ),
]


@pytest.mark.parametrize(("make", "message"), MODEL_MISTAKES, ids=["missing", "empty", "not-marian", "uncached"])
def test_model_mistake_api_and_cli(
    make: Callable[[Path], Path | str],
    message: Callable[[Path | str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = make(tmp_path)
    cfg = load_config(lang="uk", overrides=[f"translate.model={model}", "translate.cache=false"])
    with pytest.raises(ModelError) as err:
        get_translator(cfg.translate, "uk")
    assert str(err.value) == message(model)
    out = tmp_path / "o"
    assert _cli_error(capsys, ["translate", "--lang", "uk", "--model", str(model), "--out", str(out)]) == message(model)
    assert not out.exists()


# -- bad paths: input, reference, output folder


def _bad_input(tmp: Path) -> tuple[list[str], str]:
    missing = tmp / "missing.txt"
    return (
        ["--input", str(missing)],
        f"input file not found: {missing} (--input or config key input); check the path given to --input or "
        "config key input",
    )


def _input_is_a_folder(tmp: Path) -> tuple[list[str], str]:
    return (
        ["--input", str(tmp)],
        f"input file is a directory, not a file: {tmp} (--input or config key input); pass a file to "
        "--input or config key input",
    )


def _out_is_a_file(tmp: Path) -> tuple[list[str], str]:
    f = tmp / "taken"
    f.write_text("x", encoding="utf-8")
    return (
        ["--out", str(f)],
        f"output folder {f} (--out) is a file, not a folder; give another folder with --out, or move the file away",
    )


def _out_under_a_file(tmp: Path) -> tuple[list[str], str]:
    f = tmp / "taken"
    f.write_text("x", encoding="utf-8")
    return (
        ["--out", str(f / "sub")],
        f"output folder {f / 'sub'} (--out) cannot be created: {f} is a file; give another folder with --out",
    )


def _ref_missing(tmp: Path) -> tuple[list[str], str]:
    return (
        ["--ref", str(tmp / "ref.txt")],
        f"reference file not found: {tmp / 'ref.txt'} (--ref); check the path given to --ref",
    )


PATH_MISTAKES = [_bad_input, _input_is_a_folder, _out_is_a_file, _out_under_a_file, _ref_missing]


@pytest.mark.parametrize("case", PATH_MISTAKES, ids=[c.__name__.strip("_") for c in PATH_MISTAKES])
def test_path_mistake_api_and_cli(
    case: Callable[[Path], tuple[list[str], str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Caught before a model is loaded (the model here does not exist: its error would come later)."""
    args, message = case(tmp_path)
    opts = dict(zip(args[::2], args[1::2], strict=True))
    cfg = load_config(lang="uk", overrides=[f"translate.model={tmp_path / 'no-model'}"])
    with pytest.raises(PipelineError) as err:
        translate_file(
            cfg,
            Path(opts.get("--input", str(SEED))),
            Path(opts.get("--out", str(tmp_path / "o"))),
            ref=Path(opts["--ref"]) if "--ref" in opts else None,
        )
    assert str(err.value) == message
    cli = ["translate", "--lang", "uk", "--model", str(tmp_path / "no-model"), "--input", str(SEED)]
    cli += ["--out", str(tmp_path / "o"), *args]
    assert _cli_error(capsys, cli) == message
    assert not (tmp_path / "o").exists()


def test_unwritable_output_folder_api_and_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only folder. Emulated with os.access: the tests may run as root, which chmod does not stop."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr("pipeline.io.os.access", lambda p, mode: False if Path(p) == ro else real_access(p, mode))
    cfg = load_config(lang="uk", overrides=[f"translate.model={tmp_path / 'no-model'}"])
    for out, message in (
        (ro, f"output folder {ro} (--out) is not writable; give another folder with --out, or change its permissions"),
        (
            ro / "uk",
            f"output folder {ro / 'uk'} (--out) is not writable: {ro} is not writable; give another folder with "
            "--out, or change its permissions",
        ),
    ):
        with pytest.raises(OutputError) as err:
            translate_file(cfg, SEED, out)
        assert str(err.value) == message
        cli = ["translate", "--lang", "uk", "--model", str(tmp_path / "no-model"), "--out", str(out)]
        assert _cli_error(capsys, cli) == message
    # Without --out the folder is output.dir/<lang>: the message names the config key.
    cfg = load_config(lang="uk", overrides=[f"output.dir={ro}"])
    with pytest.raises(OutputError) as err:
        translate_file(cfg, SEED)
    assert str(err.value) == (
        f"output folder {ro / 'uk'} (--out or config key output.dir) is not writable: {ro} is not writable; "
        "give another folder with --out or config key output.dir, or change its permissions"
    )
    assert list(ro.iterdir()) == []


def test_a_real_process_exits_2_with_one_line(tmp_path: Path) -> None:
    """The same through `python -m pipeline` in a subprocess: status 2, one line, no traceback."""
    res = subprocess.run(
        [sys.executable, "-m", "pipeline", "translate", "--lang", "uk", "--set", "translate.num_beam=2"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == (
        "pipeline: error: config error: unknown key translate.num_beam (from --set translate.num_beam=2); did you "
        f"mean translate.num_beams? known keys here: {KNOWN_TRANSLATE_KEYS}\n"
    )


def test_config_command_prints_what_a_run_would_use(capsys: pytest.CaptureFixture[str]) -> None:
    """``pipeline config``: the effective configuration as YAML, with --set and --glossary as the run commands take
    them (a glossary adds to glossary.files)."""
    import yaml

    args = ["config", "--lang", "uk", "--set", "translate.num_beams=2", "--set", "glossary.files=[a.tbx]"]
    assert main([*args, "--glossary", "b.csv", "--glossary", "a.tbx"]) == 0
    cfg = yaml.safe_load(capsys.readouterr().out)
    assert cfg["lang"] == "uk" and cfg["translate"]["num_beams"] == 2
    assert cfg["glossary"]["files"] == ["a.tbx", "b.csv"]
    assert cfg["align"]["skip"] == "auto"  # resolved per embedder when the aligner runs (docs/aligner.md)

"""A quality check registered by a plugin (``CHECKS.add`` here; an entry point works the same) is configured in
``qa.<name>``: the section is validated with the check's own configuration model, reaches the check through
``run_qa``, turns it off with ``enabled: false``, and its mistakes are config errors naming ``qa.<name>.<key>``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, Field

from pipeline.cli import main
from pipeline.config import Config, load_config
from pipeline.errors import ConfigError
from pipeline.qa import CHECKS, QAConfig, QAContext, run_qa
from pipeline.qa.base import Check, CheckResult
from pipeline.records import AlignedPair
from pipeline.settings import Section, output_settings

NAME = "long_target"


class LongTargetConfig(Section):
    enabled: bool = Field(True, description="run this check")
    max_words: int = Field(50, ge=1, le=1000, description="targets with more words are flagged")


SEEN: list[LongTargetConfig] = []  # the sections the check was run with


def _long_target(pairs: Sequence[AlignedPair], cfg: LongTargetConfig, ctx: QAContext) -> CheckResult:
    SEEN.append(cfg)
    words = {i: len(p.tgt.split()) for i, p in enumerate(pairs)}
    return CheckResult(
        flagged={i: f"{n} words" for i, n in words.items() if n > cfg.max_words}, stats={"max_words": cfg.max_words}
    )


LONG_TARGET = Check(NAME, "the target has more than max_words words", LongTargetConfig, _long_target)


class LaxConfig(BaseModel):  # a plain pydantic model: it would ignore unknown keys by itself
    enabled: bool = True
    level: int = Field(1, ge=0, le=3)


LAX = Check("lax", "flags nothing", LaxConfig, lambda pairs, cfg, ctx: CheckResult())


@pytest.fixture
def plugin() -> Iterator[None]:
    CHECKS.add(NAME, f"{__name__}:LONG_TARGET")
    CHECKS.add("lax", f"{__name__}:LAX")
    SEEN.clear()
    try:
        yield
    finally:
        CHECKS.remove(NAME)
        CHECKS.remove("lax")


def _pairs() -> list[AlignedPair]:
    return [
        AlignedPair(0, "en", "uk", "Yes.", "Так.", (0,), (0,), 1.0),
        AlignedPair(1, "en", "uk", "The soldiers were captured.", "Військових узяли в полон.", (1,), (1,), 1.0),
    ]


def _run(cfg: Config) -> tuple[list[AlignedPair], Any]:
    return run_qa(_pairs(), cfg.qa, src_lang="en", tgt_lang="uk", identify=lambda t, k: [])


def test_the_section_turns_the_plugin_check_off_end_to_end(plugin: None) -> None:
    out, summary = _run(load_config(lang="uk", overrides=[f"qa.{NAME}.max_words=2"]))
    assert NAME in summary.enabled and [p.flags for p in out] == [(), (NAME,)]
    assert summary.details[1][NAME] == "4 words" and summary.counts[NAME] == 1
    SEEN.clear()
    cfg = load_config(lang="uk", overrides=[f"qa.{NAME}.max_words=2", f"qa.{NAME}.enabled=false"])
    assert cfg.qa.model_extra == {NAME: LongTargetConfig(enabled=False, max_words=2)}
    out, summary = _run(cfg)
    assert NAME not in summary.enabled and NAME not in summary.counts and [p.flags for p in out] == [(), ()]
    assert SEEN == []  # not run at all


def test_the_parameters_reach_the_check_and_the_dumps(plugin: None, tmp_path: Path) -> None:
    f = tmp_path / "qa.yaml"
    f.write_text(f"qa:\n  {NAME}:\n    max_words: 3\n", encoding="utf-8")
    cfg = load_config(lang="uk", config_files=[str(f)])
    _, summary = _run(cfg)
    assert SEEN == [LongTargetConfig(max_words=3)] and summary.stats[NAME] == {"max_words": 3}
    assert summary.counts[NAME] == 1
    dump = cfg.model_dump(mode="json")  # what the run report records
    assert dump["qa"][NAME] == {"enabled": True, "max_words": 3} and list(dump["qa"])[-1] == NAME
    assert Config.model_validate(dump) == cfg  # the dump reads back
    assert output_settings(cfg)["qa"][NAME] == {"enabled": True, "max_words": 3}  # it counts for corpus shards
    # a section not given: the check runs with its model's defaults and nothing is added to the dumps
    SEEN.clear()
    cfg = load_config(lang="uk")
    _, summary = _run(cfg)
    assert SEEN == [LongTargetConfig()] and summary.counts[NAME] == 0
    assert NAME not in cfg.model_dump(mode="json")["qa"] and NAME not in output_settings(cfg)["qa"]


def test_the_config_command_prints_the_section(plugin: None, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["config", "--lang", "ko", "--set", f"qa.{NAME}.max_words=7", "--set", "qa.lax.level=2"]) == 0
    qa = yaml.safe_load(capsys.readouterr().out)["qa"]
    assert qa[NAME] == {"enabled": True, "max_words": 7} and qa["lax"] == {"enabled": True, "level": 2}
    assert list(qa)[-2:] == [NAME, "lax"]  # after the built-in sections, in the registry's order


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            f"qa.{NAME}.max_words=0",
            f"config error: qa.{NAME}.max_words (from --set qa.{NAME}.max_words=0): Input should be greater than or "
            f"equal to 1 (got 0); fix it with --set qa.{NAME}.max_words=...",
        ),
        (
            f"qa.{NAME}.max_words=many",
            f"config error: qa.{NAME}.max_words (from --set qa.{NAME}.max_words=many): Input should be a valid "
            f"integer, unable to parse string as an integer (got 'many'); fix it with --set qa.{NAME}.max_words=...",
        ),
        (
            f"qa.{NAME}.max_word=3",
            f"config error: unknown key qa.{NAME}.max_word (from --set qa.{NAME}.max_word=3); did you mean "
            f"qa.{NAME}.max_words? known keys here: enabled, max_words",
        ),
        (  # a plugin model that would ignore an unknown key is held to the same rule
            "qa.lax.levle=3",
            "config error: unknown key qa.lax.levle (from --set qa.lax.levle=3); did you mean qa.lax.level? "
            "known keys here: enabled, level",
        ),
        (
            "qa.lax.level=9",
            "config error: qa.lax.level (from --set qa.lax.level=9): Input should be less than or equal to 3 "
            "(got 9); fix it with --set qa.lax.level=...",
        ),
        (
            f"qa.{NAME}=5",
            f"config error: qa.{NAME} (from --set qa.{NAME}=5): Input should be a valid dictionary or instance of "
            f"LongTargetConfig (got 5); qa.{NAME} is a section: set its keys, e.g. --set qa.{NAME}.enabled=... "
            "(see configs/base.yaml)",
        ),
        (
            f"qa.{NAME}.max_words.x=1",
            f"--set qa.{NAME}.max_words.x: qa.{NAME}.max_words is a value, not a section; set the key itself, "
            f"e.g. --set qa.{NAME}.max_words=...",
        ),
    ],
)
def test_mistakes_in_the_section_name_the_key_and_the_fix(plugin: None, override: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", overrides=[override])
    assert str(err.value) == message


def test_a_mistake_in_a_plugin_section_and_one_in_a_built_in_are_both_reported(plugin: None) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", overrides=["qa.enabled=maybe", f"qa.{NAME}.max_words=0"])
    first, more = str(err.value).split(" (+1 more: ")
    assert first.startswith("config error: qa.enabled (from --set qa.enabled=maybe): Input should be a valid")
    assert more.startswith(f"qa.{NAME}.max_words (from --set qa.{NAME}.max_words=0): Input should be greater")


def test_an_unknown_check_is_still_an_error_listing_the_known_ones(plugin: None) -> None:
    known = ", ".join(sorted([*QAConfig.model_fields, NAME, "lax"]))
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", overrides=["qa.long_targt.enabled=false"])
    assert str(err.value) == (
        "config error: unknown key qa.long_targt (from --set qa.long_targt.enabled=false); did you mean "
        f"qa.{NAME}? known keys here: {known}"
    )
    with pytest.raises(ConfigError, match=r"unknown key qa\.identicl .*did you mean qa\.identical\?"):
        load_config(overrides=["qa.identicl.enabled=false"])


def test_without_the_plugin_its_section_is_an_unknown_key() -> None:
    assert NAME not in CHECKS
    with pytest.raises(ConfigError) as err:
        load_config(lang="uk", overrides=[f"qa.{NAME}.enabled=false"])
    known = ", ".join(sorted(QAConfig.model_fields))
    assert str(err.value).startswith(f"config error: unknown key qa.{NAME} (from --set qa.{NAME}.enabled=false); ")
    assert str(err.value).endswith(f" known keys here: {known}")
    assert QAConfig().model_extra == {} and list(QAConfig().model_dump()) == list(QAConfig.model_fields)

"""Every knob of the quality checks, with its default (the ``qa:`` section of the configuration).

Each check has its own sub-section named like the flag it sets, with ``enabled`` and its parameters,
e.g. ``--set qa.length_ratio.z_max=4`` or ``--set qa.identical.enabled=false``. A check registered by a
plugin (an entry point or ``CHECKS.add``) has a section too, ``qa.<its name>``, validated with the check's own
configuration model (:attr:`pipeline.qa.base.Check.config`). Importing this module is cheap (no
language-identification model is loaded; a plugin's check is imported only when its section is given).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from pipeline.qa.base import Check
from pipeline.registry import Registry
from pipeline.settings import Section

#: The quality checks, in the order their flags are listed on a pair: name (the flag, and the ``qa.<name>``
#: section) -> ``"module:attr"`` of a :class:`pipeline.qa.checks.Check` (:mod:`pipeline.registry`). A check
#: registered by a third-party package is configured in ``qa.<name>`` (its own configuration model), and runs
#: with that model's defaults when the section is not given.
CHECKS: Registry[Check] = Registry(
    "qa_checks",
    "quality check",
    "qa",
    {
        name: f"pipeline.qa.checks:{name.upper()}"
        for name in (
            "empty_target",
            "wrong_language",
            "identical",
            "repetition",
            "number_mismatch",
            "length_ratio",
            "low_score",
            "low_mt_score",
            "term_missing",
            "tag_mismatch",
            "cue_too_long",
            "cue_too_fast",
        )
    },
)


class _Check(Section):
    enabled: bool = Field(True, description="run this check")


class WrongLanguageCheck(_Check):
    script_min_ratio: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="a target whose letters are less than this share in the target language's script (Hangul "
        "for ko, Cyrillic for uk/ru) is in the wrong language; acronyms and capitalised names copied from the "
        "source do not count",
    )
    script_min_letters: int = Field(
        3, ge=1, le=1000, description="judge the script only when the target has at least this many letters"
    )
    marker_min: int = Field(
        2,
        ge=1,
        le=100,
        description="uk/ru: this many letters of the other language (ы э ъ ё for uk, і ї є ґ for ru) and none of "
        "the target's own marks the target as the other language",
    )
    use_lid: bool = Field(True, description="also ask fastText language identification (the bundled lite model)")
    lid_min_letters: int = Field(
        20, ge=1, le=10_000, description="ask fastText only for targets with at least this many letters"
    )
    lid_top_k: int = Field(3, ge=1, le=20, description="fastText candidates considered")
    lid_min_prob: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="fastText's top language (not the target's) needs at least this probability to mark a target",
    )
    lid_min_prob_same_script: float = Field(
        0.85,
        ge=0.0,
        le=1.0,
        description="...and at least this probability when the target is already in the right script (fastText "
        "confuses related languages such as uk/ru/bg on short texts)",
    )
    lid_accept_prob: float = Field(
        0.15,
        ge=0.0,
        le=1.0,
        description="the target language among fastText's top-k with at least this probability clears the target",
    )


class NumberMismatchCheck(_Check):
    pass


class LengthRatioCheck(_Check):
    z_max: float = Field(
        3.5,
        gt=0.0,
        le=100.0,
        description="robust z-score (median/MAD of log char ratios) above which a pair is flagged",
    )
    min_factor: float = Field(
        1.6,
        ge=1.0,
        le=100.0,
        description="...and its ratio must differ from the document's median ratio by at least this factor",
    )
    min_chars: int = Field(12, ge=1, le=10_000, description="pairs with a shorter source are not judged")
    min_pairs: int = Field(5, ge=2, le=10_000, description="documents with fewer judged pairs are not checked")
    mad_floor: float = Field(
        0.1,
        gt=0.0,
        le=10.0,
        description="lower bound of the MAD (in log ratio units), so uniform documents do not flag tiny deviations",
    )


class IdenticalCheck(_Check):
    min_letters: int = Field(
        5, ge=1, le=1000, description="targets identical to the source with fewer letters (names, acronyms) pass"
    )


class RepetitionCheck(_Check):
    max_n: int = Field(4, ge=1, le=20, description="longest word n-gram looked for")
    min_repeats: int = Field(3, ge=2, le=100, description="an n-gram repeated this many times in a row is a loop")
    char_min_repeats: int = Field(
        3, ge=2, le=100, description="a letter sequence repeated this many times in a row (no spaces) is a loop"
    )
    char_min_span: int = Field(8, ge=2, le=1000, description="...when the repeated run is at least this many letters")


class EmptyTargetCheck(_Check):
    pass


class LowScoreCheck(_Check):
    min_score: float = Field(0.3, ge=0.0, le=1.0, description="pairs with a lower alignment score are flagged")


class LowMTScoreCheck(_Check):
    enabled: bool = Field(False, description="run this check")
    min_mt_score: float = Field(
        0.2, ge=0.0, le=1.0, description="pairs with a lower model confidence (mt_score) are flagged"
    )


class TermMissingCheck(_Check):
    """Flags nothing unless a glossary is given (glossary.files or --glossary)."""


class TagMismatchCheck(_Check):
    """Applies to documents with markup (HTML, Markdown) only."""


class CueTooLongCheck(_Check):
    """Applies to subtitles only; the limits are the reader's (read.srt.max_line_length, read.srt.max_lines)."""


class CueTooFastCheck(_Check):
    """Applies to subtitles only; the limit is the reader's (read.srt.max_cps)."""


class QAConfig(Section):
    """Configuration of the quality checks (all fields have defaults; ``QAConfig()`` is the default).

    Besides the built-in fields, a key naming a check registered by a plugin (one with no built-in field) is
    that check's section, validated with its own configuration model and kept as one of the model's extra
    values (``cfg.model_extra``, in ``model_dump`` after the built-in fields, in the registry's order). Any
    other key is an error, as in every section. Plugin sections that are not given are left out (the check
    runs with its model's defaults), so the configuration without plugins dumps as it always did.
    """

    model_config = ConfigDict(extra="allow")  # only plugin checks' sections; the validator refuses other keys

    enabled: bool = Field(True, description="run the quality checks at all")
    fail_wrong_language_ratio: float | None = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="fail the run (exit status 3, after writing the outputs) when more than this share of the "
        "judged targets is in the wrong language; null = never fail",
    )
    wrong_language: WrongLanguageCheck = Field(default_factory=lambda: WrongLanguageCheck())
    number_mismatch: NumberMismatchCheck = Field(default_factory=lambda: NumberMismatchCheck())
    length_ratio: LengthRatioCheck = Field(default_factory=lambda: LengthRatioCheck())
    identical: IdenticalCheck = Field(default_factory=lambda: IdenticalCheck())
    repetition: RepetitionCheck = Field(default_factory=lambda: RepetitionCheck())
    empty_target: EmptyTargetCheck = Field(default_factory=lambda: EmptyTargetCheck())
    low_score: LowScoreCheck = Field(default_factory=lambda: LowScoreCheck())
    low_mt_score: LowMTScoreCheck = Field(default_factory=lambda: LowMTScoreCheck())
    term_missing: TermMissingCheck = Field(
        default_factory=lambda: TermMissingCheck(),
        description="a glossary term of the source (English inflection: soldier/soldiers) has none of its accepted "
        "forms in the target (ru/uk case endings, Korean particles); needs a glossary (glossary.files)",
    )
    tag_mismatch: TagMismatchCheck = Field(
        default_factory=lambda: TagMismatchCheck(),
        description="documents with markup (HTML, Markdown): an inline code (bold, a link, a line break, ...) whose "
        "placeholder the model dropped or misplaced was put back by rule at the sentence's edge",
    )
    cue_too_long: CueTooLongCheck = Field(
        default_factory=lambda: CueTooLongCheck(),
        description="subtitles: a cue whose translation, as it is written, has a line longer than "
        "read.srt.max_line_length or more than read.srt.max_lines lines (a long word, or more text than the cue "
        "holds)",
    )
    cue_too_fast: CueTooFastCheck = Field(
        default_factory=lambda: CueTooFastCheck(),
        description="subtitles: a cue whose translation, as it is written, has more than read.srt.max_cps characters "
        "a second for the cue's duration",
    )

    @classmethod
    def plugin_section(cls, name: str) -> type[BaseModel] | None:
        """The configuration model of the plugin check ``name`` (registered, no built-in field), else None."""
        if name in cls.model_fields or name not in CHECKS:
            return None
        return CHECKS.load(name).config

    @classmethod
    def plugin_sections(cls) -> dict[str, type[BaseModel]]:
        """Every registered plugin check's name -> its configuration model (imports those checks)."""
        return {name: CHECKS.load(name).config for name in CHECKS.names() if name not in cls.model_fields}

    @model_validator(mode="wrap")
    @classmethod
    def _plugin_sections(cls, data: Any, handler: ModelWrapValidatorHandler[QAConfig]) -> QAConfig:
        if not isinstance(data, dict) or all(k in cls.model_fields for k in data):
            return handler(data)
        errors: list[InitErrorDetails] = []
        sections: dict[str, BaseModel] = {}
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            model = cls.plugin_section(key) if isinstance(key, str) else None
            if model is None:
                errors.append({"type": "extra_forbidden", "loc": (key,), "input": value})
                continue
            errors += _unknown_keys(model, value, key)
            try:
                sections[key] = model.model_validate(value)
            except ValidationError as e:
                errors += _details(e, (key,))
        try:
            out = handler({k: v for k, v in data.items() if k in cls.model_fields})
        except ValidationError as e:
            if not errors:
                raise
            raise ValidationError.from_exception_data(cls.__name__, _details(e, ()) + errors) from None
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        extra = out.__pydantic_extra__
        assert extra is not None  # extra="allow"
        extra.update((name, sections[name]) for name in CHECKS.names() if name in sections)
        return out


def _details(e: ValidationError, prefix: tuple[str, ...]) -> list[InitErrorDetails]:
    """``e``'s errors under ``prefix``, to raise again in one ValidationError (type, message and input kept)."""
    return [
        {"type": PydanticCustomError(err["type"], err["msg"]), "loc": (*prefix, *err["loc"]), "input": err["input"]}
        for err in e.errors()
    ]


def _unknown_keys(model: type[BaseModel], value: Any, section: str) -> list[InitErrorDetails]:
    """The keys of ``value`` that ``model`` has no field for, as errors, unless it takes extra keys on purpose
    (``extra="allow"``): a model that would ignore them (pydantic's default) is held to the project's rule that
    an unknown key is an error, like the built-in sections (``extra="forbid"``, which reports them itself)."""
    if not isinstance(value, dict) or model.model_config.get("extra") in ("allow", "forbid"):
        return []
    known = set(model.model_fields)
    for f in model.model_fields.values():
        known.update(a for a in (f.alias, f.validation_alias) if isinstance(a, str))
    return [{"type": "extra_forbidden", "loc": (section, k), "input": v} for k, v in value.items() if k not in known]

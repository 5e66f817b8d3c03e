"""One small exception tree. Every message says what was wrong and what to do."""

from __future__ import annotations


def failure_reason(e: BaseException, limit: int = 200) -> str:
    """One line naming an exception: its type and the first line of its message, cut to ``limit`` characters."""
    first = (str(e).strip().splitlines() or [""])[0]
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


class PipelineError(Exception):
    """Base of every error the pipeline reports to a user.

    ``str(err)`` is one line: the problem, then the fix.
    """

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else f"{problem}; {fix}")


class ConfigError(PipelineError):
    """The configuration (YAML files, --set overrides) is malformed."""


class InputError(PipelineError):
    """An input file is missing, empty, not UTF-8 text, or otherwise unusable."""


class ModelError(PipelineError):
    """A model cannot be found, loaded, or is not of the expected kind."""


class OutputError(PipelineError):
    """An output cannot be written (permissions, full disk, ...)."""


class TranslationError(PipelineError):
    """Translation failed in a way that is not one input's fault (the model or backend is broken)."""


class AlignmentError(PipelineError):
    """Alignment cannot be computed for the given inputs."""


class QualityError(PipelineError):
    """The output failed a quality gate (e.g. mostly in the wrong language); outputs were still written.

    The command line exits with status 3 for it (2 for every other error).
    """

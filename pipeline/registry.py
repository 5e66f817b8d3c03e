"""One way to register a component: a name -> a lazy ``"module:attr"`` target.

Every kind of pluggable component has one :class:`Registry`, kept beside the stage that uses it:

==================  =======================================  ==================================
kind                registry                                  target is called with
==================  =======================================  ==================================
segmenters          :data:`pipeline.segment.SEGMENTERS`       ``(lang)`` -> a Segmenter
backends            :data:`pipeline.translate.BACKENDS`       ``(translate_cfg, lang)`` -> a Translator
embedders           :data:`pipeline.align.EMBEDDERS`          ``(threads=, batch_size=, ...)`` -> an Embedder
aligners            :data:`pipeline.align.ALIGNERS`           ``(align_cfg)`` -> an Aligner
formats             :data:`pipeline.write.FORMATS`            an :class:`pipeline.write.OutputFormat`
qa_checks           :data:`pipeline.qa.CHECKS`                a :class:`pipeline.qa.checks.Check`
==================  =======================================  ==================================

Targets are imported only when a component is used, so naming one never imports torch. The names feed
the configuration's validators (an unknown name is a config error that lists the known ones).

Third-party packages add components without touching this package, through the entry-point group
``opus_align_pipeline.<kind>``; in their ``pyproject.toml``::

    [project.entry-points."opus_align_pipeline.formats"]
    po = "my_package.po:FORMAT"

A built-in name always wins over an entry point of the same name.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any, Generic, TypeVar

from pipeline.errors import ConfigError

T = TypeVar("T")

ENTRY_POINT_PREFIX = "opus_align_pipeline."


class Registry(Generic[T]):
    """Names of one kind of component and where each lives (``"module:attr"``, ``attr`` may be dotted).

    ``kind`` names the entry-point group, ``noun`` one component (``backend``) and ``what`` the setting that
    picks one (``translate.backend``), for error messages.
    """

    def __init__(self, kind: str, noun: str, what: str, builtins: Mapping[str, str]) -> None:
        self.kind = kind
        self.noun = noun
        self.what = what
        self.group = ENTRY_POINT_PREFIX + kind
        self._targets: dict[str, str] = dict(builtins)
        self._loaded: dict[str, T] = {}
        self._plugins_read = False

    def _read_plugins(self) -> None:
        if self._plugins_read:
            return
        self._plugins_read = True
        for ep in entry_points(group=self.group):
            self._targets.setdefault(ep.name, ep.value)

    def names(self) -> tuple[str, ...]:
        """Every registered name: the built-in ones first, in their order, then the entry points'."""
        self._read_plugins()
        return tuple(self._targets)

    def __contains__(self, name: object) -> bool:
        if name in self._targets:
            return True
        self._read_plugins()
        return name in self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def target(self, name: str) -> str:
        """The ``"module:attr"`` of ``name``; :class:`ConfigError` naming the known ones if there is none."""
        if name not in self:
            raise ConfigError(f"unknown {self.noun} {name!r}", f"set {self.what} to one of: {', '.join(self.names())}")
        return self._targets[name]

    def load(self, name: str) -> T:
        """The component registered as ``name``, imported on first use."""
        if name not in self._loaded:
            self._loaded[name] = import_target(self.target(name))
        return self._loaded[name]

    def check(self, name: str) -> str:
        """``name`` if registered, else ``ValueError`` with the known names (for pydantic validators)."""
        if name not in self:
            raise ValueError(f"unknown {self.noun} {name!r}; choose one of {', '.join(self.names())}")
        return name

    def add(self, name: str, target: str) -> None:
        """Register ``target`` (``"module:attr"``) under ``name``, replacing an earlier one (for plugins and tests)."""
        if ":" not in target:
            raise ValueError(f"{self.kind} target {target!r} is not of the form 'module:attr'")
        self._targets[name] = target
        self._loaded.pop(name, None)

    def remove(self, name: str) -> None:
        self._targets.pop(name, None)
        self._loaded.pop(name, None)


def import_target(target: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj

"""What every configuration section is built from: a strict, frozen model, and the mark of a setting that
changes how a run goes but never what it writes.

Each stage owns its section, with every default, in its own ``config.py`` (``pipeline/segment/config.py``,
``pipeline/translate/config.py``, ...); :mod:`pipeline.config` puts them together and loads the layers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticUndefined

OPERATIONAL = "operational"


class Section(BaseModel):
    """A configuration section: unknown keys are errors, values cannot be changed after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def operational(default: Any = PydanticUndefined, **kw: Any) -> Any:
    """A field that changes how a run goes (threads, device, caches, engine, where files go) but not what it
    writes: changing it does not redo the shards ``translate-corpus`` already wrote."""
    return Field(default, json_schema_extra={OPERATIONAL: True}, **kw)


def is_operational(model: type[BaseModel], name: str) -> bool:
    extra = model.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(OPERATIONAL))


def output_settings(section: BaseModel) -> dict[str, Any]:
    """``section`` as JSON data without its operational fields (a section left empty is left out); a model's
    extra values (the sections of the quality checks plugins registered, under ``qa``) count, after its fields."""
    out: dict[str, Any] = {}
    extra = section.model_extra or {}
    for name in (*type(section).model_fields, *extra):
        if name not in extra and is_operational(type(section), name):
            continue
        value = extra[name] if name in extra else getattr(section, name)
        if isinstance(value, BaseModel):
            inner = output_settings(value)
            if inner:
                out[name] = inner
        else:
            out[name] = section.model_dump(mode="json", include={name})[name]
    return out

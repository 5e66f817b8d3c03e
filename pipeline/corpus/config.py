"""Every knob of ``translate-corpus``, with its default (the ``corpus:`` section of the configuration).

Importing this module is cheap: Ray is imported only by the ``ray`` engine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pipeline.settings import Section, operational
from pipeline.write.config import FormatName, formats_help, unique


class RayConfig(Section):
    """The Ray Data engine: where the cluster is and how the translation actor pool is placed."""

    address: str | None = Field(
        None,
        description="cluster to join (ray://host:10001, host:6379 or auto); null = $RAY_ADDRESS, else a local "
        "cluster on this machine; --ray-address overrides it",
    )
    actors: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="translation actors (each loads the model once); null = as many as the cluster's GPUs "
        "(num_gpus > 0) or CPUs allow",
    )
    num_cpus: float = Field(1.0, gt=0, le=1024, description="CPUs reserved per translation actor")
    num_gpus: float = Field(
        0.0, ge=0, le=64, description="GPUs per translation actor (e.g. 1, or 0.5 for two actors per GPU); 0 = CPU"
    )
    task_cpus: float = Field(
        1.0, gt=0, le=1024, description="CPUs per read/segment/align/write task (one such slot is kept free of actors)"
    )
    max_restarts: int = Field(3, ge=0, le=1000, description="times Ray restarts a translation actor whose process died")
    max_task_retries: int = Field(
        3, ge=0, le=1000, description="times a shard is retried on a restarted actor before it is rejected"
    )
    task_retries: int = Field(
        3, ge=0, le=1000, description="times a read/segment/align/write task is retried when its worker dies"
    )
    object_store_memory: int | None = Field(
        None, ge=78_643_200, description="bytes of object store for a local cluster started by the job; null = Ray's"
    )


class CorpusConfig(Section):
    """Reading, sharding and writing of ``translate-corpus`` (engine-independent)."""

    engine: Literal["local", "ray"] = operational(
        "local", description="local: in this process; ray: the same stages on Ray Data (pip install .[ray])"
    )
    shard_records: int = Field(
        1000,
        ge=1,
        le=10_000_000,
        description="input records per output shard (the unit of parallelism, of resume and of rejection when a "
        "worker keeps dying); a Parquet shard is whole row groups",
    )
    id_field: str = Field("id", min_length=1, description="JSONL/Parquet field holding the record id")
    text_field: str = Field("text", min_length=1, description="JSONL/Parquet field holding the English text")
    formats: list[FormatName] = Field(
        default_factory=lambda: ["parquet", "jsonl", "tmx"],
        min_length=1,
        description=f"files written per shard <shard>.en-<lang>...: {formats_help()}",
    )
    qa: bool = Field(True, description="run the quality checks (qa:) per record, as the single-article path does")
    ray: RayConfig = operational(default_factory=lambda: RayConfig(), description="the Ray Data engine")

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[str]) -> list[str]:
        return unique(v)

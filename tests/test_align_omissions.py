"""The omission/addition benchmark's planting (pipeline.bench.omissions) and the null-bead scores (metrics)."""

from __future__ import annotations

from pipeline.align.metrics import Bead, check_links, links_to_beads, null_scores
from pipeline.bench.align import DevDoc, DevSet
from pipeline.bench.omissions import INSERT_FRACTION, REMOVE_FRACTION, plant_document, plant_omissions
from pipeline.records import Link


def _doc(name: str, n: int, tag: str) -> DevDoc:
    """``n`` 1-1 beads and a 2-1 bead at the end; sentences name their document, side and index."""
    src = [f"{tag} source {i}." for i in range(n + 2)]
    tgt = [f"{tag} target {j}." for j in range(n + 1)]
    gold: list[Bead] = [((i,), (i,)) for i in range(n)] + [((n, n + 1), (n,))]
    return DevDoc(name, src, tgt, gold)


def _texts(doc: DevDoc, bead: Bead) -> tuple[list[str], list[str]]:
    return [doc.src[i] for i in bead[0]], [doc.tgt[j] for j in bead[1]]


def test_planting_removes_and_inserts_what_it_says_and_keeps_the_gold_whole() -> None:
    docs = [_doc("a", 200, "A"), _doc("b", 200, "B")]
    planted, counts = plant_document(docs, 0, seed=7)
    check_links([Link(s, t, 0.5) for s, t in planted.gold], len(planted.src), len(planted.tgt))
    n_rm = round(REMOVE_FRACTION * 200)
    assert (counts.removed_tgt, counts.removed_src) == (n_rm, n_rm)
    assert (counts.inserted_src, counts.inserted_tgt) == (round(INSERT_FRACTION * 202), round(INSERT_FRACTION * 201))
    beads = [_texts(planted, b) for b in planted.gold]
    nulls = [(s, t) for s, t in beads if not s or not t]
    assert len(nulls) == 2 * n_rm + counts.inserted_src + counts.inserted_tgt
    # omissions: an original source whose target is gone; additions: an original target whose source is gone
    omitted = [s[0] for s, t in nulls if s and s[0].startswith("A ")]
    added = [t[0] for s, t in nulls if t and t[0].startswith("A ")]
    assert len(omitted) == len(added) == n_rm
    assert {x.split()[-1] for x in omitted}.isdisjoint({x.split()[-1] for x in added})  # different beads
    # foreign sentences come from the other document, on the same side
    foreign = [(s, t) for s, t in nulls if (s or t)[0].startswith("B ")]
    assert len(foreign) == counts.inserted_src + counts.inserted_tgt
    assert all(("source" in s[0]) if s else ("target" in t[0]) for s, t in foreign)
    # every other bead is the original one, in order
    kept = [b for b in beads if b[0] and b[1]]
    assert kept == [b for b in (_texts(docs[0], g) for g in docs[0].gold) if b in kept]
    assert (["A source 200.", "A source 201."], ["A target 200."]) in kept  # the 2-1 bead is never cut


def test_planting_is_seeded_and_a_single_document_borrows_from_its_far_half() -> None:
    one = [_doc("solo", 400, "S")]
    a, counts = plant_document(one, 0, seed=1)
    b, _ = plant_document(one, 0, seed=1)
    c, _ = plant_document(one, 0, seed=2)
    assert (a.src, a.tgt, a.gold) == (b.src, b.tgt, b.gold) and a.gold != c.gold
    # an inserted sentence is a copy of one half a document away (+- an eighth) from where it is inserted
    copies = 0
    for side in (a.src, a.tgt):
        where: dict[str, list[int]] = {}
        for k, text in enumerate(side):
            where.setdefault(text, []).append(k)
        for text, at in where.items():
            if len(at) == 2:
                copies += 1
                assert abs(at[1] - at[0]) >= 400 * (0.5 - 0.125) - 30, (text, at)
    assert copies >= counts.inserted_src + counts.inserted_tgt - 2  # (a copy of a removed sentence is single)


def test_plant_omissions_names_the_set_and_totals_the_counts() -> None:
    ds = DevSet("tiny", "de", "fr", [_doc("a", 100, "A"), _doc("b", 60, "B")])
    planted, total = plant_omissions(ds, seed=0)
    assert planted.name == "tiny+omissions" and (planted.src_lang, planted.tgt_lang) == ("de", "fr")
    per_doc = [plant_document(ds.docs, k, 0)[1] for k in range(2)]
    assert total == per_doc[0] + per_doc[1]
    assert "removed" in total.line() and "inserted" in total.line()


def test_null_scores_count_exact_null_beads_only() -> None:
    gold: list[Bead] = [((0,), (0,)), ((1,), ()), ((), (1,)), ((2,), (2,)), ((3,), ())]
    test: list[Bead] = [((0,), (0,)), ((1,), ()), ((2,), (1, 2)), ((3,), ()), ((), (3,))]
    ns = null_scores([gold], [test])
    assert (ns.gold, ns.predicted, ns.correct) == (3, 3, 2)
    assert abs(ns.precision - 2 / 3) < 1e-12 and abs(ns.recall - 2 / 3) < 1e-12
    empty = null_scores([[((0,), (0,))]], [[((0,), (0,))]])
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)


def test_null_scores_count_merged_null_beads_in_low_score_pairs_as_seen() -> None:
    """A gold null bead merged into a pair below the low_score threshold is seen by a reviewer, not found."""
    gold: list[Bead] = [((0,), (0,)), ((1,), ()), ((), (1,)), ((2,), (2,)), ((3,), ()), ((4,), (3,))]
    links = [
        Link((0,), (0,), 0.9),
        Link((1,), (1,), 0.2),  # the omission and the addition paired, at a low score: both seen
        Link((2, 3), (2,), 0.5),  # the omission merged into a good pair: not seen
        Link((4,), (3,), 0.1),
    ]
    ns = null_scores([gold], [links_to_beads(links)], [links], low_score=0.3)
    assert (ns.gold, ns.correct, ns.low_score) == (3, 0, 2) and abs(ns.seen - 2 / 3) < 1e-12
    assert null_scores([gold], [links_to_beads(links)], [links], low_score=0.1).low_score == 0
    assert null_scores([gold], [links_to_beads(links)]).low_score == 0  # without the links: not counted

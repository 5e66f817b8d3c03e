"""``python -m pipeline bench-segment``: sentence-segmentation accuracy on the case lists, and speed.

Accuracy: every ``*.json`` case list in the cases folder (``[{"text": ..., "sentences": [...]}, ...]``;
the language is the file name up to the first ``-`` or ``.``: ``news-uk.json`` is Ukrainian) is run through
this project's segmenter (``pipeline.segment.get_segmenter(lang)``), pySBD and sentencex, whichever are
installed. A case passes when the segmenter's sentences equal the expected ones exactly, after collapsing
runs of whitespace (leading and trailing whitespace included) and dropping empty strings — the scoring of
pySBD's Golden Rules lists (``tests/data/segment/README.md``). pySBD has no Korean or Ukrainian: those
cells are ``-``.

Speed: the same English text for every segmenter, built deterministically from the seed article
(``seeds/``) and the English case texts, repeated to the size asked for (1 MB). Each segmenter gets the whole
text in one call, ``--repeat`` times in rounds (ours, pySBD, sentencex; one untimed warm-up call each before);
a row gives the median MB/s and the min-max of the runs, and the ratio of the last line is a ratio of
medians. Linearity: the same timing on the first quarter of the text (the full text is that quarter four
times over); a time ratio near 4 means linear.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.bench import median
from pipeline.config import repo_root
from pipeline.errors import InputError
from pipeline.segment import get_segmenter

SYSTEMS = ("ours", "pysbd", "sentencex")
PYSBD_LANGS = frozenset({"en", "ru"})  # of this project's four; pySBD has no ko or uk
GOLDEN = ("en", "ru", "ko", "uk")  # the lists <lang>.json reported on the last line
INSTALL_HINT = 'pySBD and sentencex are not installed: pip install -e ".[bench]" (or make bench-segment) adds them'

Split = Callable[[str], Iterable[str]]


def default_cases_dir() -> Path:
    return repo_root() / "tests" / "data" / "segment"


def seed_text() -> str:
    """The repository's seed articles (``seeds/*.txt``), in name order, one paragraph break between them."""
    return "\n\n".join(p.read_text(encoding="utf-8").strip() for p in sorted((repo_root() / "seeds").glob("*.txt")))


def lang_of(path: Path) -> str:
    """The first 2-3 letter part of the file name split at ``-`` and ``.``: ``en.json`` -> ``en``,
    ``ru-more.json`` -> ``ru``, ``news-uk.json`` -> ``uk``."""
    parts = re.split(r"[-.]", path.name)[:-1]  # without the extension
    return next((p for p in parts if re.fullmatch(r"[a-z]{2,3}", p)), parts[0] if parts else path.name)


@dataclass(frozen=True)
class Case:
    text: str
    sentences: tuple[str, ...]
    cls: str = ""


@dataclass(frozen=True)
class CaseList:
    name: str  # the file name without .json
    lang: str
    cases: tuple[Case, ...]


def load_case_lists(cases_dir: Path) -> list[CaseList]:
    """Every ``*.json`` list in ``cases_dir`` by language, ``<lang>.json`` first (none: ``[]``)."""

    out: list[CaseList] = []
    for path in sorted(cases_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            cases = tuple(
                Case(str(c["text"]), tuple(str(s) for s in c["sentences"]), str(c.get("class", ""))) for c in data
            )
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(
                f"{path}: not a case list ({e})", 'want [{"text": ..., "sentences": [...], "class": ...}, ...]'
            ) from e
        out.append(CaseList(path.name[: -len(".json")], lang_of(path), cases))
    return sorted(out, key=lambda cl: (cl.lang, cl.name != cl.lang, cl.name))


def normalize(sentences: Iterable[str]) -> list[str]:
    """Whitespace runs collapsed to one space (and trimmed), empty strings dropped."""
    return [t for t in (" ".join(s.split()) for s in sentences) if t]


def passes(split: Split, case: Case) -> bool:
    return normalize(split(case.text)) == normalize(case.sentences)


def ours(lang: str) -> Split:

    seg = get_segmenter(lang)
    return lambda text: [text[s:e] for s, e in seg.spans(text)]


def pysbd_split(lang: str) -> Split | None:
    """pySBD for ``lang``, or None when it is not installed or has no rules for ``lang``."""
    if lang not in PYSBD_LANGS:
        return None
    try:
        import pysbd
    except ImportError:
        return None
    seg = pysbd.Segmenter(language=lang, clean=False, char_span=False)
    return lambda text: list(seg.segment(text))


def sentencex_split(lang: str) -> Split | None:
    try:
        import sentencex
    except ImportError:
        return None
    return lambda text: list(sentencex.segment(lang, text))


def installed() -> dict[str, bool]:
    """Which of the systems can run (ours always)."""
    return {"ours": True, "pysbd": pysbd_split("en") is not None, "sentencex": sentencex_split("en") is not None}


FACTORIES: dict[str, Callable[[str], Split | None]] = {"ours": ours, "pysbd": pysbd_split, "sentencex": sentencex_split}


@dataclass
class ListScore:
    name: str
    lang: str
    total: int
    passed: dict[str, int | None]  # system -> cases passed; None: not installed or no such language
    failed: list[int] = field(default_factory=list)  # case numbers (from 1, as the test ids) ours fails


def score_lists(lists: Sequence[CaseList], systems: Sequence[str]) -> list[ListScore]:
    out = []
    for cl in lists:
        passed: dict[str, int | None] = {}
        failed: list[int] = []
        for system in systems:
            split = FACTORIES[system](cl.lang)
            if split is None:
                passed[system] = None
                continue
            ok = [passes(split, c) for c in cl.cases]
            passed[system] = sum(ok)
            if system == "ours":
                failed = [i for i, good in enumerate(ok, start=1) if not good]
        out.append(ListScore(cl.name, cl.lang, len(cl.cases), passed, failed))
    return out


def english_text(lists: Sequence[CaseList], size_bytes: int) -> tuple[str, str]:
    """Deterministic English text of about ``size_bytes`` UTF-8 bytes and its first quarter: the seed article
    and the English case texts, as paragraphs, cycled until a quarter of the size is reached; the text is that
    quarter four times over, joined by paragraph breaks."""
    units = [p.strip() for p in re.split(r"\n\s*\n", seed_text()) if p.strip()]
    units += [c.text.strip() for cl in lists if cl.lang == "en" for c in cl.cases if c.text.strip()]
    quarter_target = max(1, size_bytes // 4)
    parts: list[str] = []
    n = 0
    while n < quarter_target:
        u = units[len(parts) % len(units)]
        parts.append(u)
        n += len(u.encode("utf-8")) + 2
    quarter = "\n\n".join(parts)
    return "\n\n".join([quarter] * 4), quarter


@dataclass
class SpeedRow:
    system: str
    mbytes: float
    paragraphs: int
    seconds: list[float]
    quarter_seconds: list[float]

    @property
    def rates(self) -> list[float]:
        return [self.mbytes / s if s > 0 else float("inf") for s in self.seconds]

    @property
    def rate(self) -> float:
        return median(self.rates)

    @property
    def linearity(self) -> float:
        q = median(self.quarter_seconds)
        return median(self.seconds) / q if q > 0 else float("inf")


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def time_systems(
    text: str, quarter: str, systems: Sequence[str], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> list[SpeedRow]:
    """Each system on the paragraphs of ``text`` and of ``quarter`` (one call per paragraph, as
    ``segment_document`` calls a segmenter), ``repeat`` times in rounds, after one untimed warm-up call each;
    then ours once more per round on each text whole, in one call (row ``ours/whole``)."""
    splits = {s: FACTORIES[s]("en") for s in systems}
    live = [(s, f) for s, f in splits.items() if f is not None]
    samples = (paragraphs(text), paragraphs(quarter))
    mb = len(text.encode("utf-8")) / 1e6
    rows = {s: SpeedRow(s, mb, len(samples[0]), [], []) for s, _ in live}
    whole = FACTORIES["ours"]("en") if "ours" in rows else None
    if whole is not None:
        rows["ours/whole"] = SpeedRow("ours/whole", mb, 1, [], [])
    for _, f in live:
        list(f(samples[1][0]))  # warm-up (lazy imports, compiled regexes), outside the clock
    for _ in range(repeat):
        for s, f in live:
            for paras, into in zip(samples, (rows[s].seconds, rows[s].quarter_seconds), strict=True):
                t0 = clock()
                for p in paras:
                    list(f(p))
                into.append(clock() - t0)
        if whole is not None:
            for sample, into in ((text, rows["ours/whole"].seconds), (quarter, rows["ours/whole"].quarter_seconds)):
                t0 = clock()
                whole(sample)
                into.append(clock() - t0)
    return list(rows.values())


def as_document(text: str, reader: str) -> bytes:
    """``text``'s paragraphs as a document of ``reader``'s format, with inline markup around every fifth word: a
    page of ``<p>`` elements (with a title), Markdown paragraphs (with a heading) or a Word document."""
    import html

    def marked(p: str, opening: str, closing: str, escape: Callable[[str], str]) -> str:
        words = p.split()
        return " ".join(f"{opening}{escape(w)}{closing}" if i % 5 == 1 else escape(w) for i, w in enumerate(words))

    paras = paragraphs(text)
    if reader == "html":
        body = "\n".join(f"<p>{marked(p, '<b>', '</b>', html.escape)}</p>" for p in paras)
        return f"<!DOCTYPE html>\n<html><head><title>Bench</title></head><body>\n{body}\n</body></html>\n".encode()
    if reader == "markdown":

        def md(w: str) -> str:
            return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", w)

        return ("# Bench\n\n" + "\n\n".join(marked(p, "**", "**", md) for p in paras) + "\n").encode()
    if reader == "docx":
        return _docx(paras)
    return text.encode()


def _docx(paras: Sequence[str]) -> bytes:
    """A Word document (python-docx) of a heading and ``paras``, every fifth word a bold run."""
    import io

    import docx

    d = docx.Document()
    d.add_heading("Bench", 1)
    for p in paras:
        para = d.add_paragraph()
        plain: list[str] = []
        for i, w in enumerate(p.split()):
            if i % 5 == 1:
                para.add_run(" ".join(plain) + " ")
                para.add_run(w).bold = True
                plain = [""]
            else:
                plain.append(w)
        if any(plain):
            para.add_run(" ".join(plain))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def time_readers(
    text: str, quarter: str, readers: Sequence[str], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> list[SpeedRow]:
    """Reading and segmenting ``text`` (and its first quarter) made into a document of each reader's format, as
    ``translate`` does (:func:`pipeline.components.read_document` + ``segment_document_source``), ``repeat``
    times; row ``read:text`` is the plain text, the baseline the others are compared with."""
    import tempfile

    from pipeline.components import read_document, segment_document_source
    from pipeline.config import load_config

    cfg = load_config(lang=None)
    mb = len(text.encode("utf-8")) / 1e6
    rows = []
    suffix = {"text": ".txt", "html": ".html", "markdown": ".md", "docx": ".docx"}
    with tempfile.TemporaryDirectory() as tmp:
        for reader in readers:
            files = []
            for n, sample in enumerate((text, quarter)):
                path = Path(tmp) / f"{reader}{n}{suffix.get(reader, '.' + reader)}"
                path.write_bytes(as_document(sample, reader))
                files.append(path)
            row = SpeedRow(f"read:{reader}", mb, len(paragraphs(text)), [], [])
            segment_document_source(cfg, read_document(cfg, files[1], "en"), "en")  # warm-up
            for _ in range(repeat):
                for path, into in zip(files, (row.seconds, row.quarter_seconds), strict=True):
                    t0 = clock()
                    segment_document_source(cfg, read_document(cfg, path, "en"), "en")
                    into.append(clock() - t0)
            rows.append(row)
    return rows


def time_writes(
    text: str, quarter: str, readers: Sequence[str], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> list[SpeedRow]:
    """Writing the translated document back (the reader's ``write``, as ``translate`` does last) with every block
    changed (its ASCII letters upper-cased: the same length, so its codes stay where they were), for ``text`` and
    its first quarter made into a document of each reader's format; rows ``write:<reader>``."""
    import dataclasses
    import string

    from pipeline.read import READERS, ReadConfig

    upper = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
    rows = []
    for name in readers:
        reader = READERS.load(name)(ReadConfig())
        docs = [reader.read(as_document(sample, name), where=f"bench.{name}", lang="en") for sample in (text, quarter)]
        changed = [[dataclasses.replace(b, text=b.text.translate(upper)) for b in d.blocks] for d in docs]
        row = SpeedRow(f"write:{name}", len(text.encode("utf-8")) / 1e6, len(paragraphs(text)), [], [])
        reader.write(docs[1], changed[1])  # warm-up
        for _ in range(repeat):
            for doc, blocks, into in zip(docs, changed, (row.seconds, row.quarter_seconds), strict=True):
                t0 = clock()
                reader.write(doc, blocks)
                into.append(clock() - t0)
        rows.append(row)
    return rows


def _cell(passed: int | None, total: int) -> str:
    return "-" if passed is None else f"{passed}/{total}"


def table(scores: Sequence[ListScore], systems: Sequence[str], cases_dir: Path) -> str:
    cols = f"{'list':<16} {'lang':<5} {'cases':>6} " + " ".join(f"{s:>10}" for s in systems)
    lines = [f"case lists: {cases_dir}", "cases passed (exact sentence lists, whitespace collapsed):", "", cols]
    lines.append("-" * len(cols))
    for sc in scores:
        cells = " ".join(f"{_cell(sc.passed[s], sc.total):>10}" for s in systems)
        lines.append(f"{sc.name:<16} {sc.lang:<5} {sc.total:>6} {cells}")
    by_lang: dict[str, list[ListScore]] = {}
    for sc in scores:
        by_lang.setdefault(sc.lang, []).append(sc)
    if len(by_lang) < len(scores):
        lines.append("")
        for lang, group in by_lang.items():
            total = sum(g.total for g in group)
            sums = []
            for s in systems:
                vals = [g.passed[s] for g in group]
                sums.append(
                    f"{_cell(sum(v or 0 for v in vals) if all(v is not None for v in vals) else None, total):>10}"
                )
            lines.append(f"{'all ' + lang:<16} {lang:<5} {total:>6} " + " ".join(sums))
    fails = [(sc.name, i) for sc in scores for i in sc.failed]
    if fails:
        lines.append("")
        lines.append("ours fails: " + ", ".join(f"{name}-{i}" for name, i in fails))
    return "\n".join(lines)


def speed_table(rows: Sequence[SpeedRow], repeat: int) -> str:
    if not rows:
        return ""
    n = rows[0].paragraphs
    head = (
        f"throughput: {rows[0].mbytes:.2f} MB of English (seed article + English case texts, repeated), "
        f"one call per paragraph ({n} paragraphs),\n{repeat} run(s) each: median MB/s, min-max; "
        f"linearity = time(text) / time(its first quarter), 4.00 is linear; ours/whole: the text in one call"
    )
    cols = f"{'system':<10} {'median s':>9} {'MB/s':>9} {'min-max MB/s':>17} {'linearity':>10}"
    lines = [head, "", cols, "-" * len(cols)]
    for r in rows:
        spread = f"{min(r.rates):.2f}-{max(r.rates):.2f}"
        lines.append(f"{r.system:<10} {median(r.seconds):>9.3f} {r.rate:>9.2f} {spread:>17} {r.linearity:>10.2f}")
    return "\n".join(lines)


def reader_lines(rows: Sequence[SpeedRow]) -> list[str]:
    """One line per reader with markup: its time over the plain text's (the goal: at most 2.00) and linearity."""
    base = next((r for r in rows if r.system == "read:text"), None)
    if base is None:
        return []
    lines = []
    for r in rows:
        if r is not base:
            ratio = median(r.seconds) / median(base.seconds) if median(base.seconds) > 0 else float("inf")
            lines.append(f"reader {r.system[5:]}: read+segment {ratio:.2f}x plain text's, linearity {r.linearity:.2f}")
    return lines


def final_line(scores: Sequence[ListScore], rows: Sequence[SpeedRow]) -> str:
    """``golden en=.. ru=.. ko=.. uk=.. pysbd_en=.. pysbd_ru=.. speed_vs_pysbd=..`` over the lists
    ``<lang>.json``; ``-`` for a list that is missing or a system that is not installed."""
    named = {sc.name: sc for sc in scores}

    def cell(lang: str, system: str) -> str:
        sc = named.get(lang)
        return "-" if sc is None else _cell(sc.passed.get(system), sc.total)

    rate = {r.system: r.rate for r in rows}
    ratio = f"{rate['ours'] / rate['pysbd']:.2f}" if "ours" in rate and rate.get("pysbd", 0) > 0 else "-"
    fields = [f"{lang}={cell(lang, 'ours')}" for lang in GOLDEN]
    fields += [f"pysbd_{lang}={cell(lang, 'pysbd')}" for lang in ("en", "ru")]
    return "golden " + " ".join(fields) + f" speed_vs_pysbd={ratio}"

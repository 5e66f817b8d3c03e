"""Reading glossary files: TBX, CSV/TSV, YAML. Every problem is one line naming the file, the line and the fix.

Formats (by file extension):

* ``.tbx`` (TBX v2 ``<martif>``, e.g. a termbase exported from a CAT tool): read with translate-toolkit's
  ``translate.storage.tbx`` after :mod:`pipeline.xmlsafe` has parsed the file safely (terms in
  ``<tig>``; terms in ``<ntig><termGrp>``, which translate-toolkit does not list, are read directly). Each
  ``<termEntry>`` is a concept: every source-language term (``<langSet xml:lang="en">``) becomes an
  entry whose accepted forms are all terms of each other language, in file order. Terms marked
  ``<termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote>`` are not accepted.
  A source term is case-sensitive with ``<termNote type="x-caseSensitive">yes</termNote>`` (also
  ``<descrip>``; TBX has no standard field for it). Concepts with no source-language term are skipped.
* ``.csv`` / ``.tsv`` / ``.tab``: a header line, then one term per row. The header is either language
  codes (``en,ko`` or ``en,ko,uk,ru``: the first column is the source language, the others target
  languages) or ``source,target`` (the forms then apply to whatever target language the run has).
  Optional columns: ``case_sensitive`` (yes/no, true/false, 1/0) and ``note``/``comment``
  (ignored). A target cell may hold several accepted forms separated by ``|`` (not ``;`` or ``,``,
  which are CSV delimiters in many spreadsheet exports); the first is the preferred one. An empty
  target cell means no form in that language. CSV is comma-separated (a header with semicolons and
  no commas is read as semicolon-separated), TSV tab-separated; lines starting with ``#`` are
  comments. Two rows for one term add forms.
* ``.yaml`` / ``.yml``: a map from source term to its forms::

      Zelenskyy: Зеленський                   # one form (for whatever target language the run has)
      Kim Jong Un: [Кім Чен Ин, Кім Чен Ин]   # several accepted forms
      NIS: {forms: [НСР], case_sensitive: true}
      Kursk: {ko: 쿠르스크, uk: [Курськ, Курщина], ru: Курск}   # per target language

  Terms and forms are always read as text (``NO:`` or ``1950:`` stay strings); duplicate terms are errors.

Files are UTF-8 (a byte-order mark is allowed). The glossary's source language is ``en`` unless the
caller says otherwise.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.glossary.model import ANY_LANG, Entry, Glossary, lang_key, merge_entries

__all__ = ["FORM_SEPARATOR", "GLOSSARY_SUFFIXES", "load_glossaries", "load_glossary", "run_glossary"]

FORM_SEPARATOR = "|"
GLOSSARY_SUFFIXES = (".tbx", ".csv", ".tsv", ".tab", ".yaml", ".yml")
MAX_GLOSSARY_BYTES = 32 * 1024 * 1024

log = logging.getLogger(__name__)

_LANG_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_TRUE = {"yes", "true", "1", "y", "on"}
_FALSE = {"no", "false", "0", "n", "off", ""}
_NOTE_COLUMNS = {"note", "notes", "comment", "comments", "description", "definition"}


def load_glossary(path: str | Path, *, src_lang: str = "en") -> Glossary:
    """Read one glossary file (format by extension, see the module docstring)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in GLOSSARY_SUFFIXES:
        raise InputError(
            f"glossary {p}: unknown format {suffix or '(no extension)'!r}",
            f"give a file ending in one of {', '.join(GLOSSARY_SUFFIXES)}",
        )
    if suffix == ".tbx":
        entries = _read_tbx(p, src_lang)
    else:
        text = _read_text(p)
        entries = _read_yaml(p, text) if suffix in (".yaml", ".yml") else _read_table(p, text, src_lang, suffix)
    if not entries:
        raise InputError(f"glossary {p} has no terms", "add at least one term, or leave the file out")
    return Glossary(merge_entries(entries), lang_key(src_lang), (str(p),))


def load_glossaries(paths: Iterable[str | Path], *, src_lang: str = "en") -> Glossary:
    """Read several glossary files into one (later files add forms to terms of earlier ones)."""
    out = Glossary((), lang_key(src_lang))
    for path in paths:
        out = out.merged(load_glossary(path, src_lang=src_lang))
    return out


def run_glossary(files: Sequence[str], *, src_lang: str, tgt_lang: str, enforce: bool = False) -> Glossary | None:
    """The glossary of a run (``glossary.files``), read once at the edge and reduced to ``tgt_lang``.

    None when no file is given. A file that is missing or malformed is an :class:`InputError` naming it
    and where it was given. A glossary with no form in ``tgt_lang`` is logged (it checks nothing).
    """
    if not files:
        if enforce:
            log.warning("glossary.enforce is on but no glossary is given (--glossary FILE or glossary.files)")
        return None
    for f in files:
        if not Path(f).exists():
            raise InputError(
                f"glossary not found: {f} (from --glossary or glossary.files)",
                "check the path (relative paths are from the current folder)",
            )
    full = load_glossaries(files, src_lang=src_lang)
    local = full.for_lang(tgt_lang)
    log.info(
        "glossary: %d term(s) with a %s form, of %d in %s%s",
        len(local),
        tgt_lang,
        len(full),
        ", ".join(full.sources),
        " (kept by placeholders: glossary.enforce)" if enforce else "",
    )
    if not local.entries:
        log.warning("glossary %s has no term with a %s form: nothing is checked", ", ".join(full.sources), tgt_lang)
    return local


def _read_text(p: Path) -> str:
    try:
        size = p.stat().st_size
        if size > MAX_GLOSSARY_BYTES:
            raise InputError(f"glossary {p} is {size:,} bytes, over {MAX_GLOSSARY_BYTES:,}", "split it")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"glossary not found: {p}", "check the path (glossary.files or --glossary)") from None
    except IsADirectoryError:
        raise InputError(f"glossary {p} is a folder", "give the glossary file itself") from None
    except OSError as e:
        raise InputError(f"cannot read glossary {p}: {e.strerror}", "check its permissions") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(f"glossary {p}:{line} is not UTF-8 text", "save the file as UTF-8") from None


def _forms(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for f in (" ".join(x.split()) for x in cell.split(FORM_SEPARATOR)) if f))


def _flag(value: str, where: str, column: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise InputError(f"glossary {where}: {column} is {value!r}", "write yes or no (or true/false, 1/0)")


# --------------------------------------------------------------------------- CSV / TSV


def _delimiter(suffix: str, header: str) -> str:
    if suffix in (".tsv", ".tab"):
        return "\t"
    if "," not in header and ";" in header:
        return ";"
    if "," not in header and "\t" in header:
        return "\t"
    return ","


def _read_table(p: Path, text: str, src_lang: str, suffix: str) -> list[Entry]:
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (not lines[skipped].strip() or lines[skipped].lstrip().startswith("#")):
        skipped += 1
    if skipped == len(lines):
        raise InputError(f"glossary {p} is empty", "write a header line (e.g. en,ko) and one term per line")
    delim = _delimiter(suffix, lines[skipped])
    reader = csv.reader(io.StringIO("".join(lines[skipped:])), delimiter=delim, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as e:
        raise InputError(f"glossary {p}:{skipped + 1}: malformed header ({e})", "fix the quoting") from None
    src_col, targets, case_col = _header(p, skipped + 1, header, src_lang)
    entries: list[Entry] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            line = skipped + reader.line_num
            raise InputError(f"glossary {p}:{line}: malformed line ({e})", "fix the quoting of that line") from None
        line = skipped + reader.line_num
        where = f"{p}:{line}"
        if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if len(row) != len(header):
            raise InputError(
                f"glossary {where}: {len(row)} cells, but the header has {len(header)}",
                f"give every line {len(header)} cells separated by {delim!r} (put a cell holding "
                f"{delim!r} in double quotes; separate several forms with {FORM_SEPARATOR!r})",
            )
        source = " ".join(row[src_col].split())
        langs = tuple((lang, _forms(row[col])) for col, lang in targets)
        langs = tuple((lang, forms) for lang, forms in langs if forms)
        if not source:
            raise InputError(f"glossary {where}: no source term", "fill in the first column or delete the line")
        if not langs:
            raise InputError(f"glossary {where}: {source!r} has no target form", "fill in a target column")
        case = _flag(row[case_col], where, "case_sensitive") if case_col is not None else False
        entries.append(Entry(source, langs, case, where))
    return entries


def _header(p: Path, line: int, header: list[str], src_lang: str) -> tuple[int, list[tuple[int, str]], int | None]:
    """(source column, [(column, language)], case_sensitive column) from a header row."""
    where = f"{p}:{line}"
    fix = "start the file with a header line: en,ko (language codes, source first) or source,target"
    lowered = [h.lower() for h in header]
    case_col = lowered.index("case_sensitive") if "case_sensitive" in lowered else None
    if len(header) < 2:
        raise InputError(f"glossary {where}: the header {','.join(header)!r} has fewer than two columns", fix)
    if lowered[0] == "source":
        if "target" not in lowered:
            raise InputError(f"glossary {where}: a 'source' column needs a 'target' column", fix)
        targets = [(lowered.index("target"), ANY_LANG)]
        known = {0, lowered.index("target")}
    elif _LANG_CODE.fullmatch(header[0]):
        if lang_key(header[0]) != lang_key(src_lang):
            raise InputError(
                f"glossary {where}: the first column is {header[0]!r}, but the source language is {src_lang!r}",
                f"put the {src_lang} column first",
            )
        targets, known = [], {0}
        for col, name in enumerate(header[1:], start=1):
            if _LANG_CODE.fullmatch(name) and name.lower() not in ("source", "target"):
                targets.append((col, lang_key(name)))
                known.add(col)
        if not targets:
            raise InputError(f"glossary {where}: no target language column", fix)
    else:
        raise InputError(f"glossary {where}: the header {','.join(header)!r} names no source column", fix)
    if case_col is not None:
        known.add(case_col)
    unknown = [h for col, h in enumerate(header) if col not in known and h.lower() not in _NOTE_COLUMNS]
    if unknown:
        raise InputError(
            f"glossary {where}: unknown column(s) {', '.join(map(repr, unknown))}",
            "use language codes, source/target, case_sensitive, note",
        )
    return 0, targets, case_col


# --------------------------------------------------------------------------- YAML


def _read_yaml(p: Path, text: str) -> list[Entry]:
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(
            f"glossary {p}{line} is not valid YAML ({problem})", "write one 'term: form' per line"
        ) from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise InputError(f"glossary {p}:{root.start_mark.line + 1}: not a map of terms", "write 'term: form' lines")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for key, value in root.value:
        line = key.start_mark.line + 1
        where = f"{p}:{line}"
        if not isinstance(key, yaml.ScalarNode) or not str(key.value).strip():
            raise InputError(f"glossary {where}: a term must be text", "write 'term: form'")
        source = " ".join(str(key.value).split())
        if source.casefold() in seen:
            raise InputError(
                f"glossary {where}: {source!r} is already defined on line {seen[source.casefold()]}",
                "give each term once (list several forms: [form1, form2])",
            )
        seen[source.casefold()] = line
        langs, case = _yaml_value(value, where, source)
        entries.append(Entry(source, langs, case, where))
    return entries


def _yaml_forms(node: Any, where: str, what: str) -> tuple[str, ...]:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        items = [node]
    elif isinstance(node, yaml.SequenceNode):
        items = list(node.value)
    else:
        items = []
    forms = []
    for item in items:
        if not isinstance(item, yaml.ScalarNode):
            raise InputError(f"glossary {where}: {what} must be text or a list of texts", "write [form1, form2]")
        forms += [f for f in _forms(str(item.value))]
    if not forms:
        raise InputError(f"glossary {where}: {what} has no form", "write at least one target form")
    return tuple(dict.fromkeys(forms))


def _yaml_value(node: Any, where: str, source: str) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], bool]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return ((ANY_LANG, _yaml_forms(node, where, repr(source))),), False
    langs: list[tuple[str, tuple[str, ...]]] = []
    case = False
    for key, value in node.value:
        k = str(key.value).strip() if isinstance(key, yaml.ScalarNode) else ""
        kw = f"{where.rsplit(':', 1)[0]}:{key.start_mark.line + 1}"
        if k == "forms":
            langs.append((ANY_LANG, _yaml_forms(value, kw, f"{source!r} forms")))
        elif k == "case_sensitive":
            if not isinstance(value, yaml.ScalarNode):
                raise InputError(f"glossary {kw}: case_sensitive must be true or false", "write true or false")
            case = _flag(str(value.value), kw, "case_sensitive")
        elif k in ("note", "comment"):
            continue
        elif _LANG_CODE.fullmatch(k):
            langs.append((lang_key(k), _yaml_forms(value, kw, f"{source!r} {k}")))
        else:
            raise InputError(
                f"glossary {kw}: unknown key {k!r} for {source!r}",
                "use forms, case_sensitive, note, or a language code (ko, uk, ru)",
            )
    if not langs:
        raise InputError(f"glossary {where}: {source!r} has no forms", "add forms: [...] or a language: form")
    return tuple(langs), case


# --------------------------------------------------------------------------- TBX


def _tbx_flag(notes: Sequence[Any]) -> bool:
    for note in notes:
        category = re.sub(r"[^a-z]", "", (note.category or "").lower())
        if category in ("casesensitive", "xcasesensitive"):
            return (note.text or "").strip().lower() in _TRUE
    return False


def _read_tbx(p: Path, src_lang: str) -> list[Entry]:
    from pipeline.xmlsafe import parse_xml_file, safe_bytes

    fix = "give a TBX file (<martif> with <termEntry> elements) exported again from the termbase"
    tree = parse_xml_file(p, what="glossary", max_bytes=MAX_GLOSSARY_BYTES, fix=fix)
    if _localname(tree.getroot().tag) != "martif":
        raise InputError(f"glossary {p}: the root element is <{_localname(tree.getroot().tag)}>, not <martif>", fix)
    try:
        from translate.misc.xml_helpers import getXMLlang
        from translate.storage.tbx import tbxfile
    except ImportError:
        raise InputError(
            f"glossary {p}: reading TBX needs translate-toolkit (optional, GPL-3.0-or-later)",
            "pip install '.[glossary]', or give the glossary as CSV/YAML",
        ) from None
    try:
        store = tbxfile.parsestring(safe_bytes(tree), sourcelanguage=src_lang)
    except Exception as e:  # translate-toolkit raises assorted errors on odd files
        raise InputError(f"glossary {p}: not a TBX file translate-toolkit can read ({type(e).__name__})", fix) from None
    src_key = lang_key(src_lang)
    entries: list[Entry] = []
    # translate-toolkit parsed a re-serialised copy: take line numbers from the original parse (same order)
    originals = [e for e in tree.getroot().iter() if isinstance(e.tag, str) and _localname(e.tag) == "termEntry"]
    units = list(store.units)
    lines: list[int | None] = [e.sourceline for e in originals] if len(originals) == len(units) else [None] * len(units)
    for unit, line in zip(units, lines, strict=True):
        where = f"{p}:{line}" if line else str(p)
        sources: list[Any] = []
        langs: dict[str, list[str]] = {}
        for node in unit.getlanguageNodes():
            code = getXMLlang(node) or ""
            if not code:
                raise InputError(f"glossary {where}: a <langSet> has no xml:lang", "give every langSet its language")
            terms = [t for t in unit.get_target_terms(code) or _ntig_terms(node) if t.text.strip() and not t.deprecated]
            key = lang_key(code)
            if key == src_key:
                sources += terms
                continue
            for term in terms:
                text = " ".join(term.text.split())
                if text not in langs.get(key, []):
                    langs.setdefault(key, []).append(text)
        if not sources:
            continue
        if not langs:
            continue
        targets = tuple((k, tuple(v)) for k, v in langs.items())
        for term in sources:
            entries.append(Entry(" ".join(term.text.split()), targets, _tbx_flag(term.notes), where))
    if not entries and store.units:
        raise InputError(
            f"glossary {p}: no concept has both a {src_lang} term and a term in another language",
            f"check the langSet xml:lang codes (source {src_lang!r})",
        )
    return entries


@dataclass(frozen=True)
class _Term:
    """A term read from ``<ntig><termGrp><term>`` (translate-toolkit reads ``<tig>`` only)."""

    text: str
    deprecated: bool
    notes: tuple[Any, ...] = ()


def _ntig_terms(lang_set: Any) -> list[_Term]:
    out = []
    for ntig in lang_set:
        if _localname(ntig.tag) != "ntig":
            continue
        text, deprecated = "", False
        for el in ntig.iter():
            name = _localname(el.tag)
            if name == "term" and not text:
                text = "".join(el.itertext())
            elif name == "termNote" and el.get("type") == "administrativeStatus":
                deprecated = "deprecated" in "".join(el.itertext()).lower()
        out.append(_Term(text, deprecated))
    return out


def _localname(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""

"""Each layer of the untrusted-XML defences (:mod:`pipeline.xmlsafe`) stops a probe that no other layer stops.

A test of the whole parser alone cannot tell which layer refused an input (two layers refusing one input with one
message look the same). Here each probe is shown to be dangerous or refused *without* the layer (the layer switched
off), and refused, with that layer's own message or effect, *with* it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

import pipeline.xmlsafe as xmlsafe
from pipeline.errors import InputError
from pipeline.xmlsafe import parse_xml_bytes, parse_xml_file

# layer 1's probe: a declaration inside a comment is in the bytes, but in no parsed DTD
IN_COMMENT = b'<?xml version="1.0"?><!-- <!ENTITY lol "lol"> --><r>text</r>'
# layer 3's probe: a real internal entity, in UTF-32 (layer 1 scans ASCII/UTF-8 and UTF-16 only)
UTF32 = '<?xml version="1.0" encoding="UTF-32"?><!DOCTYPE r [<!ENTITY a "AAA">]><r>&a;</r>'.encode("utf-32")


def _external(tmp_path: Path) -> bytes:
    """Layers 2 and 4's probe: an external DTD that declares an entity with a secret as its value."""
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "LEAKED-SECRET">', encoding="ascii")
    return f'<!DOCTYPE r SYSTEM "{dtd.as_posix()}"><r>&secret;</r>'.encode("ascii")


def test_layer_size_refuses_a_file_over_the_limit_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"<r>" + b"x" * 100 + b"</r>")
    assert parse_xml_file(path, max_bytes=200).getroot().tag == "r"  # under the limit: read
    with pytest.raises(InputError, match="over the limit of 50"):
        parse_xml_file(path, max_bytes=50)


def test_layer_byte_scan_alone_refuses_a_declaration_in_a_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    at = IN_COMMENT.index(b"<!ENTITY")
    with pytest.raises(InputError, match=rf"declares XML entities \('<!ENTITY' at byte {at}\)"):
        parse_xml_bytes(IN_COMMENT, source="x.xlf")
    monkeypatch.setattr(xmlsafe, "_ENTITY_DECLS", ())  # without the scan, no other layer sees it
    assert parse_xml_bytes(IN_COMMENT, source="x.xlf").getroot().text == "text"


def test_layer_parsed_dtd_alone_refuses_an_entity_the_byte_scan_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    assert xmlsafe._entity_bytes(UTF32) is None  # the byte scan misses it
    with pytest.raises(InputError, match=r"declares XML entities \(in its DOCTYPE: a\)"):
        parse_xml_bytes(UTF32, source="x.tbx")
    monkeypatch.setattr(xmlsafe, "_declared_entities", lambda tree: [])  # without the DTD check it is parsed
    assert parse_xml_bytes(UTF32, source="x.tbx").getroot().tag == "r"


def test_layer_parser_options_alone_never_read_an_external_dtd(tmp_path: Path) -> None:
    probe = _external(tmp_path)
    plain = etree.XMLParser(load_dtd=True, resolve_entities=True)  # no defence: the probe is real
    assert b"LEAKED-SECRET" in etree.tostring(etree.fromstring(probe, plain))
    options_only = etree.XMLParser(**xmlsafe.SAFE_OPTIONS)  # the safe options, no resolver
    assert b"LEAKED-SECRET" not in etree.tostring(etree.fromstring(probe, options_only))
    tree = parse_xml_bytes(probe, source="x.xlf")  # the whole parser: the reference stays unexpanded
    assert b"LEAKED-SECRET" not in etree.tostring(tree)


def test_layer_resolver_alone_answers_an_external_dtd_with_nothing(tmp_path: Path) -> None:
    probe = _external(tmp_path)
    resolver_only = etree.XMLParser(load_dtd=True, resolve_entities=True)  # the options that would read it
    resolver_only.resolvers.add(xmlsafe._RefuseExternal())
    with pytest.raises(etree.XMLSyntaxError, match="Entity 'secret' not defined"):  # the DTD came back empty
        etree.fromstring(probe, resolver_only)

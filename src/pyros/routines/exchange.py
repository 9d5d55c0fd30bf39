"""Requests as JSON and XML documents: hardened parsing and writing (pure, no Django).

Both formats carry the same tree (see docs/requests.md)::

    request(name, programme) → sequence(...)* → album(channel)* → plan(filter, exposure_s,
    count, dither_arcsec)*

A document holds one request, or several under ``{"requests": [...]}`` / ``<requests>``.
Parsing only turns bytes into that tree and refuses anything suspicious; the tree is then
validated by :func:`pyros.routines.spec.parse_request`, whose error paths are the same for
both formats (``sequences[1].albums[0].plans[2].exposure_s``).

Hardening: documents over :data:`MAX_DOCUMENT_BYTES` are refused before parsing; JSON
rejects duplicate keys, NaN/Infinity and nesting deeper than :data:`MAX_DEPTH`; XML is parsed
by lxml with no DTD loading, no entity resolution, no network access and no huge-tree
mode, and any DOCTYPE or ENTITY declaration is refused outright (billion-laughs, XXE).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

__all__ = ["FORMAT_TAG", "MAX_DOCUMENT_BYTES", "DocumentError", "dump_json", "dump_xml",
           "load_document", "load_json", "load_xml"]

FORMAT_TAG = "pyros-request/1"
MAX_DOCUMENT_BYTES = 1_048_576
MAX_DEPTH = 12

_SEQUENCE_ATTRS = ("name", "target_name", "ra", "dec", "window_start", "window_end",
                   "max_airmass", "min_moon_separation_deg", "max_seeing_arcsec",
                   "max_moon_illumination", "priority", "allow_postpone", "repeat_days")


class DocumentError(ValueError):
    """The document cannot be read at all (size, syntax, forbidden constructs)."""


def _check_size(data: bytes) -> None:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"(document): too large ({len(data)} bytes; the limit is "
                            f"{MAX_DOCUMENT_BYTES} bytes)")
    if not data.strip():
        raise DocumentError("(document): empty")


# --- JSON ------------------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"(document): duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise DocumentError(f"(document): {name} is not a number JSON allows")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        raise DocumentError(f"(document): nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def load_json(data: bytes) -> Any:
    """Parse a JSON document; :class:`DocumentError` with the line and column on errors."""
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"(document): not UTF-8 text ({exc.reason} at byte "
                            f"{exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"(document): malformed JSON at line {exc.lineno} column "
                            f"{exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise DocumentError(f"(document): nested deeper than {MAX_DEPTH} levels") from None
    _depth(value)
    return value


def dump_json(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, default=_default) + "\n").encode()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --- XML -------------------------------------------------------------------------------------

def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True, collect_ids=False)


def _children(el, tag: str | None, path: str) -> list:
    """Child elements of ``el``, all named ``tag`` (None: there must be none)."""
    out = []
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions are dropped by the parser
        if child.tag != tag:
            expected = f"<{tag}>" if tag else "no child element"
            raise DocumentError(f"{path}: unexpected element <{child.tag}> (expected "
                                f"{expected})")
        out.append(child)
    if (el.text or "").strip():
        raise DocumentError(f"{path}: unexpected text {el.text.strip()[:30]!r}")
    return out


def _plan(el, path: str) -> dict[str, Any]:
    _children(el, None, path)
    return dict(el.attrib)


def _album(el, path: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(el.attrib)
    out["plans"] = [_plan(p, f"{path}.plans[{i}]")
                    for i, p in enumerate(_children(el, "plan", path))]
    return out


def _sequence(el, path: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(el.attrib)
    out["albums"] = [_album(a, f"{path}.albums[{i}]")
                     for i, a in enumerate(_children(el, "album", path))]
    return out


def _request(el, path: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(el.attrib)
    pre = f"{path}." if path else ""
    out["sequences"] = [_sequence(s, f"{pre}sequences[{i}]")
                        for i, s in enumerate(_children(el, "sequence", path or "request"))]
    return out


def load_xml(data: bytes) -> Any:
    """Parse an XML document into the same tree as JSON (attribute values stay strings and
    are converted by the validation)."""
    from lxml import etree

    _check_size(data)
    head = data[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise DocumentError("(document): DOCTYPE and ENTITY declarations are not allowed")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentError(f"(document): malformed XML at line {exc.lineno}: {exc.msg}") \
            from None
    if root.getroottree().docinfo.doctype:
        raise DocumentError("(document): DOCTYPE declarations are not allowed")
    if root.tag == "requests":
        return {"requests": [_request(r, f"requests[{i}]")
                             for i, r in enumerate(_children(root, "request", "requests"))]}
    if root.tag != "request":
        raise DocumentError(f"(document): root element must be <request> or <requests>, "
                            f"not <{root.tag}>")
    return _request(root, "")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xml_request(parent, req: dict[str, Any]):
    from lxml import etree

    attrs = {k: _text(v) for k, v in req.items() if k != "sequences" and v is not None}
    el = etree.SubElement(parent, "request", attrs) if parent is not None \
        else etree.Element("request", attrs)
    for seq in req["sequences"]:
        s_el = etree.SubElement(el, "sequence", {k: _text(seq[k]) for k in _SEQUENCE_ATTRS
                                                 if seq.get(k) is not None})
        for album in seq["albums"]:
            a_el = etree.SubElement(s_el, "album", {"channel": album["channel"]})
            for plan in album["plans"]:
                etree.SubElement(a_el, "plan", {k: _text(v) for k, v in plan.items()})
    return el


def dump_xml(doc: dict[str, Any]) -> bytes:
    """Write a request (or ``{"requests": [...]}``) as XML."""
    from lxml import etree

    if "requests" in doc:
        root = etree.Element("requests")
        for req in doc["requests"]:
            _xml_request(root, req)
    else:
        root = _xml_request(None, doc)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def load_document(data: bytes, content_type: str = "") -> Any:
    """JSON or XML by content type, else by the first significant character."""
    ct = content_type.split(";")[0].strip().lower()
    if ct.endswith("xml"):
        return load_xml(data)
    if ct.endswith("json"):
        return load_json(data)
    return load_xml(data) if data.lstrip()[:1] == b"<" else load_json(data)

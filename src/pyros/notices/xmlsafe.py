"""Turn untrusted bytes into an lxml element tree without ever trusting the document.

Defences, in order: a size limit; no NUL bytes (so UTF-16/32 cannot hide markup from the
next check); any ``<!DOCTYPE``/``<!ENTITY`` refused before parsing; a parser that never
loads a DTD, never substitutes entities, never touches the network and keeps libxml2's
"huge" limits off (depth 256, text node 10 MB); and, after parsing, a second refusal of
any document type declaration the byte scan could have missed.  No XInclude, no XSLT.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources

from lxml import etree

from pyros.notices.errors import NoticeRejected

__all__ = ["parse_untrusted_xml", "validate_voevent_2_0"]

_DTD_MARKUP = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)


def _hardened_parser() -> etree.XMLParser:
    # One parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        recover=False,
    )


def parse_untrusted_xml(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse ``data`` into its root element, or raise :class:`NoticeRejected`."""
    if len(data) > max_bytes:
        raise NoticeRejected(f"XML notice is {len(data)} bytes, over the {max_bytes}-byte limit")
    if b"\x00" in data:
        raise NoticeRejected("XML notice contains NUL bytes (only UTF-8/ASCII is accepted)")
    if _DTD_MARKUP.search(data):
        raise NoticeRejected("XML notice has a DOCTYPE/DTD declaration, which is refused")
    try:
        root = etree.fromstring(data, parser=_hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise NoticeRejected(f"XML notice is not well-formed: {exc}") from None
    except (etree.LxmlError, ValueError) as exc:
        raise NoticeRejected(f"XML notice cannot be parsed: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise NoticeRejected("XML notice has a DOCTYPE/DTD declaration, which is refused")
    return root


_XSD_LOCK = threading.Lock()  # lxml schema objects are not safe to share across threads


@lru_cache(maxsize=1)
def _voevent_xsd() -> etree.XMLSchema:
    """The IVOA VOEvent 2.0 schema shipped in ``pyros/notices/schemas`` (loaded once)."""
    data = resources.files("pyros.notices").joinpath("schemas/VOEvent-v2.0.xsd").read_bytes()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.fromstring(data, parser=parser))


def validate_voevent_2_0(root: etree._Element) -> None:
    """Raise :class:`NoticeRejected` unless ``root`` is valid against the VOEvent 2.0 XSD."""
    with _XSD_LOCK:
        schema = _voevent_xsd()
        if schema.validate(root):
            return
        error = schema.error_log.last_error
    raise NoticeRejected(f"VOEvent is not valid against the VOEvent 2.0 schema: {error.message}")

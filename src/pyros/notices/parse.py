"""One entry point for any notice: sniff the format, parse, or refuse."""

from __future__ import annotations

from pathlib import Path

from pyros.notices.errors import NoticeRejected
from pyros.notices.gcn_json import parse_gcn_json
from pyros.notices.model import Notice
from pyros.notices.options import DEFAULT_OPTIONS, ParseOptions
from pyros.notices.voevent import parse_voevent

__all__ = ["parse_notice", "parse_notice_file"]

_BOM = b"\xef\xbb\xbf"
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def parse_notice(data: bytes | str, options: ParseOptions = DEFAULT_OPTIONS) -> Notice:
    """Parse a VOEvent (first character ``<``) or GCN JSON notice (``{`` or ``[``).

    Raises :class:`NoticeRejected` for anything it will not accept; never anything else
    for bad input.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise NoticeRejected(f"notice must be bytes or text, not {type(data).__name__}")
    data = bytes(data)
    limit = max(options.max_xml_bytes, options.max_json_bytes)
    if len(data) > limit:
        raise NoticeRejected(f"notice is {len(data)} bytes, over the {limit}-byte limit")
    if data.startswith(_UTF16_32_BOMS) or b"\x00" in data[:4]:
        raise NoticeRejected("notice is not UTF-8 (UTF-16/32 and NUL bytes are refused)")
    head = data[len(_BOM) :] if data.startswith(_BOM) else data
    head = head.lstrip(b" \t\r\n")
    if not head:
        raise NoticeRejected("notice is empty")
    if head[:1] == b"<":
        return parse_voevent(head, options)
    if head[:1] in (b"{", b"["):
        return parse_gcn_json(head, options)
    raise NoticeRejected("notice is neither XML (VOEvent) nor JSON")


def parse_notice_file(path: str | Path, options: ParseOptions = DEFAULT_OPTIONS) -> Notice:
    """Read and parse one notice file, reading no more than the size limit allows.

    Raises :class:`NoticeRejected` for a refused notice and for a file that cannot be read.
    """
    limit = max(options.max_xml_bytes, options.max_json_bytes)
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise NoticeRejected(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise NoticeRejected(f"notice file is over the {limit}-byte limit")
    return parse_notice(data, options)

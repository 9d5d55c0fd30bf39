"""Alpaca ``application/imagebytes`` encoding (ASCOM "Alpaca ImageBytes" note).

A 44-byte little-endian header of eleven int32 - metadata version (1), error number,
client and server transaction ids, data start (44), image element type, transmission
element type, rank, and the three dimensions - followed by the pixels in the ASCOM
order: x (column) index slowest, i.e. the *transpose* of a numpy (row, column) frame.
Errors are answered in JSON (the note allows either; alpyca decodes only that).
"""

from __future__ import annotations

import struct

import numpy as np

__all__ = ["HEADER_BYTES", "ElementType", "encode_image", "json_image"]

HEADER_BYTES = 44
_HEADER = struct.Struct("<11i")


class ElementType:
    """ImageArrayElementTypes (only those used here)."""

    INT32 = 2
    UINT16 = 8


def _header(error: int, client_tid: int, server_tid: int, image_type: int, xmit_type: int,
            rank: int, dims: tuple[int, int, int]) -> bytes:
    # Transaction ids are uint32 on the wire; pack them through their int32 bit pattern.
    def as_i32(v: int) -> int:
        return v - (1 << 32) if v >= 1 << 31 else v

    return _HEADER.pack(1, error, as_i32(client_tid), as_i32(server_tid), HEADER_BYTES,
                        image_type, xmit_type, rank, *dims)


def encode_image(frame: np.ndarray, client_tid: int, server_tid: int) -> bytes:
    """ImageBytes for a 2-D uint16 numpy frame of shape (rows=NumY, columns=NumX).

    Pixels travel as UInt16 (half the bytes of Int32) while the image type stays Int32,
    as the ASCOM note recommends for 16-bit cameras.
    """
    rows, cols = frame.shape
    header = _header(0, client_tid, server_tid, ElementType.INT32, ElementType.UINT16, 2,
                     (cols, rows, 0))
    return header + np.asarray(frame, dtype="<u2").tobytes(order="F")


def json_image(frame: np.ndarray, client_tid: int, server_tid: int) -> bytes:
    """The JSON ImageArray reply, built without a 16-million-item Python list at once."""
    head = (f'{{"ClientTransactionID":{client_tid},"ServerTransactionID":{server_tid},'
            f'"ErrorNumber":0,"ErrorMessage":"","Type":2,"Rank":2,"Value":[').encode()
    columns = b",".join(b"[" + ",".join(map(str, col.tolist())).encode() + b"]"
                        for col in np.asarray(frame).T)
    return head + columns + b"]}"

"""HTTP transport for ASCOM Alpaca: one request per call, a hard timeout on every one,
every failure mapped to the PyROS device errors, and camera images as ImageBytes.

Why not alpyca's own transport (``alpaca.device.Device._get/_put``, alpyca 3.1):

* it holds one class-wide lock for the whole HTTP exchange, so one hung device stalls
  every other device of the process for the length of its timeout;
* its image download (``Camera._fetch_imagedata_response``) passes no timeout at all:
  a camera that hangs during readout hangs the caller forever (the POCS bug);
* its image path converts ImageBytes into ``array.array`` and nested Python lists,
  far slower than ``numpy.frombuffer`` on the received buffer;
* transport errors surface as raw ``requests`` exceptions and ``JSONDecodeError``.

The alpyca device classes (typed properties, method names, argument conventions) are
kept: :mod:`pyros.devices.alpaca.base` routes their ``_get``/``_put`` here.
"""

from __future__ import annotations

import itertools
import json
import struct
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import requests

from pyros.clock import monotonic
from pyros.devices.errors import (
    DeviceError,
    DeviceFault,
    DeviceParked,
    DeviceRejected,
    DeviceUnavailable,
    NotSupported,
    OperationAborted,
)

__all__ = ["AlpacaTransport", "NotConnected", "RawImage", "map_ascom_error"]

#: ImageBytes header: 11 little-endian int32 (metadata version, error number, client and
#: server transaction ids, data start, image and transmission element types, rank, dims).
_HEADER = struct.Struct("<11i")
#: ImageBytes element type codes -> numpy dtypes (little-endian).
_ELEMENT_DTYPES = {
    1: np.dtype("<i2"), 2: np.dtype("<i4"), 3: np.dtype("<f8"), 4: np.dtype("<f4"),
    5: np.dtype("<u8"), 6: np.dtype("u1"), 7: np.dtype("<i8"), 8: np.dtype("<u2"),
    9: np.dtype("<u4"),
}
_READ_CHUNK = 4 << 20
_client_id = 4242
_transaction_ids = itertools.count(1)


class NotConnected(DeviceUnavailable):
    """ASCOM NotConnected (0x407): reachable but not connected; the driver reconnects."""


def map_ascom_error(device: str, number: int, message: str) -> DeviceError:
    """The PyROS exception for an ASCOM error number."""
    text = message or f"ASCOM error 0x{number:X}"
    if number in (0x400, 0x40C):
        return NotSupported(device, text)
    if number == 0x407:
        return NotConnected(device, f"not connected: {text}")
    if number == 0x408:
        return DeviceParked(device, text)
    if number in (0x401, 0x402, 0x409, 0x40B):
        return DeviceRejected(device, text)
    if number == 0x40E:
        return OperationAborted(device, text)
    return DeviceFault(device, text, code=number)


@dataclass(frozen=True, slots=True)
class RawImage:
    """Pixels as received, already transposed to ``[y, x]``; ``transport`` says how."""

    data: np.ndarray
    transport: str
    nbytes_wire: int


class AlpacaTransport:
    """Talks to one Alpaca device (``{address}/api/v1/{type}/{number}/{method}``).

    ``timeout_s`` bounds every ordinary call: it is the connect timeout, the read timeout,
    and a deadline checked between received chunks.  ``download_timeout_s`` does the same
    for image downloads.  Thread-safe: each thread has its own HTTP session.
    """

    def __init__(self, device: str, address: str, device_type: str, device_number: int,
                 timeout_s: float, download_timeout_s: float | None = None):
        self.device = device
        self.base_url = f"{address.rstrip('/')}/api/v1/{device_type}/{device_number}"
        self.timeout_s = timeout_s
        self.download_timeout_s = download_timeout_s or max(60.0, timeout_s)
        self._local = threading.local()

    # -- sessions -----------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "pyros-devices"
            self._local.session = session
        return session

    def close(self) -> None:
        """Close this thread's session (other threads' sessions close when collected)."""
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None

    # -- plain calls --------------------------------------------------------------------

    def get(self, method: str, **params: Any) -> Any:
        """GET ``method``; returns ``Value``.  Raises a DeviceError subclass."""
        return self._call("GET", method, params)["Value"]

    def put(self, method: str, **params: Any) -> dict[str, Any]:
        """PUT ``method`` (form-encoded); returns the whole reply (``Value`` if any)."""
        return self._call("PUT", method, params)

    def _call(self, verb: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        params = {k: _wire(v) for k, v in params.items()}
        params["ClientID"] = _client_id
        params["ClientTransactionID"] = next(_transaction_ids)
        body, _content_type = self._exchange(verb, method, params, self.timeout_s,
                                            accept="application/json")
        reply = self._parse_json(method, body)
        if verb == "GET" and "Value" not in reply and reply.get("ErrorNumber", 0) == 0:
            raise DeviceUnavailable(self.device, f"{method}: reply without a Value")
        return reply

    def _parse_json(self, method: str, body: bytes) -> dict[str, Any]:
        try:
            reply = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DeviceUnavailable(self.device, f"{method}: garbage reply ({exc})") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ErrorNumber", 0), int):
            raise DeviceUnavailable(self.device, f"{method}: reply is not an Alpaca response")
        number = reply.get("ErrorNumber", 0)
        if number:
            raise map_ascom_error(self.device, number, str(reply.get("ErrorMessage", "")))
        return reply

    # -- HTTP with a deadline --------------------------------------------------------------

    def _exchange(self, verb: str, method: str, params: dict[str, Any], timeout_s: float,
                  accept: str) -> tuple[bytes | bytearray, str]:
        """One HTTP exchange, body read in full before ``timeout_s`` runs out."""
        url = f"{self.base_url}/{method}"
        deadline = monotonic() + timeout_s
        kwargs: dict[str, Any] = {"params": params} if verb == "GET" else {"data": params}
        try:
            response = self._session().request(
                verb, url, timeout=(timeout_s, timeout_s), stream=True,
                headers={"Accept": accept}, **kwargs)
        except requests.Timeout:
            raise DeviceUnavailable(self.device, f"{method}: no answer within {timeout_s:g} s") \
                from None
        except requests.RequestException as exc:
            raise DeviceUnavailable(self.device, f"{method}: {_short(exc)}") from None
        try:
            if response.status_code != 200:
                text = response.raw.read(300, decode_content=True).decode("utf-8", "replace")
                raise DeviceUnavailable(
                    self.device, f"{method}: HTTP {response.status_code} {text.strip()[:200]}")
            body = self._read_body(response, method, deadline, timeout_s)
            return body, response.headers.get("Content-Type", "")
        except DeviceError:
            raise
        except (requests.RequestException, OSError, ValueError) as exc:
            raise DeviceUnavailable(self.device, f"{method}: {_short(exc)}") from None
        finally:
            response.close()

    def _read_body(self, response: requests.Response, method: str, deadline: float,
                   timeout_s: float) -> bytes | bytearray:
        raw = response.raw
        length = response.headers.get("Content-Length")
        plain = not response.headers.get("Content-Encoding") and length is not None
        if plain:
            # Into one preallocated buffer: no chunk list, no join copy.
            size = int(length)  # type: ignore[arg-type]
            buffer = bytearray(size)
            view = memoryview(buffer)
            pos = 0
            while pos < size:
                # read1: whatever one socket read brings, so a trickling body meets the
                # deadline check instead of blocking until a whole chunk has arrived.
                chunk = raw.read1(min(_READ_CHUNK, size - pos))
                n = len(chunk)
                view[pos:pos + n] = chunk
                if not n:
                    raise DeviceUnavailable(
                        self.device, f"{method}: reply cut short ({pos} of {size} bytes)")
                pos += n
                if monotonic() > deadline:
                    raise DeviceUnavailable(
                        self.device, f"{method}: reply not received within {timeout_s:g} s")
            return buffer
        chunks = []
        for chunk in response.iter_content(_READ_CHUNK):
            chunks.append(chunk)
            if monotonic() > deadline:
                raise DeviceUnavailable(
                    self.device, f"{method}: reply not received within {timeout_s:g} s")
        return b"".join(chunks)

    # -- images ------------------------------------------------------------------------------

    def get_image(self, prefer_imagebytes: bool = True) -> RawImage:
        """Download ``imagearray``: ImageBytes if the device offers it, else JSON."""
        params = {"ClientID": _client_id, "ClientTransactionID": next(_transaction_ids)}
        accept = "application/imagebytes" if prefer_imagebytes else "application/json"
        body, content_type = self._exchange("GET", "imagearray", params,
                                            self.download_timeout_s, accept=accept)
        if "application/imagebytes" in content_type:
            return RawImage(self._decode_imagebytes(body), "imagebytes", len(body))
        return RawImage(self._decode_json_image(body), "json", len(body))

    def _decode_imagebytes(self, body: bytes | bytearray) -> np.ndarray:
        if len(body) < _HEADER.size:
            raise DeviceUnavailable(self.device, "imagearray: ImageBytes reply too short")
        (_version, error, _ctid, _stid, start, _image_type, wire_type, rank, dim1, dim2,
         dim3) = _HEADER.unpack_from(body)
        if error:
            message = bytes(body[start:]).decode("utf-8", "replace") if start <= len(body) \
                else ""
            raise map_ascom_error(self.device, error, message)
        dtype = _ELEMENT_DTYPES.get(wire_type)
        if dtype is None:
            raise DeviceUnavailable(self.device, f"imagearray: unknown element type {wire_type}")
        shape = (dim1, dim2) if rank == 2 else (dim1, dim2, dim3)
        count = int(np.prod(shape))
        if rank not in (2, 3) or start < _HEADER.size or start + count * dtype.itemsize > len(
                body):
            raise DeviceUnavailable(
                self.device, f"imagearray: inconsistent ImageBytes header (rank {rank}, "
                f"{shape}, {len(body)} bytes)")
        data = np.frombuffer(body, dtype=dtype, count=count, offset=start).reshape(shape)
        # ASCOM arrays are [x][y] (x-major); numpy/FITS images are [y, x].
        return data.transpose(1, 0, *range(2, rank))

    def _decode_json_image(self, body: bytes | bytearray) -> np.ndarray:
        reply = self._parse_json("imagearray", bytes(body))
        value = reply.get("Value")
        if not isinstance(value, list) or not value:
            raise DeviceUnavailable(self.device, "imagearray: JSON reply without pixels")
        dtype = np.float64 if reply.get("Type") == 3 else np.int32
        try:
            data = np.asarray(value, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise DeviceUnavailable(self.device, f"imagearray: ragged JSON image ({exc})") \
                from None
        if data.ndim not in (2, 3):
            raise DeviceUnavailable(self.device, f"imagearray: rank {data.ndim} image")
        return data.transpose(1, 0, *range(2, data.ndim))


def _wire(value: Any) -> Any:
    """Alpaca wants booleans as True/False and numbers in invariant culture."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return value


def _short(exc: BaseException) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    return f"{type(exc).__name__}: {text[:160]}"

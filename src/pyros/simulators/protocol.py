"""The Alpaca wire protocol: ASCOM error numbers, parameters, reply envelopes.

Two kinds of failure exist and must not be confused (spec, "HTTP Status Codes"):

* :class:`BadRequest` - the server could not interpret the request (unknown path or
  device, missing or malformed parameter): HTTP 400 with a plain-text message.
* :class:`AlpacaError` - the request was understood and the *device* refused it: HTTP 200
  with ``ErrorNumber``/``ErrorMessage`` in the JSON envelope.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from enum import IntEnum
from typing import Any
from urllib.parse import parse_qsl

__all__ = [
    "AlpacaError",
    "BadRequest",
    "ErrorCode",
    "Params",
    "envelope",
    "parse_params",
]


class ErrorCode(IntEnum):
    """ASCOM error numbers carried in ``ErrorNumber``."""

    OK = 0
    NOT_IMPLEMENTED = 0x400
    INVALID_VALUE = 0x401
    VALUE_NOT_SET = 0x402
    NOT_CONNECTED = 0x407
    PARKED = 0x408
    SLAVED = 0x409
    INVALID_OPERATION = 0x40B
    ACTION_NOT_IMPLEMENTED = 0x40C
    OPERATION_CANCELLED = 0x40E
    DRIVER_ERROR = 0x500


class AlpacaError(Exception):
    """A device-level refusal, reported in the envelope with HTTP 200."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @classmethod
    def not_implemented(cls, what: str) -> AlpacaError:
        return cls(ErrorCode.NOT_IMPLEMENTED, f"{what} is not implemented by this device")

    @classmethod
    def invalid_value(cls, message: str) -> AlpacaError:
        return cls(ErrorCode.INVALID_VALUE, message)

    @classmethod
    def invalid_operation(cls, message: str) -> AlpacaError:
        return cls(ErrorCode.INVALID_OPERATION, message)


class BadRequest(Exception):
    """The request could not be interpreted: HTTP 400 with this message as text."""


_TRUE = {"true"}
_FALSE = {"false"}


class Params:
    """Request parameters with case-insensitive names (the spec requires it).

    Getters raise :class:`BadRequest` when a required parameter is missing or cannot be
    parsed as its type; range checks are the device's business (``InvalidValue``).
    """

    def __init__(self, pairs: Mapping[str, str] | list[tuple[str, str]]):
        items = pairs.items() if isinstance(pairs, Mapping) else pairs
        self._values: dict[str, str] = {}
        for key, value in items:
            self._values.setdefault(key.lower(), value)

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._values

    def raw(self, name: str) -> str | None:
        return self._values.get(name.lower())

    def text(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            raise BadRequest(f"missing parameter {name}")
        return value

    def float_(self, name: str) -> float:
        text = self.text(name)
        try:
            return float(text)
        except ValueError:
            raise BadRequest(f"parameter {name}={text!r} is not a number") from None

    def finite(self, name: str) -> float:
        """A number that must be finite (NaN and infinities are ``InvalidValue``)."""
        value = self.float_(name)
        if not math.isfinite(value):
            raise AlpacaError.invalid_value(f"{name} must be a finite number, got {value}")
        return value

    def int_(self, name: str) -> int:
        text = self.text(name)
        try:
            return int(text.strip())
        except ValueError:
            raise BadRequest(f"parameter {name}={text!r} is not an integer") from None

    def bool_(self, name: str) -> bool:
        text = self.text(name).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise BadRequest(f"parameter {name}={self.text(name)!r} is not true or false")

    def transaction_ids(self) -> tuple[int, int]:
        """(ClientID, ClientTransactionID); malformed or missing values count as 0."""
        return self._uint32("ClientID"), self._uint32("ClientTransactionID")

    def _uint32(self, name: str) -> int:
        try:
            value = int(self.raw(name) or 0)
        except ValueError:
            return 0
        return value if 0 <= value <= 0xFFFFFFFF else 0


def parse_params(query: str, body: bytes | None) -> Params:
    """GET parameters come from the query string, PUT parameters from the form body."""
    if body is None:
        return Params(parse_qsl(query, keep_blank_values=True))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request body is not UTF-8 form data") from None
    return Params(parse_qsl(text, keep_blank_values=True))


_MISSING: Any = object()


def envelope(client_tid: int, server_tid: int, value: Any = _MISSING,
             error: AlpacaError | None = None) -> bytes:
    """The JSON reply every understood Alpaca request gets (HTTP 200)."""
    reply: dict[str, Any] = {
        "ClientTransactionID": client_tid,
        "ServerTransactionID": server_tid,
        "ErrorNumber": int(error.code) if error else 0,
        "ErrorMessage": error.message if error else "",
    }
    if value is not _MISSING and error is None:
        reply["Value"] = value
    return json.dumps(reply, allow_nan=False, separators=(",", ":")).encode()


def no_value() -> Any:
    """Sentinel for replies without ``Value`` (methods and property writes)."""
    return _MISSING

"""Strict conversion of outside text and JSON values; every failure is a NoticeRejected.

Python's own ``float()`` and ``datetime.fromisoformat()`` accept far more than a notice
should contain (``"nan"``, ``"inf"``, ``"1_000"``, ISO week dates...), so each value is
matched against a narrow pattern first.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from pyros.notices.errors import NoticeRejected

__all__ = [
    "MAX_TEXT_CHARS",
    "check_error_radius",
    "check_position",
    "parse_decimal",
    "parse_int",
    "parse_iso_time",
    "plain_text",
]

#: Longest identifier / short text kept from a notice [characters].
MAX_TEXT_CHARS = 2048

#: Earliest and latest plausible event times (years); outside them a time is refused.
_MIN_YEAR, _MAX_YEAR = 1970, 2200

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_INT = re.compile(r"[+-]?\d{1,18}")
_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<h>\d{2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<frac>\d{1,12}))?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)


def plain_text(value: object, what: str, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Stripped text of at most ``max_chars`` characters, without control characters."""
    if not isinstance(value, str):
        raise NoticeRejected(f"{what} must be text, got {type(value).__name__}")
    text = value.strip()
    if len(text) > max_chars:
        raise NoticeRejected(f"{what} is longer than {max_chars} characters")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise NoticeRejected(f"{what} contains control characters")
    return text


def parse_decimal(text: str, what: str) -> float:
    """A finite decimal number written plainly (no nan/inf/underscores/hex)."""
    stripped = text.strip()
    if not _DECIMAL.fullmatch(stripped):
        raise NoticeRejected(f"{what} is not a number: {stripped[:40]!r}")
    value = float(stripped)
    if not math.isfinite(value):
        raise NoticeRejected(f"{what} is not finite: {stripped[:40]!r}")
    return value


def parse_int(text: str, what: str) -> int:
    """A plain decimal integer of at most 18 digits."""
    stripped = text.strip()
    if not _INT.fullmatch(stripped):
        raise NoticeRejected(f"{what} is not an integer: {stripped[:40]!r}")
    return int(stripped)


def parse_iso_time(text: str, what: str) -> datetime:
    """An ISO 8601 date-time as aware UTC; a time without zone is taken as UTC.

    Fractions beyond microseconds are truncated; a leap second (``:60``) is clamped to
    ``:59.999999`` (a datetime cannot hold it, and one second does not matter here).
    """
    stripped = text.strip()
    match = _ISO.fullmatch(stripped)
    if not match:
        raise NoticeRejected(f"{what} is not an ISO 8601 time: {stripped[:40]!r}")
    seconds = int(match["s"] or 0)
    micro = int((match["frac"] or "0")[:6].ljust(6, "0"))
    leap = seconds == 60
    if leap:
        seconds, micro = 59, 999_999
    try:
        year, month, day = (int(x) for x in match["date"].split("-"))
        moment = datetime(
            year, month, day, int(match["h"]), int(match["m"]), seconds, micro, tzinfo=UTC
        )
        tz = match["tz"]
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            hh, mm = int(tz[1:3]), int(tz[-2:])
            if hh > 23 or mm > 59:
                raise ValueError("bad UTC offset")
            moment -= sign * timedelta(hours=hh, minutes=mm)
    except (ValueError, OverflowError) as exc:
        raise NoticeRejected(f"{what} is not a valid time: {stripped[:40]!r} ({exc})") from None
    if not _MIN_YEAR <= moment.year <= _MAX_YEAR:
        raise NoticeRejected(f"{what} is implausible: {stripped[:40]!r}")
    return moment


def check_position(ra_deg: float, dec_deg: float) -> tuple[float, float]:
    """Refuse a non-finite or out-of-range equatorial position [deg]."""
    if not (math.isfinite(ra_deg) and math.isfinite(dec_deg)):
        raise NoticeRejected("position is not finite")
    if not 0.0 <= ra_deg < 360.0:
        raise NoticeRejected(f"RA {ra_deg!r} deg is outside [0, 360)")
    if not -90.0 <= dec_deg <= 90.0:
        raise NoticeRejected(f"Dec {dec_deg!r} deg is outside [-90, 90]")
    return ra_deg + 0.0, dec_deg + 0.0  # + 0.0 turns -0.0 into 0.0


def check_error_radius(radius_deg: float | None) -> float | None:
    """Normalise an error radius [deg]: negative (SVOM -1) or zero (GCN) means unknown.

    Raises NoticeRejected for a non-finite radius or one larger than 180 deg.
    """
    if radius_deg is None:
        return None
    if not math.isfinite(radius_deg):
        raise NoticeRejected("error radius is not finite")
    if radius_deg <= 0.0:
        return None
    if radius_deg > 180.0:
        raise NoticeRejected(f"error radius {radius_deg!r} deg is larger than 180 deg")
    return radius_deg

"""Parsing what people type for targets and windows (pure: astropy, no Django).

Coordinates: right ascension in sexagesimal hours (``"00:42:44.3"``, ``"0h42m44.3s"``,
``"00 42 44.3"``) or decimal degrees (``10.6847``, ``"10.6847d"``); declination in
sexagesimal degrees (``"+41:16:09"``) or decimal degrees.  Instants: a Julian date (a number
above :data:`MIN_JD`, or ``"JD 2461000.5"``) or an ISO-8601 calendar date/time (UTC if no
offset).  Every error is a ``ValueError`` whose text says what was expected.
"""

from __future__ import annotations

import math
import re
import warnings
from datetime import UTC, datetime

from pyros import astro  # noqa: F401  (offline astropy)

__all__ = ["MIN_JD", "datetime_to_jd", "jd_to_datetime", "parse_dec", "parse_instant",
           "parse_ra"]

#: Julian dates below this (1858-11-17, MJD 0) are taken as typing mistakes.
MIN_JD = 2_400_000.5
MAX_JD = 2_500_000.5  # year 2132
_SEXAGESIMAL = re.compile(r"[:hms\s°'\"dD]")


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number")
    return value


def parse_ra(value: str | float | int) -> float:
    """Right ascension in degrees, within [0, 360)."""
    import astropy.units as u
    from astropy.coordinates import Angle

    if isinstance(value, bool):
        raise ValueError("right ascension must be a number or a sexagesimal string")
    if isinstance(value, int | float):
        deg = _finite(float(value), "right ascension")
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("right ascension is empty")
        try:
            deg = float(text.rstrip("dD°"))
        except ValueError:
            if not _SEXAGESIMAL.search(text):
                raise ValueError(f"not a right ascension: {text!r} (use hh:mm:ss.s or "
                                 "decimal degrees)") from None
            try:
                hours = Angle(text, unit=u.hourangle).to_value(u.hourangle)
            except Exception as exc:  # astropy raises several types for bad strings
                raise ValueError(f"not a right ascension: {text!r} (use hh:mm:ss.s or "
                                 "decimal degrees)") from exc
            if not 0 <= hours < 24:
                raise ValueError(f"right ascension {text!r} must be within 0h–24h") from None
            deg = hours * 15.0
    if not 0.0 <= deg < 360.0:
        raise ValueError(f"right ascension {deg:g}° must be within 0–360°")
    return deg


def parse_dec(value: str | float | int) -> float:
    """Declination in degrees, within [−90, +90]."""
    import astropy.units as u
    from astropy.coordinates import Angle

    if isinstance(value, bool):
        raise ValueError("declination must be a number or a sexagesimal string")
    if isinstance(value, int | float):
        deg = _finite(float(value), "declination")
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("declination is empty")
        try:
            deg = float(text.rstrip("dD°"))
        except ValueError:
            if not _SEXAGESIMAL.search(text):
                raise ValueError(f"not a declination: {text!r} (use ±dd:mm:ss or decimal "
                                 "degrees)") from None
            try:
                deg = Angle(text, unit=u.deg).to_value(u.deg)
            except Exception as exc:
                raise ValueError(f"not a declination: {text!r} (use ±dd:mm:ss or decimal "
                                 "degrees)") from exc
    if not -90.0 <= deg <= 90.0:
        raise ValueError(f"declination {deg:g}° must be within −90° and +90°")
    return deg


def jd_to_datetime(jd: float) -> datetime:
    """UTC instant of a Julian date (``ValueError`` outside 1858–2132)."""
    from astropy.time import Time

    jd = _finite(float(jd), "Julian date")
    if not MIN_JD <= jd <= MAX_JD:
        raise ValueError(f"Julian date {jd:g} is outside {MIN_JD:g}–{MAX_JD:g} "
                         "(1858–2132); is it a JD?")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA "dubious year" for future leap seconds
        return Time(jd, format="jd", scale="utc").to_datetime(timezone=UTC)


def datetime_to_jd(instant: datetime) -> float:
    from astropy.time import Time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(Time(instant.astimezone(UTC)).jd)


def parse_instant(value: str | float | int | datetime) -> datetime:
    """A timezone-aware UTC instant from a JD number/string or an ISO calendar date."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError("expected a Julian date or an ISO date, not a boolean")
    if isinstance(value, int | float):
        return jd_to_datetime(value)
    text = str(value).strip()
    m = re.fullmatch(r"(?:JD\s*)?([0-9]+(?:\.[0-9]*)?)", text, flags=re.IGNORECASE)
    if m:
        return jd_to_datetime(float(m.group(1)))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a date: {text!r} (use a Julian date such as 2461000.5 or "
                         "an ISO date such as 2026-12-01T03:00:00)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

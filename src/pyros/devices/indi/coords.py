"""Equatorial <-> horizontal conversion for INDI mounts that publish only RA/Dec.

Plain spherical trigonometry with the mean sidereal time (no refraction, nutation or
aberration): good to a few arcminutes, which is what a status display and an alt-az
slew of a simulator need.  Real pointing is the mount's job.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

__all__ = ["altaz_to_radec", "local_sidereal_deg", "radec_to_altaz"]

_J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


def local_sidereal_deg(when: datetime, longitude_deg: float) -> float:
    """Local mean sidereal time (degrees) at ``when`` (aware UTC), east longitude."""
    days = (when - _J2000).total_seconds() / 86400.0
    gmst = 280.46061837 + 360.98564736629 * days
    return (gmst + longitude_deg) % 360.0


def radec_to_altaz(ra_deg: float, dec_deg: float, latitude_deg: float, longitude_deg: float,
                   when: datetime) -> tuple[float, float]:
    """(alt_deg, az_deg) with azimuth from north through east."""
    ha = math.radians(local_sidereal_deg(when, longitude_deg) - ra_deg)
    dec, lat = math.radians(dec_deg), math.radians(latitude_deg)
    sin_alt = math.sin(dec) * math.sin(lat) + math.cos(dec) * math.cos(lat) * math.cos(ha)
    alt = math.asin(max(-1.0, min(1.0, sin_alt)))
    az = math.atan2(-math.sin(ha) * math.cos(dec),
                    math.sin(dec) * math.cos(lat) - math.cos(dec) * math.sin(lat) * math.cos(ha))
    return math.degrees(alt), _wrap360(math.degrees(az))


def altaz_to_radec(alt_deg: float, az_deg: float, latitude_deg: float, longitude_deg: float,
                   when: datetime) -> tuple[float, float]:
    """(ra_deg, dec_deg) of the direction (alt, az) at ``when``."""
    alt, az, lat = math.radians(alt_deg), math.radians(az_deg), math.radians(latitude_deg)
    sin_dec = math.sin(alt) * math.sin(lat) + math.cos(alt) * math.cos(lat) * math.cos(az)
    dec = math.asin(max(-1.0, min(1.0, sin_dec)))
    ha = math.atan2(-math.sin(az) * math.cos(alt),
                    math.sin(alt) * math.cos(lat) - math.cos(alt) * math.sin(lat) * math.cos(az))
    ra = _wrap360(local_sidereal_deg(when, longitude_deg) - math.degrees(ha))
    return ra, math.degrees(dec)


def _wrap360(angle_deg: float) -> float:
    """Into [0, 360): ``% 360`` alone maps -1e-15 to 360.0."""
    wrapped = angle_deg % 360.0
    return 0.0 if wrapped >= 360.0 else wrapped

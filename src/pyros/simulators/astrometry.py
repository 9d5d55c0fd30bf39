"""Fast J2000 <-> horizontal coordinates for the simulated mount (ERFA, as inside astropy).

A status poll must stay well under a millisecond of CPU, so instead of building astropy
``SkyCoord`` frames (~10 ms each) the mount calls the ERFA routines astropy itself uses:
ICRS -> CIRS (precession, nutation, annual aberration, light deflection) with ``atci13``,
the Earth rotation angle for the hour angle, and ``hd2ae`` for azimuth/altitude.

Simplifications (documented, well under an arcsecond except where said): UT1 = UTC and
no polar motion (the sim needs no IERS tables, which are offline anyway); TT - UTC fixed at
69.184 s (37 leap seconds, valid since 2017); no refraction (the mount reports
``DoesRefraction = False``); diurnal aberration and parallax ignored (~0.3").
"""

from __future__ import annotations

import math
from datetime import datetime

import erfa

__all__ = ["altaz_to_radec", "radec_to_altaz"]

_TT_MINUS_UTC_S = 69.184
_UNIX_EPOCH_JD = 2440587.5
_DEG = math.pi / 180.0


def _jd_utc(t: datetime) -> tuple[float, float]:
    """Two-part Julian date (UTC) of an aware datetime, precise to the microsecond."""
    days = t.timestamp() / 86400.0
    whole = math.floor(days)
    return _UNIX_EPOCH_JD + whole, days - whole


def _hour_angle_frame(t: datetime) -> tuple[float, float, float]:
    """(TT day parts..., ERA): the pieces both directions need at instant ``t``."""
    jd1, jd2 = _jd_utc(t)
    era = float(erfa.era00(jd1, jd2))  # UT1 = UTC
    return jd1, jd2 + _TT_MINUS_UTC_S / 86400.0, era


def radec_to_altaz(ra_deg: float, dec_deg: float, t: datetime, lat_deg: float,
                   lon_deg: float) -> tuple[float, float]:
    """(azimuth, altitude) in degrees of a J2000/ICRS position at ``t`` seen from the site.

    Azimuth is measured from north through east, in [0, 360).
    """
    tt1, tt2, era = _hour_angle_frame(t)
    ri, di, _eo = erfa.atci13(ra_deg * _DEG, dec_deg * _DEG, 0.0, 0.0, 0.0, 0.0, tt1, tt2)
    ha = era + lon_deg * _DEG - float(ri)
    az, alt = erfa.hd2ae(ha, float(di), lat_deg * _DEG)
    return (float(az) / _DEG) % 360.0, float(alt) / _DEG


def altaz_to_radec(az_deg: float, alt_deg: float, t: datetime, lat_deg: float,
                   lon_deg: float) -> tuple[float, float]:
    """(RA, Dec) J2000/ICRS in degrees of the direction (azimuth, altitude) at ``t``."""
    tt1, tt2, era = _hour_angle_frame(t)
    ha, dec = erfa.ae2hd(az_deg * _DEG, alt_deg * _DEG, lat_deg * _DEG)
    ri = era + lon_deg * _DEG - float(ha)
    rc, dc, _eo = erfa.atic13(ri, float(dec), tt1, tt2)
    return (float(rc) / _DEG) % 360.0, float(dc) / _DEG

"""Where a target, the Sun and the Moon are in a site's sky: the one implementation.

Every visibility computation of PyROS is built on these functions — the scheduler's night
grid (``planning.visibility``), request validation and automatic windows
(``routines.visibility``), the alert check (``alerts.visibility``) and the web's altitude
curves (``web.sky``).  Each caller keeps its own time grid and caching; only the astronomy
is here, so the four cannot drift apart.

Positions are apparent (CIRS) unit vectors, shape ``(3, ...)``.  The site's sky at an
instant is the CIRS frame turned by the local Earth rotation angle θ = ERA + λ:

    sin(alt) = sin φ · z + cos φ · (x cos θ + y sin θ)

which is astropy's ICRS → AltAz chain minus polar motion and diurnal aberration (< 1″)
and refraction (airmass is sec z, as in astroplan's constraints).  θ is unwrapped, so it
interpolates linearly between samples.

- Fixed targets: erfa's ICRS → CIRS (aberration, light deflection, precession-nutation:
  astropy's own routine, ``atciqz``) with the Earth's astrometry parameters cached per
  hour (they move by < 0.02″ in an hour).  About 1 µs a target, which keeps the alert
  check, on the path from notice to slew, fast.
- Sun and Moon: astropy's ``get_body``, topocentric, in CIRS; costly (~0.1 s for a few
  hundred instants), so callers compute them once per grid and cache or interpolate.

``tests/astro/test_sky.py`` checks this module and its four users against astropy's AltAz.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import erfa
import numpy as np

from pyros import astro  # noqa: F401  (offline IERS configuration, before astropy use)

if TYPE_CHECKING:
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

__all__ = [
    "SiteTuple",
    "airmass_from_alt",
    "alt_limit_deg",
    "altitude_deg",
    "apparent",
    "body_vectors",
    "interp_vectors",
    "quiet",
    "rotation_angle",
    "separation_deg",
    "unit_vectors",
]

#: (latitude_deg, longitude_deg, elevation_m)
SiteTuple = tuple[float, float, float]


def alt_limit_deg(max_airmass: float) -> float:
    """Lowest altitude (deg) at which sec z ≤ ``max_airmass``."""
    return math.degrees(math.asin(1.0 / max_airmass))


def airmass_from_alt(alt_deg: np.ndarray) -> np.ndarray:
    """sec z for altitudes in degrees; ``inf`` at or below the horizon."""
    s = np.sin(np.radians(alt_deg))
    with np.errstate(divide="ignore"):
        return np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), np.inf)


@contextmanager
def quiet() -> Iterator[None]:
    """Silence astropy's degraded-IERS and ERFA 'dubious year' warnings (sub-arcsecond)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def unit_vectors(ra_rad: np.ndarray | float, dec_rad: np.ndarray | float) -> np.ndarray:
    """(3, ...) unit vectors of spherical coordinates in radians."""
    if np.ndim(ra_rad) == 0 and np.ndim(dec_rad) == 0:  # one target: 3× faster in math
        cd = math.cos(dec_rad)
        return np.array([cd * math.cos(ra_rad), cd * math.sin(ra_rad), math.sin(dec_rad)])
    cd = np.cos(dec_rad)
    return np.stack(np.broadcast_arrays(cd * np.cos(ra_rad), cd * np.sin(ra_rad),
                                        np.sin(dec_rad)))


@lru_cache(maxsize=64)
def _astrom(hour: int) -> np.ndarray:
    """erfa's ICRS → CIRS parameters (Earth's position and velocity, precession-nutation)
    at the middle of ``hour`` since the Unix epoch."""
    from astropy.time import Time

    with quiet():
        t = Time(hour * 3600.0 + 1800.0, format="unix").tdb
        astrom, _ = erfa.apci13(t.jd1, t.jd2)
    return astrom


def apparent(ra_deg: np.ndarray | float, dec_deg: np.ndarray | float, at_unix: float
             ) -> np.ndarray:
    """CIRS unit vectors (3, ...) of ICRS positions (deg) at ``at_unix`` (Unix seconds).

    Within 0.05″ of astropy's ``SkyCoord(...).transform_to(CIRS(obstime=...))``.
    """
    ri, di = erfa.atciqz(np.radians(ra_deg), np.radians(dec_deg),
                         _astrom(math.floor(at_unix / 3600.0)))
    return unit_vectors(ri, di)


def rotation_angle(times: Time, lon_deg: float) -> np.ndarray:
    """Local Earth rotation angle θ = ERA + λ (rad; astropy's, with the TIO locator)
    at ``times``, unwrapped so that it interpolates linearly between samples."""
    import astropy.units as u

    with quiet():
        theta = times.earth_rotation_angle(lon_deg * u.deg).to_value(u.rad)
    return np.unwrap(np.atleast_1d(np.asarray(theta, dtype=float)))


def body_vectors(body: str, times: Time, loc: EarthLocation) -> np.ndarray:
    """Topocentric CIRS unit vectors (3, n) of a solar-system body ("sun", "moon")."""
    from astropy.coordinates import CIRS, get_body

    with quiet():
        c = get_body(body, times, location=loc).transform_to(CIRS(obstime=times, location=loc))
        xyz = np.asarray(c.cartesian.xyz.value, dtype=float).reshape(3, -1)
    return xyz / np.linalg.norm(xyz, axis=0)


def interp_vectors(x: np.ndarray, xp: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Unit vectors (3, n) sampled at ``xp`` interpolated to ``x`` (and renormalised): a
    body's direction between grid samples (Moon error ~1e-4° over 60 s, < 0.1° over 3 h)."""
    out = np.array([np.interp(x, xp, c) for c in vec])
    return out / np.linalg.norm(out, axis=0)


def altitude_deg(vec: np.ndarray, theta: np.ndarray | float, lat_deg: float) -> np.ndarray:
    """Altitude (deg) of CIRS unit vectors ``vec`` (3, ...) at local rotation angles
    ``theta`` (rad; broadcasts against ``vec[0]``) from geodetic latitude ``lat_deg``."""
    phi = math.radians(lat_deg)
    s = math.sin(phi) * vec[2] + math.cos(phi) * (vec[0] * np.cos(theta)
                                                  + vec[1] * np.sin(theta))
    return np.degrees(np.arcsin(np.clip(s, -1.0, 1.0)))


def separation_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (deg) between unit vectors ``a`` and ``b`` (3, ...), broadcast: any frame, as
    long as both are in the same one (a target and the Moon in CIRS)."""
    cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))

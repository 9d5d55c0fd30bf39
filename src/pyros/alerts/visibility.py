"""Can the site observe a position before an alert expires?  Pure (astropy, no Django).

The Sun's and Moon's positions on a time grid are the costly part, and every alert of a
night asks for the same grid, so they are cached per (site, grid start, length); the grid is
aligned on whole steps since the Unix epoch so successive alerts share it.  The target's
altitude is computed from the local sidereal time on that grid (precession and nutation
to the epoch of date are applied once, by erfa's matrix of the hour), which keeps one check
to a fraction of a millisecond once the grid is cached: it runs on the path from notice to
slew.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import astropy.units as u
import erfa
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_body
from astropy.time import Time

from pyros import astro  # noqa: F401  (offline IERS configuration)

__all__ = ["Visibility", "airmass_to_altitude_deg", "check_visibility", "warm"]

#: Earth's rotation rate relative to the stars (rad per SI second).
SIDEREAL_RAD_PER_S = 2.0 * math.pi * 1.002737909350795 / 86400.0


@dataclass(frozen=True, slots=True)
class Visibility:
    """Outcome of a visibility search between ``start`` and ``end``."""

    #: First grid instant the target is observable (dark, high enough), None if never.
    first_observable: datetime | None
    #: Moon-target separation at that instant (or at ``start`` if never observable) [deg].
    moon_separation_deg: float
    #: Target altitude at ``start`` [deg].
    altitude_now_deg: float
    #: Whether it is observable at ``start`` itself (later instants: on the grid).
    observable_now: bool


def airmass_to_altitude_deg(airmass: float) -> float:
    """Altitude [deg] of a given airmass (plane-parallel, sec z); airmass >= 1."""
    return math.degrees(math.asin(1.0 / airmass))


@lru_cache(maxsize=16)
def _grid(site: tuple[float, float, float], first_ts: float, n: int, step_s: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Stamps [unix s], Sun altitude [deg], Moon (ra, dec) of date [rad], LST [rad]."""
    lat, lon, height = site
    loc = EarthLocation.from_geodetic(lon=lon * u.deg, lat=lat * u.deg, height=height * u.m)
    stamps = first_ts + np.arange(n) * step_s
    times = Time(stamps, format="unix")
    frame = AltAz(obstime=times, location=loc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degraded IERS accuracy: arcseconds, irrelevant here
        sun_alt = get_body("sun", times, location=loc).transform_to(frame).alt.to_value(u.deg)
        moon = get_body("moon", times, location=loc)
        lst = times.sidereal_time("apparent", longitude=loc.lon).to_value(u.rad)
    return (stamps, np.asarray(sun_alt), np.asarray(moon.ra.to_value(u.rad)),
            np.asarray(moon.dec.to_value(u.rad)), lst)


@lru_cache(maxsize=64)
def _precession_nutation(hour: int) -> np.ndarray:
    """IAU 2006/2000A precession-nutation matrix (ICRS → true equator of date) for the
    given hour since the Unix epoch: it moves by 0.006″ in an hour."""
    t = Time(hour * 3600.0, format="unix").tt
    return erfa.pnm06a(t.jd1, t.jd2)


def _of_date(ra_deg: float, dec_deg: float, at: float) -> tuple[float, float]:
    """ICRS position on the true equator of date (the Moon's and LST's frame).

    The rotation erfa (astropy's own library) gives, without aberration: within ~20″ of
    astropy's TETE frame, nothing for degrees of altitude and Moon distance, and 4 ms less
    per call than a SkyCoord transform (three calls per notice on the path to the slew).
    """
    ra, dec = math.radians(ra_deg), math.radians(dec_deg)
    v = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    x, y, z = _precession_nutation(math.floor(at / 3600.0)) @ v
    return math.atan2(y, x) % math.tau, math.asin(max(-1.0, min(1.0, z)))


def check_visibility(
    ra_deg: float,
    dec_deg: float,
    site: tuple[float, float, float],
    start: datetime,
    end: datetime,
    *,
    min_altitude_deg: float,
    twilight_deg: float,
    step_s: float = 600.0,
    grid: tuple[datetime, datetime] | None = None,
) -> Visibility:
    """Search [start, end] for the first dark instant with the target above the limit.

    ``site`` is (latitude_deg, longitude_deg, elevation_m); ``min_altitude_deg`` combines
    the horizon and the airmass limit.  ``grid`` (from, to) is the span of the Sun/Moon grid
    when it must cover more than [start, end]: searches of one alert's later epochs then
    reuse the grid of its acceptance check instead of computing a new one (~0.3 s).
    Raises ValueError for naive times or end < start.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end < start:
        raise ValueError("end is before start")
    grid_from, grid_to = grid or (start, end)
    grid_from, grid_to = min(grid_from, start), max(grid_to, end)
    # hour-aligned start and a length rounded up to 6 h: alerts of a night share the grid
    first_ts = math.floor(grid_from.timestamp() / 3600.0) * 3600.0
    n = int((grid_to.timestamp() - first_ts) // step_s) + 2
    n = -(-n // 36) * 36
    stamps, sun_alt, moon_ra, moon_dec, lst = _grid(
        tuple(float(x) for x in site), first_ts, n, float(step_s))
    ra, dec = _of_date(ra_deg, dec_deg, start.timestamp())
    # the grid point at or just before ``start`` stands for ``start``, with the values of
    # ``start`` itself: LST advances at the sidereal rate, the Sun's altitude and the Moon
    # are interpolated (a target setting between two grid points is not "observable now")
    start_ts = start.timestamp()
    now_i = int((start_ts - first_ts) // step_s)
    frac = (start_ts - stamps[now_i]) / step_s
    lst, sun_alt = lst.copy(), sun_alt.copy()  # the grid is cached: never write into it
    lst[now_i] += (start_ts - stamps[now_i]) * SIDEREAL_RAD_PER_S
    sun_alt[now_i] += frac * (sun_alt[now_i + 1] - sun_alt[now_i])
    moon_ra, moon_dec = moon_ra.copy(), moon_dec.copy()
    moon_ra[now_i] += frac * math.remainder(moon_ra[now_i + 1] - moon_ra[now_i], math.tau)
    moon_dec[now_i] += frac * (moon_dec[now_i + 1] - moon_dec[now_i])
    lat = math.radians(site[0])
    alt = np.degrees(np.arcsin(np.sin(lat) * math.sin(dec)
                               + np.cos(lat) * math.cos(dec) * np.cos(lst - ra)))
    cos_sep = (np.sin(moon_dec) * math.sin(dec)
               + np.cos(moon_dec) * math.cos(dec) * np.cos(moon_ra - ra))
    moon_sep = np.degrees(np.arccos(np.clip(cos_sep, -1.0, 1.0)))
    in_window = (stamps > start.timestamp() - step_s) & (stamps <= end.timestamp())
    ok = (sun_alt < twilight_deg) & (alt >= min_altitude_deg) & in_window
    idx = np.nonzero(ok)[0]
    first = int(idx[0]) if idx.size else None
    return Visibility(
        first_observable=None if first is None else datetime.fromtimestamp(
            max(float(stamps[first]), start.timestamp()), tz=UTC),
        moon_separation_deg=float(moon_sep[first if first is not None else now_i]),
        altitude_now_deg=float(alt[now_i]),
        observable_now=first == now_i,
    )


def warm(site: tuple[float, float, float], at: datetime, hours: float = 48.0,
         step_s: float = 600.0) -> None:
    """Fill the Sun/Moon cache for alerts arriving around ``at`` (the agent calls this
    while idle, so the first notice of the hour does not pay ~0.3 s for it)."""
    check_visibility(0.0, 0.0, site, at, at + timedelta(hours=hours), min_altitude_deg=0.0,
                     twilight_deg=-12.0, step_s=step_s)

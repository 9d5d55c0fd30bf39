"""Can the site observe a position before an alert expires?  Pure (astropy, no Django).

The Sun's and Moon's positions on a time grid are the costly part, and every alert of a
night asks for the same grid, so they are cached per (site, grid start, length); the grid is
aligned on whole steps since the Unix epoch so successive alerts share it.  The target's
direction (erfa, parameters cached per hour) and its altitude on that grid come from
:mod:`pyros.astro.sky`, shared with the scheduler, which keeps one check to a few tens of
microseconds once the grid is cached: it runs on the path from notice to slew.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import astropy.coordinates  # noqa: F401  (loaded with the agent, not on a notice's path)
import numpy as np
from astropy.time import Time

from pyros.astro import sky
from pyros.astro.night import location
from pyros.astro.sky import SiteTuple

__all__ = ["Visibility", "airmass_to_altitude_deg", "check_visibility", "warm"]


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


#: Altitude [deg] of a given airmass (plane-parallel, sec z); airmass >= 1.
airmass_to_altitude_deg = sky.alt_limit_deg


@lru_cache(maxsize=16)
def _grid(site: SiteTuple, first_ts: float, n: int, step_s: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stamps [unix s], local rotation angle [rad], Sun altitude [deg], Moon (3, n) CIRS."""
    loc = location(*site)
    stamps = first_ts + np.arange(n) * step_s
    times = Time(stamps, format="unix")
    theta = sky.rotation_angle(times, site[1])
    sun_alt = sky.altitude_deg(sky.body_vectors("sun", times, loc), theta, site[0])
    return stamps, theta, sun_alt, sky.body_vectors("moon", times, loc)


def check_visibility(
    ra_deg: float,
    dec_deg: float,
    site: SiteTuple,
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
    stamps, theta, sun_alt, moon = _grid(
        tuple(float(x) for x in site), first_ts, n, float(step_s))
    start_ts = start.timestamp()
    target = sky.apparent(ra_deg, dec_deg, start_ts)
    # the grid point at or just before ``start`` stands for ``start``, with the values of
    # ``start`` itself: the rotation angle and the Sun's altitude are interpolated (a
    # target setting between two grid points is not "observable now")
    now_i = int((start_ts - first_ts) // step_s)
    frac = (start_ts - stamps[now_i]) / step_s
    theta, sun_alt = theta.copy(), sun_alt.copy()  # the grid is cached: never write into it
    theta[now_i] += frac * (theta[now_i + 1] - theta[now_i])
    sun_alt[now_i] += frac * (sun_alt[now_i + 1] - sun_alt[now_i])
    alt = sky.altitude_deg(target, theta, site[0])
    in_window = (stamps > start_ts - step_s) & (stamps <= end.timestamp())
    ok = (sun_alt < twilight_deg) & (alt >= min_altitude_deg) & in_window
    idx = np.nonzero(ok)[0]
    first = int(idx[0]) if idx.size else None
    if first is None or first == now_i:  # the Moon at ``start`` itself, interpolated
        moon_at = moon[:, now_i] + frac * (moon[:, now_i + 1] - moon[:, now_i])
    else:
        moon_at = moon[:, first]
    moon_sep = sky.separation_deg(target, moon_at / np.linalg.norm(moon_at))
    return Visibility(
        first_observable=None if first is None else datetime.fromtimestamp(
            max(float(stamps[first]), start_ts), tz=UTC),
        moon_separation_deg=float(moon_sep),
        altitude_now_deg=float(alt[now_i]),
        observable_now=first == now_i,
    )


def warm(site: SiteTuple, at: datetime, hours: float = 48.0,
         step_s: float = 600.0) -> None:
    """Fill the Sun/Moon cache for alerts arriving around ``at`` (the agent calls this
    while idle, so the first notice of the hour does not pay ~0.3 s for it)."""
    check_visibility(0.0, 0.0, site, at, at + timedelta(hours=hours), min_altitude_deg=0.0,
                     twilight_deg=-12.0, step_s=step_s)
    sky.apparent(0.0, 0.0, at.timestamp() + 3600.0)  # and the next hour's erfa parameters

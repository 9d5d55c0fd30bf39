"""Night start and end at a site, from astroplan, computed offline.

The night is the interval when the Sun is below the configured twilight altitude
(e.g. -12° for nautical twilight).  Times are timezone-aware UTC ``datetime`` objects.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, get_body
from astropy.time import Time

from pyros import astro  # noqa: F401  (offline IERS configuration)

__all__ = ["Night", "location", "next_night", "sun_altitude_deg"]


@dataclass(frozen=True)
class Night:
    """One night: ``start`` (evening twilight) and ``end`` (morning twilight), UTC."""

    start: datetime
    end: datetime

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def contains(self, instant: datetime, margin_s: float = 0.0) -> bool:
        """Whether ``instant`` is inside the night shrunk by ``margin_s`` at both ends."""
        m = timedelta(seconds=margin_s)
        return self.start + m <= instant <= self.end - m

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def location(lat_deg: float, lon_deg: float, elevation_m: float) -> EarthLocation:
    """An ``EarthLocation`` from geodetic coordinates (never ``of_site``: no network)."""
    return EarthLocation.from_geodetic(lon=lon_deg * u.deg, lat=lat_deg * u.deg,
                                       height=elevation_m * u.m)


def sun_altitude_deg(site: EarthLocation, times: Time) -> np.ndarray:
    """Sun altitude in degrees at ``times`` (vectorised)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degraded-IERS accuracy warnings: arcsec, irrelevant
        sun = get_body("sun", times, location=site)
        alt = sun.transform_to(AltAz(obstime=times, location=site)).alt
    return np.asarray(alt.to_value(u.deg))


def _crossings(site: EarthLocation, t0: datetime, hours: float, twilight_deg: float,
               step_min: float = 5.0) -> list[tuple[datetime, bool]]:
    """Times the Sun crosses ``twilight_deg`` in [t0, t0+hours]; bool = going down.

    The search grid is aligned on whole multiples of ``step_min`` since the Unix epoch, so
    a crossing is always interpolated between the same two grid points and the same night
    comes out identical (to the second) whatever instant it is computed from.  Linear
    interpolation over 5 minutes is good to about a second.
    """
    step_s = step_min * 60.0
    first = math.floor(t0.timestamp() / step_s) * step_s
    n = int(hours * 3600 / step_s) + 2
    stamps = first + np.arange(n) * step_s
    grid = Time(stamps, format="unix")
    alt = sun_altitude_deg(site, grid) - twilight_deg

    out: list[tuple[datetime, bool]] = []
    for i in np.nonzero(np.sign(alt[:-1]) != np.sign(alt[1:]))[0]:
        root = stamps[i] + step_s * alt[i] / (alt[i] - alt[i + 1])
        instant = datetime.fromtimestamp(round(root), tz=UTC)
        out.append((instant, bool(alt[i] > alt[i + 1])))
    return out


@lru_cache(maxsize=64)
def _crossings_cached(site: tuple[float, float, float], twilight_deg: float,
                      hour_ts: float) -> list[tuple[datetime, bool]]:
    start = datetime.fromtimestamp(hour_ts, tz=UTC) - timedelta(hours=24)
    return _crossings(location(*site), start, 73.0, twilight_deg)


def next_night(site: EarthLocation | tuple[float, float, float], now: datetime,
               twilight_deg: float = -12.0) -> Night:
    """The night in progress at ``now``, or else the next one to begin.

    ``site`` is an ``EarthLocation`` or ``(lat_deg, lon_deg, elevation_m)``.  Raises
    ``ValueError`` where the Sun never crosses the twilight altitude within two days
    (polar day or night).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(site, EarthLocation):
        lon, lat, height = site.to_geodetic()
        site = (lat.to_value(u.deg), lon.to_value(u.deg), height.to_value(u.m))
    # the crossings of a whole day around ``now`` are cached: agents ask every second
    hour = math.floor(now.timestamp() / 3600) * 3600
    events = _crossings_cached(tuple(float(x) for x in site), float(twilight_deg), hour)
    downs = [t for t, going_down in events if going_down]
    ups = [t for t, going_down in events if not going_down]
    for dusk in downs:
        dawn = next((t for t in ups if t > dusk), None)
        if dawn is None:
            break
        if dawn > now:
            return Night(dusk, dawn)
    raise ValueError(f"no night below {twilight_deg}° at this site around {now.isoformat()}")

"""When a target can be observed from the site (pure: astropy, offline, no Django).

Used on submission ("observable at least once in its window") and to compute a window
from visibility.  The window is sampled on a grid (5 min, coarser for windows longer than
about a week so that at most :data:`MAX_SAMPLES` samples are computed); at each sample the
target is observable when

- the Sun is below the site's twilight altitude (it is night),
- the target is above the horizon limit and at or below the maximum airmass,
- the Moon is at least ``min_moon_separation_deg`` away,
- the Moon's illuminated fraction is at most ``max_moon_illumination`` (if given).

Airmass is sec z (no refraction), as in astroplan's constraints.  Accuracy is the grid
step: a run of observable samples is reported as the interval from its first to its last
sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from pyros.astro import sky
from pyros.astro.sky import SiteTuple, alt_limit_deg

__all__ = ["MAX_SAMPLES", "Constraints", "SiteTuple", "auto_window", "observable_intervals"]

MAX_SAMPLES = 2400
DEFAULT_STEP_S = 300.0

#: Sampling of the Sun's and Moon's positions (s); interpolated in between.
BODY_STEP_S = 3 * 3600.0


@dataclass(frozen=True)
class Constraints:
    max_airmass: float = 2.0
    min_moon_separation_deg: float = 30.0
    max_moon_illumination: float | None = None
    twilight_deg: float = -12.0
    horizon_deg: float = 20.0

    @property
    def min_altitude_deg(self) -> float:
        return max(self.horizon_deg, alt_limit_deg(self.max_airmass))


def _grid(start: datetime, end: datetime, step_s: float) -> tuple[np.ndarray, float]:
    span = (end - start).total_seconds()
    if span <= 0:
        raise ValueError("the window must end after it starts")
    step = max(step_s, span / (MAX_SAMPLES - 1))
    offsets = np.arange(0.0, span, step)
    return np.append(offsets, span), step


def observable_intervals(ra_deg: float, dec_deg: float, start: datetime, end: datetime,
                         site: SiteTuple, constraints: Constraints,
                         step_s: float = DEFAULT_STEP_S) -> list[tuple[datetime, datetime]]:
    """Intervals of [start, end] (UTC datetimes) when the target meets every constraint.

    Positions and altitudes come from :mod:`pyros.astro.sky` (the target's CIRS direction
    at the middle of the window).  Sun and Moon are computed every :data:`BODY_STEP_S` and
    interpolated (Moon error < 0.1°), which keeps a 30-day window well under a second.
    """
    import astropy.units as u
    from astropy.time import Time

    from pyros.astro.night import location

    offsets, _ = _grid(start, end, step_s)
    loc = location(*site)
    lat = site[0]
    span = float(offsets[-1])
    body_offsets = np.append(np.arange(0.0, span, BODY_STEP_S), span)
    t0 = Time(start)
    theta = sky.rotation_angle(t0 + offsets * u.s, site[1])
    body_times = t0 + body_offsets * u.s
    sun = sky.interp_vectors(offsets, body_offsets, sky.body_vectors("sun", body_times, loc))
    moon = sky.interp_vectors(offsets, body_offsets, sky.body_vectors("moon", body_times, loc))
    target = sky.apparent(ra_deg, dec_deg, float(t0.unix) + span / 2)
    ok = ((sky.altitude_deg(sun, theta, lat) < constraints.twilight_deg)
          & (sky.altitude_deg(target, theta, lat) >= constraints.min_altitude_deg)
          & (sky.separation_deg(target, moon) >= constraints.min_moon_separation_deg))
    if constraints.max_moon_illumination is not None:
        illumination = (1.0 - np.cos(np.radians(sky.separation_deg(sun, moon)))) / 2.0
        ok &= illumination <= constraints.max_moon_illumination
    return _runs(ok, offsets, start)


def _runs(ok: np.ndarray, offsets: np.ndarray, start: datetime
          ) -> list[tuple[datetime, datetime]]:
    out = []
    i, n = 0, len(ok)
    while i < n:
        if not ok[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and ok[j + 1]:
            j += 1
        out.append((start + timedelta(seconds=float(offsets[i])),
                    start + timedelta(seconds=float(offsets[j]))))
        i = j + 1
    return out


def auto_window(ra_deg: float, dec_deg: float, after: datetime, site: SiteTuple,
                constraints: Constraints, min_duration_s: float = 0.0, days: float = 2.0
                ) -> tuple[datetime, datetime]:
    """The first interval after ``after`` (within ``days``) when the target is observable
    for at least ``min_duration_s``; ``ValueError`` if there is none."""
    for a, b in observable_intervals(ra_deg, dec_deg, after, after + timedelta(days=days),
                                     site, constraints):
        if (b - a).total_seconds() >= max(min_duration_s, 1.0):
            return a, b
    raise ValueError(f"the target is not observable for {min_duration_s:.0f} s in the "
                     f"{days:g} days after {after:%Y-%m-%d %H:%M} UTC under its constraints")

"""Altitude curves for the plots (pure: astropy offline, no Django).

The altitudes of every target of a page (targets × samples) in one vectorised call to
:mod:`pyros.astro.sky` (the astronomy shared with the scheduler), cached by target list
and interval, because the schedule page is polled: the curves of a night are computed
once, not at every refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from pyros.astro.sky import SiteTuple

__all__ = ["altitude_curves"]


def altitude_curves(targets: Sequence[tuple[float, float]], t0: datetime, t1: datetime,
                    site: SiteTuple, samples: int = 73
                    ) -> list[list[tuple[datetime, float]]]:
    """For each (ra_deg, dec_deg): ``samples`` (time, altitude_deg) pairs over [t0, t1].

    Altitudes are geometric (no refraction), as the scheduler's, to about an arcsecond.
    Raises ValueError when t1 is not after t0.
    """
    if t1 <= t0:
        raise ValueError("the interval must end after it starts")
    key = tuple((round(ra, 4), round(dec, 4)) for ra, dec in targets)
    # Round the interval to the minute: repeated page refreshes hit the cache.
    a = t0.replace(second=0, microsecond=0)
    b = t1.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return _curves(key, a, b, site, samples)


@lru_cache(maxsize=64)
def _curves(targets: tuple[tuple[float, float], ...], t0: datetime, t1: datetime,
            site: SiteTuple, samples: int) -> list[list[tuple[datetime, float]]]:
    if not targets:
        return []
    import astropy.units as u
    import numpy as np
    from astropy.time import Time

    from pyros.astro import sky

    span_s = (t1 - t0).total_seconds()
    offsets = np.linspace(0.0, span_s, samples)
    start = Time(t0)
    theta = sky.rotation_angle(start + offsets * u.s, site[1])
    vec = sky.apparent(np.array([t[0] for t in targets]), np.array([t[1] for t in targets]),
                       float(start.unix) + span_s / 2)
    alt_deg = sky.altitude_deg(vec[:, :, None], theta, site[0])
    instants = [t0 + timedelta(seconds=float(s)) for s in offsets]
    return [list(zip(instants, (float(v) for v in row), strict=True)) for row in alt_deg]

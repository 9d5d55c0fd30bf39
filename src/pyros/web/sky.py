"""Altitude curves for the plots (pure: astropy offline, no Django).

One vectorised AltAz transform for every target of a page (targets × samples), cached
by target list and interval, because the schedule page is polled: the curves of a night
are computed once, not at every refresh.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from pyros import astro  # noqa: F401  (offline IERS configuration, before astropy use)

__all__ = ["altitude_curves"]

#: (latitude_deg, longitude_deg, elevation_m)
SiteTuple = tuple[float, float, float]


def altitude_curves(targets: Sequence[tuple[float, float]], t0: datetime, t1: datetime,
                    site: SiteTuple, samples: int = 73
                    ) -> list[list[tuple[datetime, float]]]:
    """For each (ra_deg, dec_deg): ``samples`` (time, altitude_deg) pairs over [t0, t1].

    Altitudes are geometric (no refraction), accurate to well under a degree — enough
    for a plot.  Raises ValueError when t1 is not after t0.
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
    from astropy.coordinates import AltAz, SkyCoord
    from astropy.time import Time

    from pyros.astro.night import location

    span_s = (t1 - t0).total_seconds()
    offsets = np.linspace(0.0, span_s, samples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degraded-IERS accuracy: irrelevant for a plot
        times = Time(t0) + offsets * u.s
        frame = AltAz(obstime=times[None, :], location=location(*site))
        ra = np.array([t[0] for t in targets])[:, None]
        dec = np.array([t[1] for t in targets])[:, None]
        alt = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs").transform_to(frame).alt
    alt_deg = np.asarray(alt.to_value(u.deg))
    instants = [t0 + timedelta(seconds=float(s)) for s in offsets]
    return [list(zip(instants, (float(v) for v in row), strict=True)) for row in alt_deg]

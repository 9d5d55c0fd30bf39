"""Airmass and Moon separation of many targets over one night, fast.

The expensive astropy work is done once per night grid: the Earth rotation angle and the
topocentric Moon on a time grid of ``step_s`` (60 s) spacing.  Each target is then turned
into apparent (CIRS) coordinates once, in one vectorised astropy call for all new
targets, and its altitude follows from spherical trigonometry on the grid:

    H = ERA + λ − α_CIRS,   sin(alt) = sin φ sin δ + cos φ cos δ cos H

which is what astropy's ICRS → AltAz chain does, minus polar motion and diurnal
aberration (both < 1″).  ``tests/planning`` checks it against astropy to < 0.01°.
Refraction is ignored, as in astroplan's constraints (airmass = sec z, no pressure).

Results are cached per target inside a :class:`NightGrid`, and grids are cached per
(site, night) so a re-plan of the same night costs only the new targets.
"""

from __future__ import annotations

import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from collections.abc import Sequence as Seq
from contextlib import contextmanager
from datetime import datetime

import numpy as np

from pyros import astro  # noqa: F401  (offline IERS configuration, before astropy use)
from pyros.planning.model import Site

__all__ = [
    "GRID_STEP_S",
    "NightGrid",
    "airmass_from_alt",
    "alt_limit_deg",
    "clear_grid_cache",
    "night_grid",
]

#: Spacing of the visibility grid (seconds).  Starts and ends are integer seconds and
#: each sequence is checked on every grid sample that brackets it (see feasibility.py).
GRID_STEP_S = 60


def alt_limit_deg(max_airmass: float) -> float:
    """Lowest altitude (deg) at which sec z ≤ ``max_airmass``."""
    return math.degrees(math.asin(1.0 / max_airmass))


def airmass_from_alt(alt_deg: np.ndarray) -> np.ndarray:
    """sec z for altitudes in degrees; ``inf`` at or below the horizon."""
    s = np.sin(np.radians(alt_deg))
    with np.errstate(divide="ignore"):
        return np.where(s > 0, 1.0 / np.where(s > 0, s, 1.0), np.inf)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence astropy's degraded-IERS and ERFA 'dubious year' warnings (sub-arcsecond)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class NightGrid:
    """Time grid over one night at one site, with per-target altitude and Moon distance.

    ``offsets_s``: sample times in seconds after night start: 0, 60, 120, … and a last
    sample at ``horizon_s`` (the night's whole-second length).
    """

    def __init__(self, site: Site, night_start: datetime, horizon_s: int,
                 step_s: int = GRID_STEP_S):
        import astropy.units as u
        from astropy.coordinates import AltAz, get_body
        from astropy.time import Time

        from pyros.astro.night import location

        if horizon_s <= 0:
            raise ValueError("the night must last at least one second")
        self.site = site
        self.night_start = night_start
        self.horizon_s = int(horizon_s)
        self.step_s = int(step_s)
        offsets = np.arange(0, self.horizon_s, self.step_s, dtype=float)
        self.offsets_s = np.append(offsets, float(self.horizon_s))
        self._lat = math.radians(site.latitude_deg)
        self._location = location(site.latitude_deg, site.longitude_deg, site.elevation_m)
        self._t0 = Time(night_start)
        times = self._t0 + self.offsets_s * u.s
        with _quiet():
            # local Earth rotation angle (rad), unwrapped so it interpolates linearly
            era = times.earth_rotation_angle(self._location.lon).to_value(u.rad)
            self._era = np.unwrap(np.asarray(era, dtype=float))
            moon = get_body("moon", times, location=self._location)
            aa = moon.transform_to(AltAz(obstime=times, location=self._location))
            malt = np.radians(aa.alt.to_value(u.deg))
            maz = np.radians(aa.az.to_value(u.deg))
            # middle of the night: the instant at which targets get their CIRS position
            self._t_mid = self._t0 + (self.horizon_s / 2) * u.s
        self.moon_enu = _enu(malt, maz)  # (3, n) unit vectors
        self.moon_alt_deg = np.degrees(malt)
        self._cache: dict[tuple[float, float], int] = {}
        self._alt = np.empty((0, self.size))
        self._sep = np.empty((0, self.size))
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self.offsets_s)

    # -- per-target arrays on the grid -------------------------------------------------

    def _cirs(self, ra_deg: np.ndarray, dec_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import astropy.units as u
        from astropy.coordinates import CIRS, SkyCoord

        with _quiet():
            c = SkyCoord(ra=ra_deg * u.deg, dec=dec_deg * u.deg, frame="icrs")
            c = c.transform_to(CIRS(obstime=self._t_mid))
        return np.radians(c.ra.to_value(u.deg)), np.radians(c.dec.to_value(u.deg))

    def _topocentric(self, ra_c: np.ndarray, dec_c: np.ndarray, era: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Altitude (deg) and ENU unit vectors for CIRS positions at rotation angles ``era``.

        ``ra_c``/``dec_c`` broadcast against ``era``.
        """
        h = era - ra_c
        sd, cd = np.sin(dec_c), np.cos(dec_c)
        sp, cp = math.sin(self._lat), math.cos(self._lat)
        ch = np.cos(h)
        east = -cd * np.sin(h)
        north = sd * cp - cd * ch * sp
        up = sd * sp + cd * ch * cp
        alt = np.degrees(np.arcsin(np.clip(up, -1.0, 1.0)))
        return alt, np.stack([east, north, up])

    def _compute(self, keys: Seq[tuple[float, float]]) -> None:
        ra = np.array([k[0] for k in keys], dtype=float)
        dec = np.array([k[1] for k in keys], dtype=float)
        ra_c, dec_c = self._cirs(ra, dec)
        alts, seps = [], []
        chunk = max(1, 2_000_000 // self.size)  # bound the temporaries (~100 MB)
        for i in range(0, len(keys), chunk):
            alt, enu = self._topocentric(ra_c[i:i + chunk, None], dec_c[i:i + chunk, None],
                                         self._era[None, :])
            cos_sep = np.einsum("ktn,kn->tn", enu, self.moon_enu)
            alts.append(alt)
            seps.append(np.degrees(np.arccos(np.clip(cos_sep, -1.0, 1.0))))
        base = len(self._alt)
        self._alt = np.concatenate([self._alt, *alts])
        self._sep = np.concatenate([self._sep, *seps])
        for j, key in enumerate(keys):
            self._cache[key] = base + j

    def rows(self, targets: Seq[tuple[float, float]]) -> np.ndarray:
        """Row indices into :attr:`alt_deg` / :attr:`moon_sep_deg` for ``(ra, dec)`` targets,
        computing only targets not seen before on this grid."""
        with self._lock:
            new = list(dict.fromkeys(t for t in targets if t not in self._cache))
            if new:
                self._compute(new)
            return np.fromiter((self._cache[t] for t in targets), dtype=np.int64,
                               count=len(targets))

    @property
    def alt_deg(self) -> np.ndarray:
        """(targets, samples) altitude in degrees, rows as given by :meth:`rows`."""
        return self._alt

    @property
    def moon_sep_deg(self) -> np.ndarray:
        """(targets, samples) angular distance to the Moon in degrees."""
        return self._sep

    # -- arbitrary instants (plan verification) ----------------------------------------

    def evaluate(self, ra_deg: float, dec_deg: float, offsets_s: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Altitude and Moon distance (deg) of one target at arbitrary offsets (s).

        The rotation angle is linear in time and the Moon's direction is interpolated
        between grid samples (error ~1e-4° over 60 s); offsets must lie in the night.
        """
        offsets_s = np.asarray(offsets_s, dtype=float)
        ra_c, dec_c = self._cirs(np.array([ra_deg]), np.array([dec_deg]))
        era = np.interp(offsets_s, self.offsets_s, self._era)
        alt, enu = self._topocentric(ra_c[0], dec_c[0], era)
        moon = np.stack([np.interp(offsets_s, self.offsets_s, c) for c in self.moon_enu])
        moon /= np.linalg.norm(moon, axis=0)
        sep = np.degrees(np.arccos(np.clip(np.sum(enu * moon, axis=0), -1.0, 1.0)))
        return alt, sep


def _enu(alt_rad: np.ndarray, az_rad: np.ndarray) -> np.ndarray:
    """East-north-up unit vectors for altitude/azimuth (azimuth from north through east)."""
    ca = np.cos(alt_rad)
    return np.stack([ca * np.sin(az_rad), ca * np.cos(az_rad), np.sin(alt_rad)])


_GRIDS: OrderedDict[tuple, NightGrid] = OrderedDict()
_GRIDS_LOCK = threading.Lock()
_GRIDS_KEPT = 2


def night_grid(site: Site, night_start: datetime, horizon_s: int,
               step_s: int = GRID_STEP_S) -> NightGrid:
    """The (cached) grid for this site and night; a re-plan of the same night reuses the
    Moon and every target already computed."""
    key = (site.key(), night_start, int(horizon_s), int(step_s))
    with _GRIDS_LOCK:
        grid = _GRIDS.get(key)
        if grid is not None:
            _GRIDS.move_to_end(key)
            return grid
    grid = NightGrid(site, night_start, horizon_s, step_s)
    with _GRIDS_LOCK:
        _GRIDS[key] = grid
        while len(_GRIDS) > _GRIDS_KEPT:
            _GRIDS.popitem(last=False)
    return grid


def clear_grid_cache() -> None:
    """Forget every cached night grid (benchmarks measure cold starts with it)."""
    with _GRIDS_LOCK:
        _GRIDS.clear()

"""Airmass and Moon separation of many targets over one night, fast.

The expensive astropy work is done once per night grid: the local Earth rotation angle and
the topocentric Moon on a time grid of ``step_s`` (60 s) spacing.  Each target is turned
into an apparent (CIRS) direction once, for all new targets in one vectorised call, at
the middle of the night, and its altitude and Moon distance follow on the whole grid at
once (numpy).  The astronomy is :mod:`pyros.astro.sky`'s, shared with the alert check,
request validation and the web's curves; ``tests/planning`` checks the grid against
astropy's AltAz to < 0.01°.  Refraction is ignored, as in astroplan's constraints
(airmass = sec z, no pressure).

Results are cached per target inside a :class:`NightGrid`, and grids are cached per
(site, night) so a re-plan of the same night costs only the new targets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence as Seq
from datetime import datetime

import numpy as np

from pyros.astro import sky
from pyros.astro.sky import airmass_from_alt, alt_limit_deg
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


class NightGrid:
    """Time grid over one night at one site, with per-target altitude and Moon distance.

    ``offsets_s``: sample times in seconds after night start: 0, 60, 120, … and a last
    sample at ``horizon_s`` (the night's whole-second length).
    """

    def __init__(self, site: Site, night_start: datetime, horizon_s: int,
                 step_s: int = GRID_STEP_S):
        import astropy.units as u
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
        self._location = location(site.latitude_deg, site.longitude_deg, site.elevation_m)
        t0 = Time(night_start)
        times = t0 + self.offsets_s * u.s
        self._theta = sky.rotation_angle(times, site.longitude_deg)
        #: (3, n) topocentric CIRS unit vectors of the Moon on the grid
        self.moon = sky.body_vectors("moon", times, self._location)
        self.moon_alt_deg = sky.altitude_deg(self.moon, self._theta, site.latitude_deg)
        # middle of the night: the instant at which targets get their CIRS direction
        self._t_mid = float(t0.unix) + self.horizon_s / 2
        self._cache: dict[tuple[float, float], int] = {}
        self._alt = np.empty((0, self.size))
        self._sep = np.empty((0, self.size))
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self.offsets_s)

    # -- per-target arrays on the grid -------------------------------------------------

    def _compute(self, keys: Seq[tuple[float, float]]) -> None:
        ra = np.array([k[0] for k in keys], dtype=float)
        dec = np.array([k[1] for k in keys], dtype=float)
        vec = sky.apparent(ra, dec, self._t_mid)
        alts, seps = [], []
        chunk = max(1, 2_000_000 // self.size)  # bound the temporaries (~100 MB)
        for i in range(0, len(keys), chunk):
            v = vec[:, i:i + chunk, None]
            alts.append(sky.altitude_deg(v, self._theta, self.site.latitude_deg))
            seps.append(sky.separation_deg(v, self.moon[:, None, :]))
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
        vec = sky.apparent(ra_deg, dec_deg, self._t_mid)
        theta = np.interp(offsets_s, self.offsets_s, self._theta)
        moon = sky.interp_vectors(offsets_s, self.offsets_s, self.moon)
        return (sky.altitude_deg(vec, theta, self.site.latitude_deg),
                sky.separation_deg(vec, moon))


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

"""The fast visibility model agrees with astropy's own transforms to < 0.01°."""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time

from pyros.planning.instances import SPM
from pyros.planning.visibility import airmass_from_alt, alt_limit_deg, night_grid


def _astropy(night, ra, dec, offsets):
    loc = EarthLocation.from_geodetic(SPM.longitude_deg * u.deg, SPM.latitude_deg * u.deg,
                                      SPM.elevation_m * u.m)
    t = Time(night.start) + offsets * u.s
    frame = AltAz(obstime=t, location=loc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = SkyCoord(ra * u.deg, dec * u.deg).transform_to(frame)
        moon = get_body("moon", t, location=loc).transform_to(frame)
    return c.alt.deg, c.separation(moon).deg


def test_grid_matches_astropy_to_a_hundredth_of_a_degree(night):
    horizon = int(night.duration_s)
    grid = night_grid(SPM, night.start, horizon)
    rng = np.random.default_rng(7)
    ra = rng.uniform(0, 360, 25)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, 25)))
    rows = grid.rows(list(zip(ra.tolist(), dec.tolist(), strict=True)))
    idx = rng.integers(0, grid.size, 40)
    worst_alt = worst_sep = 0.0
    for k in range(25):
        alt, sep = _astropy(night, ra[k], dec[k], grid.offsets_s[idx])
        worst_alt = max(worst_alt, np.abs(alt - grid.alt_deg[rows[k], idx]).max())
        worst_sep = max(worst_sep, np.abs(sep - grid.moon_sep_deg[rows[k], idx]).max())
        # arbitrary instants between the samples (plan verification path)
        off = rng.uniform(0, horizon, 10)
        alt2, sep2 = grid.evaluate(ra[k], dec[k], off)
        ref_alt, ref_sep = _astropy(night, ra[k], dec[k], off)
        worst_alt = max(worst_alt, np.abs(alt2 - ref_alt).max())
        worst_sep = max(worst_sep, np.abs(sep2 - ref_sep).max())
    assert worst_alt < 0.01
    assert worst_sep < 0.01


def test_targets_are_computed_once_and_cached(night):
    grid = night_grid(SPM, night.start, int(night.duration_s))
    first = grid.rows([(10.0, 20.0), (30.0, 40.0), (10.0, 20.0)])
    assert first[0] == first[2]
    size = len(grid.alt_deg)
    again = grid.rows([(30.0, 40.0), (10.0, 20.0)])
    assert list(again) == [first[1], first[0]]
    assert len(grid.alt_deg) == size
    assert night_grid(SPM, night.start, int(night.duration_s)) is grid


def test_airmass_conversions():
    assert abs(alt_limit_deg(2.0) - 30.0) < 1e-9
    am = airmass_from_alt(np.array([90.0, 30.0, 0.0, -5.0]))
    assert np.allclose(am[:2], [1.0, 2.0])
    assert np.isinf(am[2:]).all()

"""Star counts of the synthetic catalogue: magnitude distribution and galactic latitude."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyros.skymodel import star_catalog
from pyros.skymodel.catalog import MAG_FAINT, cumulative_density_deg2


def cone_area_deg2(radius_deg: float) -> float:
    return 2 * math.pi * (1 - math.cos(math.radians(radius_deg))) * (180 / math.pi) ** 2


def test_counts_rise_about_0_3_dex_per_magnitude_then_flatten():
    cat = star_catalog(192.86, 27.13, 1.5, "r")  # north galactic pole
    counts, _ = np.histogram(cat.mag, bins=np.arange(12.0, 24.01, 1.0))
    logn = np.log10(np.maximum(counts, 1))
    bright_slope = np.polyfit(np.arange(12.5, 18.0), logn[:6], 1)[0]
    faint_slope = np.polyfit(np.arange(18.5, 24.0), logn[6:], 1)[0]
    assert bright_slope == pytest.approx(0.30, abs=0.06)
    assert faint_slope == pytest.approx(0.20, abs=0.03)


def test_density_matches_the_model_within_poisson_noise():
    radius = 1.0
    for ra, dec in [(192.86, 27.13), (40.0, -60.0), (300.0, 30.0)]:
        cat = star_catalog(ra, dec, radius, "r", mag_limit=20.0)
        from pyros.skymodel.catalog import _galactic_latitude

        b = float(_galactic_latitude(np.array([ra]), np.array([dec]))[0])
        expected = cumulative_density_deg2(20.0, b) * cone_area_deg2(radius)
        # cells are evaluated at their centres, so allow 10 % on top of 4 sigma
        assert abs(len(cat) - expected) < 4 * math.sqrt(expected) + 0.1 * expected


def test_the_galactic_plane_is_much_richer_than_the_poles():
    pole = len(star_catalog(192.86, 27.13, 0.5, "r"))
    plane = len(star_catalog(266.4, -28.9, 0.5, "r"))  # towards the Galactic centre
    assert plane > 8 * pole


def test_mag_limit_and_filters():
    r = star_catalog(10.0, 10.0, 0.3, "r")
    lim = star_catalog(10.0, 10.0, 0.3, "r", mag_limit=20.0)
    assert len(lim) == int((r.mag <= 20.0).sum())
    assert r.mag.max() <= MAG_FAINT
    g = star_catalog(10.0, 10.0, 0.3, "g")
    j = star_catalog(10.0, 10.0, 0.3, "J")
    np.testing.assert_array_equal(r.star_id, g.star_id)
    assert np.all(g.mag >= r.mag - 0.3 - 1e-9)  # g - r = colour >= -0.3
    assert np.median(r.mag - j.mag) > 0.5  # stars are red in r - J (AB)
    table = r.to_table()
    assert list(table.colnames) == ["star_id", "ra_deg", "dec_deg", "mag"]
    with pytest.raises(ValueError, match="unknown filter"):
        star_catalog(10.0, 10.0, 0.3, "V")


def test_other_seed_other_sky():
    a = star_catalog(10.0, 10.0, 0.3, "r", seed=1)
    b = star_catalog(10.0, 10.0, 0.3, "r", seed=2)
    assert len(np.intersect1d(a.ra_deg, b.ra_deg)) == 0
    assert len(a) == pytest.approx(len(b), rel=0.2)

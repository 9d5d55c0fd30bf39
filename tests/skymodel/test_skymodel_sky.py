"""Sky brightness: dark sky, airmass, twilight and moonlight; photometric zero points."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from skymodel_measure import make_spec

from pyros.skymodel import render_frame
from pyros.skymodel.photometry import BANDS, band, photon_rate, zero_point
from pyros.skymodel.render import sky_mag_for
from pyros.skymodel.sky import (
    dark_sky_mag,
    mag_to_nanolambert,
    moon_sky_mag,
    nanolambert_to_mag,
    sky_brightness,
    sky_geometry,
    twilight_sky_mag,
)

SPM = (31.0449, -115.4646, 2792.0)
FULL_MOON_NIGHT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # full moon, high in the sky
NEW_MOON_NIGHT = datetime(2026, 3, 19, 8, 0, tzinfo=UTC)


def test_ab_zero_point_photon_flux():
    # 3631 Jy / h * ln(l2/l1); for r: 5.48e10 * ln(692.1/553.9)
    assert band("r").photons_m0_s_m2 == pytest.approx(1.221e10, rel=0.005)
    assert zero_point("r", 1.3) == pytest.approx(
        2.5 * math.log10(1.221e10 * math.pi / 4 * 1.3**2 * (1 - 0.09) * 0.6), abs=0.01
    )
    assert photon_rate(15.0, "r", 1.3) / photon_rate(20.0, "r", 1.3) == pytest.approx(100.0)
    assert photon_rate(15.0, "r", 1.3, airmass=2.0) / photon_rate(15.0, "r", 1.3) == (
        pytest.approx(10 ** (-0.4 * 0.10))
    )
    assert set(BANDS) == {"g", "r", "i", "z", "J", "H"}
    assert band("R").name == "r" and band("j").name == "J"


def test_dark_sky_brightens_away_from_the_zenith():
    assert dark_sky_mag("r", 1.0) == pytest.approx(21.2)
    assert dark_sky_mag("r", 2.0) < dark_sky_mag("r", 1.0) - 0.5


def test_twilight_brightens_monotonically_towards_sunset():
    mags = [twilight_sky_mag(h) for h in (-20, -15, -12, -9, -6, -3, 0, 10)]
    assert mags[0] == math.inf
    assert all(a > b for a, b in itertools.pairwise(mags))
    assert twilight_sky_mag(-12.0) == pytest.approx(21.8)


def test_nanolamberts_round_trip_and_ks_values():
    assert nanolambert_to_mag(mag_to_nanolambert(21.0)) == pytest.approx(21.0)
    # K&S 1991: their dark zenith sky, V = 21.587 mag/arcsec², is 79.0 nL
    assert mag_to_nanolambert(21.587) == pytest.approx(79.0, rel=0.002)


def test_moonlight_depends_on_phase_separation_and_altitude():
    full_near = moon_sky_mag("r", 0.0, 20.0, 50.0)
    full_far = moon_sky_mag("r", 0.0, 90.0, 50.0)
    quarter = moon_sky_mag("r", 90.0, 20.0, 50.0)
    assert full_near < full_far < 20.5
    assert quarter > full_near + 1.0
    assert moon_sky_mag("r", 0.0, 20.0, -5.0) == math.inf
    # scattering grows with the extinction coefficient: moonlight matters less in H
    assert moon_sky_mag("H", 0.0, 40.0, 50.0) - dark_sky_mag("H") > (
        moon_sky_mag("g", 0.0, 40.0, 50.0) - dark_sky_mag("g")
    )


def test_sky_at_a_site_follows_the_moon_and_the_sun():
    g_full = sky_geometry(FULL_MOON_NIGHT, SPM)
    g_new = sky_geometry(NEW_MOON_NIGHT, SPM)
    assert g_full.moon_phase_angle_deg < 15 and g_full.moon_alt_deg > 30
    assert g_new.moon_phase_angle_deg > 160 and g_new.sun_alt_deg < -18
    target = (g_full.moon_ra_deg + 40.0) % 360, max(-80.0, g_full.moon_dec_deg - 10.0)
    full = sky_brightness("r", *target, FULL_MOON_NIGHT, SPM)
    new = sky_brightness("r", *target, NEW_MOON_NIGHT, SPM)
    assert new == pytest.approx(21.2, abs=0.05)
    assert full < new - 2.0
    # an evening sequence through twilight gets monotonically darker
    sunset = datetime(2026, 3, 19, 1, 30, tzinfo=UTC)
    seq = [sky_brightness("r", 150.0, 20.0, sunset + timedelta(minutes=15 * k), SPM)
           for k in range(6)]
    assert all(a < b for a, b in itertools.pairwise(seq))
    assert sky_brightness("r", 150.0, 20.0, FULL_MOON_NIGHT, None) == dark_sky_mag("r")


def test_frame_sky_level_follows_the_computed_sky():
    dark = make_spec(sky_mag_arcsec2=None, site=SPM, obs_time=NEW_MOON_NIGHT, exposure_s=60.0)
    bright = make_spec(sky_mag_arcsec2=None, site=SPM, obs_time=FULL_MOON_NIGHT,
                       exposure_s=60.0)
    centre = (slice(206, 306), slice(206, 306))  # vignetting < 1 % there
    lvl_dark = (np.mean(render_frame(dark)[centre]) - 1000) * 1.5
    lvl_bright = (np.mean(render_frame(bright)[centre]) - 1000) * 1.5
    zp = zero_point("r", 1.3)
    for spec, level in ((dark, lvl_dark), (bright, lvl_bright)):
        expected = 10 ** (-0.4 * (sky_mag_for(spec) - zp)) * 0.381**2 * 60.0
        assert level == pytest.approx(expected, rel=0.02)
    assert lvl_bright > 3 * lvl_dark

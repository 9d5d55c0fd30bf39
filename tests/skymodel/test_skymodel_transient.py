"""Burst afterglows: where they appear, when, and how they fade."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from scipy.integrate import quad
from skymodel_measure import T0, aperture_sum, fit_moffat, make_spec

from pyros.skymodel import Transient, frame_wcs, render_frame

RA, DEC = 192.86 + 0.004, 27.13 - 0.003  # off the frame centre, off pixel centres


def burst(alpha=1.2, mag=15.0):
    return Transient(RA, DEC, mag, T0, alpha=alpha)


def measure(spec):
    img = render_frame(spec).astype(float)
    x, y = frame_wcs(spec).wcs_world2pix([[RA, DEC]], 0)[0]
    flux, _ = aperture_sum(img, x, y, r=12, r_in=16, r_out=24)
    return img, x, y, flux * spec.gain_e_adu


def test_afterglow_appears_at_its_position():
    spec = make_spec(transients=(burst(),), obs_time=T0 + timedelta(seconds=60),
                     exposure_s=10.0)
    img, x, y, _ = measure(spec)
    fit = fit_moffat(img, x, y)
    assert math.hypot(fit["x"] - x, fit["y"] - y) < 0.05


def test_afterglow_fades_as_the_power_law_between_two_epochs():
    alpha = 1.2
    early = make_spec(transients=(burst(alpha, mag=13.0),), obs_time=T0 + timedelta(seconds=60),
                      exposure_s=10.0)
    late = make_spec(transients=(burst(alpha, mag=13.0),), obs_time=T0 + timedelta(seconds=600),
                     exposure_s=10.0)
    f1 = measure(early)[3]
    f2 = measure(late)[3]
    # exposure-averaged power law, integrated numerically here
    def mean_flux(a):
        return quad(lambda t: (t / 60.0) ** -alpha, a, a + 10.0)[0] / 10.0

    expected = mean_flux(600.0) / mean_flux(60.0)
    assert f2 / f1 == pytest.approx(expected, rel=0.03)
    # and the fitted decay index is alpha
    fitted_alpha = -math.log(f2 / f1) / math.log(605.0 / 65.0)
    assert fitted_alpha == pytest.approx(alpha, abs=0.05)


def test_afterglow_is_invisible_before_t0():
    spec = make_spec(transients=(burst(),), obs_time=T0 - timedelta(seconds=30),
                     exposure_s=20.0)
    _, _, _, flux = measure(spec)
    noise_e = math.sqrt(math.pi * 12**2 * (30.0 + 36.0))  # sky + read noise in the aperture
    assert abs(flux) < 5 * noise_e
    # an exposure straddling t0 sees only the part after t0
    straddle = make_spec(transients=(burst(alpha=0.0),), obs_time=T0 - timedelta(seconds=10),
                         exposure_s=20.0)
    after = make_spec(transients=(burst(alpha=0.0),), obs_time=T0, exposure_s=20.0)
    assert measure(straddle)[3] / measure(after)[3] == pytest.approx(0.5, rel=0.03)


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0, 1.5])
def test_mean_flux_ratio_is_the_integral_of_the_light_curve(alpha):
    t = burst(alpha)
    for start_s, exp_s in [(-5.0, 10.0), (0.5, 3.0), (60.0, 60.0), (3600.0, 300.0)]:
        got = t.mean_flux_ratio(T0 + timedelta(seconds=start_s), exp_s)

        def lc(tau):
            return 0.0 if tau <= 0 else (max(tau, 1.0) / 60.0) ** -alpha

        pts = [p for p in (0.0, 1.0) if start_s < p < start_s + exp_s]
        want = quad(lc, start_s, start_s + exp_s, points=pts or None)[0] / exp_s
        assert got == pytest.approx(want, rel=1e-6)


def test_magnitude_convention_is_the_value_at_60_seconds():
    t = burst(alpha=1.0, mag=15.0)
    assert t.mag_at(T0 + timedelta(seconds=60)) == pytest.approx(15.0)
    assert t.mag_at(T0 + timedelta(seconds=600)) == pytest.approx(17.5)
    assert t.mag_at(T0 - timedelta(seconds=1)) == math.inf
    with pytest.raises(ValueError):
        Transient(0, 0, 15, T0.replace(tzinfo=None))
    assert np.isfinite(t.mag_at(T0 + timedelta(milliseconds=1)))

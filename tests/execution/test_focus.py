"""Autofocus: star sizes measured on rendered frames, V-curve fitted to its minimum."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pyros.execution.focus import fit_best_focus, measure_fwhm_px
from pyros.skymodel import FrameSpec, render_frame

T = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def _frame(defocus: float):
    spec = FrameSpec(ra_deg=83.82, dec_deg=-5.39, width_px=400, height_px=400,
                     pixel_scale_arcsec=0.381, exposure_s=10.0, filter_name="r", obs_time=T,
                     seeing_arcsec=1.2, defocus_steps=defocus)
    return render_frame(spec)


def test_fwhm_matches_the_seeing_in_focus():
    fwhm_px = measure_fwhm_px(_frame(0))
    assert fwhm_px is not None
    assert 1.2 / 0.381 * 0.85 < fwhm_px < 1.2 / 0.381 * 1.25


def test_v_curve_minimum_is_found():
    truth = 35
    positions = list(range(-150, 151, 50))
    fwhms = [measure_fwhm_px(_frame(p - truth)) for p in positions]
    fit = fit_best_focus(positions, fwhms)
    assert fit.ok, fit.reason
    assert abs(fit.best_position - truth) <= 15


@pytest.mark.parametrize("positions, fwhms, why", [
    ([0, 10, 20, 30, 40], [5.0, 4.0, 3.0, 2.5, 2.0], "outside the sweep"),
    ([0, 10, 20, 30, 40], [None, None, 3.0, None, 4.0], "only 2 positions"),
])
def test_a_bad_sweep_keeps_the_old_focus(positions, fwhms, why):
    fit = fit_best_focus(positions, fwhms)
    assert not fit.ok and why in fit.reason


def test_no_stars_no_fwhm():
    import numpy as np

    rng = np.random.default_rng(1)
    assert measure_fwhm_px(rng.normal(1000, 5, (200, 200))) is None

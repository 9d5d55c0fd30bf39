"""Autofocus: star sizes measured on rendered frames, V-curve fitted to its minimum."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
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


def test_far_from_focus_the_stars_are_measured_whole():
    # 300 steps out the image is 16 px wide: a 21-px stamp cuts its wings (-6 %)
    expected = math.hypot(1.2, 0.02 * 300) / 0.381
    assert measure_fwhm_px(_frame(300)) == pytest.approx(expected, rel=0.04)


def _vee(positions, best=20.0, seeing=3.0, per_step=0.04):
    return [float(np.hypot(seeing, per_step * (p - best))) for p in positions]


def test_one_spoiled_frame_is_left_out():
    positions = list(range(-150, 151, 50))
    clean = _vee(positions)
    for bad in (0, 3, 6):
        fwhms = list(clean)
        fwhms[bad] *= 0.45 if bad else 2.0  # a star list gone wrong, low or high
        fit = fit_best_focus(positions, fwhms)
        assert fit.ok, fit.reason
        assert fit.rejected == (positions[bad],)
        assert abs(fit.best_position - 20) <= 2
        assert abs(fit.best_fwhm - 3.0) < 0.1


def test_a_clean_curve_keeps_every_point():
    positions = list(range(-150, 151, 50))
    fit = fit_best_focus(positions, _vee(positions, best=-95))
    assert fit.ok and fit.rejected == () and abs(fit.best_position + 95) <= 1


@pytest.mark.parametrize("best, side", [(-260, -1), (230, 1), (-600, -1)])
def test_a_minimum_beyond_the_sweep_says_where_to_sweep_next(best, side):
    positions = list(range(-150, 151, 50))
    fit = fit_best_focus(positions, _vee(positions, best=best))
    assert not fit.ok and fit.beyond == side
    assert fit.next_centre is not None
    # the next sweep is centred on the extrapolated minimum, at most half a sweep away
    assert abs(fit.next_centre - max(-300, min(300, best))) <= 10


@pytest.mark.parametrize("positions, fwhms, why", [
    ([0, 10, 20, 30, 40], [5.0, 4.0, 3.0, 2.5, 2.0], "outside the sweep"),
    ([0, 10, 20, 30, 40], [None, None, 3.0, None, 4.0], "only 2 positions"),
])
def test_a_bad_sweep_keeps_the_old_focus(positions, fwhms, why):
    fit = fit_best_focus(positions, fwhms)
    assert not fit.ok and why in fit.reason


def test_no_stars_no_fwhm():
    rng = np.random.default_rng(1)
    assert measure_fwhm_px(rng.normal(1000, 5, (200, 200))) is None


@pytest.mark.parametrize("length, angle_deg", [(2, 0), (4, 0), (5, 45), (6, 90), (3, 30)])
def test_a_cosmic_ray_beside_the_only_star_is_not_a_star(length, angle_deg):
    # a sparse field: one star and one cosmic-ray track as the simulator draws them
    # (one pixel wide); measured as a 1-px "star" it halved the median and spoiled a focus
    rng = np.random.default_rng(7)
    img = rng.normal(1670.0, 28.0, (300, 300))
    yy, xx = np.mgrid[0:300, 0:300]
    sigma = 4.2 / (2 * math.sqrt(2 * math.log(2)))
    img += 2100.0 * np.exp(-((xx - 60.3) ** 2 + (yy - 80.6) ** 2) / (2 * sigma**2))
    for step in range(length):
        img[int(200 + math.sin(math.radians(angle_deg)) * step),
            int(150 + math.cos(math.radians(angle_deg)) * step)] += 2500.0
    assert measure_fwhm_px(img) == pytest.approx(4.2, rel=0.03)

"""Frame types, determinism, shapes and detector behaviour of rendered frames."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from skymodel_measure import T0, make_spec

from pyros.skymodel import FrameSpec, Transient, render_frame
from pyros.skymodel import detector as det


def test_same_spec_renders_the_same_frame():
    spec = make_spec()
    a, b = render_frame(spec), render_frame(spec)
    assert a.dtype == np.uint16 and a.shape == (512, 512)
    np.testing.assert_array_equal(a, b)


def test_next_exposure_has_fresh_noise_but_the_same_stars():
    field = {"ra_deg": 300.0, "dec_deg": 30.0}  # galactic plane: many stars
    a = render_frame(make_spec(**field)).astype(float)
    b = render_frame(make_spec(**field, obs_time=T0 + timedelta(seconds=40))).astype(float)
    assert not np.array_equal(a, b)
    # the difference is noise only: its rms is that of two independent noisy frames
    sky_e = (np.median(a) - 1000.0) * 1.5
    expected_rms_adu = np.sqrt(2 * (sky_e + 6.0**2)) / 1.5
    diff = a - b
    assert np.std(diff[np.abs(diff) < 8 * expected_rms_adu]) == pytest.approx(
        expected_rms_adu, rel=0.05
    )
    # the stars are where they were: the frames correlate strongly on bright pixels
    bright = a > np.percentile(a, 99.8)
    assert np.corrcoef(a[bright], b[bright])[0, 1] > 0.9


def test_seed_selects_another_sky():
    a = render_frame(make_spec(seed=1, ra_deg=300.0, dec_deg=30.0)).astype(float)
    b = render_frame(make_spec(seed=2, ra_deg=300.0, dec_deg=30.0)).astype(float)
    bright_a = a > np.percentile(a, 99.8)
    bright_b = b > np.percentile(b, 99.8)
    assert (bright_a & bright_b).sum() < 0.2 * bright_a.sum()


@pytest.mark.parametrize(
    ("kw", "shape"),
    [
        ({}, (512, 512)),
        ({"width_px": 640, "height_px": 480}, (480, 640)),
        ({"bin_x": 2, "bin_y": 2}, (256, 256)),
        ({"bin_x": 3, "bin_y": 1}, (512, 170)),
        ({"start_x": 10, "start_y": 20, "num_x": 100, "num_y": 50}, (50, 100)),
        ({"bin_x": 2, "bin_y": 2, "start_x": 100, "start_y": 200}, (56, 156)),
        ({"frame_type": "bias", "num_x": 64, "num_y": 32}, (32, 64)),
    ],
)
def test_shapes_follow_binning_and_subframe(kw, shape):
    spec = make_spec(**kw)
    assert spec.shape == shape
    assert render_frame(spec).shape == shape


def test_subframe_outside_the_detector_is_refused():
    with pytest.raises(ValueError, match="outside"):
        make_spec(start_x=500, num_x=100)
    with pytest.raises(ValueError, match="timezone"):
        make_spec(obs_time=T0.replace(tzinfo=None))
    with pytest.raises(ValueError, match="frame_type"):
        make_spec(frame_type="science")


def test_bias_is_bias_level_structure_and_read_noise():
    spec = make_spec(frame_type="bias", bias_adu=1000.0, read_noise_e=6.0, gain_e_adu=1.5)
    a = render_frame(spec).astype(float)
    b = render_frame(replace(spec, obs_time=T0 + timedelta(seconds=10))).astype(float)
    assert np.mean(a) == pytest.approx(1000.0, abs=0.5)
    # frame-to-frame: pure read noise (structure cancels in the difference)
    assert np.std(a - b) / np.sqrt(2) == pytest.approx(4.0, rel=0.03)
    # the structure is fixed: column means of two biases agree to better than their rms
    cols_a, cols_b = a.mean(axis=0), b.mean(axis=0)
    assert np.std(cols_a) > 1.0  # there is column structure (σ 1.5 ADU + ramp)
    assert np.corrcoef(cols_a, cols_b)[0, 1] > 0.95


def test_dark_adds_dark_current_hot_pixels_and_cosmic_rays():
    spec = make_spec(frame_type="dark", exposure_s=600.0, dark_current_e_s=0.05,
                     width_px=1024, height_px=1024)
    bias = render_frame(replace(spec, frame_type="bias")).astype(float)
    dark = render_frame(spec).astype(float)
    excess_adu = np.median(dark) - np.median(bias)
    assert excess_adu == pytest.approx(0.05 * 600 / 1.5, abs=2.0)
    hot = det.hot_pixel_factor(1024, 1024, 1, 1) > 10
    assert hot.sum() > 50
    assert np.median(dark[hot] - bias[hot]) > 10 * excess_adu
    # cosmic rays: thousands of e- in a few pixels, more in a long dark than a short one
    short = render_frame(replace(spec, exposure_s=1.0)).astype(float)
    cr_long = ((dark - np.median(dark)) > 300)[~hot].sum()
    cr_short = ((short - np.median(short)) > 300)[~hot].sum()
    assert cr_long > 20 and cr_long > 10 * max(cr_short, 1)


def test_dark_frame_has_no_sky_or_stars():
    light = make_spec(exposure_s=30.0)
    dark = render_frame(replace(light, frame_type="dark")).astype(float)
    assert np.median(dark) < 1001.0
    assert np.percentile(dark, 99) < 1000 + 5 * 4.0 + 10


def test_flat_shows_vignetting_and_a_fixed_pixel_response():
    spec = make_spec(frame_type="flat", flat_level_e=20000.0, width_px=1024, height_px=1024)
    a = render_frame(spec).astype(float) - 1000.0
    b = render_frame(replace(spec, obs_time=T0 + timedelta(seconds=5))).astype(float) - 1000.0
    centre = np.median(a[462:562, 462:562]) * 1.5
    corner = np.median(a[:60, :60]) * 1.5
    assert centre == pytest.approx(20000.0, rel=0.01)
    assert corner / centre == pytest.approx(1 - 0.12 * 0.89, abs=0.02)
    # fixed pattern: two flats share the PRNU, so their ratio is smoother than each flat
    win = (slice(400, 600), slice(400, 600))
    rel_a = a[win] / np.median(a[win])
    ratio = a[win] / b[win]
    shot = 1 / np.sqrt(20000.0)
    assert np.std(rel_a) == pytest.approx(np.hypot(0.01, shot), rel=0.15)
    assert np.std(ratio) == pytest.approx(np.sqrt(2) * shot, rel=0.1)


def test_bright_stars_saturate_at_full_well_and_adc():
    burst = Transient(192.86, 27.13, 9.0, T0 - timedelta(seconds=60), alpha=0.0)
    spec = make_spec(exposure_s=60.0, full_well_e=90000.0, gain_e_adu=1.5, transients=(burst,))
    img = render_frame(spec)
    top = img.max()
    assert 1000 + 60000 - 4 <= top <= 1000 + 60000 + 4  # full well, plus bias structure
    assert (img >= 1000 + 60000 - 4).sum() > 20  # a flat-topped core
    # with a higher gain the ADC saturates first
    img2 = render_frame(replace(spec, gain_e_adu=0.5, full_well_e=200000.0))
    assert img2.max() == 65535


def test_response_of_binned_pixels_is_the_mean_of_their_pixels():
    full = det.response(64, 64, 1, 1)
    binned = det.response(64, 64, 2, 2)
    prnu_ratio = binned / full.reshape(32, 2, 32, 2).mean(axis=(1, 3))
    assert np.allclose(prnu_ratio, 1.0, atol=0.002)  # vignetting varies a little within a bin


def test_frame_spec_is_frozen_and_hashable():
    spec = make_spec()
    with pytest.raises(AttributeError):
        spec.exposure_s = 2.0  # type: ignore[misc]
    assert isinstance(hash(spec), int)
    assert FrameSpec.__dataclass_params__.frozen

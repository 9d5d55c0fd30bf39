"""Masters combined from rendered bias, dark and flat frames have the detector's figures."""

from __future__ import annotations

import numpy as np
import pytest
from tests.pipeline.conftest import DARK_S, N_CALIB, SIZE_PX

from pyros.pipeline.core import masters as mc
from pyros.skymodel import detector

GAIN, READ_NOISE_E, DARK_E_S, BIAS_ADU = 1.5, 6.0, 0.01, 1000.0


def test_master_bias_level_noise_and_structure(calib_masters):
    bias = calib_masters["bias"]
    assert bias.n_frames == N_CALIB and bias.stats["clipped"] is True
    pattern = detector.bias_pattern_adu(SIZE_PX, SIZE_PX, 1, 1)[0]
    # The column structure survives, the read noise averages down by √N.
    columns = bias.data.mean(axis=0) - BIAS_ADU
    assert np.corrcoef(columns, pattern)[0, 1] > 0.99
    assert bias.stats["level_adu"] == pytest.approx(BIAS_ADU, abs=1.0)
    assert bias.stats["read_noise_e"] == pytest.approx(READ_NOISE_E, rel=0.05)
    expected_noise = READ_NOISE_E / GAIN / np.sqrt(N_CALIB)
    assert np.std(bias.data - BIAS_ADU - pattern) == pytest.approx(expected_noise, rel=0.15)


def test_master_dark_is_per_second_and_finds_the_hot_pixels(calib_masters):
    dark = calib_masters["dark"]
    assert dark.header["EXPTIME"] == 1.0
    assert dark.stats["dark_e_s"] == pytest.approx(DARK_E_S, rel=0.25)
    hot = detector.hot_pixel_factor(SIZE_PX, SIZE_PX, 1, 1)
    very_hot = hot > 100  # ≥ 1 e-/s: far above the noise of a 300 s dark
    assert np.median(dark.data[very_hot] * GAIN / (hot[very_hot] * DARK_E_S)) == \
        pytest.approx(1.0, rel=0.1)
    assert dark.stats["hot_fraction"] == pytest.approx(detector.HOT_PIXEL_FRACTION, rel=0.5)
    assert str(int(DARK_S)) in dark.stats["exposures_s"]


def test_master_flat_is_the_normalised_detector_response(calib_masters):
    flat = calib_masters["flat"]
    truth = detector.response(SIZE_PX, SIZE_PX, 1, 1)
    truth = truth / np.median(truth)
    assert np.median(flat.data) == pytest.approx(1.0, abs=1e-4)
    ratio = flat.data / truth
    assert np.std(ratio) < 0.005  # photon noise of 5 × 20 000 e⁻ is 0.3 %
    assert flat.stats["corner_to_centre"] == pytest.approx(
        truth[:64, :64].mean() / truth[480:544, 480:544].mean(), abs=0.01)
    assert flat.header["FILTER"] == "r" and flat.header["IMAGETYP"] == "MASTERFLAT"


def test_inconsistent_stacks_are_refused(calib_masters):
    raws = calib_masters["raws"]
    with pytest.raises(ValueError, match="no bias"):
        mc.build_master_bias([])
    small = mc.MasterFrame("bias", np.zeros((10, 10), np.float32), raws["bias"][0].header, 1)
    with pytest.raises(ValueError, match="does not fit"):
        mc.build_master_dark(raws["dark"], small)


def test_master_round_trips_through_fits(calib_masters, tmp_path):
    from pyros.pipeline.core.io import write_fits_atomic

    flat = calib_masters["flat"]
    path = write_fits_atomic(tmp_path / "flat.fits", mc.master_hdu(flat))
    back = mc.load_master(path, "flat")
    assert np.array_equal(back.data, flat.data)
    assert back.n_frames == N_CALIB
    assert not list(tmp_path.glob(".tmp-*"))  # the atomic write left nothing behind

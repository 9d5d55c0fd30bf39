"""The CCD equation against a published worked example and an independent implementation."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.stats import signal_to_noise_oir_ccd

from pyros.etc.ccd import ccd_snr, exptime_for_snr, noise_factor, source_e_for_snr


def test_published_worked_example_dhillon_phy217():
    """V. S. Dhillon, PHY217 Observational Techniques, University of Sheffield, "Detectors:
    example problems", problem 2 (vikdhillon.staff.shef.ac.uk/teaching/phy217/detectors/
    phy217_det_noise_problems.html).

    Inputs: 600 counts/s from the source, 1200 counts/s/pixel from the sky, t = 1000 s,
    read noise 5 e⁻/pixel, dark current 2 e⁻/pixel/s, gain 1.2 e⁻/ADU, the source spread
    over 50 pixels.  Published result: noise N = 8534 e⁻ and SNR = 84.  (The example uses
    the simplified CCD equation: n_B → ∞ and no digitisation term.)
    """
    gain, t, n_pix = 1.2, 1000.0, 50
    source_e = 600 * t * gain
    sky_e = 1200 * t * gain
    dark_e = 2 * t
    snr = ccd_snr(source_e, sky_e, dark_e, 5.0, n_pix, n_background=None,
                  gain_e_adu=gain, digitisation_adu=0.0)
    assert source_e / snr == pytest.approx(8534, abs=0.5)
    assert round(snr) == 84
    # and the inverse: the exposure time for that S/N is the example's 1000 s
    t_back = exptime_for_snr(snr, 600 * gain, 1200 * gain, 2.0, 5.0, n_pix,
                             gain_e_adu=gain, digitisation_adu=0.0)
    assert t_back == pytest.approx(1000.0, rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_astropy_signal_to_noise_oir_ccd(seed):
    rng = np.random.default_rng(seed)
    t = rng.uniform(1, 3000)
    src, sky, dark = rng.uniform(1, 1e4), rng.uniform(0.1, 500), rng.uniform(0, 1)
    rd, npix = rng.uniform(2, 20), rng.uniform(5, 300)
    ours = ccd_snr(src * t, sky * t, dark * t, rd, npix, None, 1.0, digitisation_adu=0.0)
    theirs = signal_to_noise_oir_ccd(t, src, sky, dark, rd, npix, gain=1.0)
    assert ours == pytest.approx(float(theirs), rel=1e-12)


def test_background_pixels_and_digitisation_add_noise_as_howell_writes():
    base = ccd_snr(1e4, 100.0, 1.0, 5.0, 30.0, None, 2.0, digitisation_adu=0.0)
    with_nb = ccd_snr(1e4, 100.0, 1.0, 5.0, 30.0, 300.0, 2.0, digitisation_adu=0.0)
    with_dig = ccd_snr(1e4, 100.0, 1.0, 5.0, 30.0, None, 2.0)
    # by hand: N* / sqrt(N* + n (1 + n/nB)(S + D + R² + G² σf²))
    by_hand = 1e4 / np.sqrt(1e4 + 30 * (1 + 30 / 300) * (100 + 1 + 25))
    assert with_nb == pytest.approx(by_hand)
    assert with_nb < base and with_dig < base
    assert noise_factor(30.0, 300.0) == pytest.approx(33.0)
    with pytest.raises(ValueError):
        noise_factor(30.0, 0.0)


def test_inverse_solutions_round_trip():
    for snr in (3.0, 10.0, 100.0):
        t = exptime_for_snr(snr, 50.0, 20.0, 0.01, 8.0, 25.0, 500.0, 1.5)
        assert ccd_snr(50.0 * t, 20.0 * t, 0.01 * t, 8.0, 25.0, 500.0, 1.5) == pytest.approx(snr)
        n_star = source_e_for_snr(snr, 200.0, 1.0, 8.0, 25.0, 500.0, 1.5)
        assert ccd_snr(n_star, 200.0, 1.0, 8.0, 25.0, 500.0, 1.5) == pytest.approx(snr)
    assert exptime_for_snr(5.0, 0.0, 20.0, 0.0, 5.0, 10.0) == np.inf
    assert ccd_snr(0.0, 0.0, 0.0, 0.0, 10.0, None, 1.0, 0.0) == 0.0

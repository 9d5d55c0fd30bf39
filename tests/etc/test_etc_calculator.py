"""The photometric ETC: round trips, optimal aperture, conditions, saturation, config."""

from __future__ import annotations

import math

import pytest

from pyros.config import load_config
from pyros.etc import (
    Conditions,
    Instrument,
    exptime_for_snr,
    limiting_magnitude,
    snr_for_exptime,
)
from pyros.etc.ccd import ccd_snr
from pyros.etc.config import channel_for_filter, instrument_from_config
from pyros.skymodel.photometry import zero_point
from pyros.skymodel.psf import MOFFAT_BETA, moffat_alpha


def test_snr_exptime_and_limiting_magnitude_are_consistent():
    t = exptime_for_snr(19.0, "r", 20.0)
    assert t.snr == 20.0 and 0 < t.exptime_s < 3600
    assert snr_for_exptime(19.0, "r", t.exptime_s).snr == pytest.approx(20.0, rel=1e-3)
    lim = limiting_magnitude("r", 20.0, t.exptime_s)
    assert lim.mag == pytest.approx(19.0, abs=0.005)


def test_source_counts_come_from_the_shared_zero_point():
    res = snr_for_exptime(18.0, "i", 100.0, conditions=Conditions(airmass=1.5))
    zp = zero_point("i", 1.3)
    assert res.zero_point == pytest.approx(zp)
    assert res.source_e == pytest.approx(10 ** (-0.4 * (18.0 - zp + 0.05 * 1.5)) * 100.0)


def test_optimal_aperture_is_about_one_fwhm():
    faint = snr_for_exptime(22.0, "r", 300.0)
    bright = snr_for_exptime(14.0, "r", 300.0)
    assert 0.5 < faint.aperture_radius_arcsec / faint.fwhm_arcsec < 1.0
    assert bright.aperture_radius_arcsec > faint.aperture_radius_arcsec  # source-limited
    # the chosen aperture beats a fixed aperture of radius 2 × FWHM
    fwhm_px = faint.fwhm_arcsec / 0.381
    alpha = moffat_alpha(fwhm_px)
    r = 2 * fwhm_px
    ee = 1 - (1 + (r / alpha) ** 2) ** (1 - MOFFAT_BETA)
    fixed = ccd_snr(faint.source_e * ee, faint.sky_e_per_pix, faint.dark_e_per_pix, 6.0,
                    math.pi * r**2, None, 1.5)
    assert faint.snr > 1.2 * fixed


def test_worse_conditions_need_longer_exposures():
    base = exptime_for_snr(20.0, "r", 10.0).exptime_s
    assert exptime_for_snr(20.0, "r", 10.0, conditions=Conditions(seeing_arcsec=2.5)).exptime_s \
        > 1.5 * base
    assert exptime_for_snr(20.0, "r", 10.0, conditions=Conditions(airmass=2.0)).exptime_s > base
    moon = Conditions(moon_illumination=1.0, moon_separation_deg=30.0, moon_alt_deg=60.0)
    assert exptime_for_snr(20.0, "r", 10.0, conditions=moon).exptime_s > 3 * base
    assert exptime_for_snr(20.0, "r", 10.0, conditions=Conditions(sky_mag_arcsec2=18.0)) \
        .exptime_s > 5 * base
    new_moon = Conditions(moon_illumination=0.0, moon_separation_deg=30.0)
    assert exptime_for_snr(20.0, "r", 10.0, conditions=new_moon).exptime_s == pytest.approx(
        base, rel=0.02
    )


def test_binning_helps_when_read_noise_dominates():
    inst = Instrument(read_noise_e=15.0, pixel_scale_arcsec=0.2)
    one = exptime_for_snr(21.0, "g", 5.0, inst, Conditions(sky_mag_arcsec2=23.0)).exptime_s
    two = exptime_for_snr(21.0, "g", 5.0, Instrument(read_noise_e=15.0, pixel_scale_arcsec=0.2,
                                                    binning=2),
                          Conditions(sky_mag_arcsec2=23.0)).exptime_s
    assert two < 0.8 * one


def test_saturation_warning_for_bright_stars():
    faint = snr_for_exptime(18.0, "r", 60.0)
    bright = snr_for_exptime(10.0, "r", 60.0)
    assert not faint.saturated and faint.peak_e < faint.full_well_e
    assert bright.saturated and bright.peak_e > bright.full_well_e
    # defocusing spreads the light below the full well
    spread = snr_for_exptime(12.0, "r", 5.0, conditions=Conditions(defocus_steps=0))
    defoc = snr_for_exptime(12.0, "r", 5.0, conditions=Conditions(defocus_steps=300))
    assert defoc.peak_e < 0.3 * spread.peak_e


def test_limiting_magnitudes_are_plausible_for_a_1_3_m_telescope():
    """COLIBRI's requirement: R_AB 22.0 / J_AB 20.5 within 5 minutes (domain notes)."""
    vis = limiting_magnitude("r", 5.0, 300.0)
    config = load_config()
    nir = limiting_magnitude("J", 5.0, 120.0, instrument_from_config(config, filter_name="J"))
    assert 22.0 < vis.mag < 24.5
    assert 19.5 < nir.mag < 21.5
    assert math.isfinite(vis.sky_mag_arcsec2)


def test_instrument_defaults_come_from_the_configuration():
    config = load_config()
    assert channel_for_filter(config, "J").name == "NIR"
    assert channel_for_filter(config, "R").name == "VIS"
    inst = instrument_from_config(config, filter_name="J", binning=2)
    nir = config.channel("NIR")
    assert inst.read_noise_e == nir.read_noise_e and inst.binning == 2
    assert inst.aperture_m == config.telescope.aperture_m
    assert inst.binned_scale_arcsec == pytest.approx(2 * nir.pixel_scale_arcsec)
    with pytest.raises(KeyError):
        channel_for_filter(config, "U")


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        snr_for_exptime(18.0, "r", 0.0)
    with pytest.raises(ValueError):
        exptime_for_snr(18.0, "V", 10.0)
    with pytest.raises(ValueError):
        Conditions(airmass=0.5)
    with pytest.raises(ValueError):
        Instrument(binning=0)


def test_sky_fill_time_is_where_the_background_reaches_the_asked_fraction():
    from pyros.etc import calculator

    cfg = load_config()
    nir = instrument_from_config(cfg, channel="NIR")
    t = calculator.sky_fill_exptime("H", nir, Conditions(airmass=1.0), fill=0.5)
    res = snr_for_exptime(18.0, "H", t, nir, Conditions(airmass=1.0))
    limit = min(nir.full_well_e, 65535 * nir.gain_e_adu)
    assert res.sky_e_per_pix + res.dark_e_per_pix == pytest.approx(0.5 * limit, rel=1e-9)
    assert 15 < t < 40  # the bright H sky: half the well in under a minute
    assert calculator.sky_fill_exptime("H", nir, Conditions(airmass=2.5)) < t  # brighter sky
    assert calculator.sky_fill_exptime("J", nir, Conditions(airmass=1.0)) > 2 * t
    vis = instrument_from_config(cfg, channel="VIS")
    assert calculator.sky_fill_exptime("r", vis) > 3600  # optical: never the limit
    with pytest.raises(ValueError, match="fill"):
        calculator.sky_fill_exptime("H", nir, fill=0.0)

"""Star images: FWHM from seeing, airmass and defocus; fluxes from the zero points."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from skymodel_measure import T0, aperture_sum, fit_moffat, isolated_bright, make_spec

from pyros.skymodel import Transient, detector, frame_wcs, render_frame
from pyros.skymodel.photometry import band, zero_point
from pyros.skymodel.psf import DEFOCUS_ARCSEC_PER_STEP, fwhm_arcsec

RA, DEC = 192.86, 27.13


def measured_fwhm_arcsec(**kw) -> float:
    steady = Transient(RA, DEC, 13.0, T0 - timedelta(hours=1), alpha=0.0)
    spec = make_spec(transients=(steady,), exposure_s=10.0, **kw)
    x, y = frame_wcs(spec).wcs_world2pix([[RA, DEC]], 0)[0]
    scale = spec.pixel_scale_arcsec * spec.bin_x
    half = int(max(10, 3 * fwhm_arcsec(spec.seeing_arcsec, spec.airmass,
                                        spec.defocus_steps) / scale))
    return fit_moffat(render_frame(spec), x, y, half=half)["fwhm"] * scale


@pytest.mark.parametrize("seeing", [0.9, 1.2, 2.0])
def test_fwhm_matches_the_seeing(seeing):
    assert measured_fwhm_arcsec(seeing_arcsec=seeing) == pytest.approx(seeing, rel=0.05)


def test_fwhm_grows_with_airmass_to_the_power_0_6():
    fwhm = measured_fwhm_arcsec(seeing_arcsec=1.0, airmass=2.0)
    assert fwhm == pytest.approx(2**0.6, rel=0.05)


def test_focus_sweep_has_a_clear_minimum_at_best_focus():
    steps = [-150, -75, 0, 75, 150]
    fwhm = [measured_fwhm_arcsec(seeing_arcsec=1.0, defocus_steps=s) for s in steps]
    assert int(np.argmin(fwhm)) == 2
    assert fwhm[0] > 1.5 * fwhm[2] and fwhm[-1] > 1.5 * fwhm[2]
    assert fwhm[0] == pytest.approx(fwhm[-1], rel=0.05)  # symmetric about focus
    expected = math.hypot(1.0, 150 * DEFOCUS_ARCSEC_PER_STEP)
    assert fwhm[-1] == pytest.approx(expected, rel=0.06)


def test_star_fluxes_follow_the_catalogue_magnitudes_and_zero_point():
    spec = make_spec(ra_deg=300.0, dec_deg=30.0, width_px=1024, height_px=1024,
                     exposure_s=20.0, airmass=1.3, filter_name="i")
    img = render_frame(spec).astype(float)
    cat, x, y, keep = isolated_bright(spec, mag_max=16.5)
    assert len(keep) >= 5
    zp = zero_point("i", spec.aperture_m)
    k = band("i").extinction_mag_airmass
    response = detector.response(1024, 1024, 1, 1)  # what a flat field measures
    resid = []
    for j in keep:
        flux_adu, _ = aperture_sum(img, x[j], y[j], r=10, r_in=14, r_out=20)
        cy, cx = round(y[j]), round(x[j])
        flux_adu /= response[cy - 7 : cy + 8, cx - 7 : cx + 8].mean()
        mag = zp - 2.5 * math.log10(flux_adu * spec.gain_e_adu / spec.exposure_s) - k * 1.3
        resid.append(mag - cat.mag[j])
    resid = np.array(resid)
    assert abs(np.median(resid)) < 0.01
    assert np.all(np.abs(resid) < 0.03)

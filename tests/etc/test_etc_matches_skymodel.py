"""The ETC predicts what the simulated camera records (shared zero points, PSF and sky)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from pyros.etc import Conditions, Instrument, snr_for_exptime
from pyros.skymodel import FrameSpec, Transient, detector, frame_wcs, render_frame

T0 = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)
RA, DEC = 192.86, 27.13


def test_source_sky_and_noise_in_a_frame_match_the_etc():
    mag, t = 17.0, 60.0
    src = Transient(RA + 0.002, DEC + 0.001, mag, T0 - timedelta(hours=1), alpha=0.0)
    spec = FrameSpec(ra_deg=RA, dec_deg=DEC, width_px=512, height_px=512,
                     pixel_scale_arcsec=0.381, exposure_s=t, filter_name="r", obs_time=T0,
                     sky_mag_arcsec2=20.5, seeing_arcsec=1.4, airmass=1.2,
                     dark_current_e_s=0.002, transients=(src,))
    etc = snr_for_exptime(
        mag, "r", t,
        Instrument(dark_current_e_s=0.002),
        Conditions(seeing_arcsec=1.4, airmass=1.2, sky_mag_arcsec2=20.5),
    )
    # bias-subtracted (level and structure) as a pipeline would, then in electrons
    bias = 1000.0 + detector.bias_pattern_adu(512, 512, 1, 1)
    img = (render_frame(spec).astype(float) - bias) * spec.gain_e_adu
    x, y = frame_wcs(spec).wcs_world2pix([[src.ra_deg, src.dec_deg]], 0)[0]
    yy, xx = np.indices(img.shape)
    r_px = etc.aperture_radius_arcsec / 0.381
    d = np.hypot(xx - x, yy - y)
    ap = d <= r_px
    sky_pix = (d > 25) & (d < 60)
    sky = float(np.mean(img[sky_pix]))
    assert sky == pytest.approx(etc.sky_e_per_pix + etc.dark_e_per_pix, rel=0.03)
    measured = float(img[ap].sum() - sky * ap.sum())
    # sampled apertures hold whole pixels, so compare with the EE of the pixels actually used
    assert measured == pytest.approx(etc.source_in_aperture_e * ap.sum() / etc.n_pix, rel=0.06)
    # the scatter of blank-sky apertures (after flat-fielding) is the ETC's background noise
    flat = img / detector.response(512, 512, 1, 1)
    rng = np.random.default_rng(0)
    half = int(r_px) + 1
    stamp_d = np.hypot(*np.mgrid[-half : half + 1, -half : half + 1])
    sel = stamp_d <= r_px
    sums = []
    while len(sums) < 400:
        cx, cy = rng.integers(half + 2, 512 - half - 2, 2)
        if np.hypot(cx - x, cy - y) < 40:
            continue
        sums.append(flat[cy - half : cy + half + 1, cx - half : cx + half + 1][sel].sum())
    sums = np.array(sums)
    robust_std = 1.4826 * np.median(np.abs(sums - np.median(sums)))  # faint stars rejected
    per_pix_var = etc.sky_e_per_pix + etc.dark_e_per_pix + etc.read_noise_e**2
    assert robust_std == pytest.approx(np.sqrt(sel.sum() * per_pix_var), rel=0.12)

"""Measurement helpers for the sky-model tests: specs, Moffat fits, aperture photometry."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from scipy.optimize import curve_fit

from pyros.skymodel import FrameSpec, frame_wcs
from pyros.skymodel.render import field_stars

T0 = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)


def make_spec(**kw) -> FrameSpec:
    """A small r-band light frame at high galactic latitude (override anything)."""
    base = FrameSpec(
        ra_deg=192.86,
        dec_deg=27.13,
        width_px=512,
        height_px=512,
        pixel_scale_arcsec=0.381,
        exposure_s=30.0,
        filter_name="r",
        obs_time=T0,
        sky_mag_arcsec2=21.0,
    )
    return replace(base, **kw)


def _moffat(xy, amp, x0, y0, alpha, beta, bg):
    x, y = xy
    return bg + amp * (1 + ((x - x0) ** 2 + (y - y0) ** 2) / alpha**2) ** -beta


def fit_moffat(img: np.ndarray, x: float, y: float, half: int = 10) -> dict[str, float]:
    """Fit a circular Moffat around (x, y); returns x, y, fwhm (px), flux_sum."""
    cx, cy = round(x), round(y)
    stamp = img[cy - half : cy + half + 1, cx - half : cx + half + 1].astype(float)
    yy, xx = np.mgrid[cy - half : cy + half + 1, cx - half : cx + half + 1]
    bg0 = float(np.median(np.concatenate([stamp[0], stamp[-1], stamp[:, 0], stamp[:, -1]])))
    p0 = (stamp.max() - bg0, x, y, 2.0, 3.0, bg0)
    popt, _ = curve_fit(
        _moffat, (xx.ravel(), yy.ravel()), stamp.ravel(), p0=p0, maxfev=20000
    )
    _amp, x0, y0, alpha, beta, bg = popt
    fwhm = 2 * abs(alpha) * math.sqrt(2 ** (1 / beta) - 1)
    return {"x": x0, "y": y0, "fwhm": fwhm, "bg": bg}


def aperture_sum(img: np.ndarray, x: float, y: float, r: float, r_in: float, r_out: float):
    """Background-subtracted sum in a circular aperture (annulus median background)."""
    yy, xx = np.indices(img.shape)
    d = np.hypot(xx - x, yy - y)
    ap = d <= r
    ann = (d >= r_in) & (d <= r_out)
    bg = float(np.median(img[ann]))
    return float(img[ap].sum() - bg * ap.sum()), bg


def isolated_bright(spec, mag_max=18.5, edge=14, clear_px=14.0):
    """Catalogue stars on the frame, unsaturated, bright and with no neighbour nearby."""
    cat = field_stars(spec)
    x, y = frame_wcs(spec).wcs_world2pix(cat.ra_deg, cat.dec_deg, 0)
    ny, nx = spec.shape
    keep = []
    for k in np.flatnonzero(
        (cat.mag < mag_max) & (cat.mag > 14.0)
        & (x > edge) & (x < nx - edge) & (y > edge) & (y < ny - edge)
    ):
        d = np.hypot(x - x[k], y - y[k])
        if not np.any((d > 0) & (d < clear_px) & (cat.mag < cat.mag[k] + 5)):
            keep.append(k)
    return cat, x, y, keep

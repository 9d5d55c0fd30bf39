"""Photometric calibration: zero point from field stars and the limiting magnitude.

Instrumental magnitude: m_inst = −2.5 log10(F / t) with F the aperture flux [e⁻] and t the
exposure [s], so the zero point ZP = m_cat − m_inst is the magnitude giving 1 e⁻/s in the
aperture.  It therefore includes the atmosphere at the frame's airmass and the aperture
loss, which is what calibrates other sources measured the same way in the same frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.stats import sigma_clipped_stats

__all__ = ["ZeroPoint", "instrumental_mag", "limiting_magnitude", "zero_point"]

#: 2.5 / ln 10: converts a relative flux error into a magnitude error.
MAG_PER_RELATIVE_FLUX = 2.5 / math.log(10.0)


@dataclass(frozen=True)
class ZeroPoint:
    """ZP [mag for 1 e⁻/s], its standard error [mag], the scatter and the stars used."""

    zp: float
    err: float
    scatter: float
    n_used: int


def instrumental_mag(flux_e: np.ndarray, flux_err_e: np.ndarray,
                     exposure_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(m_inst, σ_m) of aperture fluxes; NaN where the flux is not positive."""
    flux = np.asarray(flux_e, dtype=float)
    err = np.asarray(flux_err_e, dtype=float)
    pos = flux > 0
    safe = np.where(pos, flux, 1.0)
    mag = np.where(pos, -2.5 * np.log10(safe / exposure_s), np.nan)
    mag_err = np.where(pos, MAG_PER_RELATIVE_FLUX * err / safe, np.nan)
    return mag, mag_err


def zero_point(cat_mag: np.ndarray, inst_mag: np.ndarray, inst_err: np.ndarray, *,
               min_stars: int = 3, sigma: float = 3.0) -> ZeroPoint:
    """Sigma-clipped mean of ``cat_mag − inst_mag`` over matched, well-measured stars.

    Pass only unsaturated stars of good S/N.  Raises ``ValueError`` with fewer than
    ``min_stars`` usable stars.
    """
    diff = np.asarray(cat_mag, dtype=float) - np.asarray(inst_mag, dtype=float)
    err = np.asarray(inst_err, dtype=float)
    ok = np.isfinite(diff) & np.isfinite(err)
    if ok.sum() < min_stars:
        raise ValueError(f"{int(ok.sum())} calibration stars, need {min_stars}")
    _, median, std = sigma_clipped_stats(diff[ok], sigma=sigma, maxiters=5)
    used = ok & (np.abs(diff - median) <= sigma * max(std, 1e-3))
    n = int(used.sum())
    zp = float(np.mean(diff[used]))
    scatter = float(np.std(diff[used], ddof=1)) if n > 1 else float(err[used][0])
    return ZeroPoint(zp=zp, err=scatter / math.sqrt(n), scatter=scatter, n_used=n)


def limiting_magnitude(zp: float, background_rms_e: float, aperture_radius_px: float,
                       exposure_s: float, nsigma: float = 5.0) -> float:
    """Magnitude of a point source detected at ``nsigma`` in the aperture, sky-limited.

    The noise of an empty aperture of N pixels is √N × the background rms per pixel.
    """
    n_pix = math.pi * aperture_radius_px**2
    flux_e = nsigma * math.sqrt(n_pix) * background_rms_e
    return zp - 2.5 * math.log10(flux_e / exposure_s)

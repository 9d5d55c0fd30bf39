"""The CCD equation (Howell 2006, *Handbook of CCD Astronomy*, 2nd ed., §4.4; Merline &
Howell 1995, Exp. Astron. 6, 163):

    S/N = N* / sqrt( N* + n_pix (1 + n_pix / n_B) (N_S + N_D + N_R² + G² σ_f²) )

N* source electrons in the aperture, n_pix pixels in the aperture, n_B pixels used to
estimate the background (None = infinitely many, the common simplified form), N_S sky and
N_D dark electrons per pixel, N_R read noise (e⁻ rms per pixel), G the gain (e⁻/ADU) and
σ_f ≈ 0.289 ADU the digitisation noise of a uniform quantisation step.

Everything here takes and returns plain numbers (electrons, seconds, pixels); the
photometric wrapper is :mod:`pyros.etc.calculator`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "DIGITISATION_ADU",
    "ccd_snr",
    "exptime_for_snr",
    "noise_factor",
    "source_e_for_snr",
]

#: rms of a uniform quantisation step of 1 ADU: 1/sqrt(12).
DIGITISATION_ADU = 1.0 / math.sqrt(12.0)


def noise_factor(n_pix, n_background: float | None):
    """n_pix (1 + n_pix / n_B): how much each per-pixel variance weighs (array-friendly)."""
    n_pix = np.asarray(n_pix, dtype=float)
    if n_background is None:
        return n_pix
    if n_background <= 0:
        raise ValueError("n_background must be positive (or None for infinitely many)")
    return n_pix * (1.0 + n_pix / n_background)


def ccd_snr(
    source_e,
    sky_e_per_pix,
    dark_e_per_pix,
    read_noise_e: float,
    n_pix,
    n_background: float | None = None,
    gain_e_adu: float = 1.0,
    digitisation_adu: float = DIGITISATION_ADU,
):
    """Signal-to-noise ratio of a measurement (array-friendly; 0 when there is no signal).

    All electron counts are totals for the exposure; ``read_noise_e`` is e⁻ rms per pixel.
    """
    source_e = np.asarray(source_e, dtype=float)
    per_pix = (
        np.asarray(sky_e_per_pix, dtype=float)
        + np.asarray(dark_e_per_pix, dtype=float)
        + read_noise_e**2
        + (gain_e_adu * digitisation_adu) ** 2
    )
    variance = source_e + noise_factor(n_pix, n_background) * per_pix
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(variance > 0, source_e / np.sqrt(variance), 0.0)
    return float(snr) if snr.ndim == 0 else snr


def exptime_for_snr(
    snr: float,
    source_e_s,
    sky_e_s_per_pix,
    dark_e_s_per_pix,
    read_noise_e: float,
    n_pix,
    n_background: float | None = None,
    gain_e_adu: float = 1.0,
    digitisation_adu: float = DIGITISATION_ADU,
):
    """Exposure time (s) that reaches ``snr``: the positive root of the CCD equation in t.

    With a = source rate, b = n (sky + dark rate), c = n (N_R² + G²σ_f²) and n the noise
    factor, S/N² (a t + b t + c) = a² t² gives
    t = [S² (a + b) + sqrt(S⁴ (a + b)² + 4 a² S² c)] / (2 a²).  Infinite if a = 0.
    """
    if snr <= 0:
        raise ValueError("snr must be positive")
    a = np.asarray(source_e_s, dtype=float)
    n = noise_factor(n_pix, n_background)
    b = n * (np.asarray(sky_e_s_per_pix, dtype=float) + np.asarray(dark_e_s_per_pix, dtype=float))
    c = n * (read_noise_e**2 + (gain_e_adu * digitisation_adu) ** 2)
    s2 = snr * snr
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (s2 * (a + b) + np.sqrt((s2 * (a + b)) ** 2 + 4 * a * a * s2 * c)) / (2 * a * a)
    t = np.where(a > 0, t, np.inf)
    return float(t) if t.ndim == 0 else t


def source_e_for_snr(
    snr: float,
    sky_e_per_pix,
    dark_e_per_pix,
    read_noise_e: float,
    n_pix,
    n_background: float | None = None,
    gain_e_adu: float = 1.0,
    digitisation_adu: float = DIGITISATION_ADU,
):
    """Source electrons in the aperture needed for ``snr`` in a given exposure.

    Solves N*² = S² (N* + B) with B the background variance: N* = [S² + sqrt(S⁴ + 4 S² B)] / 2.
    """
    if snr <= 0:
        raise ValueError("snr must be positive")
    per_pix = (
        np.asarray(sky_e_per_pix, dtype=float)
        + np.asarray(dark_e_per_pix, dtype=float)
        + read_noise_e**2
        + (gain_e_adu * digitisation_adu) ** 2
    )
    big_b = noise_factor(n_pix, n_background) * per_pix
    s2 = snr * snr
    out = (s2 + np.sqrt(s2 * s2 + 4 * s2 * big_b)) / 2.0
    return float(out) if np.ndim(out) == 0 else out

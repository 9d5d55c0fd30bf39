"""The point-spread function and how stars are drawn into a frame.

The PSF is a circular Moffat profile with β = 4.765, the value that best matches a
Kolmogorov-turbulence seeing disc (Trujillo et al. 2001, MNRAS 328, 977).  Its FWHM is

    FWHM = sqrt( (seeing × X^0.6)² + (DEFOCUS_ARCSEC_PER_STEP × |defocus_steps|)² )

with X the airmass (seeing grows as X^0.6 for Kolmogorov turbulence) and the defocus blur
disc added in quadrature: one focuser step widens the image by 0.02″, so 100 steps from
focus turn 1.2″ seeing into 2.3″ and a focus sweep is a clear V around the best focus.

Stars are drawn as small stamps (radius ~3 FWHM, or larger for bright stars so their wings
show), all stamps of a group evaluated at once with numpy and summed into the image with a
single ``bincount``; pixels are super-sampled when the FWHM spans fewer than 4 pixels so
that centroids stay unbiased at the 0.01 px level.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "DEFOCUS_ARCSEC_PER_STEP",
    "MOFFAT_BETA",
    "add_point_sources",
    "fwhm_arcsec",
    "moffat_alpha",
]

MOFFAT_BETA = 4.765
#: Growth of the image FWHM (arcsec, in quadrature) per focuser step from best focus.
DEFOCUS_ARCSEC_PER_STEP = 0.02
#: Stars whose peak pixel would exceed this many electrons get a wide stamp.
_BRIGHT_PEAK_E = 2000.0
_CHUNK_PIXELS = 4_000_000


def fwhm_arcsec(seeing_arcsec: float, airmass: float = 1.0, defocus_steps: float = 0.0) -> float:
    """Image FWHM (arcsec) for zenith seeing, airmass and a focus offset (steps)."""
    atmos = seeing_arcsec * airmass**0.6
    return math.hypot(atmos, DEFOCUS_ARCSEC_PER_STEP * abs(defocus_steps))


def moffat_alpha(fwhm: float, beta: float = MOFFAT_BETA) -> float:
    """Moffat core width α for a given FWHM (same unit)."""
    return fwhm / (2.0 * math.sqrt(2.0 ** (1.0 / beta) - 1.0))


def _moffat_peak_fraction(fwhm_px: float, beta: float = MOFFAT_BETA) -> float:
    alpha = moffat_alpha(fwhm_px, beta)
    return (beta - 1.0) / (math.pi * alpha**2)


def add_point_sources(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    flux_e: np.ndarray,
    fwhm_x_px: float,
    fwhm_y_px: float | None = None,
) -> None:
    """Add Moffat point sources of total ``flux_e`` electrons at 0-based (x, y) in place.

    ``fwhm_x_px``/``fwhm_y_px`` allow different binning in x and y (an elliptical pixel
    grid for a round star).  Sources whose stamps miss the image are skipped.
    """
    fwhm_y_px = fwhm_x_px if fwhm_y_px is None else fwhm_y_px
    ny, nx = image.shape
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    flux_e = np.asarray(flux_e, dtype=float)
    fwhm_min = min(fwhm_x_px, fwhm_y_px)
    peak = flux_e * _moffat_peak_fraction(fwhm_min)
    bright = peak > _BRIGHT_PEAK_E
    r_small = max(3, math.ceil(3.0 * max(fwhm_x_px, fwhm_y_px)))
    r_big = max(r_small, min(96, math.ceil(12.0 * max(fwhm_x_px, fwhm_y_px))))
    for sel, radius in ((~bright, r_small), (bright, r_big)):
        idx = np.flatnonzero(sel & np.isfinite(x) & np.isfinite(y))
        idx = idx[
            (x[idx] > -radius - 1)
            & (x[idx] < nx + radius)
            & (y[idx] > -radius - 1)
            & (y[idx] < ny + radius)
        ]
        if idx.size:
            _draw(image, x[idx], y[idx], flux_e[idx], fwhm_x_px, fwhm_y_px, radius)


def _draw(
    image: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    flux: np.ndarray,
    fwhm_x: float,
    fwhm_y: float,
    radius: int,
) -> None:
    ny, nx = image.shape
    ss = int(min(5, max(1, math.ceil(4.0 / min(fwhm_x, fwhm_y)))))
    size = 2 * radius + 1
    # Sub-pixel sample offsets within a pixel, centred on the pixel centre.
    sub = (np.arange(ss) + 0.5) / ss - 0.5
    grid = np.arange(-radius, radius + 1)
    # Fine offsets along one axis: (size * ss,)
    fine = (grid[:, None] + sub[None, :]).ravel()
    ax = moffat_alpha(fwhm_x)
    ay = moffat_alpha(fwhm_y)
    per_star = size * size * ss * ss
    chunk = max(1, _CHUNK_PIXELS // per_star)
    flat = image.reshape(-1)
    for k in range(0, x.size, chunk):
        xs, ys, fs = x[k : k + chunk], y[k : k + chunk], flux[k : k + chunk]
        cx = np.rint(xs).astype(np.int64)
        cy = np.rint(ys).astype(np.int64)
        dx = (cx - xs)[:, None] + fine[None, :]  # (n, size*ss)
        dy = (cy - ys)[:, None] + fine[None, :]
        r2 = (dy / ay)[:, :, None] ** 2 + (dx / ax)[:, None, :] ** 2  # (n, Fy, Fx)
        prof = (1.0 + r2) ** -MOFFAT_BETA
        if ss > 1:
            n = prof.shape[0]
            prof = prof.reshape(n, size, ss, size, ss).sum(axis=(2, 4))
        prof *= (fs / prof.sum(axis=(1, 2)))[:, None, None]
        px = cx[:, None, None] + grid[None, None, :]
        py = cy[:, None, None] + grid[None, :, None]
        inside = (px >= 0) & (px < nx) & (py >= 0) & (py < ny)
        flat_idx = (py * nx + px)[inside]
        vals = prof[inside]
        lo = int(flat_idx.min()) if flat_idx.size else 0
        if flat_idx.size:
            hi = int(flat_idx.max()) + 1
            flat[lo:hi] += np.bincount(flat_idx - lo, weights=vals, minlength=hi - lo).astype(
                image.dtype, copy=False
            )

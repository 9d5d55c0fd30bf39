"""The detector's fixed personality and its random events.

Fixed patterns belong to the detector, not to an exposure: they come from a constant seed
and depend only on the detector size and binning, so bias, dark and flat calibration
frames taken with any spec correct light frames taken with any other.

* Bias structure: a per-column offset (σ 1.5 ADU) plus a 4 ADU ramp along the serial
  register, on top of ``bias_adu``.
* Pixel response non-uniformity: 1 % rms pixel-to-pixel gain, plus three dust motes
  (shallow 8 % doughnuts, ~40 px across, as out-of-focus dust on a filter looks).
* Vignetting: illumination falls as 1 − 0.12 (r / r_corner)², 12 % down in the corners.
* Hot pixels: 1 in 5000 pixels has 20–500× the mean dark current.
* Cosmic rays: 2 events cm⁻² min⁻¹ (a 2800 m site, about twice sea level) on 15 µm pixels,
  each a short straight track of 1–6 pixels depositing 500–5000 e⁻ per pixel.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = [
    "COSMIC_RATE_CM2_MIN",
    "PIXEL_SIZE_UM",
    "bias_pattern_adu",
    "cosmic_rays",
    "hot_pixel_factor",
    "response",
]

DETECTOR_SEED = 0xC0FFEE
COSMIC_RATE_CM2_MIN = 2.0
PIXEL_SIZE_UM = 15.0
VIGNETTING_CORNER = 0.12
PRNU_RMS = 0.01
HOT_PIXEL_FRACTION = 2e-4


def _binned(full: np.ndarray, bin_x: int, bin_y: int) -> np.ndarray:
    ny, nx = full.shape[0] // bin_y, full.shape[1] // bin_x
    return full[: ny * bin_y, : nx * bin_x].reshape(ny, bin_y, nx, bin_x).mean(axis=(1, 3))


@lru_cache(maxsize=4)
def _prnu_full(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng([DETECTOR_SEED, width, height, 1])
    prnu = 1.0 + PRNU_RMS * rng.standard_normal((height, width), dtype=np.float32)
    yy = np.arange(height, dtype=np.float32)[:, None]
    xx = np.arange(width, dtype=np.float32)[None, :]
    for _ in range(3):
        cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        r_px = max(3.0, 0.005 * max(width, height))
        y0, y1 = int(max(0, cy - 2 * r_px)), int(min(height, cy + 2 * r_px + 1))
        x0, x1 = int(max(0, cx - 2 * r_px)), int(min(width, cx + 2 * r_px + 1))
        r = np.hypot(yy[y0:y1] - cy, xx[:, x0:x1] - cx)
        prnu[y0:y1, x0:x1] *= 1.0 - 0.08 * np.exp(-(((r - r_px) / (0.3 * r_px)) ** 2))
    prnu.flags.writeable = False
    return prnu


@lru_cache(maxsize=6)
def response(width: int, height: int, bin_x: int, bin_y: int) -> np.ndarray:
    """Relative response (vignetting × PRNU) of each binned pixel of the full detector."""
    prnu = _prnu_full(width, height)
    if bin_x > 1 or bin_y > 1:
        prnu = _binned(prnu, bin_x, bin_y).astype(np.float32)
    ny, nx = prnu.shape
    # Radius in unbinned pixels from the optical axis (the detector centre).
    yy = ((np.arange(ny, dtype=np.float32) + 0.5) * bin_y - height / 2) ** 2
    xx = ((np.arange(nx, dtype=np.float32) + 0.5) * bin_x - width / 2) ** 2
    r2_corner = (width / 2) ** 2 + (height / 2) ** 2
    vig = 1.0 - VIGNETTING_CORNER * (yy[:, None] + xx[None, :]) / r2_corner
    out = (vig * prnu).astype(np.float32)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=6)
def hot_pixel_factor(width: int, height: int, bin_x: int, bin_y: int) -> np.ndarray:
    """Dark-current multiplier of each binned pixel (1 for normal pixels; summed if binned)."""
    rng = np.random.default_rng([DETECTOR_SEED, width, height, 2])
    n_hot = int(HOT_PIXEL_FRACTION * width * height)
    hx = rng.integers(0, width, n_hot)
    hy = rng.integers(0, height, n_hot)
    extra = 10 ** rng.uniform(math.log10(20), math.log10(500), n_hot) - 1.0
    ny, nx = height // bin_y, width // bin_x
    keep = (hx // bin_x < nx) & (hy // bin_y < ny)
    factor = np.ones((ny, nx), dtype=np.float32)
    np.add.at(factor, (hy[keep] // bin_y, hx[keep] // bin_x), (extra[keep] / (bin_x * bin_y)))
    factor.flags.writeable = False
    return factor


@lru_cache(maxsize=6)
def bias_pattern_adu(width: int, height: int, bin_x: int, bin_y: int) -> np.ndarray:
    """Bias structure (ADU, zero mean-ish) per binned column: shape (1, width // bin_x)."""
    rng = np.random.default_rng([DETECTOR_SEED, width, height, 3])
    cols = rng.normal(0.0, 1.5, width).astype(np.float32)
    nx = width // bin_x
    cols = cols[: nx * bin_x].reshape(nx, bin_x).mean(axis=1)
    ramp = 4.0 * (np.arange(nx, dtype=np.float32) / max(1, nx - 1) - 0.5)
    out = (cols + ramp)[None, :].astype(np.float32)
    out.flags.writeable = False
    return out


def cosmic_rays(
    rng: np.random.Generator,
    shape: tuple[int, int],
    exposure_s: float,
    bin_x: int = 1,
    bin_y: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random cosmic-ray hits on a (binned) window: (y, x, electrons) per hit pixel."""
    ny, nx = shape
    area_cm2 = ny * bin_y * nx * bin_x * (PIXEL_SIZE_UM * 1e-4) ** 2
    n = int(rng.poisson(COSMIC_RATE_CM2_MIN * area_cm2 * exposure_s / 60.0))
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    length = rng.integers(1, 7, n)
    angle = rng.uniform(0, math.pi, n)
    x0 = rng.uniform(0, nx, n)
    y0 = rng.uniform(0, ny, n)
    step = np.arange(length.max())
    on = step[None, :] < length[:, None]
    xs = np.floor(x0[:, None] + np.cos(angle)[:, None] * step[None, :] / bin_x)[on]
    ys = np.floor(y0[:, None] + np.sin(angle)[:, None] * step[None, :] / bin_y)[on]
    e = rng.uniform(500.0, 5000.0, xs.size).astype(np.float32)
    ok = (xs >= 0) & (xs < nx) & (ys >= 0) & (ys < ny)
    return ys[ok].astype(np.int64), xs[ok].astype(np.int64), e[ok]

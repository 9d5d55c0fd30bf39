"""Autofocus: measure star sizes, fit the V-curve, find the best focuser position.

Pure (numpy/scipy, no Django): :func:`measure_fwhm_px` gives the median FWHM of the
bright, unsaturated, isolated stars of a frame from Gaussian fits;
:func:`fit_best_focus` fits the hyperbola ``fwhm² = a² + b²·(x − c)²`` that a defocused
star image follows (the classic V-curve), whose minimum ``c`` is the best focus.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.optimize import OptimizeWarning, curve_fit

FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def _gauss(coords: tuple[np.ndarray, np.ndarray], amp: float, x0: float, y0: float,
           sigma: float, sky: float) -> np.ndarray:
    yy, xx = coords
    return amp * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2.0 * sigma * sigma)) + sky


def measure_fwhm_px(data: np.ndarray, max_stars: int = 25, saturation_adu: float = 60000.0,
                    box: int = 21) -> float | None:
    """Median FWHM (pixels) of up to ``max_stars`` bright, unsaturated, isolated stars,
    each from a circular Gaussian fitted to its stamp (sky level free); None if none."""
    img = np.asarray(data, dtype=np.float64)
    background = np.median(img)
    noise = 1.4826 * np.median(np.abs(img - background)) or 1.0
    smooth = ndimage.gaussian_filter(img, 1.5)
    peaks = (smooth == ndimage.maximum_filter(smooth, size=box)) & (
        smooth > background + 10.0 * noise)
    ys, xs = np.nonzero(peaks)
    order = np.argsort(smooth[ys, xs])[::-1]
    half = box // 2
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float64)
    fwhms = []
    for y, x in zip(ys[order], xs[order], strict=True):
        if len(fwhms) >= max_stars:
            break
        if not (half <= y < img.shape[0] - half and half <= x < img.shape[1] - half):
            continue
        stamp = img[y - half:y + half + 1, x - half:x + half + 1]
        if stamp.max() >= saturation_adu:
            continue
        sky0 = float(np.median(np.concatenate([stamp[0], stamp[-1], stamp[:, 0],
                                               stamp[:, -1]])))
        try:
            with warnings.catch_warnings():  # a degenerate covariance does not matter here
                warnings.simplefilter("ignore", OptimizeWarning)
                popt, _ = curve_fit(_gauss, (yy.ravel(), xx.ravel()), stamp.ravel(),
                                    p0=(stamp.max() - sky0, 0.0, 0.0, 2.0, sky0),
                                    maxfev=2000)
        except (RuntimeError, ValueError):
            continue
        sigma = abs(popt[3])
        if popt[0] > 0 and 0.3 < sigma < half and abs(popt[1]) < 3 and abs(popt[2]) < 3:
            fwhms.append(FWHM_PER_SIGMA * sigma)
    return float(np.median(fwhms)) if fwhms else None


@dataclass(frozen=True)
class FocusFit:
    best_position: int
    best_fwhm: float
    ok: bool
    reason: str = ""


def _vcurve(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return np.sqrt(a * a + (b * (x - c)) ** 2)


def fit_best_focus(positions: list[int], fwhms: list[float | None]) -> FocusFit:
    """Fit the V-curve; refuses (``ok`` False, with the reason) a minimum at the edge of
    the sweep or a fit that does not converge, so the caller keeps the old focus."""
    pts = [(p, f) for p, f in zip(positions, fwhms, strict=True) if f is not None]
    if len(pts) < 4:
        return FocusFit(positions[len(positions) // 2], float("nan"), False,
                        f"only {len(pts)} positions with measurable stars")
    x = np.array([p for p, _ in pts], dtype=float)
    y = np.array([f for _, f in pts], dtype=float)
    i = int(np.argmin(y))
    slope = (y.max() - y.min()) / max(1.0, (x.max() - x.min()) / 2.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            (a, _b, c), _ = curve_fit(_vcurve, x, y, p0=(y.min(), slope, x[i]), maxfev=5000)
    except (RuntimeError, ValueError) as exc:
        return FocusFit(int(x[i]), float(y[i]), False, f"V-curve fit failed: {exc}")
    if not x.min() <= c <= x.max():
        # an outlier can drag the hyperbola away: a parabola through the points around
        # the measured minimum is the robust second opinion
        lo, hi = max(0, i - 2), min(len(x), i + 3)
        if hi - lo >= 3 and 0 < i < len(x) - 1:
            k2, k1, k0 = np.polyfit(x[lo:hi], y[lo:hi], 2)
            if k2 > 0:
                vertex = -k1 / (2 * k2)
                if x[lo] <= vertex <= x[hi - 1]:
                    return FocusFit(round(vertex), float(k0 - k1 * k1 / (4 * k2)), True,
                                    "parabola near the minimum (V-curve fit off the sweep)")
        return FocusFit(int(x[i]), float(y[i]), False,
                        f"best focus {c:.0f} outside the sweep {x.min():.0f}–{x.max():.0f}")
    return FocusFit(round(c), float(abs(a)), True)

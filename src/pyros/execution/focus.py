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
#: No star imaged from the ground is sharper than this (arcsec): sharper sources in a
#: focus frame are cosmic rays or hot pixels.
SHARPEST_STAR_ARCSEC = 0.5


def _gauss(coords: tuple[np.ndarray, np.ndarray], amp: float, x0: float, y0: float,
           sigma: float, sky: float) -> np.ndarray:
    yy, xx = coords
    return amp * np.exp(-((xx - x0) ** 2 + (yy - y0) ** 2) / (2.0 * sigma * sigma)) + sky


def _fwhm_with_box(data: np.ndarray, max_stars: int, saturation_adu: float, box: int,
                   min_fwhm_px: float) -> float | None:
    img = np.asarray(data, dtype=np.float64)
    background = np.median(img)
    noise = 1.4826 * np.median(np.abs(img - background)) or 1.0
    # stars are found on a median-filtered copy: a cosmic-ray track, one pixel wide, is
    # gone from it, a star is not (unless the stars themselves are a pixel wide)
    found_on = ndimage.median_filter(img, size=3) if min_fwhm_px >= 1.0 else img
    smooth = ndimage.gaussian_filter(found_on, 1.5)
    peaks = (smooth == ndimage.maximum_filter(smooth, size=box)) & (
        smooth > background + 10.0 * noise)
    ys, xs = np.nonzero(peaks)
    order = np.argsort(smooth[ys, xs])[::-1]
    half = box // 2
    min_sigma = max(0.3, min_fwhm_px / FWHM_PER_SIGMA)
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
        if (popt[0] > 0 and min_sigma < sigma < half and abs(popt[1]) < 3
                and abs(popt[2]) < 3):
            fwhms.append(FWHM_PER_SIGMA * sigma)
    return float(np.median(fwhms)) if fwhms else None


def measure_fwhm_px(data: np.ndarray, max_stars: int = 25, saturation_adu: float = 60000.0,
                    box: int = 21, min_fwhm_px: float = 1.5) -> float | None:
    """Median FWHM (pixels) of up to ``max_stars`` bright, unsaturated, isolated stars,
    each from a circular Gaussian fitted to its stamp (sky level free); None if none.

    Sources sharper than ``min_fwhm_px`` (the sharpest star the site's seeing allows, in
    pixels) are cosmic rays or hot pixels, not stars: in a sparse field one of them beside
    the only star halved the median (a V-curve with a 0.99″ point under 1.5″ seeing, and
    a failed focus).  Stars are found on a 3×3 median-filtered copy, which removes
    one-pixel-wide tracks, when ``min_fwhm_px`` ≥ 1 (an undersampled detector's stars
    would go with them).

    A stamp narrower than about three FWHM cuts the wings of a defocused star and the free
    sky level absorbs them, so the size is measured again in a box fitted to the first
    estimate (at most 81 px): far from focus the V-curve keeps its slope."""
    fwhm = _fwhm_with_box(data, max_stars, saturation_adu, box, min_fwhm_px)
    if fwhm is not None and 3.0 * fwhm > box:
        wider = min(81, 2 * math.ceil(1.75 * fwhm) + 1)
        if wider > box:
            fwhm = _fwhm_with_box(data, max_stars, saturation_adu, wider, min_fwhm_px) or fwhm
    return fwhm


@dataclass(frozen=True)
class FocusFit:
    best_position: int
    best_fwhm: float
    ok: bool
    reason: str = ""
    #: -1 or +1 when the minimum lies below or above the sweep (sweep again there), else 0
    beyond: int = 0
    #: where to centre the next sweep when ``beyond``: the extrapolated minimum, at most
    #: half a sweep past the edge
    next_centre: int | None = None
    #: positions left out of the fit as outliers
    rejected: tuple[int, ...] = ()


def _vcurve(x: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return np.sqrt(a * a + (b * (x - c)) ** 2)


def _quadratic_in_square(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``fwhm²`` is exactly quadratic in the position for the V-curve, so a weighted linear
    fit (relative errors: weights 1/fwhm²) gives the hyperbola without any iteration."""
    return np.polyfit(x, y * y, 2, w=1.0 / (y * y))


def _relative_residuals(coef: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.abs(np.polyval(coef, x) - y * y) / (y * y)


def fit_best_focus(positions: list[int], fwhms: list[float | None]) -> FocusFit:
    """Fit the V-curve ``fwhm² = a² + b²·(x − c)²``; its minimum ``c`` is the best focus.

    A linear fit of ``fwhm²`` (robust: the one point that stands far from the curve
    through the others, a frame spoiled by a bad star list, is left out when five others
    remain) seeds a nonlinear fit of the hyperbola itself.  Refuses (``ok`` False, with
    the reason) a minimum outside the sweep, saying on which side (``beyond``) and where
    to sweep next, so the caller can sweep again there or keep the old focus."""
    pts = [(p, f) for p, f in zip(positions, fwhms, strict=True) if f is not None and f > 0]
    if len(pts) < 4:
        return FocusFit(positions[len(positions) // 2], float("nan"), False,
                        f"only {len(pts)} positions with measurable stars")
    x = np.array([p for p, _ in pts], dtype=float)
    y = np.array([f for _, f in pts], dtype=float)
    lo, hi = float(min(positions)), float(max(positions))
    span = hi - lo
    keep = np.ones(len(x), dtype=bool)
    if len(x) >= 6:
        # leave-one-out: how far each point lies from the curve through the others
        res = np.empty(len(x))
        for j in range(len(x)):
            others = np.arange(len(x)) != j
            res[j] = _relative_residuals(_quadratic_in_square(x[others], y[others]),
                                         x[j:j + 1], y[j:j + 1])[0]
        worst = int(np.argmax(res))
        if res[worst] > max(0.3, 4.0 * float(np.median(np.delete(res, worst)))):
            keep[worst] = False
    coef = _quadratic_in_square(x[keep], y[keep])
    rejected = tuple(int(p) for p in x[~keep])
    xk, yk = x[keep], y[keep]
    k2, k1, k0 = (float(v) for v in coef)
    if k2 <= 0:
        # no minimum (flat or concave): the best focus lies beyond the end with smaller stars
        side = -1 if yk[0] < yk[-1] else 1
        edge = int(xk[0] if side < 0 else xk[-1])
        return FocusFit(edge, float(yk.min()), False,
                        f"no V-curve: star sizes only {'grow' if side > 0 else 'shrink'} "
                        f"across the sweep {lo:.0f}–{hi:.0f} (best focus outside the sweep)",
                        beyond=side,
                        next_centre=round(lo - span / 2 if side < 0 else hi + span / 2),
                        rejected=rejected)
    c = -k1 / (2.0 * k2)
    a2 = k0 - k1 * k1 / (4.0 * k2)
    best_fwhm = math.sqrt(a2) if a2 > 0 else float(yk.min())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            (a, _b, c_fit), _ = curve_fit(_vcurve, xk, yk, p0=(best_fwhm, math.sqrt(k2), c),
                                          maxfev=5000)
        if lo <= c_fit <= hi and abs(c_fit - c) <= (hi - lo) / 2:
            c, best_fwhm = float(c_fit), float(abs(a))
    except (RuntimeError, ValueError):
        pass  # the linear fit stands
    if not lo <= c <= hi:
        side = -1 if c < lo else 1
        return FocusFit(int(lo if side < 0 else hi), float(yk.min()), False,
                        f"best focus {c:.0f} outside the sweep {lo:.0f}–{hi:.0f}",
                        beyond=side,
                        next_centre=round(min(max(c, lo - span / 2), hi + span / 2)),
                        rejected=rejected)
    return FocusFit(round(c), best_fwhm, True,
                    f"left out {', '.join(map(str, rejected))} as outliers" if rejected else "",
                    rejected=rejected)

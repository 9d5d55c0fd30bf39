"""Astrometric check and correction of a frame's WCS against a reference catalogue.

The header WCS (written by the execution agent from the mount's pointing) is right to
within the pointing error — arcseconds to an arcminute — so this is a *refinement*, not a
blind solve:

1. The reference stars are projected with the header WCS; pair offsets between the brightest
   detections and the brightest reference stars within ``search_arcsec`` are histogrammed,
   and the peak gives the shift (robust to wrong and missing stars).  The peak must be
   improbable by chance (false-alarm probability ≤ :data:`FALSE_ALARM`): on small frames
   with few stars and many artefacts, coincidences alone make peaks of 4-7 votes, and a
   wrong WCS is worse than the header's.
2. Nearest-neighbour matches within a radius that shrinks each iteration feed a linear
   least-squares fit in the tangent plane: a similarity transform (shift, rotation, one
   scale) with six or more matches, the shift alone with fewer; 3σ outliers are clipped.
3. The fitted CRVAL and CD replace the header's (CRPIX is kept: the detector centre).

Figures: the offset of the frame centre between the header and the fitted WCS [arcsec],
the rotation [deg] and the rms of the clipped residuals [arcsec].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS

__all__ = ["AstrometryError", "AstrometryResult", "deproject", "fit_wcs", "tangent_plane"]


class AstrometryError(RuntimeError):
    """The frame could not be matched to the reference catalogue (too few stars, no peak,
    or a peak that chance coincidences explain)."""


@dataclass(frozen=True)
class AstrometryResult:
    """A fitted WCS and how it was obtained.

    ``det_index``/``ref_index`` are the matched pairs (indices into the inputs).
    """

    wcs: WCS
    n_matched: int
    offset_arcsec: float
    rotation_deg: float
    scale_ratio: float
    rms_arcsec: float
    model: str
    det_index: np.ndarray
    ref_index: np.ndarray


def tangent_plane(ra_deg: np.ndarray, dec_deg: np.ndarray, ra0_deg: float,
                  dec0_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic standard coordinates (ξ east, η north) [deg] about (ra0, dec0)."""
    a = np.radians(np.asarray(ra_deg, dtype=float) - ra0_deg)
    d = np.radians(np.asarray(dec_deg, dtype=float))
    d0 = math.radians(dec0_deg)
    cos_c = math.sin(d0) * np.sin(d) + math.cos(d0) * np.cos(d) * np.cos(a)
    xi = np.cos(d) * np.sin(a) / cos_c
    eta = (math.cos(d0) * np.sin(d) - math.sin(d0) * np.cos(d) * np.cos(a)) / cos_c
    return np.degrees(xi), np.degrees(eta)


def deproject(xi_deg: np.ndarray | float, eta_deg: np.ndarray | float, ra0_deg: float,
              dec0_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`tangent_plane`: (ra, dec) [deg]."""
    xi = np.radians(np.asarray(xi_deg, dtype=float))
    eta = np.radians(np.asarray(eta_deg, dtype=float))
    d0 = math.radians(dec0_deg)
    denom = math.cos(d0) - eta * math.sin(d0)
    ra = ra0_deg + np.degrees(np.arctan2(xi, denom))
    dec = np.degrees(np.arctan2(math.sin(d0) + eta * math.cos(d0), np.hypot(xi, denom)))
    return np.mod(ra, 360.0), dec


#: Reference stars kept per usable detection (brightest first): about the frame's depth.
REFS_PER_DETECTION = 3

#: Accepted probability that unrelated detections and reference stars alone make an offset
#: peak as high as the one found (per frame).
FALSE_ALARM = 1e-3


def _pixel_scale_deg(w: WCS) -> float:
    return float(math.sqrt(abs(np.linalg.det(w.wcs.cd if w.wcs.has_cd() else
                                             w.pixel_scale_matrix))))


def _vote_shift(xd: np.ndarray, yd: np.ndarray, xr: np.ndarray, yr: np.ndarray,
                search_px: float, bin_px: float) -> tuple[float, float, int, float, float]:
    """Most common (ref − det) offset among all pairs within ``search_px``.

    Returns the shift, the votes in the winning box (2×2 bins), the votes chance alone
    puts in a box and the number of independent boxes.  Under the no-match hypothesis
    every pair is a chance one, spread evenly over the search square, so a box expects
    pairs × box area / square area; the square is tiled by (bins / 2)² disjoint boxes (the
    overlapping ones in between are not independent trials).
    """
    dx = (xr[None, :] - xd[:, None]).ravel()
    dy = (yr[None, :] - yd[:, None]).ravel()
    near = (np.abs(dx) < search_px) & (np.abs(dy) < search_px)
    dx, dy = dx[near], dy[near]
    if dx.size == 0:
        raise AstrometryError("no reference star within the search radius of any detection")
    edges = np.arange(-search_px, search_px + bin_px, bin_px)
    hist, ex, ey = np.histogram2d(dx, dy, bins=[edges, edges])
    # Sum 2×2 neighbouring bins so a peak split across a bin edge still wins.
    summed = hist[:-1, :-1] + hist[1:, :-1] + hist[:-1, 1:] + hist[1:, 1:]
    i, j = np.unravel_index(int(np.argmax(summed)), summed.shape)
    cx, cy = ex[i + 1], ey[j + 1]
    sel = (np.abs(dx - cx) <= bin_px) & (np.abs(dy - cy) <= bin_px)
    expected = dx.size * (2.0 * bin_px) ** 2 / (2.0 * search_px) ** 2
    return (float(np.median(dx[sel])), float(np.median(dy[sel])), int(sel.sum()), expected,
            max(hist.size / 4.0, 1.0))


def _chance_probability(count: int, expected: float, trials: float) -> float:
    """Probability that the best of ``trials`` cells, each holding Poisson(``expected``)
    chance coincidences, reaches ``count``: the Bonferroni bound trials × P(N ≥ count).

    With the disjoint vote boxes as trials it is about exact: against uniform random
    artefacts (20-80 detections, Monte Carlo) 0.1-1.4 × 10⁻³ of frames fall below 10⁻³.
    """
    from scipy.stats import poisson

    if count <= 0:
        return 1.0
    return min(1.0, trials * float(poisson.sf(count - 1, expected)))


def _match(xd: np.ndarray, yd: np.ndarray, xr: np.ndarray, yr: np.ndarray,
           radius_px: float) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one nearest-neighbour pairs (det index, ref index) closer than ``radius_px``."""
    from scipy.spatial import cKDTree

    if xr.size == 0 or xd.size == 0:
        return np.empty(0, int), np.empty(0, int)
    dist, idx = cKDTree(np.column_stack([xr, yr])).query(np.column_stack([xd, yd]),
                                                          distance_upper_bound=radius_px)
    ok = np.isfinite(dist)
    det, ref, dist = np.flatnonzero(ok), idx[ok], dist[ok]
    # Keep the closest detection when two claim the same reference star.
    order = np.argsort(dist)
    _, first = np.unique(ref[order], return_index=True)
    keep = order[first]
    return det[keep], ref[keep]


def _fit_linear(u: np.ndarray, v: np.ndarray, xi: np.ndarray, eta: np.ndarray,
                similarity: bool) -> tuple[np.ndarray, np.ndarray]:
    """Fit (ξ, η) = CD·(u, v) + (a, b); returns (CD, (a, b))."""
    n = u.size
    if similarity:
        # ξ = p u + q v + a ; η = q' … with CD = [[p, q], [r, s]] constrained to
        # a scaled rotation with the header's parity: CD = [[-c, s], [s, c]]·k (east left).
        zeros, ones = np.zeros(n), np.ones(n)
        # Unknowns (c, s, a, b): ξ = -c u + s v + a ; η = s u + c v + b
        design = np.vstack([np.column_stack([-u, v, ones, zeros]),
                            np.column_stack([v, u, zeros, ones])])
        rhs = np.concatenate([xi, eta])
        (c, s, a, b), *_ = np.linalg.lstsq(design, rhs, rcond=None)
        return np.array([[-c, s], [s, c]]), np.array([a, b])
    design = np.column_stack([u, v, np.ones(n)])
    (p, q, a), *_ = np.linalg.lstsq(design, xi, rcond=None)
    (r, s, b), *_ = np.linalg.lstsq(design, eta, rcond=None)
    return np.array([[p, q], [r, s]]), np.array([a, b])


def _new_wcs(header_wcs: WCS, crval: tuple[float, float], cd: np.ndarray) -> WCS:
    w = header_wcs.deepcopy()
    w.wcs.crval = [crval[0], crval[1]]
    if w.wcs.has_pc() and not w.wcs.has_cd():
        w.wcs.pc = cd / np.asarray(w.wcs.cdelt)[:, None]
    else:
        w.wcs.cd = cd
    w.wcs.set()
    return w


def fit_wcs(x: np.ndarray, y: np.ndarray, header_wcs: WCS, ref_ra_deg: np.ndarray,
            ref_dec_deg: np.ndarray, *, shape: tuple[int, int], search_arcsec: float = 60.0,
            n_vote: int = 80, min_matches: int = 3, iterations: int = 4,
            false_alarm: float = FALSE_ALARM) -> AstrometryResult:
    """Fit the WCS of a frame from detections (x, y, 0-based px, brightest first).

    The reference stars must come brightest first: the brightest
    :data:`REFS_PER_DETECTION` per detection are used, about what the frame can detect.
    The WCS must have a CD matrix or PC+CDELT (no distortion).  Raises
    :class:`AstrometryError` when fewer than ``min_matches`` pairs are found, or when chance
    coincidences would make the offset peak with a probability above ``false_alarm``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ref_ra = np.asarray(ref_ra_deg, dtype=float)
    ref_dec = np.asarray(ref_dec_deg, dtype=float)
    ny, nx = shape
    scale_deg = _pixel_scale_deg(header_wcs)
    scale_arcsec = scale_deg * 3600.0
    search_px = search_arcsec / scale_arcsec
    xr, yr = header_wcs.wcs_world2pix(ref_ra, ref_dec, 0)
    inside = ((xr > -search_px) & (xr < nx + search_px) & (yr > -search_px)
              & (yr < ny + search_px))
    ref_idx_all = np.flatnonzero(inside)
    if ref_idx_all.size < min_matches or x.size < min_matches:
        raise AstrometryError(f"{x.size} detections and {ref_idx_all.size} reference stars:"
                              " too few to match")
    # as deep as the frame, not deeper: a nearest-neighbour match among stars the frame
    # cannot see takes a faint neighbour for the counterpart, the rms grows, the radius
    # grows with it and the fit diverges (20" rms on 3"/px frames against a 23 mag list)
    ref_idx_all = ref_idx_all[: max(REFS_PER_DETECTION * x.size, 30)]
    xr, yr = xr[ref_idx_all], yr[ref_idx_all]
    nv = min(n_vote, x.size)
    dx, dy, votes, chance, boxes = _vote_shift(x[:nv], y[:nv], xr[: 2 * n_vote],
                                               yr[: 2 * n_vote], search_px, bin_px=3.0)
    if votes < min_matches:
        raise AstrometryError(f"no consistent offset ({votes} votes)")
    p_chance = _chance_probability(votes, chance, boxes)
    if p_chance > false_alarm:
        raise AstrometryError(
            f"offset peak of {votes} votes is explained by chance ({chance:.2f} votes expected"
            f" per box, {boxes:.0f} boxes: false-alarm probability {p_chance:.2g}"
            f" > {false_alarm:g})")

    crpix = np.asarray(header_wcs.wcs.crpix, dtype=float)
    u_all, v_all = x + 1.0 - crpix[0], y + 1.0 - crpix[1]  # FITS pixels are 1-based
    ra0, dec0 = (float(c) for c in header_wcs.wcs.crval)
    cd = np.asarray(header_wcs.pixel_scale_matrix, dtype=float)
    # Start: shift the detections by the voted offset instead of moving the catalogue.
    w = header_wcs
    xs, ys = x + dx, y + dy
    radius_px = 4.0
    det_i = ref_i = np.empty(0, int)
    model = "shift"
    rms_deg = float("nan")
    for it in range(iterations):
        det_i, ref_i = _match(xs, ys, xr, yr, radius_px)
        if det_i.size < min_matches:
            raise AstrometryError(f"only {det_i.size} matches within {radius_px:.1f} px")
        keep = np.ones(det_i.size, bool)
        for _ in range(3):  # fit, clip at 3σ, refit
            xi, eta = tangent_plane(ref_ra[ref_idx_all[ref_i[keep]]],
                                    ref_dec[ref_idx_all[ref_i[keep]]], ra0, dec0)
            u, v = u_all[det_i[keep]], v_all[det_i[keep]]
            if keep.sum() >= 6:
                model = "similarity"
                cd_fit, ab = _fit_linear(u, v, xi, eta, similarity=True)
                if np.linalg.det(cd_fit) * np.linalg.det(cd) < 0:  # parity from the header
                    cd_fit, ab = _fit_linear(u, v, xi, eta, similarity=False)
                    model = "affine"
            else:
                model = "shift"
                cd_fit = cd
                ab = np.array([np.mean(xi - (cd[0, 0] * u + cd[0, 1] * v)),
                               np.mean(eta - (cd[1, 0] * u + cd[1, 1] * v))])
            xi_all, eta_all = tangent_plane(ref_ra[ref_idx_all[ref_i]],
                                            ref_dec[ref_idx_all[ref_i]], ra0, dec0)
            pred = cd_fit @ np.vstack([u_all[det_i], v_all[det_i]]) + ab[:, None]
            resid = np.hypot(pred[0] - xi_all, pred[1] - eta_all)
            rms_deg = float(np.sqrt(np.mean(resid[keep] ** 2)))
            new_keep = resid <= max(3.0 * rms_deg, 0.05 * scale_deg)
            if new_keep.sum() < min_matches or np.array_equal(new_keep, keep):
                break
            keep = new_keep
        det_i, ref_i = det_i[keep], ref_i[keep]
        ra_c, dec_c = deproject(ab[0], ab[1], ra0, dec0)
        ra0, dec0 = float(ra_c), float(dec_c)
        cd = cd_fit
        w = _new_wcs(header_wcs, (ra0, dec0), cd)
        xs, ys = x, y
        xr, yr = w.wcs_world2pix(ref_ra[ref_idx_all], ref_dec[ref_idx_all], 0)
        if it < iterations - 1:  # refine, never widen: wrong pairs would widen it further
            radius_px = min(radius_px, max(1.5, 4.0 * rms_deg / scale_deg))

    centre = np.array([[(nx - 1) / 2.0, (ny - 1) / 2.0]])
    (ra_h, dec_h), = header_wcs.wcs_pix2world(centre, 0)
    (ra_f, dec_f), = w.wcs_pix2world(centre, 0)
    xi_o, eta_o = tangent_plane(np.array([ra_f]), np.array([dec_f]), ra_h, dec_h)
    offset_arcsec = float(np.hypot(xi_o[0], eta_o[0]) * 3600.0)
    cd_h = np.asarray(header_wcs.pixel_scale_matrix, dtype=float)
    rot = math.degrees(math.atan2(cd[0, 1], cd[1, 1]) - math.atan2(cd_h[0, 1], cd_h[1, 1]))
    rot = (rot + 180.0) % 360.0 - 180.0
    scale_ratio = math.sqrt(abs(np.linalg.det(cd) / np.linalg.det(cd_h)))
    return AstrometryResult(
        wcs=w, n_matched=int(det_i.size), offset_arcsec=offset_arcsec, rotation_deg=rot,
        scale_ratio=scale_ratio, rms_arcsec=rms_deg * 3600.0, model=model,
        det_index=det_i, ref_index=ref_idx_all[ref_i],
    )

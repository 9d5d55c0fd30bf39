"""Burst afterglow search and light curve over the frames of a follow-up.

Input: the reduced frames (FITS with the fitted WCS and photometric keywords written by
:func:`pyros.pipeline.core.process.process_light`, and their ECSV catalogues), the error
circle and the trigger time.

1. **Candidates.** In each frame, the detections inside the error circle that are either
   *new* (no reference star of any magnitude within the match radius) or *brightened*
   (more than ``brighten_mag`` and 5σ brighter than their reference star).  Cosmic-ray-like
   detections are ignored.
2. **Association.** Candidates of different frames within ``group_arcsec`` are one source;
   a real afterglow is seen in at least two frames (one if there is only one frame), which
   rejects noise peaks, cosmic rays and satellites.  A source that stays on one detector
   pixel in frames at other pointings (dithered or re-pointed) is a detector defect — a
   hot pixel on a night without darks — and is rejected.  The source seen in most frames wins
   (then the highest S/N); a catalogued star counts only if it also fades between frames.
3. **Light curve.** Forced aperture photometry at the fitted position in *every* frame
   (local annulus background, the frame's aperture and zero point): magnitudes with
   errors, or a 5σ upper limit where the source is below 3σ.  Each point's time is the
   logarithmic mean of the exposure's start and end ages, (b − a)/ln(b/a), where a power
   law of index 1 has exactly its mean flux (and very nearly for others).
4. **Decay.** Weighted least squares of m = m_ref + 2.5 α log10(t / t_ref), i.e.
   F ∝ t^−α; the error is scaled by √χ²ᵣ when the scatter exceeds the errors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from pyros.pipeline.core.astrometry import tangent_plane
from pyros.pipeline.core.detect import FLAG_COSMIC
from pyros.pipeline.core.photometry import MAG_PER_RELATIVE_FLUX
from pyros.pipeline.core.reference import ReferenceCatalog

__all__ = [
    "BurstAnalysis",
    "EpochFrame",
    "ErrorCircle",
    "LightCurvePoint",
    "analyse_burst",
    "fit_power_law",
    "load_epoch",
]


@dataclass(frozen=True)
class ErrorCircle:
    """Where the burst can be: centre (ICRS, deg) and radius (deg)."""

    ra_deg: float
    dec_deg: float
    radius_deg: float


@dataclass(frozen=True)
class EpochFrame:
    """One reduced frame as the burst analysis needs it."""

    key: str
    start: datetime
    exposure_s: float
    filter_name: str
    image_path: Path
    catalog: Table
    zero_point: float
    zp_err: float
    aperture_radius_px: float
    limiting_mag: float
    astrometric_rms_arcsec: float
    n_matched: int
    fwhm_arcsec: float


@dataclass(frozen=True)
class LightCurvePoint:
    frame: str
    t_s: float
    start_s: float
    exposure_s: float
    filter_name: str
    mag: float | None
    mag_err: float | None
    flux_e: float
    flux_err_e: float
    detected: bool
    upper_limit_mag: float | None


@dataclass
class BurstAnalysis:
    """The outcome: whether an afterglow was found, where, how bright and how it fades."""

    found: bool
    reason: str
    ra_deg: float | None = None
    dec_deg: float | None = None
    position_err_arcsec: float | None = None
    mag: float | None = None
    mag_err: float | None = None
    mag_t_s: float | None = None
    filter_name: str = ""
    decay_index: float | None = None
    decay_index_err: float | None = None
    #: The fitted line passes through decay_ref_mag at decay_ref_t_s.
    decay_ref_mag: float | None = None
    decay_ref_t_s: float | None = None
    n_frames: int = 0
    n_detections: int = 0
    candidates: int = 0
    #: Candidate sources rejected as fixed on the detector (hot pixels) across pointings.
    detector_defects: int = 0
    kind: str = ""
    light_curve: list[LightCurvePoint] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


#: A catalogued source must fade by more than this (and 5σ) to count as a transient.
FADE_MIN_MAG = 0.3


def _num(value: object, default: float = math.nan) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return out


def load_epoch(fits_path: Path | str, catalog_path: Path | str, key: str) -> EpochFrame:
    """Read a reduced frame's header figures and its catalogue (no pixels yet)."""
    from pyros.clock import parse_utc

    header = fits.getheader(fits_path, 0)
    start = parse_utc(str(header["DATE-OBS"]))
    return EpochFrame(
        key=key, start=start, exposure_s=_num(header.get("EXPTIME"), 0.0),
        filter_name=str(header.get("FILTER", "")), image_path=Path(fits_path),
        catalog=Table.read(catalog_path, format="ascii.ecsv"),
        zero_point=_num(header.get("MAGZPT")), zp_err=_num(header.get("MAGZPERR"), 0.0),
        aperture_radius_px=_num(header.get("APRADIUS"), 4.0),
        limiting_mag=_num(header.get("LIMMAG")),
        astrometric_rms_arcsec=_num(header.get("ASTRMS"), 0.3),
        n_matched=int(_num(header.get("NMATCHED"), 1)),
        fwhm_arcsec=_num(header.get("FWHM"), 1.5),
    )


def _sep_arcsec(ra1: np.ndarray, dec1: np.ndarray, ra0: float, dec0: float) -> np.ndarray:
    xi, eta = tangent_plane(ra1, dec1, ra0, dec0)
    return np.hypot(xi, eta) * 3600.0


def effective_age_s(start: datetime, exposure_s: float, trigger: datetime) -> float:
    """Logarithmic mean age [s] of an exposure: where a t^−1 decay has its mean flux."""
    a = (start - trigger).total_seconds()
    b = a + exposure_s
    if exposure_s <= 0:
        return max(a, 1e-3)
    if a <= 0:  # the exposure started before the trigger: use the mid-point of [0, b]
        return max(b / 2, 1e-3)
    return (b - a) / math.log(b / a)


def fit_power_law(t_s: np.ndarray, mag: np.ndarray, mag_err: np.ndarray,
                  t_ref_s: float | None = None) -> tuple[float, float, float, float, float]:
    """Fit m = m_ref + 2.5 α log10(t / t_ref): returns (α, σα, m_ref, t_ref, χ²ᵣ).

    Raises ``ValueError`` with fewer than two points or a single time.
    """
    t = np.asarray(t_s, dtype=float)
    m = np.asarray(mag, dtype=float)
    e = np.maximum(np.asarray(mag_err, dtype=float), 0.01)  # systematics floor
    if t.size < 2 or np.ptp(np.log10(t)) < 1e-6:
        raise ValueError("a decay index needs detections at two different times")
    t_ref = float(10 ** np.average(np.log10(t), weights=1 / e**2)) if t_ref_s is None \
        else t_ref_s
    x = 2.5 * np.log10(t / t_ref)
    design = np.column_stack([np.ones_like(x), x]) / e[:, None]
    coef, *_ = np.linalg.lstsq(design, m / e, rcond=None)
    cov = np.linalg.inv(design.T @ design)
    resid = (m - (coef[0] + coef[1] * x)) / e
    dof = t.size - 2
    chi2r = float(resid @ resid / dof) if dof > 0 else 0.0
    scale = math.sqrt(chi2r) if chi2r > 1 else 1.0
    return float(coef[1]), float(math.sqrt(cov[1, 1]) * scale), float(coef[0]), t_ref, chi2r


def _forced_photometry(epoch: EpochFrame, ra: float, dec: float
                       ) -> tuple[float, float, float]:
    """(flux, flux error [e⁻], background rms) in the frame's aperture at (ra, dec)."""
    from photutils.aperture import CircularAnnulus, CircularAperture, aperture_photometry

    with fits.open(epoch.image_path, memmap=True) as hdul:
        wcs = WCS(hdul[0].header, naxis=2)
        (x, y), = wcs.wcs_world2pix([[ra, dec]], 0)
        r = epoch.aperture_radius_px
        half = int(6 * r) + 2
        ny, nx = hdul[0].data.shape
        x0, y0 = max(0, int(x) - half), max(0, int(y) - half)
        x1, y1 = min(nx, int(x) + half + 1), min(ny, int(y) + half + 1)
        if x1 - x0 < 2 * r or y1 - y0 < 2 * r:
            return math.nan, math.nan, math.nan
        cut = np.array(hdul[0].data[y0:y1, x0:x1], dtype=float)
    pos = (x - x0, y - y0)
    annulus = CircularAnnulus(pos, r_in=3 * r, r_out=5 * r)
    ann_mask = annulus.to_mask(method="center")
    values = ann_mask.get_values(cut)
    values = values[np.isfinite(values)]
    from astropy.stats import sigma_clipped_stats

    _, sky, sky_rms = sigma_clipped_stats(values, sigma=3.0)
    ap = CircularAperture(pos, r=r)
    total = float(aperture_photometry(cut, ap)["aperture_sum"][0])
    n_ap = ap.area
    flux = total - sky * n_ap
    var = max(flux, 0.0) + n_ap * sky_rms**2 * (1 + n_ap / max(values.size, 1))
    return flux, math.sqrt(var), float(sky_rms)


def _candidates(epoch: EpochFrame, circle: ErrorCircle, reference: ReferenceCatalog | None,
                match_arcsec: float, brighten_mag: float) -> list[dict]:
    cat = epoch.catalog
    if len(cat) == 0:
        return []
    ra = np.asarray(cat["ra_deg"], dtype=float)
    dec = np.asarray(cat["dec_deg"], dtype=float)
    inside = _sep_arcsec(ra, dec, circle.ra_deg, circle.dec_deg) <= circle.radius_deg * 3600
    inside &= (np.asarray(cat["flags"]) & FLAG_COSMIC) == 0
    inside &= np.isfinite(np.asarray(cat["mag"], dtype=float))
    if not inside.any():
        return []
    ref_ra = ref_dec = ref_mag = np.empty(0)
    if reference is not None:
        # every catalogued star, however faint: noise lifts stars below the frame's limit
        # into the catalogue, and a transient on top of a faint star is "brightened" anyway
        ref = reference(circle.ra_deg, circle.dec_deg,
                        circle.radius_deg + 2 * match_arcsec / 3600, epoch.filter_name)
        ref_ra, ref_dec, ref_mag = ref.ra_deg, ref.dec_deg, ref.mag
    has_xy = "x" in cat.colnames and "y" in cat.colnames
    px = np.asarray(cat["x"], dtype=float) if has_xy else np.full(len(cat), math.nan)
    py = np.asarray(cat["y"], dtype=float) if has_xy else np.full(len(cat), math.nan)
    out = []
    for i in np.flatnonzero(inside):
        mag_i = float(cat["mag"][i])
        err_i = float(cat["mag_err"][i])
        sep = _sep_arcsec(ref_ra, ref_dec, ra[i], dec[i]) if ref_ra.size else np.empty(0)
        near = sep <= match_arcsec
        if near.any():
            star_mag = float(ref_mag[near][np.argmin(sep[near])])
            brighter = star_mag - mag_i
            kind = "brightened" if brighter > max(brighten_mag, 5 * err_i) else "star"
        else:
            star_mag, kind = math.nan, "new"
        out.append({"ra": float(ra[i]), "dec": float(dec[i]), "x": float(px[i]),
                    "y": float(py[i]), "mag": mag_i, "mag_err": err_i,
                    "snr": float(cat["snr"][i]), "kind": kind, "star_mag": star_mag,
                    "frame": epoch.key, "flags": int(cat["flags"][i])})
    return out


def _group(dets: list[dict], radius_arcsec: float) -> list[list[dict]]:
    groups: list[list[dict]] = []
    centres: list[tuple[float, float]] = []
    for d in sorted(dets, key=lambda d: -d["snr"]):
        for g, (ra0, dec0) in zip(groups, centres, strict=True):
            if _sep_arcsec(np.array([d["ra"]]), np.array([d["dec"]]), ra0, dec0)[0] \
                    <= radius_arcsec and all(o["frame"] != d["frame"] for o in g):
                g.append(d)
                break
        else:
            groups.append([d])
            centres.append((d["ra"], d["dec"]))
    return groups


def _fades(group: list[dict]) -> bool:
    """A catalogued source that faded by more than 5σ between two frames of the group."""
    if len(group) < 2:
        return False
    clean = sorted((d for d in group if d["flags"] == 0), key=lambda d: d["mag"])
    if len(clean) < 2:
        return False
    a, b = clean[0], clean[-1]
    drop = b["mag"] - a["mag"]
    return drop > max(FADE_MIN_MAG, 5 * math.hypot(a["mag_err"], b["mag_err"]))


#: A detection within this many pixels of a detector position is "at" it.
DEFECT_MATCH_PX = 1.5
#: A frame whose pointing puts the sky position this many pixels from the detector
#: position tells a sky source from a detector one.
DEFECT_OFFSET_PX = 3.0


def _detector_fixed(group: list[dict], epochs: list[EpochFrame],
                    wcs_of: dict[str, WCS]) -> bool:
    """Whether the group is a detector defect (hot pixel, hot column, bad amplifier spot)
    rather than a source on the sky.

    In the frames whose pointing (dithering, a re-point) puts the group's sky position
    somewhere else on the detector, a sky source is detected at its sky position and a
    defect at its detector position.  A defect is seen at its detector position in at
    least two such frames (one if there is only one) and more often than a source at the
    sky position.  Frames all taken at one pointing cannot tell: the group is kept.
    """
    w = np.array([d["snr"] ** 2 for d in group])
    ra0 = float(np.average([d["ra"] for d in group], weights=w))
    dec0 = float(np.average([d["dec"] for d in group], weights=w))
    dx = float(np.median([d["x"] for d in group]))
    dy = float(np.median([d["y"] for d in group]))
    if not (math.isfinite(dx) and math.isfinite(dy)):
        return False
    off = at_detector = at_sky = 0
    for e in epochs:
        (sx, sy), = wcs_of[e.key].wcs_world2pix([[ra0, dec0]], 0)
        if not (math.isfinite(sx) and math.isfinite(sy)) \
                or math.hypot(sx - dx, sy - dy) < DEFECT_OFFSET_PX:
            continue
        off += 1
        if len(e.catalog) == 0 or "x" not in e.catalog.colnames:
            continue
        x = np.asarray(e.catalog["x"], dtype=float)
        y = np.asarray(e.catalog["y"], dtype=float)
        at_detector += bool((np.hypot(x - dx, y - dy) <= DEFECT_MATCH_PX).any())
        at_sky += bool((np.hypot(x - sx, y - sy) <= DEFECT_MATCH_PX).any())
    return off > 0 and at_detector >= min(2, off) and at_detector > at_sky


def _wcs_of(epochs: list[EpochFrame]) -> dict[str, WCS] | None:
    """Each frame's fitted WCS; None when a frame's file cannot be read (no defect test)."""
    out = {}
    for e in epochs:
        try:
            out[e.key] = WCS(fits.getheader(e.image_path, 0), naxis=2)
        except OSError:
            return None
    return out


def analyse_burst(epochs: list[EpochFrame], circle: ErrorCircle, trigger: datetime,
                  reference: ReferenceCatalog | None, *, match_arcsec: float = 1.5,
                  group_arcsec: float = 1.5, brighten_mag: float = 0.5) -> BurstAnalysis:
    """Search the error circle across ``epochs`` and build the afterglow's light curve.

    ``trigger`` must be tz-aware.  Never raises for a non-detection: ``found`` is False and
    ``reason`` says why.
    """
    if trigger.tzinfo is None:
        raise ValueError("trigger must be timezone-aware")
    epochs = sorted((e for e in epochs if math.isfinite(e.zero_point)), key=lambda e: e.start)
    if not epochs:
        return BurstAnalysis(found=False, reason="no calibrated frame")
    dets: list[dict] = []
    for e in epochs:
        radius = max(match_arcsec, 3 * e.astrometric_rms_arcsec)
        dets += _candidates(e, circle, reference, radius, brighten_mag)
    interesting = [d for d in dets if d["kind"] in ("new", "brightened")]
    groups = _group(dets, group_arcsec)
    need = min(2, len(epochs))
    viable = []
    for g in groups:
        new_or_bright = sum(d["kind"] in ("new", "brightened") for d in g)
        if len(g) >= need and (new_or_bright >= need or _fades(g)):
            viable.append(g)
    defects = 0
    if viable:
        wcs_of = _wcs_of(epochs)
        kept = [g for g in viable
                if wcs_of is None or not _detector_fixed(g, epochs, wcs_of)]
        defects, viable = len(viable) - len(kept), kept
    result = BurstAnalysis(found=False, reason="", n_frames=len(epochs),
                           candidates=len(interesting), detector_defects=defects)
    if not viable:
        result.reason = (f"no new or fading source in the error circle seen in {need} of "
                         f"{len(epochs)} frames ({len(interesting)} single candidates"
                         + (f", {defects} fixed on the detector" if defects else "") + ")")
        return result
    best = max(viable, key=lambda g: (len(g), max(d["snr"] for d in g)))
    w = np.array([d["snr"] ** 2 for d in best])
    ra0 = float(np.average([d["ra"] for d in best], weights=w))
    dec0 = float(np.average([d["dec"] for d in best], weights=w))
    # Position error: centroiding (≈ FWHM / (2.355 S/N) per frame, combined) and the frames'
    # astrometric calibration (rms / √N matched stars).
    by_key = {e.key: e for e in epochs}
    stat = [by_key[d["frame"]].fwhm_arcsec / (2.355 * max(d["snr"], 1.0)) for d in best]
    sys_ = [by_key[d["frame"]].astrometric_rms_arcsec / math.sqrt(max(by_key[d["frame"]]
                                                                     .n_matched, 1))
            for d in best]
    pos_err = math.hypot(1 / math.sqrt(sum(1 / s**2 for s in stat)), float(np.median(sys_)))

    points: list[LightCurvePoint] = []
    for e in epochs:
        flux, flux_err, _ = _forced_photometry(e, ra0, dec0)
        t_eff = effective_age_s(e.start, e.exposure_s, trigger)
        start_s = (e.start - trigger).total_seconds()
        limit = e.zero_point - 2.5 * math.log10(5 * flux_err / e.exposure_s) \
            if math.isfinite(flux_err) and flux_err > 0 else None
        detected = math.isfinite(flux) and flux > 3 * flux_err
        mag = mag_err = None
        if detected:
            mag = e.zero_point - 2.5 * math.log10(flux / e.exposure_s)
            mag_err = math.hypot(MAG_PER_RELATIVE_FLUX * flux_err / flux, e.zp_err)
        points.append(LightCurvePoint(frame=e.key, t_s=t_eff, start_s=start_s,
                                      exposure_s=e.exposure_s, filter_name=e.filter_name,
                                      mag=mag, mag_err=mag_err, flux_e=float(flux),
                                      flux_err_e=float(flux_err), detected=bool(detected),
                                      upper_limit_mag=None if detected else limit))
    detected_points = [p for p in points if p.detected and p.t_s > 0]
    # Afterglows are not grey: the decay is fitted in the band with the most detections.
    bands = [p.filter_name for p in detected_points]
    band = max(set(bands), key=bands.count) if bands else ""
    good = [p for p in detected_points if p.filter_name == band]
    result.filter_name = band
    result.found = True
    result.kind = "brightened" if all(d["kind"] != "new" for d in best) else "new"
    result.ra_deg, result.dec_deg, result.position_err_arcsec = ra0, dec0, pos_err
    result.n_detections = len(detected_points)
    result.light_curve = points
    if good:
        first = good[0]
        result.mag, result.mag_err, result.mag_t_s = first.mag, first.mag_err, first.t_s
    try:
        alpha, alpha_err, m_ref, t_ref, _ = fit_power_law(
            np.array([p.t_s for p in good]), np.array([p.mag for p in good]),
            np.array([p.mag_err for p in good]))
        result.decay_index, result.decay_index_err = alpha, alpha_err
        result.decay_ref_mag, result.decay_ref_t_s = m_ref, t_ref
        result.reason = f"{result.kind} source in {len(best)} frames, α = {alpha:.2f}"
    except ValueError as exc:
        result.reason = f"{result.kind} source in {len(best)} frames; no decay fit ({exc})"
    return result

"""One science frame through the whole pipeline: reduce → detect → astrometry → photometry.

:func:`process_light` reads the raw file, writes three products atomically at the paths it
is given (so re-running it replaces them: idempotent), and returns plain figures:

* the reduced FITS: float32 electrons, the raw header with the *fitted* WCS and the
  pipeline's keywords (ZP, FWHM, limits, masters used), plus a ``MASK`` extension of
  saturated pixels;
* the source catalogue (ECSV): pixel and sky positions, fluxes, calibrated magnitudes,
  flags and the matched reference star;
* a PNG preview with the matched stars circled.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from pyros.atomicfile import write_atomically
from pyros.pipeline.core.astrometry import AstrometryError, fit_wcs
from pyros.pipeline.core.detect import (
    FLAG_BLEND,
    FLAG_COSMIC,
    FLAG_SATURATED,
    Detections,
    measure_sources,
)
from pyros.pipeline.core.io import read_raw, write_fits_atomic, write_table_atomic
from pyros.pipeline.core.masters import MasterFrame, load_master
from pyros.pipeline.core.photometry import (
    MAG_PER_RELATIVE_FLUX,
    instrumental_mag,
    limiting_magnitude,
    zero_point,
)
from pyros.pipeline.core.preview import frame_png
from pyros.pipeline.core.reduce import MasterSet, reduce_frame
from pyros.pipeline.core.reference import ReferenceCatalog

__all__ = ["FrameResult", "MasterPaths", "OutputPaths", "cached_master", "process_light"]

#: Stars used for the zero point: unflagged, at least this S/N.
ZP_MIN_SNR = 20.0
#: A detection within this of a reference star (or 3× the astrometric rms) is that star.
MATCH_RADIUS_ARCSEC = 1.5
_WCS_KEYS = ("WCSAXES", "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CTYPE1", "CTYPE2", "CUNIT1",
             "CUNIT2", "CD1_1", "CD1_2", "CD2_1", "CD2_2", "PC1_1", "PC1_2", "PC2_1", "PC2_2",
             "CDELT1", "CDELT2", "LONPOLE", "LATPOLE", "RADESYS", "EQUINOX", "MJDREF",
             "DATEREF", "MJD-OBS")


@dataclass(frozen=True)
class MasterPaths:
    """Files of the masters chosen for a frame (None: not available)."""

    bias: str | None = None
    dark: str | None = None
    flat: str | None = None


@dataclass(frozen=True)
class OutputPaths:
    fits: Path
    catalog: Path
    preview: Path | None


@dataclass
class FrameResult:
    """Figures of one processed frame (None where a step could not be done)."""

    n_sources: int = 0
    n_matched: int = 0
    fwhm_arcsec: float | None = None
    background_e: float | None = None
    background_rms_e: float | None = None
    zero_point: float | None = None
    zp_err: float | None = None
    zp_stars: int = 0
    wcs_offset_arcsec: float | None = None
    wcs_rotation_deg: float | None = None
    astrometric_rms_arcsec: float | None = None
    limiting_mag: float | None = None
    steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=6)
def cached_master(path: str, kind: str) -> MasterFrame:
    """A master read once per process: master files are versioned, never rewritten."""
    return load_master(path, kind)


def _masters(paths: MasterPaths) -> MasterSet:
    return MasterSet(
        bias=cached_master(paths.bias, "bias") if paths.bias else None,
        dark=cached_master(paths.dark, "dark") if paths.dark else None,
        flat=cached_master(paths.flat, "flat") if paths.flat else None,
    )


def _field_cone(w: WCS, shape: tuple[int, int]) -> tuple[float, float, float]:
    ny, nx = shape
    (ra, dec), = w.wcs_pix2world([[(nx - 1) / 2.0, (ny - 1) / 2.0]], 0)
    scale_deg = math.sqrt(abs(np.linalg.det(w.pixel_scale_matrix)))
    return float(ra), float(dec), 0.5 * math.hypot(nx, ny) * scale_deg * 1.05 + 60 / 3600


def _match_reference(ra: np.ndarray, dec: np.ndarray, ref_ra: np.ndarray,
                     ref_dec: np.ndarray, radius_arcsec: float) -> tuple[np.ndarray, np.ndarray]:
    """For each source, the index of the nearest reference star within the radius (−1 none)
    and the separation [arcsec]."""
    from scipy.spatial import cKDTree

    idx = np.full(ra.size, -1, dtype=int)
    sep = np.full(ra.size, np.nan)
    if ra.size == 0 or ref_ra.size == 0:
        return idx, sep

    def unit(r: np.ndarray, d: np.ndarray) -> np.ndarray:
        r, d = np.radians(r), np.radians(d)
        return np.column_stack([np.cos(d) * np.cos(r), np.cos(d) * np.sin(r), np.sin(d)])

    chord = 2 * math.sin(math.radians(radius_arcsec / 3600) / 2)
    dist, j = cKDTree(unit(ref_ra, ref_dec)).query(unit(ra, dec), distance_upper_bound=chord)
    ok = np.isfinite(dist)
    idx[ok] = j[ok]
    sep[ok] = np.degrees(2 * np.arcsin(dist[ok] / 2)) * 3600
    return idx, sep


def _catalog_table(det: Detections, ra: np.ndarray, dec: np.ndarray, mag: np.ndarray,
                   mag_err: np.ndarray, ref_id: np.ndarray, ref_mag: np.ndarray,
                   ref_sep: np.ndarray) -> Table:
    t = Table()
    t["id"] = np.arange(1, len(det.table) + 1)
    for name in ("x", "y"):
        t[name] = det.table[name]
    t["ra_deg"], t["dec_deg"] = ra, dec
    for name in ("flux_e", "flux_err_e", "snr", "peak_e", "area_px", "flags"):
        t[name] = det.table[name]
    t["mag"], t["mag_err"] = mag, mag_err
    t["ref_id"], t["ref_mag"], t["ref_sep_arcsec"] = ref_id, ref_mag, ref_sep
    t["x"].unit = t["y"].unit = "pix"
    t["ra_deg"].unit = t["dec_deg"].unit = "deg"
    t["flux_e"].unit = t["flux_err_e"].unit = t["peak_e"].unit = "electron"
    t["mag"].unit = t["mag_err"].unit = t["ref_mag"].unit = "mag"
    t["ref_sep_arcsec"].unit = "arcsec"
    return t


def process_light(raw_path: Path | str, masters: MasterPaths, out: OutputPaths,
                  reference: ReferenceCatalog | None, *,
                  full_well_e: float | None = None) -> FrameResult:
    """Reduce, detect, solve and calibrate one light frame; write its products.

    ``full_well_e`` is the camera's full well (for the saturation mask).
    ``reference`` None skips astrometry and photometric calibration (figures stay None).
    Raises ``OSError``/``ValueError`` for an unreadable frame or masters that do not fit;
    a failed astrometric match or zero point is a warning in the result, not an error.
    """
    res = FrameResult()
    clock = time.perf_counter
    t0 = clock()
    raw = read_raw(raw_path)
    reduced = reduce_frame(raw, _masters(masters), full_well_e)
    res.steps = list(reduced.steps)
    res.warnings += [f"no master {s}" for s in reduced.skipped]
    t1 = clock()
    det = measure_sources(reduced.data_e, reduced.mask)
    t2 = clock()
    res.n_sources = len(det.table)
    res.background_e = det.background_e
    res.background_rms_e = det.background_rms_e

    header = raw.header
    exposure_s = raw.exposure_s if raw.exposure_s > 0 else 1.0
    header_wcs = WCS(header, naxis=2)
    scale_arcsec = math.sqrt(abs(np.linalg.det(header_wcs.pixel_scale_matrix))) * 3600
    if math.isfinite(det.fwhm_px):
        res.fwhm_arcsec = det.fwhm_px * scale_arcsec
    wcs = header_wcs
    flags = np.asarray(det.table["flags"])
    x, y = np.asarray(det.table["x"]), np.asarray(det.table["y"])
    ref = None
    if reference is not None and header_wcs.has_celestial:
        ra_c, dec_c, radius = _field_cone(header_wcs, reduced.data_e.shape)
        ref = reference(ra_c, dec_c, radius, str(header.get("FILTER", "r")))
        usable = (flags & (FLAG_COSMIC | FLAG_SATURATED | FLAG_BLEND)) == 0
        try:
            astro = fit_wcs(x[usable], y[usable], header_wcs, ref.ra_deg, ref.dec_deg,
                            shape=reduced.data_e.shape)
            wcs = astro.wcs
            res.n_matched = astro.n_matched
            res.wcs_offset_arcsec = astro.offset_arcsec
            res.wcs_rotation_deg = astro.rotation_deg
            res.astrometric_rms_arcsec = astro.rms_arcsec
            res.steps.append(f"astrometry:{astro.model}")
        except AstrometryError as exc:
            res.warnings.append(f"astrometry: {exc}")
    t3 = clock()

    if len(det.table):
        ra, dec = wcs.wcs_pix2world(x, y, 0)
    else:
        ra = dec = np.empty(0)
    inst, inst_err = instrumental_mag(det.table["flux_e"], det.table["flux_err_e"], exposure_s)
    ref_idx = np.full(x.size, -1)
    sep = np.full(x.size, np.nan)
    if ref is not None and len(ref):
        radius_arcsec = max(MATCH_RADIUS_ARCSEC, 3 * (res.astrometric_rms_arcsec or 0.0))
        ref_idx, sep = _match_reference(ra, dec, ref.ra_deg, ref.dec_deg, radius_arcsec)
    matched = ref_idx >= 0
    ref_mag = np.where(matched, ref.mag[ref_idx] if ref is not None and len(ref) else np.nan,
                       np.nan)
    ref_id = np.where(matched, ref.star_id[ref_idx] if ref is not None and len(ref) else -1, -1)
    mag = np.full(x.size, np.nan)
    mag_err = np.full(x.size, np.nan)
    if matched.any():
        snr = np.asarray(det.table["snr"])
        calib = matched & (flags == 0) & (snr >= ZP_MIN_SNR)
        if calib.sum() < 3:
            calib = matched & (flags == 0) & (snr >= 10)
        try:
            zp = zero_point(ref_mag[calib], inst[calib], inst_err[calib])
            res.zero_point, res.zp_err, res.zp_stars = zp.zp, zp.err, zp.n_used
            mag = inst + zp.zp
            mag_err = np.hypot(inst_err, zp.err)
            res.limiting_mag = limiting_magnitude(zp.zp, det.background_rms_e,
                                                  det.aperture_radius_px, exposure_s)
            res.steps.append("photometry")
        except ValueError as exc:
            res.warnings.append(f"zero point: {exc}")
    t4 = clock()

    table = _catalog_table(det, np.asarray(ra), np.asarray(dec), mag, mag_err, ref_id,
                           ref_mag, sep)
    table.meta.update({
        "frame": Path(raw_path).name, "exposure_s": exposure_s,
        "filter": str(header.get("FILTER", "")), "date_obs": str(header.get("DATE-OBS", "")),
        "zero_point": res.zero_point, "zp_err": res.zp_err, "fwhm_arcsec": res.fwhm_arcsec,
        "aperture_radius_px": det.aperture_radius_px, "limiting_mag": res.limiting_mag,
        "background_rms_e": det.background_rms_e, "mag_system": "AB",
        "mag_err_per_relative_flux": MAG_PER_RELATIVE_FLUX,
    })
    write_table_atomic(out.catalog, table)
    write_fits_atomic(out.fits, _reduced_hdul(reduced.data_e, reduced.mask, header, wcs, res,
                                              masters, det))
    if out.preview is not None:
        marks = [(float(a), float(b), 2 * det.aperture_radius_px)
                 for a, b in zip(x[matched][:200], y[matched][:200], strict=True)]
        write_atomically(out.preview, frame_png(reduced.data_e, marks=marks))
    t5 = clock()
    res.timings_s = {"reduce": t1 - t0, "detect": t2 - t1, "astrometry": t3 - t2,
                     "photometry": t4 - t3, "write": t5 - t4}
    return res


def _reduced_hdul(data_e: np.ndarray, mask: np.ndarray, raw_header: fits.Header, wcs: WCS,
                  res: FrameResult, masters: MasterPaths, det: Detections) -> fits.HDUList:
    h = raw_header.copy()
    for key in _WCS_KEYS:
        h.remove(key, ignore_missing=True, remove_all=True)
    for key in ("BZERO", "BSCALE"):
        h.remove(key, ignore_missing=True)
    h.update(wcs.to_header())
    h["BUNIT"] = "electron"
    h["PIPESTEP"] = ",".join(res.steps)[:68]
    for kind in ("bias", "dark", "flat"):
        value = getattr(masters, kind)
        h[f"MASTER{kind[0].upper()}"] = (Path(value).name if value else "none")[:68]

    def card(key: str, value: float | None, comment: str) -> None:
        ok = value is not None and math.isfinite(value)
        h[key] = (round(float(value), 4) if ok else None, comment)

    card("FWHM", res.fwhm_arcsec, "[arcsec] median FWHM of stars")
    card("SKYLEV", det.background_e, "[e-] median background")
    card("SKYRMS", det.background_rms_e, "[e-] background rms per pixel")
    card("MAGZPT", res.zero_point, "[mag] AB mag giving 1 e-/s in the aperture")
    card("MAGZPERR", res.zp_err, "[mag] zero-point standard error")
    card("APRADIUS", det.aperture_radius_px, "[pix] photometric aperture radius")
    card("LIMMAG", res.limiting_mag, "[mag] 5-sigma point-source limit")
    card("ASTRMS", res.astrometric_rms_arcsec, "[arcsec] astrometric residual rms")
    card("WCSOFFS", res.wcs_offset_arcsec, "[arcsec] header WCS error at the centre")
    h["NSOURCES"] = (res.n_sources, "sources detected")
    h["NMATCHED"] = (res.n_matched, "sources matched to the reference")
    primary = fits.PrimaryHDU(data=data_e.astype(np.float32), header=h)
    mask_hdu = fits.ImageHDU(data=mask.astype(np.uint8), name="MASK")
    mask_hdu.header["COMMENT"] = "1 = saturated in the raw frame"
    return fits.HDUList([primary, mask_hdu])

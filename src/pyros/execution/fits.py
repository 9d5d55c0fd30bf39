"""FITS files of raw frames: standard headers, nominal WCS, atomic writes.

Pure of Django.  The header carries everything needed to reduce and trace the frame
without the database: time, exposure, filter, pointing, airmass, telescope, instrument,
detector, site, and the programme / request / sequence / alert ids.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from pyros import __version__
from pyros.atomicfile import atomic_path


@dataclass(frozen=True)
class FrameMeta:
    """What the header says about one exposure (units in the names)."""

    date_obs: datetime
    exposure_s: float
    kind: str                      # light, bias, dark, flat, focus
    channel: str                   # VIS, NIR
    camera: str
    filter_name: str
    object_name: str
    ra_deg: float | None
    dec_deg: float | None
    airmass: float | None
    telescope: str
    observatory: str
    site: tuple[float, float, float]   # lat_deg, lon_deg, elevation_m
    pixel_scale_arcsec: float
    gain_e_adu: float
    read_noise_e: float
    night: str
    bin_x: int = 1
    bin_y: int = 1
    start_x: int = 0
    start_y: int = 0
    sensor_width_px: int = 0
    sensor_height_px: int = 0
    ccd_temp_c: float | None = None
    focus_position: int | None = None
    program: str = ""
    request_id: int | None = None
    sequence_id: int | None = None
    alert: str = ""
    complete: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def nominal_wcs(meta: FrameMeta, shape: tuple[int, int]) -> WCS | None:
    """TAN WCS from the pointing (north up, east left), the pixel scale and the window.

    The pipeline refines it against the stars; this is the starting point.
    """
    if meta.ra_deg is None or meta.dec_deg is None or meta.kind not in ("light", "focus"):
        return None
    ny, nx = shape
    sx = meta.pixel_scale_arcsec * meta.bin_x / 3600.0
    sy = meta.pixel_scale_arcsec * meta.bin_y / 3600.0
    full_w = (meta.sensor_width_px or nx * meta.bin_x) // meta.bin_x
    full_h = (meta.sensor_height_px or ny * meta.bin_y) // meta.bin_y
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crval = [meta.ra_deg % 360.0, meta.dec_deg]
    w.wcs.crpix = [(full_w + 1) / 2.0 - meta.start_x, (full_h + 1) / 2.0 - meta.start_y]
    w.wcs.cd = np.array([[-sx, 0.0], [0.0, sy]])
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    w.wcs.set()
    return w


def _clean(value: Any) -> Any:
    """FITS-safe: no NaN/inf, strings in printable ASCII (accents transliterated)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
        return "".join(ch for ch in ascii_text if ch.isprintable())
    return value


def build_header(meta: FrameMeta, shape: tuple[int, int]) -> fits.Header:
    lat, lon, elev = meta.site
    cards: list[tuple[str, Any, str]] = [
        ("DATE-OBS", meta.date_obs.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3], "UTC start of exposure"),
        ("EXPTIME", float(meta.exposure_s), "[s] exposure time"),
        ("IMAGETYP", meta.kind.upper(), "light, bias, dark, flat or focus"),
        ("FILTER", meta.filter_name, "filter name"),
        ("OBJECT", meta.object_name, "target name"),
        ("RA", _clean(meta.ra_deg), "[deg] pointing right ascension (ICRS)"),
        ("DEC", _clean(meta.dec_deg), "[deg] pointing declination (ICRS)"),
        ("AIRMASS", _clean(meta.airmass), "airmass at readout"),
        ("TELESCOP", meta.telescope, "telescope"),
        ("INSTRUME", meta.channel, "instrument channel"),
        ("CAMERA", meta.camera, "camera device"),
        ("OBSERVAT", meta.observatory, "observatory"),
        ("SITELAT", lat, "[deg] site latitude"),
        ("SITELONG", lon, "[deg] site east longitude"),
        ("SITEELEV", elev, "[m] site elevation"),
        ("PIXSCALE", meta.pixel_scale_arcsec * meta.bin_x, "[arcsec/px] binned"),
        ("GAIN", meta.gain_e_adu, "[e-/ADU]"),
        ("RDNOISE", meta.read_noise_e, "[e-] read noise"),
        ("CCD-TEMP", _clean(meta.ccd_temp_c), "[degC] detector temperature"),
        ("FOCUSPOS", meta.focus_position, "[step] focuser position"),
        ("BINX", meta.bin_x, "binning along x"),
        ("BINY", meta.bin_y, "binning along y"),
        ("XORGSUBF", meta.start_x, "subframe origin x (binned px)"),
        ("YORGSUBF", meta.start_y, "subframe origin y (binned px)"),
        ("PROGRAM", meta.program, "scientific programme"),
        ("REQUEST", meta.request_id, "PyROS request id"),
        ("SEQUENCE", meta.sequence_id, "PyROS sequence id"),
        ("ALERT", meta.alert, "alert name, if any"),
        ("NIGHT", meta.night, "YYYYMMDD of the evening"),
        ("COMPLETE", meta.complete, "F if the exposure was stopped early"),
        ("PYROSVER", __version__, "PyROS version"),
    ]
    header = fits.Header()
    for key, value, comment in cards:
        value = _clean(value)
        header[key] = (value if value is not None else "", comment)
    for key, value in meta.extra.items():
        header[key[:8].upper()] = _clean(value)
    wcs = nominal_wcs(meta, shape)
    if wcs is not None:
        header.update(wcs.to_header())
    return header


def write_fits(path: Path, data: np.ndarray, header: fits.Header) -> str:
    """Write atomically (:func:`pyros.atomicfile.atomic_path`); return the file's SHA-256."""
    hdu = fits.PrimaryHDU(data=np.ascontiguousarray(data), header=header)
    with atomic_path(path) as tmp:
        hdu.writeto(tmp, overwrite=True, output_verify="silentfix")
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
    return digest

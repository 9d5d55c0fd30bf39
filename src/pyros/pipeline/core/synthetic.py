"""Raw frames from the sky model, with the execution agent's FITS header contract.

Used by the tests and by ``pyros bench pipeline`` to make frames indistinguishable, for the
pipeline, from what the execution agent archives (``<data dir>/raw/<night>/<channel>/``):
uint16 (y, x) data, the header keywords below, and the WCS of the rendered array.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits
from astropy.wcs import WCS

from pyros.pipeline.core.io import write_fits_atomic
from pyros.skymodel import FrameSpec, frame_wcs, render_frame

__all__ = ["FrameMeta", "raw_hdu", "write_raw_frame"]

_IMAGETYP = {"light": "LIGHT", "bias": "BIAS", "dark": "DARK", "flat": "FLAT"}


@dataclass(frozen=True)
class FrameMeta:
    """What the execution agent knows besides the spec (observatory, programme, night)."""

    night: str
    channel: str = "VIS"
    camera: str = "camera_vis"
    object_name: str = ""
    program: str = ""
    request: str = ""
    sequence: str = ""
    alert: str = ""
    telescope: str = "COLIBRI"
    observatory: str = "OAN-SPM"
    site: tuple[float, float, float] = (31.0449, -115.4646, 2792.0)
    ccd_temp_c: float = -100.0
    focus_pos: int = 0
    version: str = "0"


def raw_hdu(spec: FrameSpec, meta: FrameMeta, wcs: WCS | None = None) -> fits.PrimaryHDU:
    """Render ``spec`` and wrap it in a primary HDU with the raw header contract.

    ``wcs`` overrides the header WCS (tests use it to write a deliberately wrong one);
    by default it is :func:`pyros.skymodel.frame_wcs` of the spec, i.e. exact.
    """
    data = render_frame(spec)
    hdu = fits.PrimaryHDU(data=data)
    h = hdu.header
    h["DATE-OBS"] = (spec.obs_time.isoformat(timespec="milliseconds").replace("+00:00", ""),
                     "UTC start of exposure")
    h["EXPTIME"] = (spec.exposure_s if spec.frame_type != "bias" else 0.0, "[s]")
    h["IMAGETYP"] = _IMAGETYP[spec.frame_type]
    h["FILTER"] = spec.filter_name
    h["OBJECT"] = meta.object_name
    h["RA"] = (spec.ra_deg, "[deg] pointing")
    h["DEC"] = (spec.dec_deg, "[deg] pointing")
    h["AIRMASS"] = spec.airmass
    h["TELESCOP"] = meta.telescope
    h["INSTRUME"] = meta.channel
    h["CAMERA"] = meta.camera
    h["OBSERVAT"] = meta.observatory
    h["SITELAT"], h["SITELONG"], h["SITEELEV"] = meta.site
    h["GAIN"] = (spec.gain_e_adu, "[e-/ADU]")
    h["RDNOISE"] = (spec.read_noise_e, "[e-]")
    h["CCD-TEMP"] = meta.ccd_temp_c
    h["FOCUSPOS"] = meta.focus_pos
    h["BINX"], h["BINY"] = spec.bin_x, spec.bin_y
    h["PROGRAM"] = meta.program
    h["REQUEST"] = meta.request
    h["SEQUENCE"] = meta.sequence
    if meta.alert:
        h["ALERT"] = meta.alert
    h["NIGHT"] = meta.night
    h["PYROSVER"] = meta.version
    h.update((wcs or frame_wcs(spec)).to_header())
    return hdu


def write_raw_frame(path: Path | str, spec: FrameSpec, meta: FrameMeta,
                    wcs: WCS | None = None) -> Path:
    """Render ``spec`` and write it atomically to ``path`` as a raw frame."""
    return write_fits_atomic(path, raw_hdu(spec, meta, wcs))

"""The frame's world coordinate system: a gnomonic (TAN) projection at the pointing.

Conventions (FITS WCS, Calabretta & Greisen 2002): CRVAL is the pointing, i.e. the centre
of the full binned detector; CRPIX is that centre in the 1-based pixel coordinates of the
*returned array* (so subframes carry their own offset); the CD matrix is

    CD = s × [[-cos θ, sin θ], [sin θ, cos θ]]

with s the binned pixel scale in degrees (CDELT) and θ = ``rotation_deg``: at θ = 0 north
is +y (up the rows) and east is −x, the sky as seen on a detector without a mirror flip.
Separate binning factors give separate x and y scales.
"""

from __future__ import annotations

import math

import numpy as np
from astropy.wcs import WCS

from pyros.skymodel.spec import FrameSpec

__all__ = ["frame_wcs", "world_to_pixel"]


def frame_wcs(spec: FrameSpec) -> WCS:
    """Return the TAN WCS of the array that ``render_frame(spec)`` returns."""
    x0, y0, nx, ny = spec.window
    sx = spec.pixel_scale_arcsec * spec.bin_x / 3600.0
    sy = spec.pixel_scale_arcsec * spec.bin_y / 3600.0
    theta = math.radians(spec.rotation_deg)
    c, s = math.cos(theta), math.sin(theta)
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crval = [spec.ra_deg % 360.0, spec.dec_deg]
    w.wcs.crpix = [
        (spec.binned_width + 1) / 2.0 - x0,
        (spec.binned_height + 1) / 2.0 - y0,
    ]
    w.wcs.cd = np.array([[-c * sx, s * sy], [s * sx, c * sy]])
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    w.pixel_shape = (nx, ny)
    w.wcs.set()
    return w


def world_to_pixel(
    spec: FrameSpec, ra_deg: np.ndarray, dec_deg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """0-based (x, y) array coordinates of sky positions, through :func:`frame_wcs`.

    Points more than 90° from the pointing have no gnomonic image and come back as NaN.
    """
    ra = np.asarray(ra_deg, dtype=float)
    dec = np.asarray(dec_deg, dtype=float)
    if ra.size == 0:
        return np.empty(0), np.empty(0)
    x, y = frame_wcs(spec).wcs_world2pix(ra, dec, 0)
    # Reject the far hemisphere, which TAN would fold back onto the plane.
    r0, d0 = math.radians(spec.ra_deg), math.radians(spec.dec_deg)
    cos_sep = np.sin(d0) * np.sin(np.radians(dec)) + np.cos(d0) * np.cos(np.radians(dec)) * np.cos(
        np.radians(ra) - r0
    )
    bad = cos_sep <= 0
    if bad.any():
        x = np.where(bad, np.nan, x)
        y = np.where(bad, np.nan, y)
    return x, y

"""Render a camera frame (uint16 ADU) from a :class:`FrameSpec`.

The electron image of a light frame is

    e = (sky + stars + transients) × response + dark × hot + cosmic rays

with ``response`` the fixed vignetting × pixel-response pattern, then photon and read
noise, full-well and ADC saturation, and conversion ``ADU = bias + structure + e / gain``.
'bias' frames are bias + structure + read noise; 'dark' frames drop sky, stars and
transients; 'flat' frames replace the sky by ``flat_level_e`` (per output pixel) of uniform
illumination, shaped by the same response.

Noise: pixels expecting ≥ 25 e⁻ get Gaussian photon noise of variance λ (combined with
the read noise in one draw, which is what makes a 4k frame fast); fainter pixels get exact
Poisson noise.  The noise generator is seeded from the whole spec (seed, time, pointing,
filter, exposure, frame type, focus, window) through SHA-256, so a spec always renders the
same array, while any change — typically the next ``obs_time`` — gives fresh noise.  The
star field itself depends only on ``seed`` and the sky position (see
:mod:`pyros.skymodel.catalog`).

Binned pixels: sky and dark scale with ``bin_x × bin_y``; one read noise per binned pixel
(on-chip binning); a binned pixel saturates at 2 × ``full_well_e`` (the summing well) when
binned, ``full_well_e`` otherwise, and every pixel at 65535 ADU.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from pyros.skymodel import detector
from pyros.skymodel.catalog import star_catalog
from pyros.skymodel.photometry import band, zero_point
from pyros.skymodel.projection import frame_wcs
from pyros.skymodel.psf import add_point_sources, fwhm_arcsec
from pyros.skymodel.sky import sky_brightness
from pyros.skymodel.spec import FrameSpec

__all__ = ["field_stars", "noise_rng", "render_frame", "sky_mag_for"]

_GAUSSIAN_ABOVE_E = 25.0
_ADC_MAX = 65535


def noise_rng(spec: FrameSpec) -> np.random.Generator:
    """The frame's noise generator: a stable function of the whole spec."""
    key = repr(
        (
            spec.seed,
            spec.obs_time.timestamp(),
            round(spec.ra_deg, 9),
            round(spec.dec_deg, 9),
            spec.filter_name,
            spec.exposure_s,
            spec.frame_type,
            spec.defocus_steps,
            spec.window,
            spec.bin_x,
            spec.bin_y,
            spec.rotation_deg,
        )
    ).encode()
    words = np.frombuffer(hashlib.sha256(key).digest(), dtype=np.uint32)
    return np.random.default_rng(words)


def sky_mag_for(spec: FrameSpec) -> float:
    """Sky brightness (AB mag/arcsec²) used for a light frame of ``spec``."""
    if spec.sky_mag_arcsec2 is not None:
        return float(spec.sky_mag_arcsec2)
    return sky_brightness(
        spec.filter_name, spec.ra_deg, spec.dec_deg, spec.obs_time, spec.site, spec.airmass
    )


def _window_cone(spec: FrameSpec, margin_px: float) -> tuple[float, float, float]:
    """(ra, dec, radius) in degrees of a circle covering the window plus a margin."""
    _, _, nx, ny = spec.window
    w = frame_wcs(spec)
    (ra_c, dec_c), = w.wcs_pix2world([[(nx - 1) / 2.0, (ny - 1) / 2.0]], 0)
    sx = spec.pixel_scale_arcsec * spec.bin_x
    sy = spec.pixel_scale_arcsec * spec.bin_y
    half_diag_arcsec = math.hypot((nx / 2 + margin_px) * sx, (ny / 2 + margin_px) * sy)
    return float(ra_c), float(dec_c), half_diag_arcsec / 3600.0 * 1.01


def field_stars(spec: FrameSpec, margin_px: float = 100.0):
    """Catalogue stars that may land on the window (a :class:`StarCatalog`)."""
    ra, dec, radius = _window_cone(spec, margin_px)
    return star_catalog(ra, dec, radius, spec.filter_name, seed=spec.seed)


def _source_image(spec: FrameSpec, shape: tuple[int, int]) -> np.ndarray:
    """Expected electrons from sky, stars and transients (before the pixel response)."""
    b = band(spec.filter_name)
    zp = zero_point(b.name, spec.aperture_m)
    sky_mag = sky_mag_for(spec)
    pix_area = spec.pixel_scale_arcsec**2 * spec.bin_x * spec.bin_y
    sky_e = 10 ** (-0.4 * (sky_mag - zp)) * pix_area * spec.exposure_s
    image = np.full(shape, sky_e, dtype=np.float32)
    if spec.exposure_s <= 0:
        return image
    fwhm = fwhm_arcsec(spec.seeing_arcsec, spec.airmass, spec.defocus_steps)
    fwhm_x = fwhm / (spec.pixel_scale_arcsec * spec.bin_x)
    fwhm_y = fwhm / (spec.pixel_scale_arcsec * spec.bin_y)
    ext = b.extinction_mag_airmass * spec.airmass
    wcs = frame_wcs(spec)

    stars = field_stars(spec)
    ra, dec = stars.ra_deg, stars.dec_deg
    flux = 10 ** (-0.4 * (stars.mag - zp + ext)) * spec.exposure_s
    if spec.transients:
        t_ra = np.array([t.ra_deg for t in spec.transients])
        t_dec = np.array([t.dec_deg for t in spec.transients])
        t_flux = np.array(
            [
                10 ** (-0.4 * (t.mag - zp + ext))
                * t.mean_flux_ratio(spec.obs_time, spec.exposure_s)
                * spec.exposure_s
                for t in spec.transients
            ]
        )
        ra, dec, flux = (np.concatenate(p) for p in ((ra, t_ra), (dec, t_dec), (flux, t_flux)))
    if ra.size:
        x, y = wcs.wcs_world2pix(ra, dec, 0)
        add_point_sources(image, x, y, flux, fwhm_x, fwhm_y)
    return image


def render_frame(spec: FrameSpec) -> np.ndarray:
    """Render the frame described by ``spec`` as a uint16 array of shape ``spec.shape``.

    Deterministic: the same spec gives the same array.  Raises ``ValueError`` for an
    unknown filter (light and flat frames need one).
    """
    x0, y0, nx, ny = spec.window
    shape = (ny, nx)
    dims = (spec.width_px, spec.height_px, spec.bin_x, spec.bin_y)
    win = (slice(y0, y0 + ny), slice(x0, x0 + nx))
    rng = noise_rng(spec)
    n_bin = spec.bin_x * spec.bin_y
    t = spec.exposure_s if spec.frame_type != "bias" else 0.0

    if spec.frame_type == "bias":
        charge = np.zeros(shape, dtype=np.float32)
    else:
        if spec.frame_type == "light":
            charge = _source_image(spec, shape)
            charge *= detector.response(*dims)[win]
        elif spec.frame_type == "flat":
            band(spec.filter_name)  # validate the filter
            charge = detector.response(*dims)[win] * np.float32(spec.flat_level_e)
        else:
            charge = np.zeros(shape, dtype=np.float32)
        dark_e = spec.dark_current_e_s * n_bin * t
        if dark_e > 0:
            charge += np.float32(dark_e) * detector.hot_pixel_factor(*dims)[win]

    noise = rng.standard_normal(shape, dtype=np.float32)
    rn = np.float32(spec.read_noise_e)
    if spec.frame_type == "bias":
        out = noise
        out *= rn
    else:
        low = charge < _GAUSSIAN_ABOVE_E
        out = charge + np.float32(rn**2)
        np.sqrt(out, out=out)
        out *= noise
        out += charge
        if low.any():
            lam = charge[low]
            out[low] = rng.poisson(lam).astype(np.float32) + rn * noise[low]
        if t > 0:
            cy, cx, ce = detector.cosmic_rays(rng, shape, t, spec.bin_x, spec.bin_y)
            np.add.at(out, (cy, cx), ce)
        well = spec.full_well_e * (2.0 if n_bin > 1 else 1.0)
        np.minimum(out, np.float32(well), out=out)

    out *= np.float32(1.0 / spec.gain_e_adu)
    out += np.float32(spec.bias_adu)
    out += detector.bias_pattern_adu(*dims)[:, x0 : x0 + nx]
    np.rint(out, out=out)
    np.clip(out, 0, _ADC_MAX, out=out)
    return out.astype(np.uint16)

"""Exposure time calculator for a point source: S/N ↔ exposure time ↔ limiting magnitude.

Photometry comes from :mod:`pyros.skymodel.photometry` (the same zero points that render the
simulated frames), the PSF from :mod:`pyros.skymodel.psf` (Moffat, FWHM from seeing ×
airmass^0.6 and defocus) and the sky from :mod:`pyros.skymodel.sky` (dark sky + Moon).
The noise is the CCD equation (:mod:`pyros.etc.ccd`) evaluated in a circular aperture whose
radius is optimised for S/N: for each radius r the aperture holds the Moffat encircled
energy EE(r) = 1 − (1 + r²/α²)^(1−β) of the source and π r² / p² pixels of background, and
the radius giving the best S/N (shortest time, faintest limit) is chosen — about 0.7–1.3 ×
FWHM, as Howell (1989, PASP 101, 616) found.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from pyros.etc import ccd
from pyros.skymodel.photometry import DEFAULT_OBSTRUCTION, band, zero_point
from pyros.skymodel.psf import MOFFAT_BETA, fwhm_arcsec, moffat_alpha
from pyros.skymodel.sky import dark_sky_mag, moon_sky_mag

__all__ = [
    "Conditions",
    "EtcResult",
    "Instrument",
    "exptime_for_snr",
    "limiting_magnitude",
    "peak_pixel_fraction",
    "sky_fill_exptime",
    "sky_mag",
    "snr_for_exptime",
]

_RADII_FWHM = np.linspace(0.3, 3.0, 271)
_ADC_MAX = 65535


@dataclass(frozen=True)
class Instrument:
    """Telescope + camera (one channel).  Defaults: the demo 1.3 m and its VIS camera.

    ``throughput`` None takes the band's default (optics × filter × QE); ``obstruction`` is
    the linear central obstruction ratio; ``binning`` is square on-chip binning.
    """

    aperture_m: float = 1.3
    obstruction: float = DEFAULT_OBSTRUCTION
    throughput: float | None = None
    pixel_scale_arcsec: float = 0.381
    gain_e_adu: float = 1.5
    read_noise_e: float = 6.0
    dark_current_e_s: float = 0.002
    full_well_e: float = 90000.0
    binning: int = 1

    def __post_init__(self) -> None:
        if self.pixel_scale_arcsec <= 0 or self.gain_e_adu <= 0 or self.full_well_e <= 0:
            raise ValueError("pixel scale, gain and full well must be positive")
        if self.binning < 1:
            raise ValueError("binning must be >= 1")
        if self.throughput is not None and not 0 < self.throughput <= 1:
            raise ValueError("throughput must be in (0, 1]")

    @property
    def binned_scale_arcsec(self) -> float:
        return self.pixel_scale_arcsec * self.binning


@dataclass(frozen=True)
class Conditions:
    """Observing conditions.

    ``sky_mag_arcsec2`` None: the band's dark sky at this airmass, plus moonlight when
    ``moon_illumination`` (0 new … 1 full) is given, using ``moon_separation_deg`` and
    ``moon_alt_deg`` (Krisciunas & Schaefer 1991).
    """

    seeing_arcsec: float = 1.2
    airmass: float = 1.0
    sky_mag_arcsec2: float | None = None
    moon_illumination: float | None = None
    moon_separation_deg: float = 90.0
    moon_alt_deg: float = 45.0
    defocus_steps: float = 0.0

    def __post_init__(self) -> None:
        if self.seeing_arcsec <= 0:
            raise ValueError("seeing_arcsec must be positive")
        if self.airmass < 1:
            raise ValueError("airmass must be >= 1")
        if self.moon_illumination is not None and not 0 <= self.moon_illumination <= 1:
            raise ValueError("moon_illumination must be within [0, 1]")


@dataclass(frozen=True)
class EtcResult:
    """One ETC answer; electron counts are totals for the exposure."""

    mag: float
    filter_name: str
    exptime_s: float
    snr: float
    aperture_radius_arcsec: float
    n_pix: float
    source_e: float
    source_in_aperture_e: float
    sky_e_per_pix: float
    dark_e_per_pix: float
    read_noise_e: float
    sky_mag_arcsec2: float
    fwhm_arcsec: float
    zero_point: float
    peak_e: float
    full_well_e: float
    saturated: bool

    def to_dict(self) -> dict[str, float | str | bool]:
        return asdict(self)


def sky_mag(filter_name: str, conditions: Conditions) -> float:
    """Sky brightness (AB mag/arcsec²) the calculation uses."""
    if conditions.sky_mag_arcsec2 is not None:
        return float(conditions.sky_mag_arcsec2)
    dark = dark_sky_mag(filter_name, conditions.airmass)
    if conditions.moon_illumination is None:
        return dark
    phase_angle = math.degrees(math.acos(2.0 * conditions.moon_illumination - 1.0))
    moon = moon_sky_mag(
        filter_name,
        phase_angle,
        conditions.moon_separation_deg,
        conditions.moon_alt_deg,
        conditions.airmass,
    )
    if not math.isfinite(moon):
        return dark
    return -2.5 * math.log10(10 ** (-0.4 * dark) + 10 ** (-0.4 * moon))


def peak_pixel_fraction(fwhm_px: float, beta: float = MOFFAT_BETA) -> float:
    """Fraction of a Moffat source's flux in the pixel it is centred on (worst case)."""
    alpha = moffat_alpha(fwhm_px, beta)
    sub = (np.arange(21) + 0.5) / 21 - 0.5
    r2 = (sub[:, None] ** 2 + sub[None, :] ** 2) / alpha**2
    mean_profile = float(np.mean((1.0 + r2) ** -beta))
    return mean_profile * (beta - 1.0) / (math.pi * alpha**2)


class _Setup:
    """Rates (per second) that every calculation needs."""

    def __init__(self, mag: float, filter_name: str, inst: Instrument, cond: Conditions):
        b = band(filter_name)
        self.filter_name = b.name
        self.zp = zero_point(b.name, inst.aperture_m, inst.obstruction, inst.throughput)
        self.extinction = b.extinction_mag_airmass * cond.airmass
        self.mag = mag
        self.source_e_s = 10 ** (-0.4 * (mag - self.zp + self.extinction)) if math.isfinite(
            mag
        ) else 0.0
        self.sky_mag = sky_mag(b.name, cond)
        scale = inst.binned_scale_arcsec
        self.sky_e_s_pix = 10 ** (-0.4 * (self.sky_mag - self.zp)) * scale**2
        self.dark_e_s_pix = inst.dark_current_e_s * inst.binning**2
        self.fwhm = fwhm_arcsec(cond.seeing_arcsec, cond.airmass, cond.defocus_steps)
        alpha = moffat_alpha(self.fwhm)
        self.radii = _RADII_FWHM * self.fwhm
        self.ee = 1.0 - (1.0 + (self.radii / alpha) ** 2) ** (1.0 - MOFFAT_BETA)
        self.n_pix = np.maximum(1.0, math.pi * self.radii**2 / scale**2)
        self.peak_fraction = peak_pixel_fraction(self.fwhm / scale)
        self.inst = inst

    def result(self, k: int, exptime_s: float, snr: float, mag: float | None = None):
        inst = self.inst
        mag = self.mag if mag is None else mag
        src_s = 10 ** (-0.4 * (mag - self.zp + self.extinction))
        source_e = src_s * exptime_s
        sky_e = self.sky_e_s_pix * exptime_s
        dark_e = self.dark_e_s_pix * exptime_s
        peak = source_e * self.peak_fraction + sky_e + dark_e
        limit = min(inst.full_well_e, _ADC_MAX * inst.gain_e_adu)
        return EtcResult(
            mag=float(mag),
            filter_name=self.filter_name,
            exptime_s=float(exptime_s),
            snr=float(snr),
            aperture_radius_arcsec=float(self.radii[k]),
            n_pix=float(self.n_pix[k]),
            source_e=float(source_e),
            source_in_aperture_e=float(source_e * self.ee[k]),
            sky_e_per_pix=float(sky_e),
            dark_e_per_pix=float(dark_e),
            read_noise_e=float(inst.read_noise_e),
            sky_mag_arcsec2=float(self.sky_mag),
            fwhm_arcsec=float(self.fwhm),
            zero_point=float(self.zp),
            peak_e=float(peak),
            full_well_e=float(inst.full_well_e),
            saturated=bool(peak >= limit),
        )


def snr_for_exptime(
    mag: float,
    filter_name: str,
    exptime_s: float,
    instrument: Instrument | None = None,
    conditions: Conditions | None = None,
    n_background: float | None = None,
) -> EtcResult:
    """S/N of a point source of AB magnitude ``mag`` in an exposure of ``exptime_s``.

    Raises ``ValueError`` for an unknown filter or a non-positive exposure time.
    """
    if exptime_s <= 0:
        raise ValueError("exptime_s must be positive")
    inst, cond = instrument or Instrument(), conditions or Conditions()
    s = _Setup(mag, filter_name, inst, cond)
    snr = ccd.ccd_snr(
        s.source_e_s * exptime_s * s.ee,
        s.sky_e_s_pix * exptime_s,
        s.dark_e_s_pix * exptime_s,
        inst.read_noise_e,
        s.n_pix,
        n_background,
        inst.gain_e_adu,
    )
    k = int(np.argmax(snr))
    return s.result(k, exptime_s, float(snr[k]))


def exptime_for_snr(
    mag: float,
    filter_name: str,
    snr: float,
    instrument: Instrument | None = None,
    conditions: Conditions | None = None,
    n_background: float | None = None,
) -> EtcResult:
    """Shortest exposure (s) reaching ``snr`` on a point source of AB magnitude ``mag``.

    The result's ``saturated`` flag says whether the peak pixel then exceeds the full well
    (or the ADC range); ``exptime_s`` is ``inf`` if the target cannot be reached.
    """
    inst, cond = instrument or Instrument(), conditions or Conditions()
    s = _Setup(mag, filter_name, inst, cond)
    t = ccd.exptime_for_snr(
        snr,
        s.source_e_s * s.ee,
        s.sky_e_s_pix,
        s.dark_e_s_pix,
        inst.read_noise_e,
        s.n_pix,
        n_background,
        inst.gain_e_adu,
    )
    k = int(np.argmin(t))
    return s.result(k, float(t[k]), snr)


def limiting_magnitude(
    filter_name: str,
    snr: float,
    exptime_s: float,
    instrument: Instrument | None = None,
    conditions: Conditions | None = None,
    n_background: float | None = None,
) -> EtcResult:
    """Faintest AB magnitude detected at ``snr`` in ``exptime_s`` (optimal aperture)."""
    if exptime_s <= 0:
        raise ValueError("exptime_s must be positive")
    inst, cond = instrument or Instrument(), conditions or Conditions()
    s = _Setup(math.inf, filter_name, inst, cond)
    need_in_ap = ccd.source_e_for_snr(
        snr,
        s.sky_e_s_pix * exptime_s,
        s.dark_e_s_pix * exptime_s,
        inst.read_noise_e,
        s.n_pix,
        n_background,
        inst.gain_e_adu,
    )
    total = need_in_ap / s.ee
    k = int(np.argmin(total))
    rate = total[k] / exptime_s
    mag = s.zp - s.extinction - 2.5 * math.log10(rate)
    return s.result(k, exptime_s, snr, mag=mag)


def sky_fill_exptime(
    filter_name: str,
    instrument: Instrument | None = None,
    conditions: Conditions | None = None,
    fill: float = 0.5,
) -> float:
    """Longest exposure (s) before sky and dark current alone fill ``fill`` of the pixel's
    range (full well or ADC, whichever is lower), leaving the rest for the sources.

    The near-infrared sky is bright: with the demo NIR camera, H fills half the well in
    ~29 s at the zenith and ~12 s at airmass 2.5; a longer exposure saturates the
    background and is lost for photometry.
    """
    if not 0 < fill <= 1:
        raise ValueError("fill must be within (0, 1]")
    inst, cond = instrument or Instrument(), conditions or Conditions()
    s = _Setup(math.inf, filter_name, inst, cond)
    limit = min(inst.full_well_e, _ADC_MAX * inst.gain_e_adu)
    return fill * limit / (s.sky_e_s_pix + s.dark_e_s_pix)

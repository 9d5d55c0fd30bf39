"""Photometric bands: the one table of zero points shared by the sky model and the ETC.

Every magnitude in PyROS is AB (Oke & Gunn 1983, ApJ 266, 713): a source of AB magnitude
m has a spectral flux density of 3631 Jy × 10^(-0.4 m) at all frequencies.  For a top-hat
band from λ1 to λ2 the photon flux of such a source above the atmosphere is therefore

    N0 = (3631 Jy / h) × ln(λ2 / λ1)    photons s⁻¹ m⁻² at m = 0,

which is exact for the top-hat and within a few per cent of the integral through the real
filter curves.  The band centres and widths approximate the SDSS g r i z filters (effective
wavelengths and FWHM from Fukugita et al. 1996, AJ 111, 1748, Table 2) and the 2MASS J H
filters (Cohen, Wheaton & Megeath 2003, AJ 126, 1090).  Extinction coefficients and the
dark-sky brightness are typical of a dry 2800 m site such as San Pedro Mártir (V-band
extinction ≈ 0.13 mag/airmass, dark sky V ≈ 21.7 mag/arcsec²); throughputs are those of a
modern telescope + instrument + detector (atmosphere excluded).  All of these are defaults
for simulation and planning, not measurements of a particular instrument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "AB_ZERO_JY",
    "BANDS",
    "DEFAULT_OBSTRUCTION",
    "Band",
    "band",
    "collecting_area_m2",
    "photon_rate",
    "zero_point",
]

#: AB zero-point spectral flux density (Jy).
AB_ZERO_JY = 3631.0
_PLANCK_J_S = 6.62607015e-34
_JY_SI = 1e-26  # W m⁻² Hz⁻¹
#: Linear central obstruction (secondary diameter / primary diameter) assumed by default.
DEFAULT_OBSTRUCTION = 0.30


@dataclass(frozen=True)
class Band:
    """A photometric band approximated by a top-hat.

    ``extinction_mag_airmass`` is the extinction coefficient k (mag per unit airmass),
    ``dark_sky_mag_arcsec2`` the zenith night-sky brightness with no moon and no twilight,
    ``throughput`` the fraction of photons reaching the detector that are detected
    (optics × filter × quantum efficiency, atmosphere excluded), and ``sun_minus_v_mag``
    the colour of sunlight in this band (AB, band − V, Willmer 2018, ApJS 236, 47) used to
    colour moonlight.
    """

    name: str
    center_nm: float
    width_nm: float
    extinction_mag_airmass: float
    dark_sky_mag_arcsec2: float
    throughput: float
    sun_minus_v_mag: float

    @property
    def photons_m0_s_m2(self) -> float:
        """Photon flux (photons s⁻¹ m⁻²) of an AB magnitude 0 source above the atmosphere."""
        lo = self.center_nm - self.width_nm / 2
        hi = self.center_nm + self.width_nm / 2
        return AB_ZERO_JY * _JY_SI / _PLANCK_J_S * math.log(hi / lo)


BANDS: dict[str, Band] = {
    b.name: b
    for b in (
        Band("g", 477.0, 137.9, 0.17, 22.0, 0.50, 0.30),
        Band("r", 623.0, 138.2, 0.10, 21.2, 0.60, -0.16),
        Band("i", 763.0, 153.5, 0.05, 20.4, 0.55, -0.28),
        Band("z", 913.0, 137.0, 0.04, 19.4, 0.30, -0.31),
        Band("J", 1235.0, 162.0, 0.08, 16.8, 0.45, -0.27),
        Band("H", 1662.0, 251.0, 0.05, 15.3, 0.45, -0.15),
    )
}


def band(name: str) -> Band:
    """Return the band called ``name`` (case as in :data:`BANDS`; ``ValueError`` if unknown).

    A lower-case ``j``/``h`` or an upper-case ``G R I Z`` is accepted, since filter-wheel
    names are often written either way.
    """
    for key in (name, name.strip(), name.strip().lower(), name.strip().upper()):
        if key in BANDS:
            return BANDS[key]
    raise ValueError(f"unknown filter {name!r}; known: {', '.join(BANDS)}")


def collecting_area_m2(aperture_m: float, obstruction: float = DEFAULT_OBSTRUCTION) -> float:
    """Clear collecting area (m²) of a circular aperture with a central obstruction.

    ``obstruction`` is the linear ratio of the secondary to the primary diameter (0 ≤ x < 1).
    """
    if aperture_m <= 0:
        raise ValueError("aperture_m must be positive")
    if not 0 <= obstruction < 1:
        raise ValueError("obstruction must be in [0, 1)")
    return math.pi / 4 * aperture_m**2 * (1 - obstruction**2)


def zero_point(
    filter_name: str,
    aperture_m: float,
    obstruction: float = DEFAULT_OBSTRUCTION,
    throughput: float | None = None,
) -> float:
    """Instrumental zero point: the AB magnitude giving 1 detected e⁻/s above the atmosphere."""
    b = band(filter_name)
    eff = b.throughput if throughput is None else throughput
    return 2.5 * math.log10(b.photons_m0_s_m2 * collecting_area_m2(aperture_m, obstruction) * eff)


def photon_rate(
    mag: float,
    filter_name: str,
    aperture_m: float,
    airmass: float = 1.0,
    obstruction: float = DEFAULT_OBSTRUCTION,
    throughput: float | None = None,
) -> float:
    """Detected electrons per second from a point source of AB magnitude ``mag``.

    Includes atmospheric extinction, 10^(-0.4 k X), for airmass X ≥ 1.
    """
    if airmass < 1:
        raise ValueError("airmass must be >= 1")
    b = band(filter_name)
    zp = zero_point(filter_name, aperture_m, obstruction, throughput)
    return 10 ** (-0.4 * (mag - zp + b.extinction_mag_airmass * airmass))

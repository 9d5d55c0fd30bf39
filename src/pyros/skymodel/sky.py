"""Night-sky brightness: dark sky, twilight and moonlight, in AB mag/arcsec².

* Dark sky: the band's zenith value (:mod:`pyros.skymodel.photometry`), brightening away
  from the zenith as X · 10^(-0.4 k (X − 1)) (airglow path length against extinction;
  Krisciunas & Schaefer 1991, PASP 103, 1033, eq. 2).
* Moonlight: Krisciunas & Schaefer (1991) eqs. 8–21 — the Moon's illuminance from its
  phase angle, the scattering function of the Moon–target separation (Rayleigh + Mie) and
  the extinction along both lines of sight.  The model is for V; other bands use their own
  extinction coefficient k (scattering scales with it) and the colour of sunlight.
* Twilight: the zenith sky brightens by ~0.9 mag per degree of solar altitude between −18°
  and 0° (the slope measured at Paranal by Patat et al. 2006, A&A 455, 385), from
  27 mag/arcsec² at −18° to 11 mag/arcsec² at sunset, and keeps brightening in daylight.

All three are added in flux.  Sun and Moon positions come from astropy's built-in
ephemeris (no download).  Accuracy: a few tenths of a magnitude, which is what the model
itself claims (K&S quote 8–23 % rms).
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache

from pyros.skymodel.photometry import band

__all__ = [
    "SkyGeometry",
    "dark_sky_mag",
    "mag_to_nanolambert",
    "moon_sky_mag",
    "nanolambert_to_mag",
    "sky_brightness",
    "sky_geometry",
    "twilight_sky_mag",
]


def mag_to_nanolambert(mag_arcsec2: float) -> float:
    """V-like surface brightness (mag/arcsec²) to nanolamberts (K&S 1991, eq. 1 inverse)."""
    return 34.08 * math.exp(20.7233 - 0.92104 * mag_arcsec2)


def nanolambert_to_mag(b_nl: float) -> float:
    """Nanolamberts to mag/arcsec²; ``inf`` for zero brightness."""
    if b_nl <= 0:
        return math.inf
    return (20.7233 - math.log(b_nl / 34.08)) / 0.92104


def _airmass_ks(zenith_deg: float) -> float:
    """K&S 1991 eq. 3: airmass of a scattering layer at ~10 km, finite at the horizon."""
    return (1.0 - 0.96 * math.sin(math.radians(zenith_deg)) ** 2) ** -0.5


def _add_mags(*mags: float) -> float:
    flux = sum(10 ** (-0.4 * m) for m in mags if math.isfinite(m))
    return -2.5 * math.log10(flux) if flux > 0 else math.inf


def dark_sky_mag(filter_name: str, airmass: float = 1.0) -> float:
    """Moonless night sky (mag/arcsec²) at airmass X (≥ 1)."""
    b = band(filter_name)
    x = max(1.0, airmass)
    factor = x * 10 ** (-0.4 * b.extinction_mag_airmass * (x - 1.0))
    return b.dark_sky_mag_arcsec2 - 2.5 * math.log10(factor)


def moon_sky_mag(
    filter_name: str,
    moon_phase_angle_deg: float,
    moon_separation_deg: float,
    moon_alt_deg: float,
    target_airmass: float = 1.0,
) -> float:
    """Sky brightness (mag/arcsec²) due to the Moon alone (K&S 1991); ``inf`` if it is set.

    ``moon_phase_angle_deg`` is 0 at full moon and 180 at new moon.
    """
    if moon_alt_deg <= 0:
        return math.inf
    b = band(filter_name)
    k = b.extinction_mag_airmass
    alpha = abs(moon_phase_angle_deg)
    # eq. 20: illuminance of the Moon (V mag, converted to the band with the Sun's colour)
    i_star = 10 ** (-0.4 * (3.84 + 0.026 * alpha + 4e-9 * alpha**4 + b.sun_minus_v_mag))
    rho = max(moon_separation_deg, 1.0)
    # eq. 21 scattering function: Rayleigh + Mie
    f_rho = 10**5.36 * (1.06 + math.cos(math.radians(rho)) ** 2) + 10 ** (6.15 - rho / 40.0)
    x_moon = _airmass_ks(90.0 - moon_alt_deg)
    z_target = math.degrees(math.acos(min(1.0, 1.0 / max(1.0, target_airmass))))
    x_target = _airmass_ks(z_target)
    b_moon = f_rho * i_star * 10 ** (-0.4 * k * x_moon) * (1.0 - 10 ** (-0.4 * k * x_target))
    return nanolambert_to_mag(b_moon)


def twilight_sky_mag(sun_alt_deg: float) -> float:
    """Zenith twilight/daylight brightness (mag/arcsec²) for a solar altitude (deg)."""
    if sun_alt_deg <= -18.0:
        return math.inf
    if sun_alt_deg <= 0.0:
        return 11.0 - 0.9 * sun_alt_deg
    return max(4.0, 11.0 - 0.5 * sun_alt_deg)


class SkyGeometry(tuple):
    """(sun_alt_deg, moon_alt_deg, moon_phase_angle_deg, moon_ra_deg, moon_dec_deg)."""

    __slots__ = ()

    @property
    def sun_alt_deg(self) -> float:
        return self[0]

    @property
    def moon_alt_deg(self) -> float:
        return self[1]

    @property
    def moon_phase_angle_deg(self) -> float:
        return self[2]

    @property
    def moon_ra_deg(self) -> float:
        return self[3]

    @property
    def moon_dec_deg(self) -> float:
        return self[4]


@lru_cache(maxsize=256)
def _geometry_cached(t_unix_min: int, site: tuple[float, float, float]) -> SkyGeometry:
    import astropy.units as u
    from astropy.coordinates import AltAz, EarthLocation, get_body
    from astropy.time import Time

    import pyros.astro  # noqa: F401  (offline IERS configuration)

    lat, lon, height = site
    loc = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, height * u.m)
    t = Time(t_unix_min * 60.0, format="unix", scale="utc")
    frame = AltAz(obstime=t, location=loc)
    sun = get_body("sun", t, loc)
    moon = get_body("moon", t, loc)
    sun_alt = float(sun.transform_to(frame).alt.deg)
    moon_alt = float(moon.transform_to(frame).alt.deg)
    elong = sun.separation(moon)
    # phase angle from the elongation and the Sun/Moon distances (astroplan's formula)
    phase = math.atan2(
        float(sun.distance.to_value(u.km) * math.sin(elong.rad)),
        float(moon.distance.to_value(u.km) - sun.distance.to_value(u.km) * math.cos(elong.rad)),
    )
    moon_icrs = moon.icrs
    return SkyGeometry(
        (
            sun_alt,
            moon_alt,
            math.degrees(phase),
            float(moon_icrs.ra.deg),
            float(moon_icrs.dec.deg),
        )
    )


def sky_geometry(when: datetime, site: tuple[float, float, float]) -> SkyGeometry:
    """Sun altitude, Moon altitude, phase angle and position at ``when`` (to the minute)."""
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware")
    t_min = math.floor(when.timestamp() / 60.0)
    return _geometry_cached(t_min, tuple(float(v) for v in site))


def _separation_deg(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    c = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(r1 - r2)
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def sky_brightness(
    filter_name: str,
    ra_deg: float,
    dec_deg: float,
    when: datetime,
    site: tuple[float, float, float] | None,
    airmass: float = 1.0,
) -> float:
    """Total sky brightness (AB mag/arcsec²) towards (ra, dec) at ``when`` from ``site``.

    With ``site`` None only the dark sky is modelled (no twilight, no moon).
    """
    dark = dark_sky_mag(filter_name, airmass)
    if site is None:
        return dark
    g = sky_geometry(when, site)
    moon = moon_sky_mag(
        filter_name,
        g.moon_phase_angle_deg,
        _separation_deg(ra_deg, dec_deg, g.moon_ra_deg, g.moon_dec_deg),
        g.moon_alt_deg,
        airmass,
    )
    return _add_mags(dark, moon, twilight_sky_mag(g.sun_alt_deg))

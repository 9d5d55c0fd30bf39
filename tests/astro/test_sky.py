"""One astronomy for visibility: ``pyros.astro.sky`` and its four users against astropy.

The scheduler's night grid, request validation, the alert check and the web's altitude
curves must agree with each other and with astropy's ICRS → AltAz (from a geodetic
``EarthLocation``, offline IERS) to within 1 arcmin at the same instants.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import CIRS, AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time
from astropy.utils import iers

from pyros.alerts.visibility import check_visibility
from pyros.astro import sky
from pyros.planning.model import Site
from pyros.planning.visibility import NightGrid
from pyros.routines.visibility import Constraints, observable_intervals
from pyros.web.sky import altitude_curves

iers.conf.auto_download = False
iers.conf.auto_max_age = None

SITE = (31.0449, -115.4646, 2800.0)  # San Pedro Mártir
ARCMIN = 1.0 / 60.0
#: (ra, dec): circumpolar, equatorial, southern, near the pole, at RA 0/360
TARGETS = [(47.07, 40.95), (204.65, 44.6257), (300.0, -30.0), (0.0, 89.0), (359.99, 0.0)]
#: two nights, one with the Moon up (2026-03-04), one half a year later
STARTS = [datetime(2026, 3, 4, 3, 0, tzinfo=UTC), datetime(2026, 9, 17, 4, 0, tzinfo=UTC)]
SPAN = timedelta(hours=9)


def _location() -> EarthLocation:
    lat, lon, height = SITE
    return EarthLocation.from_geodetic(lon=lon * u.deg, lat=lat * u.deg, height=height * u.m)


def _astropy(ra: float, dec: float, times: list[datetime]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Target altitude, Moon distance and Sun altitude [deg] by astropy's own chain."""
    t = Time(times)
    frame = AltAz(obstime=t, location=_location())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degraded IERS accuracy: sub-arcsecond
        target = SkyCoord(ra * u.deg, dec * u.deg).transform_to(frame)
        moon = get_body("moon", t, location=_location()).transform_to(frame)
        sun = get_body("sun", t, location=_location()).transform_to(frame)
    return target.alt.deg, target.separation(moon).deg, sun.alt.deg


@pytest.mark.parametrize("start", STARTS, ids=lambda s: f"{s:%Y-%m-%d}")
@pytest.mark.parametrize("ra, dec", TARGETS)
def test_grid_alert_and_curves_agree_with_astropy_and_each_other(start, ra, dec):
    curve = altitude_curves([(ra, dec)], start, start + SPAN, SITE, samples=11)[0]
    instants = [t for t, _ in curve]
    offsets = np.array([(t - start).total_seconds() for t in instants])
    ref_alt, ref_sep, _ = _astropy(ra, dec, instants)

    lat, lon, height = SITE
    grid = NightGrid(Site(lat, lon, height), start, int(offsets[-1]) + 1)
    grid_alt, grid_sep = grid.evaluate(ra, dec, offsets)
    # the alert check's altitude and Moon distance at ``start`` (never observable above 91°)
    alerts = [check_visibility(ra, dec, SITE, t + timedelta(seconds=17), t + timedelta(hours=1),
                               min_altitude_deg=91.0, twilight_deg=-12.0) for t in instants]
    ref_alt17, ref_sep17, _ = _astropy(ra, dec, [t + timedelta(seconds=17) for t in instants])
    alert_alt = np.array([v.altitude_now_deg for v in alerts])
    alert_sep = np.array([v.moon_separation_deg for v in alerts])
    curve_alt = np.array([a for _, a in curve])

    assert np.abs(curve_alt - ref_alt).max() < ARCMIN
    assert np.abs(grid_alt - ref_alt).max() < ARCMIN
    assert np.abs(grid_sep - ref_sep).max() < ARCMIN
    assert np.abs(alert_alt - ref_alt17).max() < ARCMIN
    assert np.abs(alert_sep - ref_sep17).max() < ARCMIN
    assert np.abs(grid_alt - curve_alt).max() < ARCMIN


def _first_crossing(values: np.ndarray, limit: float) -> int:
    return int(np.nonzero(values >= limit)[0][0])


@pytest.mark.parametrize("start", STARTS, ids=lambda s: f"{s:%Y-%m-%d}")
def test_request_windows_open_when_astropy_says_the_target_crosses_its_limit(start):
    """Routines report intervals, not altitudes: on a 1 s grid, a window opens where
    astropy's altitude crosses the limit (1 arcmin is a few seconds of rising)."""
    site_limit = 30.0  # airmass 2
    constraints = Constraints(max_airmass=2.0, min_moon_separation_deg=0.0, twilight_deg=90.0,
                              horizon_deg=0.0)
    minutes = [start + timedelta(minutes=m) for m in range(0, int(SPAN.total_seconds() // 60))]
    for ra, dec in TARGETS:
        alt = _astropy(ra, dec, minutes)[0]
        rising = np.nonzero((alt[:-1] < site_limit) & (alt[1:] >= site_limit))[0]
        if not rising.size:
            continue
        t0 = minutes[int(rising[0])] - timedelta(minutes=5)
        seconds = [t0 + timedelta(seconds=s) for s in range(0, 900)]
        crossing = seconds[_first_crossing(_astropy(ra, dec, seconds)[0], site_limit)]
        opened = observable_intervals(ra, dec, t0, t0 + timedelta(seconds=899), SITE,
                                      constraints, step_s=1.0)[0][0]
        before, at = _astropy(ra, dec, [opened - timedelta(seconds=1), opened])[0]
        assert at >= site_limit - ARCMIN and before < site_limit + ARCMIN, (ra, dec)
        assert abs((opened - crossing).total_seconds()) <= 5, (ra, dec)


def test_request_windows_open_at_astropy_twilight():
    dusk_from = datetime(2026, 3, 4, 2, 5, tzinfo=UTC)
    seconds = [dusk_from + timedelta(seconds=s) for s in range(0, 2400)]
    sun = _astropy(0.0, 89.0, seconds)[2]
    dusk = seconds[_first_crossing(-sun, 12.0)]
    constraints = Constraints(max_airmass=10.0, min_moon_separation_deg=0.0, horizon_deg=0.0)
    opened = observable_intervals(0.0, 89.0, dusk_from, seconds[-1], SITE, constraints,
                                  step_s=1.0)[0][0]
    sun_before, sun_at = _astropy(0.0, 89.0, [opened - timedelta(seconds=1), opened])[2]
    assert sun_at < -12.0 + ARCMIN and sun_before >= -12.0 - ARCMIN
    assert abs((opened - dusk).total_seconds()) <= 5


@pytest.mark.parametrize("ra, dec", TARGETS)
def test_apparent_directions_are_astropys_cirs(ra, dec):
    at = datetime(2026, 2, 25, 8, 52, tzinfo=UTC)
    ours = sky.apparent(ra, dec, at.timestamp())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = SkyCoord(ra, dec, unit="deg").transform_to(CIRS(obstime=Time(at)))
    ref = theirs.cartesian.xyz.value
    sep_arcsec = np.degrees(np.arccos(min(1.0, float(ours @ ref)))) * 3600
    assert sep_arcsec < 0.1  # erfa parameters of the hour: < 0.05"
    assert abs(np.linalg.norm(ours) - 1.0) < 1e-12


def test_vectorised_and_scalar_calls_agree():
    at = datetime(2026, 2, 25, 8, 52, tzinfo=UTC).timestamp()
    ra, dec = np.array([t[0] for t in TARGETS]), np.array([t[1] for t in TARGETS])
    many = sky.apparent(ra, dec, at)
    assert many.shape == (3, len(TARGETS))
    for k, (r, d) in enumerate(TARGETS):
        assert np.allclose(many[:, k], sky.apparent(r, d, at), atol=1e-15)
    theta = np.linspace(0.0, 6.0, 7)
    alt = sky.altitude_deg(many[:, :, None], theta, SITE[0])
    assert alt.shape == (len(TARGETS), 7)
    assert np.allclose(alt[2], sky.altitude_deg(many[:, 2], theta, SITE[0]))

"""The mount: park/unpark, slews on the shared clock, tracking, limits, abort."""

from __future__ import annotations

from datetime import timedelta

import astropy.units as u
import pytest
from alpaca.exceptions import (
    InvalidOperationException,
    InvalidValueException,
    ParkedException,
)
from alpaca.telescope import Telescope, TelescopeAxes
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time

from pyros.simulators.astrometry import altaz_to_radec, radec_to_altaz
from pyros.simulators.motion import trapezoid_duration_s
from pyros.simulators.testing import wait_until

LAT, LON = 31.0449, -115.4646
# Regulus (RA 10h08m, Dec +12°) is high in the south at START.
REGULUS = (10.1395, 11.967)


@pytest.fixture
def mount(sims):
    m = Telescope(sims.address, 0)
    m.Connected = True
    return m


def test_starts_parked_and_refuses_to_move_until_unparked(mount):
    assert mount.AtPark is True
    assert mount.Altitude == pytest.approx(89.0)
    with pytest.raises(ParkedException):
        mount.SlewToAltAzAsync(180.0, 60.0)
    with pytest.raises(ParkedException):
        mount.Tracking = True
    mount.Unpark()
    assert mount.AtPark is False


def test_slew_to_coordinates_completes_on_the_simulated_clock(sims, mount, manual_clock):
    mount.Unpark()
    mount.Tracking = True
    mount.SlewToCoordinatesAsync(*REGULUS)
    assert mount.Slewing is True
    assert mount.TargetRightAscension == pytest.approx(REGULUS[0])
    manual_clock.advance(3.0)
    assert mount.Slewing is True and mount.Altitude < 89.0  # on its way
    manual_clock.advance(60.0)
    assert mount.Slewing is False and mount.Tracking is True
    assert mount.RightAscension == pytest.approx(REGULUS[0], abs=1e-9)
    assert mount.Declination == pytest.approx(REGULUS[1], abs=1e-9)
    # Tracking: an hour later the target has moved across the sky, the mount with it.
    alt_before = mount.Altitude
    manual_clock.advance(3600.0)
    now = manual_clock.now()
    az, alt = radec_to_altaz(REGULUS[0] * 15, REGULUS[1], now, LAT, LON)
    assert mount.Altitude == pytest.approx(alt, abs=1e-6) and alt != pytest.approx(alt_before)
    assert mount.Azimuth == pytest.approx(az, abs=1e-6)


def test_slew_duration_follows_the_axis_profile(sims, mount, manual_clock):
    mount.Unpark()
    mount.SlewToAltAzAsync(0.0, 49.0)  # pure 40° altitude move from the park position
    expected = trapezoid_duration_s(40.0, 10.0, 5.0) + 1.0  # + settle time
    manual_clock.advance(expected - 0.05)
    assert mount.Slewing is True
    manual_clock.advance(0.1)
    assert mount.Slewing is False
    assert mount.Altitude == pytest.approx(49.0) and mount.Azimuth == pytest.approx(0.0)


def test_slew_on_a_fast_sim_clock(fast_sims):
    mount = Telescope(fast_sims.address, 0)
    mount.Connected = True
    mount.Unpark()
    mount.Tracking = True
    mount.SlewToCoordinatesAsync(*REGULUS)
    wait_until(lambda: not mount.Slewing, timeout_s=10)
    assert mount.RightAscension == pytest.approx(REGULUS[0], abs=1e-6)
    state = fast_sims.state()["devices"]["mount"]
    assert state["tracking"] and not state["slewing"]


def test_synchronous_slew_returns_when_the_slew_is_over(fast_sims, raw_for):
    mount = Telescope(fast_sims.address, 0)
    mount.Connected = True
    mount.Unpark()
    # alpyca refuses the deprecated synchronous slews client-side: plain HTTP.
    reply = raw_for(fast_sims.url).put("/api/v1/telescope/0/slewtoaltaz", Azimuth=200, Altitude=45)
    assert reply.json()["ErrorNumber"] == 0
    assert mount.Slewing is False
    assert mount.Azimuth == pytest.approx(200.0) and mount.Altitude == pytest.approx(45.0)


def test_horizon_limit_and_argument_checks(mount):
    mount.Unpark()
    with pytest.raises(InvalidValueException, match="below the limit"):
        mount.SlewToAltAzAsync(180.0, 10.0)  # site horizon is 20°
    with pytest.raises(InvalidValueException):
        mount.SlewToAltAzAsync(400.0, 45.0)
    with pytest.raises(InvalidOperationException):
        mount.SlewToCoordinatesAsync(*REGULUS)  # tracking is off
    mount.Tracking = True
    with pytest.raises(InvalidOperationException):
        mount.SlewToAltAzAsync(180.0, 45.0)  # tracking is on
    with pytest.raises(InvalidValueException, match="below the limit"):
        mount.SlewToCoordinatesAsync(12.0, -80.0)  # never rises at +31°
    with pytest.raises(InvalidValueException):
        mount.SlewToCoordinatesAsync(25.0, 0.0)
    assert mount.Slewing is False


def test_abort_slew_stops_where_the_mount_is(mount, manual_clock):
    mount.Unpark()
    mount.SlewToAltAzAsync(90.0, 30.0)
    manual_clock.advance(2.0)
    mount.AbortSlew()
    assert mount.Slewing is False
    stopped = mount.Altitude
    assert 30.0 < stopped < 89.0
    manual_clock.advance(30.0)
    assert mount.Altitude == pytest.approx(stopped)


def test_park_slews_home_then_reports_at_park(mount, manual_clock):
    mount.Unpark()
    mount.SlewToAltAzAsync(150.0, 40.0)
    manual_clock.advance(60.0)
    mount.Park()
    assert mount.Slewing is True and mount.AtPark is False and mount.Tracking is False
    manual_clock.advance(60.0)
    assert mount.AtPark is True and mount.Altitude == pytest.approx(89.0)
    with pytest.raises(ParkedException):
        mount.AbortSlew()


def test_tracking_stops_at_the_altitude_limit(sims, mount, manual_clock, start):
    mount.Unpark()
    mount.Tracking = True
    # A western target low in the sky sets through the 20° limit within the hour.
    az_target, alt_target = 270.0, 25.0
    ra, dec = altaz_to_radec(az_target, alt_target, start, LAT, LON)
    mount.SlewToCoordinatesAsync(ra / 15.0, dec)
    manual_clock.advance(3600.0)
    assert mount.Tracking is False
    assert mount.Altitude == pytest.approx(20.0)
    assert sims.state()["devices"]["mount"]["stopped_at_limit"] is True


def test_fast_coordinates_agree_with_astropy(start):
    location = EarthLocation.from_geodetic(LON * u.deg, LAT * u.deg, 2792 * u.m)
    when = start + timedelta(hours=2)
    for ra, dec in [(150.0, 20.0), (30.0, -10.0), (250.0, 60.0)]:
        az, alt = radec_to_altaz(ra, dec, when, LAT, LON)
        ref = SkyCoord(ra * u.deg, dec * u.deg).transform_to(
            AltAz(obstime=Time(when), location=location))
        sep = SkyCoord(az * u.deg, alt * u.deg).separation(SkyCoord(ref.az, ref.alt))
        assert sep.arcsec < 2.0
        back = altaz_to_radec(az, alt, when, LAT, LON)
        assert back[0] == pytest.approx(ra, abs=1e-7) and back[1] == pytest.approx(dec, abs=1e-7)


def test_fixed_properties(mount, raw, start):
    assert mount.AlignmentMode == 0 and mount.EquatorialSystem == 2
    assert mount.ApertureDiameter == pytest.approx(1.3)
    assert mount.SiteLatitude == pytest.approx(LAT)
    assert mount.AxisRates(TelescopeAxes.axisPrimary)[0].Maximum == pytest.approx(10.0)
    assert mount.CanMoveAxis(TelescopeAxes.axisSecondary) is False
    bad_axis = raw.get("/api/v1/telescope/0/canmoveaxis", Axis=5)
    assert bad_axis.json()["ErrorNumber"] == 0x401
    assert 0 <= mount.SiderealTime < 24
    assert abs((mount.UTCDate - start).total_seconds()) < 1

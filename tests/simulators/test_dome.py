"""The dome: shutter timing and states, azimuth, slaving to the mount, PLC power."""

from __future__ import annotations

import pytest
from alpaca.dome import Dome, ShutterState
from alpaca.exceptions import InvalidOperationException, InvalidValueException, SlavedException
from alpaca.switch import Switch
from alpaca.telescope import Telescope


@pytest.fixture
def dome(sims):
    d = Dome(sims.address, 0)
    d.Connected = True
    return d


def test_shutter_opens_and_closes_in_the_configured_time(dome, manual_clock):
    assert dome.ShutterStatus == ShutterState.shutterClosed
    dome.OpenShutter()
    assert dome.ShutterStatus == ShutterState.shutterOpening and dome.Slewing
    manual_clock.advance(29.0)  # shutter_time_s = 30
    assert dome.ShutterStatus == ShutterState.shutterOpening
    manual_clock.advance(1.5)
    assert dome.ShutterStatus == ShutterState.shutterOpen and not dome.Slewing
    dome.CloseShutter()
    manual_clock.advance(10.0)
    assert dome.ShutterStatus == ShutterState.shutterClosing
    dome.OpenShutter()  # reversal: only the 10 s travelled must be undone
    manual_clock.advance(10.5)
    assert dome.ShutterStatus == ShutterState.shutterOpen


def test_azimuth_moves_the_short_way_at_the_configured_rate(dome, manual_clock):
    dome.SlewToAzimuth(330.0)  # 30° the short way from 0, at 12°/s
    assert dome.AtPark is False
    manual_clock.advance(1.0)
    assert dome.Azimuth == pytest.approx(348.0)
    manual_clock.advance(1.6)
    assert dome.Azimuth == pytest.approx(330.0) and not dome.Slewing
    with pytest.raises(InvalidValueException):
        dome.SlewToAzimuth(360.0)
    dome.Park()
    manual_clock.advance(5.0)
    assert dome.AtPark and dome.Azimuth == pytest.approx(0.0)


def test_slaved_dome_follows_the_mount(sims, dome, manual_clock):
    mount = Telescope(sims.address, 0)
    mount.Connected = True
    mount.Unpark()
    dome.Slaved = True
    mount.SlewToAltAzAsync(120.0, 50.0)
    with pytest.raises(SlavedException):
        dome.SlewToAzimuth(10.0)
    manual_clock.advance(15.0)  # the dome needs 10 s for 120°, the mount ~17 s
    assert dome.Azimuth == pytest.approx(120.0)
    manual_clock.advance(10.0)
    assert not dome.Slewing and not mount.Slewing
    dome.AbortSlew()
    assert dome.Slaved is False


def test_no_dome_motion_without_dome_power(sims, dome, manual_clock):
    plc = Switch(sims.address, 0)
    plc.Connected = True
    relay = [plc.GetSwitchName(i) for i in range(plc.MaxSwitch)].index("dome power")
    plc.SetSwitch(relay, False)
    with pytest.raises(InvalidOperationException, match="dome power"):
        dome.OpenShutter()
    plc.SetSwitch(relay, True)
    dome.OpenShutter()
    manual_clock.advance(31.0)
    assert dome.ShutterStatus == ShutterState.shutterOpen

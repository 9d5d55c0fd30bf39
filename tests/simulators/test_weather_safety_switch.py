"""Weather scenarios, the safety monitor that follows them, and the PLC switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alpaca.exceptions import InvalidValueException, NotImplementedException
from alpaca.observingconditions import ObservingConditions
from alpaca.safetymonitor import SafetyMonitor
from alpaca.switch import Switch


@pytest.fixture
def weather(sims):
    w = ObservingConditions(sims.address, 0)
    w.Connected = True
    return w


@pytest.fixture
def safety(sims):
    s = SafetyMonitor(sims.address, 0)
    s.Connected = True
    return s


def test_station_reports_every_sensor(weather):
    assert weather.RainRate == 0.0 and 0 <= weather.CloudCover <= 100
    assert weather.StarFWHM == pytest.approx(1.2)
    assert weather.DewPoint < weather.Temperature
    assert weather.Pressure > 700 and weather.SkyQuality > 20
    assert weather.WindGust >= weather.WindSpeed and 0 <= weather.WindDirection < 360
    assert "rain" in weather.SensorDescription("RainRate")
    with pytest.raises(InvalidValueException):
        weather.SensorDescription("nosuchsensor")
    assert weather.AveragePeriod == 0.0


def test_average_period_accepts_only_instantaneous_values(raw):
    raw.put("/api/v1/observingconditions/0/connected", Connected="true")
    ok = raw.put("/api/v1/observingconditions/0/averageperiod", AveragePeriod=0)
    assert ok.json()["ErrorNumber"] == 0
    refused = raw.put("/api/v1/observingconditions/0/averageperiod", AveragePeriod=1.5)
    assert refused.json()["ErrorNumber"] == 0x401


def test_weather_timeline_and_safety_flip_with_rain(sims, weather, safety, manual_clock):
    assert safety.IsSafe is True
    now = manual_clock.now()
    sims.schedule_weather([(now + timedelta(minutes=10), {"rainrate": 3.0, "humidity": 95}),
                           (now + timedelta(minutes=40), {"rainrate": 0.0, "humidity": 60})])
    manual_clock.advance(599)
    assert weather.RainRate == 0.0 and safety.IsSafe is True
    manual_clock.advance(2)
    assert weather.RainRate == 3.0 and weather.Humidity == 95
    assert safety.IsSafe is False
    assert sims.state()["devices"]["safety"]["reasons"] == ["rainrate 3.0 > 0.0",
                                                             "humidity 95.0 > 90.0"]
    manual_clock.advance(1800)
    assert weather.RainRate == 0.0 and safety.IsSafe is True
    sims.set_weather(windspeed=25.0)
    assert weather.WindSpeed == 25.0 and safety.IsSafe is False


def test_frozen_station_grows_stale_and_becomes_unsafe(sims, weather, safety, manual_clock):
    sims.set_weather(temperature=5.0)
    assert weather.TimeSinceLastUpdate("") == 0.0
    manual_clock.advance(7.0)
    assert weather.TimeSinceLastUpdate("Temperature") <= 10.0  # updates every 10 s
    sims.set_weather_updating(False)
    sims.set_weather(temperature=-10.0)  # a frozen station reports nothing new
    manual_clock.advance(200.0)
    assert weather.Temperature == 5.0
    assert weather.TimeSinceLastUpdate("") > 120 and safety.IsSafe is False
    sims.set_weather_updating(True)
    assert weather.TimeSinceLastUpdate("") == 0.0 and safety.IsSafe is True


def test_bad_weather_values_are_refused(sims):
    with pytest.raises(ValueError, match="unknown weather sensor"):
        sims.set_weather(snow=1.0)
    with pytest.raises(ValueError, match="percentage"):
        sims.set_weather(humidity=120)


def test_plc_switches(sims):
    plc = Switch(sims.address, 0)
    plc.Connected = True
    names = [plc.GetSwitchName(i) for i in range(plc.MaxSwitch)]
    assert {"dome power", "mount power", "vis camera power", "roof power", "lights",
            "flat lamp", "rain sensor"} <= set(names)
    lights = names.index("lights")
    assert plc.GetSwitch(lights) is False and plc.CanWrite(lights)
    plc.SetSwitch(lights, True)
    assert plc.GetSwitch(lights) is True and plc.GetSwitchValue(lights) == 1.0
    lamp = names.index("flat lamp")
    assert plc.MaxSwitchValue(lamp) == 100.0 and plc.SwitchStep(lamp) == 1.0
    plc.SetSwitchValue(lamp, 40.0)
    assert plc.GetSwitchValue(lamp) == 40.0
    with pytest.raises(InvalidValueException):
        plc.SetSwitchValue(lamp, 140.0)
    rain = names.index("rain sensor")
    assert plc.CanWrite(rain) is False and plc.GetSwitch(rain) is False
    with pytest.raises(NotImplementedException):
        plc.SetSwitch(rain, True)
    sims.set_weather(rainrate=1.0)
    assert plc.GetSwitch(rain) is True
    assert plc.CanAsync(0) is False
    with pytest.raises(InvalidValueException):
        plc.GetSwitch(len(names))

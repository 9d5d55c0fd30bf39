"""The sky rules on plain values and datetimes: hysteresis, physical ranges, stale data."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from pyros.config import load_config
from pyros.config.schema import SafetyConfig, SensorRule
from pyros.monitoring.safety import (
    SensorHysteresis,
    WeatherSafety,
    physical_problem,
    plc_reasons,
)

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def default_safety() -> SafetyConfig:
    return load_config().safety


def test_rain_is_bad_at_once_and_good_only_after_300_s():
    rain = SensorHysteresis("rainrate", default_safety().sensors["rainrate"])
    assert rain.update(0.0, at(0)).safe
    bad = rain.update(0.5, at(1))
    assert not bad.safe and bad.reason == "rainrate 0.5 > 0"
    # dry again: still unsafe for 300 s, whatever the readings in between say
    for s in (2, 100, 200, 300):
        v = rain.update(0.0, at(s))
        assert not v.safe, s
        assert "back in range" in v.reason and v.pending
    assert rain.update(0.0, at(302)).safe


def test_rain_returning_during_the_hold_restarts_it():
    rain = SensorHysteresis("rainrate", default_safety().sensors["rainrate"])
    rain.update(0.0, at(0))
    rain.update(1.0, at(1))
    rain.update(0.0, at(2))
    rain.update(0.2, at(250))       # a shower during the hold
    assert not rain.update(0.0, at(260)).safe
    assert not rain.update(0.0, at(500)).safe   # 240 s after the shower: still holding
    assert rain.update(0.0, at(561)).safe


def test_wind_turns_bad_after_90_s_and_good_after_600_s():
    wind = SensorHysteresis("windspeed", default_safety().sensors["windspeed"])
    assert wind.update(5.0, at(0)).safe
    gust = wind.update(20.0, at(10))
    assert gust.safe and "unsafe in 90 s" in gust.pending
    assert wind.update(20.0, at(60)).safe
    assert wind.update(5.0, at(70)).safe            # a gust under 90 s is forgiven
    wind.update(20.0, at(100))
    assert wind.update(20.0, at(189)).safe
    assert not wind.update(20.0, at(190)).safe      # 90 s out: bad
    assert not wind.update(5.0, at(200)).safe
    assert not wind.update(5.0, at(799)).safe
    assert wind.update(5.0, at(800)).safe           # 600 s calm


def test_first_reading_decides_at_once():
    wind = SensorHysteresis("windspeed", default_safety().sensors["windspeed"])
    assert not wind.update(30.0, at(0)).safe         # no history: no 90 s grace at start
    rain = SensorHysteresis("rainrate", default_safety().sensors["rainrate"])
    assert rain.update(0.0, at(0)).safe              # nor a 300 s hold at start


def test_nan_and_impossible_readings_are_unsafe_with_the_reason():
    rule = SensorRule(max=90.0, good_after_s=600)
    hum = SensorHysteresis("humidity", rule)
    assert hum.update(40.0, at(0)).safe
    v = hum.update(120.0, at(1))
    assert not v.safe and "physical range" in v.reason and "120" in v.reason
    assert not hum.update(40.0, at(2)).safe          # then the good-hold applies
    assert physical_problem("windspeed", -3.0) is not None
    assert physical_problem("rainrate", -0.1) is not None
    assert physical_problem("windspeed", math.nan) == "windspeed: invalid reading nan"
    assert physical_problem("humidity", 100.0) is None
    assert physical_problem("temperature", None) == "temperature: no valid reading"


def test_weather_station_snapshot_verdicts():
    safety = WeatherSafety(default_safety(), started_at=T0)
    good = {"rainrate": 0.0, "windspeed": 4.0, "humidity": 35.0, "cloudcover": 5.0,
            "temperature": 6.0}
    assert safety.update(at(0), good, updated_at=at(-5)).safe
    nan = safety.update(at(1), {**good, "humidity": None}, updated_at=at(1),
                        invalid={"humidity"})
    assert not nan.safe
    assert nan.reasons == ("humidity: invalid reading (NaN)",)
    absent = WeatherSafety(default_safety(), started_at=T0).update(
        at(0), {k: v for k, v in good.items() if k != "cloudcover"}, absent={"cloudcover"})
    assert absent.reasons == ("cloudcover: sensor absent",)
    negative = WeatherSafety(default_safety(), started_at=T0).update(
        at(0), {**good, "windspeed": -1.0})
    assert not negative.safe and "windspeed: -1 outside the physical range" in \
        negative.reasons[0]


def test_stale_weather_is_unsafe_after_the_limit():
    safety = WeatherSafety(default_safety(), started_at=T0)
    good = {"rainrate": 0.0, "windspeed": 4.0, "humidity": 35.0, "cloudcover": 5.0,
            "temperature": 6.0}
    assert safety.update(at(0), good, updated_at=at(0)).safe
    assert safety.verdict(at(120)).safe
    stale = safety.verdict(at(121))
    assert not stale.safe and stale.reasons == ("weather data 121 s old (limit 120 s)",)
    # a station repeating old data does not refresh it: age counts from its update time
    again = safety.update(at(130), good, updated_at=at(0))
    assert not again.safe and again.age_s == 130


def test_no_weather_at_all_is_unsafe_only_after_the_limit():
    safety = WeatherSafety(default_safety(), started_at=T0)
    assert safety.verdict(at(60)).safe           # a missing station first pauses ...
    late = safety.verdict(at(121))               # ... then counts as stale weather
    assert not late.safe and late.reasons == ("no weather data for 121 s (limit 120 s)",)


def test_plc_channels():
    assert plc_reasons({"rain sensor": 0.0, "mains power": 1.0}) == []
    assert plc_reasons({"rain sensor": 1.0, "mains power": 0.0}) == [
        "PLC rain sensor wet", "PLC: mains power lost"]
    assert plc_reasons({"lights": 1.0}) == []

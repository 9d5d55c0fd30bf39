"""Rain during an exposure: abort, close, park within 1 s of simulated time; resume after
the hold; broken and stale weather data count as unsafe (simulators, fast clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.monitoring.conftest import mode, monitoring_config, run_until

from pyros.devices import open_all
from pyros.devices.enums import CameraState


#: A moderate speed: 1 s of simulated time is 200 ms of wall time for the whole reaction
#: (polling, HTTP, threads, the in-process simulators) on a loaded 2-core machine.
@pytest.mark.parametrize("sim_clock", [5.0], indirect=True)
def test_rain_during_an_exposure_shuts_down_within_1_s_then_resumes_after_the_hold(
        sims, sim_clock, make_agent):
    from pyros.monitoring.models import ModeChange
    from pyros.scheduler.models import ReplanRequest

    cfg = monitoring_config(sims.url)
    ours = open_all(cfg, ["mount", "dome", "camera_vis"])
    mount, dome, camera = ours["mount"], ours["dome"], ours["camera_vis"]
    mount.unpark()
    mount.slew_altaz(60.0, 120.0, wait=True)
    dome.open_shutter(wait=True)
    camera.start_exposure(600.0)
    assert camera.state() is CameraState.EXPOSING

    agent = make_agent(cfg)
    run_until(agent, lambda: mode() == "operational")

    rain_at = sim_clock.now()
    sims.set_weather(rainrate=2.5)
    run_until(agent, lambda: mode() == "unsafe")
    assert agent.reactor.wait(timeout_wall_s=5)
    records = {(r.device, r.action): r for r in agent.reactor.history()}
    for key in (("camera_vis", "abort exposure"), ("dome", "close shutter"),
                ("mount", "park")):
        record = records[key]
        assert record.sent, record
        assert record.done_at - rain_at <= timedelta(seconds=1), (key, record, rain_at)
        print(key, "sent", (record.done_at - rain_at).total_seconds(), "s after the rain")
    assert records[("camera_nir", "abort exposure")].outcome == "no exposure in progress"
    state = sims.state()["devices"]
    assert state["camera_vis"]["state"] == "idle"
    assert not state["camera_vis"]["image_ready"]             # aborted, not read out
    assert state["dome"]["shutter"] in ("closing", "closed")
    assert state["mount"]["parked"] or state["mount"]["slewing"]
    from pyros.monitoring.state import observatory_mode

    info = run_until(agent, lambda: (i := observatory_mode()) and any(
        "rainrate 2.5 > 0" in r for r in i.reasons) and i)
    assert info.mode == "unsafe" and not info.safe_to_observe and not info.sky_safe

    # dry again: unsafe for the hold time (20 s in this configuration), then operational
    sims.set_weather(rainrate=0.0)
    dry_at = sim_clock.now()
    run_until(agent, lambda: mode() != "unsafe", timeout_wall_s=30)
    assert mode() == "operational"
    assert sim_clock.now() - dry_at >= timedelta(seconds=20)
    history = list(ModeChange.objects.order_by("at", "id").values_list("previous", "mode"))
    assert ("operational", "unsafe") in history and ("unsafe", "operational") in history
    assert ReplanRequest.objects.filter(source="monitoring",
                                        reason__startswith="observatory operational").exists()
    assert [subject for kind, subject, _ in agent.notifier.sent if kind == "unsafe"] == [
        "Observatory UNSAFE: dome closing, mount parking", "Observatory OPERATIONAL again"]
    from pyros.monitoring.state import weather_history

    rain = [v for _, v in weather_history("rainrate", rain_at - timedelta(minutes=5))]
    assert 2.5 in rain and rain[-1] == 0.0
    # nothing is re-opened by monitoring: the execution agent does that when it resumes
    assert sims.state()["devices"]["dome"]["shutter"] in ("closing", "closed")
    for driver in ours.values():
        driver.close()


def _break_sensor(sims, sensor: str, value: float) -> None:
    """Make the simulated station report an impossible value (its API refuses them)."""
    model = sims.observatory.weather
    with model._lock:
        model._values[sensor] = value


def test_impossible_sensor_values_are_unsafe_with_the_reason(sims, make_agent):
    agent = make_agent(monitoring_config(sims.url))
    run_until(agent, lambda: mode() == "operational")
    from pyros.monitoring.state import observatory_mode

    _break_sensor(sims, "humidity", 130.0)
    run_until(agent, lambda: any("humidity: 130 outside the physical range" in r
                                 for r in observatory_mode().reasons))
    assert mode() == "unsafe"
    _break_sensor(sims, "humidity", 35.0)
    _break_sensor(sims, "windspeed", -4.0)
    run_until(agent, lambda: any("windspeed: -4 outside the physical range" in r
                                 for r in observatory_mode().reasons))
    assert mode() == "unsafe"


def test_stale_weather_is_unsafe(sims, sim_clock, make_agent):
    agent = make_agent(monitoring_config(sims.url))
    run_until(agent, lambda: mode() == "operational")
    sims.set_weather_updating(False)
    frozen_at = sim_clock.now()
    from pyros.monitoring.state import observatory_mode

    # 120 s of clock time; a loaded machine needs more wall time for it (not a timing test)
    run_until(agent, lambda: any("old (limit 120 s)" in r for r in observatory_mode().reasons),
              timeout_wall_s=90)
    assert mode() == "unsafe"
    assert sim_clock.now() - frozen_at >= timedelta(seconds=110)
    assert any(r.device == "dome" for r in agent.reactor.history())


def test_a_nan_reading_from_the_driver_is_unsafe_with_the_reason():
    """Alpaca JSON cannot carry NaN (the simulator refuses to send it): the driver reports
    a NaN from another backend as None and lists the sensor as invalid."""
    from datetime import UTC, datetime

    from pyros.monitoring.guard import SafetyGuard
    from pyros.monitoring.watch import DeviceReport

    cfg = monitoring_config()
    t0 = datetime(2026, 3, 1, 6, tzinfo=UTC)
    fired: list[tuple[str, ...]] = []
    guard = SafetyGuard(cfg.safety, t0, on_unsafe=fired.append)
    guard.register("weather", cfg.device("weather").kind)
    values = {"rainrate": 0.0, "windspeed": 3.0, "humidity": 30.0, "cloudcover": 0.0,
              "temperature": 5.0}
    report = DeviceReport("weather", "observingconditions", True, True, available=True,
                          status={"values": values, "updated_at": t0.isoformat(),
                                  "absent": [], "invalid": []})
    assert guard.feed(report, t0).safe and not fired
    bad = DeviceReport("weather", "observingconditions", True, True, available=True,
                       status={"values": {**values, "humidity": None},
                               "updated_at": t0.isoformat(), "absent": [],
                               "invalid": ["humidity"]})
    verdict = guard.feed(bad, t0)
    assert verdict.reasons == ("humidity: invalid reading (NaN)",)
    assert fired == [("humidity: invalid reading (NaN)",)]

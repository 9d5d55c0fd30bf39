"""Devices lost and found: blocking ones pause, non-blocking ones are noted, start order
does not matter, a hung device does not stop the weather polling, restarted devices are
put back as they were (simulators on loopback, fast clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.monitoring.conftest import free_port, mode, monitoring_config, run_until

from pyros.clock import RealClock, monotonic
from pyros.devices import open_all


def reasons() -> list[str]:
    from pyros.monitoring.state import observatory_mode

    return observatory_mode().reasons


def status_of(name: str) -> dict:
    from pyros.monitoring.state import device_statuses

    return next(d for d in device_statuses() if d["name"] == name)


def test_losing_a_blocking_device_pauses_and_its_return_resumes(sims, make_agent):
    agent = make_agent(monitoring_config(sims.url))
    run_until(agent, lambda: mode() == "operational")
    sims.set_fault("dome", "disconnected")
    run_until(agent, lambda: mode() == "paused")
    assert any(r.startswith("dome unavailable:") for r in reasons())
    assert not status_of("dome")["available"]
    sims.set_fault("dome", "ok")
    run_until(agent, lambda: mode() == "operational")
    assert status_of("dome")["available"]
    told = [(k, subject) for k, subject, _ in agent.notifier.sent]
    # whoever hears of the loss hears of the return, and of the observatory's
    assert ("device_lost", "dome lost") in told and ("device_lost", "dome is back") in told
    assert ("paused", "Observatory PAUSED") in told
    assert ("paused", "Observatory OPERATIONAL again") in told


def test_losing_the_nir_camera_is_noted_and_observing_goes_on(sims, make_agent):
    from pyros.scheduler.models import ReplanRequest

    agent = make_agent(monitoring_config(sims.url))
    run_until(agent, lambda: mode() == "operational")
    sims.set_fault("camera_nir", "disconnected")
    run_until(agent, lambda: not status_of("camera_nir")["available"])
    agent.run_once()
    assert mode() == "operational"
    from pyros.monitoring.state import observatory_mode

    assert "camera_nir" in observatory_mode().unavailable_devices
    assert ReplanRequest.objects.filter(source="monitoring",
                                        reason__startswith="camera_nir lost").exists()
    sims.set_fault("camera_nir", "ok")
    run_until(agent, lambda: status_of("camera_nir")["available"])
    assert ReplanRequest.objects.filter(reason="camera_nir is back").exists()
    assert mode() == "operational"


def test_started_before_the_devices_it_waits_then_runs_and_survives_a_server_restart(
        sim_clock, make_agent):
    from pyros.simulators.testing import running_simulators

    port = free_port()
    cfg = monitoring_config(f"http://127.0.0.1:{port}")
    agent = make_agent(cfg)
    run_until(agent, lambda: any("waiting for device: connection refused" in r
                                 for r in reasons()))
    assert mode() == "paused"
    missing = {r.split(" unavailable:")[0] for r in reasons() if " unavailable:" in r}
    assert missing == {d.name for d in cfg.devices if d.blocking}
    with running_simulators(cfg, port=port) as sims:
        run_until(agent, lambda: mode() == "operational")
        wheel = open_all(cfg, ["filterwheel_vis"])["filterwheel_vis"]
        wheel.set_filter("i")
        wheel.close()
        run_until(agent, lambda: status_of("filterwheel_vis")["status"].get("filter") == "i")
    # the whole server is gone: paused (not unsafe: the weather is only just missing)
    run_until(agent, lambda: not status_of("weather")["available"])
    assert mode() == "paused"
    with running_simulators(cfg, port=port) as sims:
        assert sims.state()["devices"]["filterwheel_vis"]["filter"] == "g"  # powered up
        run_until(agent, lambda: mode() == "operational")
        # picked up again without restarting PyROS, and the wheel put back on its filter
        run_until(agent, lambda: sims.state()["devices"]["filterwheel_vis"]["target"] == 2)
        run_until(agent, lambda: status_of("filterwheel_vis")["restarts"] >= 1)


def test_restarted_devices_are_put_back_as_they_were(sims, make_agent):
    cfg = monitoring_config(sims.url)
    ours = open_all(cfg, ["camera_vis", "focuser", "dome"])
    ours["camera_vis"].set_cooler(True, -30.0)
    ours["focuser"].move_to(51234, wait=True)
    ours["dome"].set_slaved(True)
    agent = make_agent(cfg)
    run_until(agent, lambda: mode() == "operational")
    run_until(agent, lambda: status_of("camera_vis")["status"].get("cooler_on"))
    agent.run_once()
    camera_sim = sims.observatory.by_name["camera_vis"]
    dome_sim = sims.observatory.by_name["dome"]
    sims.set_fault("camera_vis", "restart", duration_s=5.0)   # unreachable for 5 s
    with dome_sim.lock:                                         # instant power cycle:
        dome_sim.power_on()                                     # Connected false
    run_until(agent, lambda: camera_sim.cooler_on and dome_sim.status()["slaved"],
              timeout_wall_s=30)
    assert camera_sim.setpoint_c == -30.0
    run_until(agent, lambda: status_of("camera_vis")["restarts"] >= 1
              and status_of("dome")["restarts"] >= 1)
    assert sims.state()["devices"]["focuser"]["position"] == 51234   # untouched
    for d in ours.values():
        d.close()


@pytest.mark.parametrize("sim_clock", [10.0], indirect=True)
def test_a_hung_camera_does_not_stop_the_weather_polling(sims, sim_clock, make_agent):
    cfg = monitoring_config(sims.url)
    agent = make_agent(cfg)
    run_until(agent, lambda: mode() == "operational")
    weather = agent.watches["weather"]
    start_generation = weather.report().generation
    sims.set_fault("camera_vis", "hang", duration_s=40.0)
    hang_at = sim_clock.now()
    worst_age_s = 0.0
    deadline = monotonic() + 3.0          # 30 s of simulated time, the camera hung
    while monotonic() < deadline:
        agent.run_once()
        polled = weather.report().polled_at
        worst_age_s = max(worst_age_s, (sim_clock.now() - polled).total_seconds())
        RealClock().sleep(0.01)
    elapsed_s = (sim_clock.now() - hang_at).total_seconds()
    polls = weather.report().generation - start_generation
    assert polls >= 0.6 * elapsed_s / weather.interval_s, (polls, elapsed_s)
    # Polling behind the hung camera would leave the weather unread for the camera's
    # whole call timeout (1.5 s wall = 15 s here): the cadence (0.5 s) plus jitter is far
    # below that.
    assert worst_age_s < 5.0, worst_age_s
    camera = agent.watches["camera_vis"].report()
    assert camera.available is False and "no answer" in camera.reason
    assert mode() == "paused"
    run_until(agent, lambda: mode() == "operational", timeout_wall_s=30)
    assert sim_clock.now() - hang_at >= timedelta(seconds=40)

"""The one clock: real, simulated with a speed factor, or manual; shared through the env."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from pyros.clock import (
    ManualClock,
    RealClock,
    SimClock,
    clock_from_environ,
    default_sim_start,
    parse_utc,
)

START = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_sim_clock_runs_at_its_speed():
    clock = SimClock(START, speed=100.0)
    t0 = clock.now()
    time.sleep(0.2)
    elapsed = (clock.now() - t0).total_seconds()
    assert 15.0 < elapsed < 60.0  # ~20 s of simulated time in 0.2 s of wall time


def test_sim_clock_sleep_is_scaled():
    clock = SimClock(START, speed=200.0)
    t0 = clock.now()
    clock.sleep(20.0)  # 0.1 s of wall time
    assert (clock.now() - t0).total_seconds() >= 20.0
    assert clock.wall_seconds(20.0) == pytest.approx(0.1)


def test_a_clock_wait_ends_when_its_event_is_set():
    import threading

    clock = SimClock(START, speed=1.0)
    stop = threading.Event()
    assert clock.wait(stop, 0.05) is False  # not set: the whole (short) sleep
    threading.Timer(0.2, stop.set).start()
    t0 = clock.now()
    assert clock.wait(stop, 600.0) is True  # set after 0.2 s: not 10 minutes
    assert (clock.now() - t0).total_seconds() < 300.0
    manual = ManualClock(START)
    assert manual.wait(threading.Event(), 30) is False
    assert manual.now() == START + timedelta(seconds=30)  # a manual clock advances instead
    assert manual.wait(stop, 30) is True and manual.now() == START + timedelta(seconds=30)


def test_two_processes_share_the_simulated_time():
    clock = SimClock(START, speed=50.0, epoch=time.time() - 10.0)  # 500 s in already
    env = {**clock.environ(), "PATH": "/usr/bin:/bin"}
    code = "from pyros.clock import get_clock; print(get_clock().now().isoformat())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    child_now = parse_utc(out)
    assert abs((child_now - clock.now()).total_seconds()) < 50.0 * 2  # within ~2 wall seconds
    assert child_now > START + timedelta(seconds=450)


def test_manual_clock_only_moves_when_told():
    clock = ManualClock(START)
    assert clock.now() == START
    clock.sleep(30)
    assert clock.now() == START + timedelta(seconds=30)
    clock.set(START)
    assert clock.now() == START


def test_environment_selects_the_clock():
    assert isinstance(clock_from_environ({}), RealClock)
    sim = clock_from_environ({"PYROS_CLOCK": "sim", "PYROS_SIM_START": "2026-11-26T02:00:00Z",
                              "PYROS_SIM_SPEED": "10", "PYROS_SIM_EPOCH": "1000"})
    assert isinstance(sim, SimClock)
    assert sim.start == START and sim.speed == 10.0 and sim.epoch == 1000.0


@pytest.mark.parametrize("env, message", [
    ({"PYROS_CLOCK": "fast"}, "PYROS_CLOCK"),
    ({"PYROS_CLOCK": "sim", "PYROS_SIM_START": "yesterday"}, "ISO-8601"),
    ({"PYROS_CLOCK": "sim", "PYROS_SIM_START": "2026-11-26T02:00Z", "PYROS_SIM_SPEED": "x"},
     "PYROS_SIM_SPEED"),
    ({"PYROS_CLOCK": "sim", "PYROS_SIM_START": "2026-11-26T02:00Z", "PYROS_SIM_SPEED": "0"},
     "speed"),
])
def test_bad_clock_environment_fails_loudly(env, message):
    with pytest.raises(ValueError, match=message):
        clock_from_environ(env)


def test_default_start_is_when_the_coming_night_can_be_observed():
    from astropy.time import Time

    from pyros.astro.night import location, sun_altitude_deg
    from pyros.config import load_config

    site = load_config().site
    for now in (datetime(2026, 11, 25, 20, 0, tzinfo=UTC),   # afternoon at the site
                datetime(2026, 11, 25, 9, 0, tzinfo=UTC)):   # night in progress
        start = default_sim_start(now)
        assert now < start < now + timedelta(hours=24)
        twilight = start - timedelta(seconds=site.execution_margin_s + 1.0)
        alt = sun_altitude_deg(location(*site.location_tuple()), Time([twilight]))[0]
        assert alt == pytest.approx(site.twilight_deg, abs=0.1)
        # evening: the Sun is going down
        later = sun_altitude_deg(location(*site.location_tuple()),
                                 Time([twilight + timedelta(minutes=10)]))[0]
        assert later < alt


def test_night_bounds_do_not_depend_on_when_they_are_asked():
    from pyros.astro.night import next_night

    site = (31.0449, -115.4646, 2792.0)
    base = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    nights = {next_night(site, base + timedelta(seconds=617 * k), -12.0) for k in range(12)}
    assert len(nights) == 1
    night = nights.pop()
    assert night.start.microsecond == 0 and night.end.microsecond == 0
    assert 11.0 < night.duration_s / 3600 < 12.5  # late November at +31°

"""The night driver's timeline: what a slow service restart does to the rest of the night."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from pyros.clock import SimClock
from pyros.night import driver as driver_mod
from pyros.night.driver import Driver
from pyros.night.scenario import load_scenario

SCENARIO = """
name: restarts
hours: 0.5
speed: 600
events:
  - {at: "+00:05", kind: restart, service: postgresql}
  - {at: "+00:10", kind: restart, service: redis}
"""


@pytest.mark.django_db
def test_a_slow_restart_moves_the_rest_of_the_night_instead_of_eating_it(monkeypatch):
    # 3 s of wall time at 600x is 30 min: without the shift the first restart would end
    # after the run's end and the second would never happen
    took: list[str] = []

    def slow_restart(service: str) -> float:
        time.sleep(3.0)
        took.append(service)
        return 3.0

    monkeypatch.setattr(driver_mod, "restart_service", slow_restart)
    scenario = load_scenario(text=SCENARIO)
    start = datetime(2026, 2, 25, 2, 0, tzinfo=UTC)
    clock = SimClock(start, scenario.speed)
    drv = Driver(scenario, start, clock, "http://127.0.0.1:9")
    end = drv.run_until(start + timedelta(hours=scenario.hours),
                        latest=start + timedelta(hours=2))

    assert took == ["postgresql", "redis"]
    first, second = (e for e in drv.done if e["kind"] == "restart")
    assert first["sim_s"] >= 1500
    # the second restart began its planned 5 minutes after the first had ended
    gap = (datetime.fromisoformat(second["done_at"]) - timedelta(seconds=second["sim_s"])
           - datetime.fromisoformat(first["done_at"])).total_seconds()
    assert 300 <= gap < 300 + 120
    assert end == start + timedelta(hours=0.5) + drv.delay
    assert drv.delay.total_seconds() >= 3000
    assert clock.now() >= end


@pytest.mark.django_db
def test_the_moved_end_never_passes_the_latest(monkeypatch):
    monkeypatch.setattr(driver_mod, "restart_service", lambda s: time.sleep(3.0) or 3.0)
    scenario = load_scenario(text=SCENARIO)
    start = datetime(2026, 2, 25, 2, 0, tzinfo=UTC)
    latest = start + timedelta(minutes=50)
    drv = Driver(scenario, start, SimClock(start, scenario.speed), "http://127.0.0.1:9")
    assert drv.run_until(start + timedelta(hours=0.5), latest=latest) == latest

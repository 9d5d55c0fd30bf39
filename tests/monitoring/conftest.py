"""Fixtures: simulators on a free loopback port, a fast simulated clock shared with the
agent, and a monitoring agent stepped by the test (its polling threads run by themselves).
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from pyros.clock import RealClock, SimClock, get_clock, monotonic, set_clock
from pyros.config import ObservatoryConfig, SensorRule, load_config

#: Mid-night at San Pedro Mártir (the night runs 2026-03-01 02:32 → 13:16 UTC).
MIDNIGHT = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
#: Simulated seconds per wall second.
SPEED = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def monitoring_config(address: str = "http://127.0.0.1:11111", **safety: Any) -> ObservatoryConfig:
    """The default observatory at ``address`` with short call timeouts, small detectors
    and short good-hold times (hold times themselves are tested on the pure rules)."""
    cfg = load_config()
    devices = [d.model_copy(update={"address": address, "timeout_s": 1.5,
                                    "download_timeout_s": 10.0, "reconnect_min_s": 0.05,
                                    "reconnect_max_s": 0.2})
               for d in cfg.devices]
    channels = [c.model_copy(update={"width_px": 128, "height_px": 96, "readout_time_s": 1.0})
                for c in cfg.channels]
    sensors = dict(cfg.safety.sensors)
    sensors["rainrate"] = SensorRule(max=0.0, bad_after_s=0, good_after_s=20)
    sensors["humidity"] = SensorRule(max=90.0, bad_after_s=0, good_after_s=20)
    sim = cfg.simulator.model_copy(update={"restart_time_s": 5.0})
    return cfg.model_copy(update={
        "devices": devices, "channels": channels, "simulator": sim,
        "safety": cfg.safety.model_copy(update={"sensors": sensors, **safety})})




@pytest.fixture
def sim_clock(request) -> Iterator[SimClock]:
    """A SimClock at ``SPEED`` (or the speed given by indirect parametrisation)."""
    previous = get_clock()
    clock = SimClock(MIDNIGHT, speed=float(getattr(request, "param", SPEED)))
    set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def sims(sim_clock):
    from pyros.simulators.testing import running_simulators

    with running_simulators(monitoring_config()) as handle:
        yield handle


class Notes:
    """Collects notifications instead of sending them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, kind: str, subject: str, body: str) -> None:
        self.sent.append((kind, subject, body))

    def kinds(self) -> list[str]:
        return [k for k, _, _ in self.sent]


@pytest.fixture
def make_agent(transactional_db, data_dir, sim_clock):
    """``make_agent(config)`` → a set-up MonitoringAgent (torn down after the test).

    A transactional database: the polling threads log, and logs go to the database.
    """
    from pyros.monitoring.agent import MonitoringAgent

    agents: list[MonitoringAgent] = []

    def make(config: ObservatoryConfig, threaded: bool = True) -> MonitoringAgent:
        agent = MonitoringAgent(clock=sim_clock, config=config, threaded=threaded,
                                notifier=Notes(), data_dir=data_dir)
        agent.setup()
        agents.append(agent)
        return agent

    yield make
    for agent in agents:
        agent.teardown()


def run_until(agent: Any, predicate: Callable[[], Any], timeout_wall_s: float = 20.0) -> Any:
    """Step the agent (its threads poll meanwhile) until ``predicate`` holds."""
    deadline = monotonic() + timeout_wall_s
    while True:
        agent.run_once()
        value = predicate()
        if value:
            return value
        if monotonic() > deadline:
            from pyros.monitoring.state import observatory_mode

            raise AssertionError(f"condition not met within {timeout_wall_s} s wall; "
                                 f"mode {observatory_mode()}")
        RealClock().sleep(0.02)


def mode() -> str:
    from pyros.monitoring.state import observatory_mode

    return observatory_mode().mode.value

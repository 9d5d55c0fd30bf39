"""Fixtures for the simulator tests: a clock under test control and a running server.

Most tests use a :class:`ManualClock` and advance it instead of waiting; the few that
need time to flow use a fast :class:`SimClock`.  Detectors are shrunk to 256 px so that
frames render in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

import pyros.astro  # noqa: F401  (offline astropy set-up)
import pyros.clock as clock_module
from pyros.clock import ManualClock, SimClock, set_clock
from pyros.config import ObservatoryConfig, load_config
from pyros.simulators.testing import SimulatorHandle, running_simulators, wait_until

__all__ = ["wait_until"]

#: 06:00 UTC on 1 March 2026 is 23:00 local at San Pedro Mártir: dark, Leo high.
START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


def small_config() -> ObservatoryConfig:
    cfg = load_config()
    channels = [c.model_copy(update={"width_px": 256, "height_px": 256}) for c in cfg.channels]
    return cfg.model_copy(update={"channels": channels})


class Raw:
    """Plain HTTP against the server, for what alpyca hides (status codes, envelopes)."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()
        self.tid = 0

    def get(self, path: str, **params: Any) -> requests.Response:
        self.tid += 1
        params.setdefault("ClientTransactionID", self.tid)
        return self.session.get(f"{self.url}{path}", params=params, timeout=10)

    def put(self, path: str, **data: Any) -> requests.Response:
        self.tid += 1
        data.setdefault("ClientTransactionID", self.tid)
        return self.session.put(f"{self.url}{path}", data=data, timeout=10)



@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    previous = clock_module._clock
    clock = ManualClock(START)
    set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def fast_clock() -> Iterator[SimClock]:
    previous = clock_module._clock
    clock = SimClock(START, speed=100.0)
    set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def sims(manual_clock: ManualClock) -> Iterator[SimulatorHandle]:
    with running_simulators(small_config()) as handle:
        yield handle


@pytest.fixture
def fast_sims(fast_clock: SimClock) -> Iterator[SimulatorHandle]:
    with running_simulators(small_config()) as handle:
        yield handle


@pytest.fixture
def raw(sims: SimulatorHandle) -> Iterator[Raw]:
    client = Raw(sims.url)
    yield client
    client.session.close()


@pytest.fixture
def raw_for() -> Iterator[Callable[[str], Raw]]:
    """Plain HTTP clients for other servers (e.g. the fast-clock one)."""
    clients: list[Raw] = []

    def make(url: str) -> Raw:
        clients.append(Raw(url))
        return clients[-1]

    yield make
    for client in clients:
        client.session.close()


@pytest.fixture
def start() -> datetime:
    return START

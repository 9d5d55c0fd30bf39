"""Fixtures: the Alpaca simulators on a free loopback port with a fast simulated clock,
and drivers configured for them with short timeouts so fault tests stay quick."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from pyros.clock import SimClock, get_clock, set_clock
from pyros.config import ObservatoryConfig, load_config
from pyros.devices import Device, open_all

#: Call timeout (wall s): short so a hang is seen quickly, long enough for the in-process
#: simulator rendering a frame (it holds the GIL) on a loaded 2-core machine.
TIMEOUT_S = 2.0
#: Simulated seconds per wall second: slews and shutters finish in a blink.
SPEED = 60.0


def small_config(address: str = "http://127.0.0.1:11111") -> ObservatoryConfig:
    """The default observatory with small detectors and test timeouts, at ``address``."""
    cfg = load_config()
    devices = [d.model_copy(update={"address": address, "timeout_s": TIMEOUT_S,
                                    "download_timeout_s": 20.0, "reconnect_min_s": 0.05,
                                    "reconnect_max_s": 0.2})
               for d in cfg.devices]
    channels = [c.model_copy(update={"width_px": 256, "height_px": 192, "readout_time_s": 1.0})
                for c in cfg.channels]
    return cfg.model_copy(update={"devices": devices, "channels": channels})


@pytest.fixture
def sim_clock() -> Iterator[SimClock]:
    previous = get_clock()
    clock = SimClock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC), speed=SPEED)
    set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def sims(sim_clock: SimClock):
    from pyros.simulators.testing import running_simulators

    with running_simulators(small_config()) as handle:
        yield handle


@pytest.fixture
def config(sims) -> ObservatoryConfig:
    return small_config(sims.url)


@pytest.fixture
def drivers(config: ObservatoryConfig) -> Iterator[dict[str, Device]]:
    opened = open_all(config)
    yield opened
    for driver in opened.values():
        driver.close()

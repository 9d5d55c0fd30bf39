"""Run the simulators inside a test: ``with running_simulators() as sims: ...``.

The server runs in a background thread on 127.0.0.1 (a free port by default) with every
device of the configuration; ``sims.url`` is what a device address should point to.  The
handle drives the scenario directly (no HTTP) so that tests stay fast::

    from pyros.simulators.testing import running_simulators

    with running_simulators() as sims:
        mount = Telescope(f"127.0.0.1:{sims.port}", 0)
        sims.set_weather(rainrate=2.0)
        sims.set_fault("camera_vis", "hang", duration_s=30)

Time is the process clock (:func:`pyros.clock.get_clock`): install a ``SimClock`` or a
``ManualClock`` with ``set_clock`` before or during the block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pyros.clock import RealClock, monotonic
from pyros.config import ObservatoryConfig
from pyros.simulators.discovery import DiscoveryResponder
from pyros.simulators.observatory import InjectedTransient, Observatory
from pyros.simulators.server import SimulatorServer

__all__ = ["SimulatorHandle", "running_simulators", "wait_until"]


class SimulatorHandle:
    """What ``running_simulators`` yields."""

    def __init__(self, server: SimulatorServer):
        self.server = server

    @property
    def observatory(self) -> Observatory:
        return self.server.observatory

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def address(self) -> str:
        """``host:port`` as alpyca device constructors want it."""
        return f"{self.server.host}:{self.server.port}"

    @property
    def discovery_port(self) -> int | None:
        return self.server.discovery.port if self.server.discovery else None

    def set_fault(self, device_name: str, mode: str, duration_s: float | None = None
                  ) -> dict[str, Any]:
        """Fault modes: ok, disconnected, hang, error, garbage, restart (sim seconds)."""
        return self.observatory.set_fault(device_name, mode, duration_s)

    def set_weather(self, **values: float) -> dict[str, Any]:
        """Set weather sensors now, e.g. ``set_weather(rainrate=2.0, windspeed=20)``."""
        self.observatory.weather.set(values)
        return self.observatory.weather.describe()

    def schedule_weather(self, changes: list[tuple[datetime, dict[str, float]]],
                         replace: bool = True) -> None:
        """Timed weather changes: ``[(instant, {"rainrate": 1.0}), ...]``."""
        self.observatory.weather.schedule(changes, replace)

    def set_weather_updating(self, updating: bool) -> None:
        """Freeze (False) or resume (True) the weather station: stale-data scenarios."""
        self.observatory.weather.set_updating(updating)

    def add_transient(self, ra_deg: float, dec_deg: float, mag: float,
                      t0: datetime | None = None, alpha: float = 1.0) -> InjectedTransient:
        return self.observatory.add_transient(ra_deg, dec_deg, mag, t0, alpha)

    def state(self) -> dict[str, Any]:
        return self.observatory.state()


def small_detectors(config: ObservatoryConfig, size_px: int = 512,
                    readout_time_s: float = 1.0) -> ObservatoryConfig:
    """``config`` with ``size_px``² detectors read in ``readout_time_s``: fast tests and
    benchmarks of what happens around the frames, with the same physics."""
    channels = [c.model_copy(update={"width_px": size_px, "height_px": size_px,
                                     "readout_time_s": readout_time_s})
                for c in config.channels]
    return config.model_copy(update={"channels": channels})


@contextmanager
def running_simulators(config: ObservatoryConfig | None = None, port: int = 0,
                       discovery: bool = False) -> Iterator[SimulatorHandle]:
    """Start every simulated device on 127.0.0.1 for the duration of the block.

    ``discovery=True`` also answers Alpaca discovery on a free UDP port
    (``handle.discovery_port``).  The server stops and closes its sockets on exit.
    """
    server = SimulatorServer(config, host="127.0.0.1", port=port, discovery_port=0)
    if discovery:
        server.discovery = DiscoveryResponder("127.0.0.1", 0, server.port)
    server.start()
    try:
        yield SimulatorHandle(server)
    finally:
        server.stop()



def wait_until(predicate: Callable[[], Any], timeout_s: float = 10.0,
               interval_s: float = 0.01) -> Any:
    """Poll ``predicate`` until it is truthy and return its value.

    For what runs in real threads (frame rendering, a fast ``SimClock``); raises
    ``AssertionError`` after ``timeout_s`` wall seconds.
    """
    deadline = monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        RealClock().sleep(interval_s)

"""The weather shutdown and the admin pause, sent to the devices at once (no Django).

Every command runs in a thread of its own, one per device, so a hung camera does not
delay closing the dome.  Commands are idempotent (a closed dome is not closed again, a
parked mount not parked again), so repeating a shutdown is harmless and cheap: the
agent repeats it while UNSAFE in case a device was unreachable the first time.  Nothing
is ever re-opened or unparked here: the execution agent unparks when it resumes.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pyros.clock import Clock
from pyros.devices.enums import CameraState, ShutterState
from pyros.devices.errors import DeviceError, DeviceRejected
from pyros.devices.interfaces import Camera, Device, Dome, Mount
from pyros.monitoring.watch import release_thread_resources

log = logging.getLogger("pyros.monitoring")

__all__ = ["CommandRecord", "Reactor"]


@dataclass(frozen=True)
class CommandRecord:
    """One command: when it was started and when the device had accepted it (clock)."""

    device: str
    action: str
    started_at: datetime
    done_at: datetime
    outcome: str
    #: Whether a command was actually sent (False: nothing to do, or it failed).
    sent: bool
    why: str = ""


class Reactor:
    """Sends the shutdown (abort exposures, close the dome, park the mount) and the pause
    (abort exposures and slews) to the drivers it is given."""

    def __init__(self, drivers: Mapping[str, Device], clock: Clock):
        self.drivers = dict(drivers)
        self.clock = clock
        self.records: deque[CommandRecord] = deque(maxlen=500)
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    # -- what to do -------------------------------------------------------------------------

    def shutdown(self, why: str) -> int:
        """Abort exposures, close every dome shutter, park every mount; returns how many
        device threads were started (a device still busy with the previous command is
        skipped)."""
        started = 0
        for name, driver in self.drivers.items():
            if isinstance(driver, Camera):
                started += self._start(name, "abort exposure", why,
                                       lambda d=driver: _abort_exposure(d))
            elif isinstance(driver, Dome):
                started += self._start(name, "close shutter", why,
                                       lambda d=driver: _close_dome(d))
            elif isinstance(driver, Mount):
                started += self._start(name, "park", why, lambda d=driver: _park_mount(d))
        return started

    def pause(self, why: str) -> int:
        """Abort exposures and stop slews (the dome stays as it is)."""
        started = 0
        for name, driver in self.drivers.items():
            if isinstance(driver, Camera):
                started += self._start(name, "abort exposure", why,
                                       lambda d=driver: _abort_exposure(d))
            elif isinstance(driver, Mount):
                started += self._start(name, "stop slew", why, lambda d=driver: _stop_mount(d))
        return started

    def wait(self, timeout_wall_s: float = 10.0) -> bool:
        """Wait for the commands in flight (tests, shutdown of the agent)."""
        with self._lock:
            threads = list(self._running.values())
        for t in threads:
            t.join(timeout_wall_s)
        return not any(t.is_alive() for t in threads)

    def history(self) -> list[CommandRecord]:
        with self._lock:
            return list(self.records)

    # -- machinery ----------------------------------------------------------------------------

    def _start(self, device: str, action: str, why: str, command: Callable[[], str | None]
               ) -> int:
        with self._lock:
            busy = self._running.get(device)
            if busy is not None and busy.is_alive():
                return 0
            thread = threading.Thread(target=self._run, args=(device, action, why, command),
                                      name=f"react-{device}", daemon=True)
            self._running[device] = thread
            thread.start()  # under the lock: ``wait`` never sees an unstarted thread
        return 1

    def _run(self, device: str, action: str, why: str, command: Callable[[], str | None]
             ) -> None:
        started = self.clock.now()
        try:
            nothing = command()
            outcome, sent = (nothing, False) if nothing else ("sent", True)
        except DeviceError as exc:
            outcome, sent = f"failed: {exc.reason}", False
        except Exception as exc:  # noqa: BLE001 - a driver bug must not kill the reaction
            outcome, sent = f"failed: {type(exc).__name__}: {exc}", False
        record = CommandRecord(device, action, started, self.clock.now(), outcome, sent, why)
        with self._lock:
            self.records.append(record)
        level = logging.WARNING if outcome.startswith("failed") else logging.INFO
        log.log(level, "monitoring: %s %s: %s (%s)", device, action, outcome, why)
        release_thread_resources()


# Each command returns None when it sent something, else what made it unnecessary.

def _abort_exposure(camera: Camera) -> str | None:
    if camera.state() not in (CameraState.EXPOSING, CameraState.WAITING):
        return "no exposure in progress"
    camera.abort_exposure()
    return None


def _close_dome(dome: Dome) -> str | None:
    if dome.shutter_state() in (ShutterState.CLOSED, ShutterState.CLOSING):
        return "already closed"
    dome.close_shutter(wait=False)
    return None


def _park_mount(mount: Mount) -> str | None:
    if mount.at_park():
        return "already parked"
    try:
        mount.park(wait=False)
    except DeviceRejected:  # e.g. refused while slewing: stop, then park
        mount.abort()
        mount.park(wait=False)
    return None


def _stop_mount(mount: Mount) -> str | None:
    if not mount.is_slewing():
        return "not slewing"
    mount.abort()
    return None

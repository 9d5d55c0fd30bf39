"""Fault injection: make a simulated device misbehave the way real hardware does.

Each device has at most one fault at a time, optionally for a duration in *simulated*
seconds after which it clears by itself.  The modes mirror field failures PyROS must
survive: a dropped connection, a driver that stops answering (the POCS camera readout
hang), a driver that errors on everything, a broken reply, and a power cycle.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from pyros.clock import get_clock, monotonic

__all__ = ["Fault", "FaultBoard", "FaultMode"]


class FaultMode(StrEnum):
    #: Normal behaviour.
    OK = "ok"
    #: The device drops its connection: ``Connected`` false, calls fail with NotConnected,
    #: connecting fails while the fault lasts.
    DISCONNECTED = "disconnected"
    #: Requests block without any answer until the fault clears (or a wall-clock cap).
    HANG = "hang"
    #: Every call answers ASCOM DriverError (0x500).
    ERROR = "error"
    #: HTTP 200 with a body that is not valid JSON.
    GARBAGE = "garbage"
    #: Power cycle: the device returns to its power-on state and is unreachable while it
    #: reboots (the duration); it then waits, disconnected, for a client.
    RESTART = "restart"


@dataclass(frozen=True)
class Fault:
    mode: FaultMode
    since: datetime
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.until is None or now < self.until

    def as_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode.value,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
        }


class FaultBoard:
    """The faults of all devices of one server, shared by the request threads."""

    def __init__(self) -> None:
        self._faults: dict[str, Fault] = {}
        self._changed = threading.Condition()
        self._closing = False

    def set(self, device: str, mode: FaultMode, duration_s: float | None = None) -> Fault:
        now = get_clock().now()
        until = now + timedelta(seconds=duration_s) if duration_s is not None else None
        fault = Fault(mode, now, until)
        with self._changed:
            if mode is FaultMode.OK:
                self._faults.pop(device, None)
            else:
                self._faults[device] = fault
            self._changed.notify_all()
        return fault

    def get(self, device: str) -> Fault | None:
        """The device's active fault, or None (an expired fault is forgotten here)."""
        with self._changed:
            fault = self._faults.get(device)
            if fault is not None and not fault.active(get_clock().now()):
                del self._faults[device]
                self._changed.notify_all()
                return None
            return fault

    def mode(self, device: str) -> FaultMode:
        fault = self.get(device)
        return fault.mode if fault else FaultMode.OK

    def wait_while_hung(self, device: str, cap_wall_s: float) -> bool:
        """Block while ``device`` hangs; False if the wall-clock cap ran out first.

        Polls the simulated clock every 50 ms of wall time, because a timed fault ends in
        simulated seconds and the clock may be a :class:`SimClock` or a manual one.
        """
        deadline = monotonic() + cap_wall_s
        with self._changed:
            while not self._closing:
                fault = self._faults.get(device)
                if fault is None or fault.mode is not FaultMode.HANG:
                    return True
                if not fault.active(get_clock().now()):
                    del self._faults[device]
                    return True
                left = deadline - monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(0.05, left))
        return False

    def close(self) -> None:
        """Release every hung request (server shutdown)."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()

    def snapshot(self) -> dict[str, dict[str, object]]:
        now = get_clock().now()
        with self._changed:
            return {k: f.as_dict() for k, f in self._faults.items() if f.active(now)}

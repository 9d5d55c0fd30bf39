"""Watching one device: polling, availability with the reason, restarts and their repair.

No Django here: a :class:`DeviceWatch` polls its driver and keeps a :class:`DeviceReport`
that the agent reads; a :class:`WatchThread` polls it on its cadence in a thread of its
own, so a device that hangs (until its call timeout) never delays the others — the 1 s
weather polling holds while a camera hangs.

Restart detection.  A device that was answering and then
(a) stopped answering and came back, or (b) says ``Connected`` false although we had
connected it, has lost its volatile state.  It is reconnected and put back as it was
before: camera cooler on to its set point, focuser to its last position, filter wheel to
its last slot, dome slaved again, PLC relays to their last values.  The mount is left
alone: the execution agent re-points (and unparks) when it resumes.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pyros.clock import Clock
from pyros.config.devices import DeviceConfig, DeviceKind
from pyros.devices.errors import DeviceError, DeviceUnavailable
from pyros.devices.interfaces import Camera, Device, Dome, FilterWheel, Focuser, Switch

log = logging.getLogger("pyros.monitoring")

__all__ = ["CRITICAL_KINDS", "DeviceReport", "DeviceWatch", "WatchThread", "clean_reason"]

#: Devices the sky's safety is read from: polled at ``safety.critical_poll_s``.
CRITICAL_KINDS = frozenset({DeviceKind.OBSERVINGCONDITIONS, DeviceKind.SAFETYMONITOR,
                            DeviceKind.SWITCH})
_METHOD_PREFIX = re.compile(r"^[a-z_]+: ")
_BACKOFF = "unreachable; next attempt"


def clean_reason(exc: BaseException) -> str:
    """A short reason from a device error (the member name prefix dropped)."""
    text = exc.reason if isinstance(exc, DeviceError) else f"{type(exc).__name__}: {exc}"
    return _METHOD_PREFIX.sub("", text, count=1)[:240]


@dataclass(frozen=True)
class DeviceReport:
    """What is known of one device after its last poll (immutable: safe to hand over).

    ``available`` is None before the first poll.  ``generation`` counts polls, so a
    reader sees whether anything new came in.
    """

    name: str
    kind: str
    blocking: bool
    critical: bool
    available: bool | None = None
    reason: str = "not polled yet"
    status: dict[str, Any] | None = None
    polled_at: datetime | None = None
    seen_at: datetime | None = None
    since: datetime | None = None
    generation: int = 0
    restarts: int = 0
    events: tuple[str, ...] = field(default_factory=tuple)


class DeviceWatch:
    """Polls one device and repairs it after a restart.  ``poll`` is thread-safe."""

    def __init__(self, config: DeviceConfig, driver: Device, clock: Clock, interval_s: float,
                 critical: bool = False):
        self.config = config
        self.driver = driver
        self.clock = clock
        self.interval_s = interval_s
        self.critical = critical
        self._lock = threading.Lock()
        self._poll_lock = threading.Lock()
        self._report = DeviceReport(config.name, config.kind.value, config.blocking, critical)
        self._connected = False
        self._ever_seen = False
        #: The last status seen while healthy: what a restart is repaired back to.
        self._last_good: dict[str, Any] | None = None
        self._setpoint_c: float | None = None

    @property
    def name(self) -> str:
        return self.config.name

    def report(self) -> DeviceReport:
        with self._lock:
            return self._report

    def poll(self) -> DeviceReport:
        """Read the device once; never raises (a failure makes it unavailable)."""
        with self._poll_lock:
            now = self.clock.now()
            try:
                repaired = self._poll_device()
            except Exception as exc:  # a device must never stop the agent
                if not isinstance(exc, DeviceUnavailable):
                    log.warning("monitoring: %s: %s", self.name, exc,
                                exc_info=not isinstance(exc, DeviceError))
                return self._failed(now, exc)
            return self._succeeded(now, *repaired)

    # -- one poll ---------------------------------------------------------------------------

    def _poll_device(self) -> tuple[dict[str, Any], list[str]]:
        events: list[str] = []
        restarted = False
        ours = 0
        if self._connected and not self.driver.is_connected():
            events.append("connection dropped (device restarted?)")
            restarted = True
            self._connected = False
        if not self._connected:
            self.driver.connect()
            self._connected = True
            ours = 1
        status = self.driver.status()
        # a reconnection the driver made by itself (device restarted under a call)
        count = getattr(self.driver, "connections", 0)
        seen = getattr(self, "_seen_connections", None)
        if not restarted and seen is not None and count - seen - ours > 0:
            events.append("device reconnected (restarted?)")
            restarted = True
        self._seen_connections = count
        report = self.report()
        came_back = self._ever_seen and report.available is False
        if (restarted or came_back) and self._last_good is not None:
            events += self._repair(self._last_good, status)
        else:
            self._last_good = status
            self._remember_setpoint(status)
        return status, events

    def _succeeded(self, now: datetime, status: dict[str, Any], events: list[str]
                   ) -> DeviceReport:
        with self._lock:
            old = self._report
            restarted = bool(events)
            self._report = replace(
                old, available=True, reason="", status=status, polled_at=now, seen_at=now,
                since=now if old.available is not True else old.since,
                generation=old.generation + 1,
                restarts=old.restarts + (1 if restarted else 0),
                events=tuple(events))
            self._ever_seen = True
            return self._report

    def _failed(self, now: datetime, exc: BaseException) -> DeviceReport:
        self._connected = False
        with self._lock:
            old = self._report
            reason = clean_reason(exc)
            if reason.startswith(_BACKOFF) and old.available is False:
                reason = old.reason  # keep the real cause, not the back-off notice
            elif not self._ever_seen and not reason.startswith("waiting for device"):
                reason = f"waiting for device: {reason}"
            self._report = replace(
                old, available=False, reason=reason, polled_at=now,
                since=now if old.available is not False else old.since,
                generation=old.generation + 1, events=())
            return self._report

    # -- repair after a restart ------------------------------------------------------------

    def _remember_setpoint(self, status: dict[str, Any]) -> None:
        """A camera's cooler set point is not in its status: read it while cooling."""
        if not isinstance(self.driver, Camera) or not status.get("cooler_on"):
            return
        api = getattr(self.driver, "api", None)
        if api is None:
            return
        try:
            self._setpoint_c = float(api.SetCCDTemperature)
        except Exception:  # noqa: BLE001 - optional: the cooler is then restored at its default
            log.debug("monitoring: %s: set point not readable", self.name)

    def _repair(self, before: dict[str, Any], now_status: dict[str, Any]) -> list[str]:
        """Put the device back as ``before``; returns what was done (each step guarded)."""
        done: list[str] = []
        driver = self.driver
        try:
            if isinstance(driver, Camera) and before.get("cooler_on") \
                    and not now_status.get("cooler_on"):
                driver.set_cooler(True, self._setpoint_c)
                target = f" to {self._setpoint_c:g} °C" if self._setpoint_c is not None else ""
                done.append(f"cooler back on{target}")
            elif isinstance(driver, Focuser) and before.get("position") is not None \
                    and before.get("position") != now_status.get("position"):
                driver.move_to(int(before["position"]), wait=False)
                done.append(f"focuser back to {before['position']}")
            elif isinstance(driver, FilterWheel) and before.get("position") is not None \
                    and before.get("position") != now_status.get("position"):
                driver.set_position(int(before["position"]), wait=False)
                done.append(f"filter back to {before.get('filter') or before['position']}")
            elif isinstance(driver, Dome) and before.get("slaved") \
                    and not now_status.get("slaved"):
                driver.set_slaved(True)
                done.append("dome slaved again")
            elif isinstance(driver, Switch):
                done += self._repair_switches(driver, before.get("switches") or {})
        except (DeviceError, ValueError) as exc:
            done.append(f"repair failed: {clean_reason(exc)}")
            log.warning("monitoring: %s: repair after restart failed: %s", self.name, exc)
        return done or ["reconnected"]

    @staticmethod
    def _repair_switches(driver: Switch, before: dict[str, float]) -> list[str]:
        done = []
        for info in driver.switches():
            value = before.get(info.name)
            if info.can_write and value is not None and value != info.value:
                driver.set(info.name, value)
                done.append(f"{info.name} back to {value:g}")
        return done


class WatchThread(threading.Thread):
    """Polls one watch every ``interval_s`` clock seconds (start to start) until stopped.

    ``after_poll`` runs in this thread after each poll (the safety guard's fast path).
    """

    #: Never wait less than this (wall s) between checks: no busy loop at any clock speed.
    min_wait_wall_s = 0.005
    #: Re-check the clock at least this often (wall s): a clock may be replaced or jump.
    max_wait_wall_s = 0.2

    def __init__(self, watch: DeviceWatch, stop: threading.Event,
                 after_poll: Callable[[DeviceWatch, DeviceReport], None] | None = None):
        super().__init__(name=f"watch-{watch.name}", daemon=True)
        self.watch = watch
        self.stop_event = stop
        self.after_poll = after_poll

    def run(self) -> None:
        try:
            self._loop()
        finally:
            release_thread_resources()

    def _loop(self) -> None:
        watch, clock = self.watch, self.watch.clock
        next_due = clock.now()
        while not self.stop_event.is_set():
            now = clock.now()
            left_s = (next_due - now).total_seconds()
            if left_s <= 0:
                report = watch.poll()
                if self.after_poll is not None:
                    try:
                        self.after_poll(watch, report)
                    except Exception:  # the watch must keep polling
                        log.exception("monitoring: after-poll hook of %s failed", watch.name)
                next_due = now + timedelta(seconds=watch.interval_s)  # start to start
                continue
            wait = min(self.max_wait_wall_s, max(self.min_wait_wall_s,
                                                 clock.wall_seconds(left_s)))
            self.stop_event.wait(wait)


def release_thread_resources() -> None:
    """Close this thread's database connection if Django is loaded (log records may have
    opened one): a thread that ends must not leave it behind.  Imports nothing itself."""
    db = sys.modules.get("django.db")
    if db is not None:
        db.connections.close_all()

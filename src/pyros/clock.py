"""The one source of time for every PyROS component.

Every process reads the time from :func:`get_clock`.  In production that is the system
clock (UTC); in simulation it is a :class:`SimClock` that starts at a given instant and
runs ``speed`` times faster than the wall clock.  All processes of one observatory share
the same simulated time because they are given the same three numbers through the
environment: ``PYROS_SIM_START`` (ISO-8601 UTC instant), ``PYROS_SIM_SPEED`` (factor) and
``PYROS_SIM_EPOCH`` (the wall-clock Unix time at which simulated time equals the start).
The supervisor fixes the epoch once and hands it to every child.

This is the only module allowed to read the system time (a test enforces it).  Network
and device timeouts use :func:`monotonic`, which is wall time by design: a socket does not
run faster because the night does.
"""

from __future__ import annotations

import os
import threading
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta

__all__ = [
    "Clock",
    "ManualClock",
    "RealClock",
    "SimClock",
    "epoch_in",
    "get_clock",
    "monotonic",
    "parse_utc",
    "set_clock",
]


def parse_utc(text: str) -> datetime:
    """Parse an ISO-8601 instant; naive values are taken as UTC.

    Raises ``ValueError`` with the offending text when it is not a valid instant.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not an ISO-8601 instant: {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def epoch_in(wall_seconds: float) -> float:
    """The Unix time ``wall_seconds`` from now: the epoch of a simulated night that starts
    once every process is up (``SimClock(start, speed, epoch_in(30))``)."""
    return time.time() + wall_seconds


def monotonic() -> float:
    """Wall-clock monotonic seconds, for I/O timeouts and back-off only."""
    return time.monotonic()


class Clock(ABC):
    """What every component needs from time: now, sleeping, and the speed factor."""

    #: How many simulated seconds pass in one wall-clock second (1 for real time).
    speed: float = 1.0

    @abstractmethod
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""

    def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds`` of clock time (wall time divided by the speed)."""
        if seconds > 0:
            time.sleep(seconds / self.speed)

    def wall_seconds(self, seconds: float) -> float:
        """Wall-clock seconds that ``seconds`` of clock time take."""
        return seconds / self.speed

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Sleep like :meth:`sleep`, but wake as soon as ``event`` is set; whether it is."""
        return event.wait(self.wall_seconds(seconds)) if seconds > 0 else event.is_set()

    def timestamp(self) -> float:
        """Current clock time as Unix seconds."""
        return self.now().timestamp()

    def describe(self) -> dict[str, object]:
        """A JSON-able description, shown by ``pyros clock`` and the dashboard."""
        return {"kind": type(self).__name__, "now": self.now().isoformat(), "speed": self.speed}


class RealClock(Clock):
    """The system clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimClock(Clock):
    """Simulated time: ``start`` at wall time ``epoch``, running ``speed`` times faster."""

    def __init__(self, start: datetime, speed: float = 1.0, epoch: float | None = None):
        if start.tzinfo is None:
            raise ValueError("SimClock start must be timezone-aware")
        if not speed > 0:
            raise ValueError(f"SimClock speed must be > 0, got {speed!r}")
        self.start = start.astimezone(UTC)
        self.speed = float(speed)
        self.epoch = time.time() if epoch is None else float(epoch)

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self.epoch) * self.speed)

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "start": self.start.isoformat(), "epoch": self.epoch}

    def environ(self) -> dict[str, str]:
        """The environment variables that make another process share this clock."""
        return {
            "PYROS_CLOCK": "sim",
            "PYROS_SIM_START": self.start.isoformat(),
            "PYROS_SIM_SPEED": repr(self.speed),
            "PYROS_SIM_EPOCH": repr(self.epoch),
        }


class ManualClock(Clock):
    """A clock that only moves when told to: for tests that step an agent one tick at a time.

    ``sleep`` advances the clock instead of waiting, so code under test never blocks.
    """

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("ManualClock start must be timezone-aware")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self.speed = float("inf")

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant.astimezone(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)

    def wall_seconds(self, seconds: float) -> float:
        return 0.0

    def wait(self, event: threading.Event, seconds: float) -> bool:
        if event.is_set():
            return True
        self.sleep(seconds)
        return event.is_set()


def clock_from_environ(environ: os._Environ[str] | dict[str, str] | None = None) -> Clock:
    """Build the clock the environment describes (``PYROS_CLOCK`` = ``real`` or ``sim``).

    For ``sim`` without ``PYROS_SIM_START`` the start is when the coming night's observing
    can begin at the configured site: evening twilight plus the execution margin (computed
    with astropy, offline).  Raises ``ValueError`` for bad values.
    """
    env = os.environ if environ is None else environ
    kind = env.get("PYROS_CLOCK", "real").strip().lower()
    if kind == "real":
        return RealClock()
    if kind != "sim":
        raise ValueError(f"PYROS_CLOCK must be 'real' or 'sim', got {kind!r}")
    speed_text = env.get("PYROS_SIM_SPEED", "1")
    try:
        speed = float(speed_text)
    except ValueError as exc:
        raise ValueError(f"PYROS_SIM_SPEED must be a number, got {speed_text!r}") from exc
    epoch_text = env.get("PYROS_SIM_EPOCH")
    try:
        epoch = float(epoch_text) if epoch_text else None
    except ValueError as exc:
        raise ValueError(f"PYROS_SIM_EPOCH must be Unix seconds, got {epoch_text!r}") from exc
    start_text = env.get("PYROS_SIM_START")
    start = parse_utc(start_text) if start_text else default_sim_start(RealClock().now())
    return SimClock(start, speed, epoch)


def default_sim_start(now: datetime) -> datetime:
    """When observing can begin on the coming night at the configured site, seen from
    ``now``: its evening twilight plus the execution margin (a simulation that started at
    twilight itself sat in DAY mode for the margin, two minutes of nothing in the demo)."""
    from pyros.astro.night import next_night  # astropy is slow to import: only when needed
    from pyros.config import load_config

    cfg = load_config()
    site, angle = cfg.site.location_tuple(), cfg.site.twilight_deg
    night = next_night(site, now, angle)
    if night.start < now:  # a night is in progress: the coming twilight is the next one
        night = next_night(site, night.end + timedelta(minutes=1), angle)
    return night.start + timedelta(seconds=cfg.site.execution_margin_s + 1.0)


_clock: Clock | None = None
_clock_lock = threading.Lock()


def get_clock() -> Clock:
    """The process-wide clock, built from the environment on first use."""
    global _clock
    if _clock is None:
        with _clock_lock:
            if _clock is None:
                _clock = clock_from_environ()
    return _clock


def set_clock(clock: Clock | None) -> None:
    """Replace the process-wide clock (tests, and the supervisor after fixing the epoch)."""
    global _clock
    with _clock_lock:
        _clock = clock


def now() -> datetime:
    """Shortcut for ``get_clock().now()``; usable as a Django field default."""
    return get_clock().now()

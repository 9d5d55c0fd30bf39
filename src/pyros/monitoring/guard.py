"""The sky verdict from every safety-critical device, fed from the polling threads.

The guard combines the weather station (rules with hysteresis, see
:mod:`pyros.monitoring.safety`), the safety monitor's IsSafe and the PLC's read-only
channels.  It runs in the polling threads, right after each critical poll, and calls
``on_unsafe`` the moment the verdict turns unsafe: the shutdown does not wait for the
agent's next step.  No Django.

Stale data is unsafe: the station's data older than ``weather_max_age_s``, and likewise a
safety monitor not heard from for that long.  Until then a silent critical device is only
*unavailable* (a blocking device missing pauses the observatory; it does not close it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pyros.clock import parse_utc
from pyros.config.devices import DeviceKind
from pyros.config.schema import SafetyConfig
from pyros.monitoring.safety import WeatherSafety, WeatherVerdict, plc_reasons
from pyros.monitoring.watch import DeviceReport

__all__ = ["SafetyGuard"]


class SafetyGuard:
    """Thread-safe: ``feed`` from any polling thread, ``evaluate`` from any thread."""

    def __init__(self, config: SafetyConfig, started_at: datetime,
                 on_unsafe: Callable[[tuple[str, ...]], None] | None = None):
        self.config = config
        self.started_at = started_at
        self.on_unsafe = on_unsafe
        self._lock = threading.Lock()
        self._weather: dict[str, WeatherSafety] = {}
        self._monitors: dict[str, tuple[datetime | None, bool | None]] = {}
        self._plc: dict[str, list[str]] = {}
        self._safe: bool | None = None
        self.last: WeatherVerdict | None = None
        self.last_values: dict[str, float | None] = {}

    def register(self, name: str, kind: DeviceKind) -> None:
        """Declare a critical device before it is polled (its silence then counts)."""
        with self._lock:
            if kind is DeviceKind.OBSERVINGCONDITIONS:
                self._weather[name] = WeatherSafety(self.config, self.started_at)
            elif kind is DeviceKind.SAFETYMONITOR:
                self._monitors[name] = (None, None)
            elif kind is DeviceKind.SWITCH:
                self._plc[name] = []

    def feed(self, report: DeviceReport, now: datetime) -> WeatherVerdict:
        """Take one poll result of a critical device, then re-evaluate at ``now``."""
        with self._lock:
            status = report.status if report.available else None
            if report.name in self._weather and status is not None:
                self._feed_weather(report.name, status, now)
            elif report.name in self._monitors and status is not None:
                self._monitors[report.name] = (now, bool(status.get("is_safe")))
            elif report.name in self._plc:
                switches = (status or {}).get("switches") or {}
                self._plc[report.name] = plc_reasons(switches) if status is not None else []
        return self.evaluate(now)

    def _feed_weather(self, name: str, status: dict[str, Any], now: datetime) -> None:
        raw_values = status.get("values") or {}
        values: dict[str, float | None] = {}
        for key, value in raw_values.items():
            values[key] = value if isinstance(value, int | float) and not isinstance(
                value, bool) else None
        updated = status.get("updated_at")
        try:
            updated_at = parse_utc(updated) if isinstance(updated, str) else None
        except ValueError:
            updated_at = None
        self._weather[name].update(now, values, updated_at,
                                   absent=status.get("absent") or (),
                                   invalid=status.get("invalid") or ())
        self.last_values = values

    def evaluate(self, now: datetime) -> WeatherVerdict:
        """The verdict at ``now``; fires ``on_unsafe`` when it turns unsafe."""
        with self._lock:
            reasons: list[str] = []
            sensors = {}
            ages = []
            for station in self._weather.values():
                v = station.verdict(now)
                reasons += v.reasons
                sensors.update(v.sensors)
                if v.age_s is not None:
                    ages.append(v.age_s)
            max_age = self.config.weather_max_age_s
            for name, (heard_at, is_safe) in self._monitors.items():
                silent_s = (now - (heard_at or self.started_at)).total_seconds()
                if silent_s > max_age:
                    reasons.append(f"{name}: not heard from for {silent_s:.0f} s")
                elif is_safe is False:
                    reasons.append(f"{name}: safety monitor says unsafe")
            for plc_list in self._plc.values():
                reasons += plc_list
            verdict = WeatherVerdict(now, not reasons, tuple(reasons),
                                     max(ages) if ages else None, sensors)
            turned_unsafe = not verdict.safe and self._safe is not False
            self._safe = verdict.safe
            self.last = verdict
        if turned_unsafe and self.on_unsafe is not None:
            self.on_unsafe(verdict.reasons)
        return verdict

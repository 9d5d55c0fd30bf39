"""Is the sky safe for an open dome?  Sensor rules with hysteresis, physical ranges and
stale data (pure: plain values and datetimes in, verdicts out; no Django, no I/O).

Rules (see ``safety`` in the observatory configuration):

* a sensor outside its configured range turns *bad* once it has been out for
  ``bad_after_s`` (0: at once) and *good* again only after ``good_after_s`` back inside:
  a flaky station flipping within seconds does not reopen the dome (GOTO's rule);
* a reading that is missing, NaN or outside the physically possible range (humidity over
  100 %, negative wind or rain...) is bad *at once* and restarts the good-hold: a broken
  sensor is never taken for a safe one;
* the very first reading after start decides at once (there is no history to wait for);
* weather older than ``weather_max_age_s`` is unsafe, whatever it says (pyobs: 120 s).

Only sensors that have a rule take part; other readings are informative.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pyros.config.schema import SafetyConfig, SensorRule

__all__ = [
    "PHYSICAL_RANGES",
    "SensorHysteresis",
    "SensorVerdict",
    "WeatherSafety",
    "WeatherVerdict",
    "physical_problem",
    "plc_reasons",
]

#: What a sensor can physically read (ASCOM units); outside is a broken sensor.
PHYSICAL_RANGES: dict[str, tuple[float | None, float | None]] = {
    "cloudcover": (0.0, 100.0),          # %
    "humidity": (0.0, 100.0),            # %
    "rainrate": (0.0, 1000.0),           # mm/h
    "windspeed": (0.0, 120.0),           # m/s (world record gust 113 m/s)
    "windgust": (0.0, 120.0),            # m/s
    "winddirection": (0.0, 360.0),       # deg
    "temperature": (-90.0, 60.0),        # °C
    "dewpoint": (-100.0, 60.0),          # °C
    "skytemperature": (-120.0, 60.0),    # °C
    "pressure": (300.0, 1100.0),         # hPa
    "skyquality": (0.0, 30.0),           # mag/arcsec²
    "skybrightness": (0.0, 200000.0),    # lux
    "starfwhm": (0.0, 60.0),             # arcsec
}


def _fmt(value: float) -> str:
    return f"{value:g}"


def physical_problem(sensor: str, value: float | None) -> str | None:
    """Why ``value`` cannot be a real reading of ``sensor`` (None when it can)."""
    if value is None:
        return f"{sensor}: no valid reading"
    if not math.isfinite(value):
        return f"{sensor}: invalid reading {value}"
    lo, hi = PHYSICAL_RANGES.get(sensor, (None, None))
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return (f"{sensor}: {_fmt(value)} outside the physical range "
                f"{_fmt(lo) if lo is not None else '-inf'}..{_fmt(hi) if hi is not None else 'inf'}"
                " (broken sensor?)")
    return None


def _rule_problem(sensor: str, rule: SensorRule, value: float) -> str | None:
    if rule.max is not None and value > rule.max:
        return f"{sensor} {_fmt(value)} > {_fmt(rule.max)}"
    if rule.min is not None and value < rule.min:
        return f"{sensor} {_fmt(value)} < {_fmt(rule.min)}"
    return None


@dataclass(frozen=True)
class SensorVerdict:
    """One sensor's state after a reading: ``safe`` with the reason when not, and a
    note while a hold time runs (``pending``)."""

    sensor: str
    safe: bool
    value: float | None
    reason: str | None = None
    pending: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"sensor": self.sensor, "safe": self.safe, "value": self.value,
                "reason": self.reason, "pending": self.pending}


class SensorHysteresis:
    """The good/bad state of one sensor under its rule, fed one reading at a time.

    ``update(value, now)`` with ``now`` the instant of the reading (timezone-aware).
    """

    def __init__(self, sensor: str, rule: SensorRule):
        self.sensor = sensor
        self.rule = rule
        #: True good, False bad, None before the first reading.
        self.good: bool | None = None
        self._out_since: datetime | None = None
        self._in_since: datetime | None = None
        self._last_reason: str | None = None

    def update(self, value: float | None, now: datetime, missing: str | None = None
               ) -> SensorVerdict:
        """Feed one reading; ``missing`` explains a None value (e.g. "sensor absent")."""
        broken = physical_problem(self.sensor, value)
        if broken and value is None and missing:
            broken = f"{self.sensor}: {missing}"
        if broken:
            self.good, self._in_since = False, None
            self._out_since = self._out_since or now
            self._last_reason = broken
            return SensorVerdict(self.sensor, False, value, broken)
        assert value is not None
        problem = _rule_problem(self.sensor, self.rule, value)
        if problem:
            self._in_since = None
            self._out_since = self._out_since or now
            out_s = max(0.0, (now - self._out_since).total_seconds())
            if self.good is None or self.good is False or out_s >= self.rule.bad_after_s:
                self.good = False
                self._last_reason = problem
                return SensorVerdict(self.sensor, False, value, problem)
            left = self.rule.bad_after_s - out_s
            return SensorVerdict(self.sensor, True, value,
                                 pending=f"{problem} for {out_s:.0f} s: unsafe in {left:.0f} s")
        self._out_since = None
        if self.good is None or self.good:
            self.good = True
            return SensorVerdict(self.sensor, True, value)
        self._in_since = self._in_since or now
        in_s = max(0.0, (now - self._in_since).total_seconds())
        if in_s >= self.rule.good_after_s:
            self.good, self._in_since, self._last_reason = True, None, None
            return SensorVerdict(self.sensor, True, value)
        reason = (f"{self._last_reason or self.sensor}; back in range for {in_s:.0f} s of "
                  f"{self.rule.good_after_s:.0f} s")
        return SensorVerdict(self.sensor, False, value, reason,
                             pending=f"safe in {self.rule.good_after_s - in_s:.0f} s")


@dataclass(frozen=True)
class WeatherVerdict:
    """The sky's verdict at ``at``: safe, or the reasons why not."""

    at: datetime
    safe: bool
    reasons: tuple[str, ...]
    #: Age (s) of the data the verdict rests on at ``at`` (None: no data yet).
    age_s: float | None
    sensors: Mapping[str, SensorVerdict] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "safe": self.safe, "reasons": list(self.reasons),
                "age_s": self.age_s,
                "sensors": {k: v.to_dict() for k, v in self.sensors.items()}}


class WeatherSafety:
    """Weather-station readings in, verdicts out; one instance per station.

    ``started_at`` is when watching began: with no data at all the verdict becomes unsafe
    ``weather_max_age_s`` after it (until then a missing station is the device watcher's
    business: a blocking device missing pauses, it does not close the dome).
    """

    def __init__(self, config: SafetyConfig, started_at: datetime):
        self.config = config
        self.started_at = started_at
        self.sensors = {name: SensorHysteresis(name, rule)
                        for name, rule in config.sensors.items()}
        self.data_at: datetime | None = None
        self._sensor_verdicts: dict[str, SensorVerdict] = {}

    def update(self, now: datetime, values: Mapping[str, float | None],
               updated_at: datetime | None = None, absent: Iterable[str] = (),
               invalid: Iterable[str] = ()) -> WeatherVerdict:
        """Feed one snapshot read at ``now``; ``updated_at`` is when the station last
        refreshed (None: it does not say, ``now`` is taken)."""
        absent, invalid = set(absent), set(invalid)
        data_at = updated_at or now
        self.data_at = data_at if self.data_at is None else max(self.data_at, data_at)
        verdicts = {}
        for name, hyst in self.sensors.items():
            value = values.get(name)
            missing = ("sensor absent" if name in absent else
                       "invalid reading (NaN)" if name in invalid or name in values else
                       "no reading")
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, int | float)):
                value = None
            verdicts[name] = hyst.update(None if value is None else float(value), now,
                                         missing=missing if value is None else None)
        self._sensor_verdicts = verdicts
        return self.verdict(now)

    def verdict(self, now: datetime) -> WeatherVerdict:
        """The verdict at ``now`` from the last readings (staleness re-evaluated)."""
        reasons = [v.reason for v in self._sensor_verdicts.values() if not v.safe and v.reason]
        max_age = self.config.weather_max_age_s
        if self.data_at is None:
            waited = (now - self.started_at).total_seconds()
            age = None
            if waited > max_age:
                reasons.append(f"no weather data for {waited:.0f} s (limit {max_age:g} s)")
        else:
            age = max(0.0, (now - self.data_at).total_seconds())
            if age > max_age:
                reasons.append(f"weather data {age:.0f} s old (limit {max_age:g} s)")
        return WeatherVerdict(now, not reasons, tuple(reasons), age, dict(self._sensor_verdicts))


def plc_reasons(switches: Mapping[str, float]) -> list[str]:
    """Unsafe conditions the building PLC reports through its read-only channels."""
    out = []
    rain = switches.get("rain sensor")
    if rain is not None and rain >= 0.5:
        out.append("PLC rain sensor wet")
    mains = switches.get("mains power")
    if mains is not None and mains < 0.5:
        out.append("PLC: mains power lost")
    return out

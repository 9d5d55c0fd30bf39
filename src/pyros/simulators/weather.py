"""The simulated weather: a scenario of values over (simulated) time, and the devices
that report it (ObservingConditions station and SafetyMonitor).

A scenario is the current values plus a timeline of future changes; each change applies
at its instant and holds until the next.  The station samples every
``weather_update_s``; ``TimeSinceLastUpdate`` counts from the latest sample or change.
A station can be *frozen* (``updating=False``): values stop changing and their age grows,
which is how stale-weather handling is tested.
"""

from __future__ import annotations

import bisect
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pyros.clock import get_clock
from pyros.simulators.device import SimDevice
from pyros.simulators.protocol import AlpacaError, Params

if TYPE_CHECKING:
    from pyros.config import ObservatoryConfig

__all__ = ["SENSORS", "ObservingConditionsSim", "SafetyMonitorSim", "WeatherModel"]

#: Sensor -> (default value at a good San Pedro Mártir night, unit/description).
SENSORS: dict[str, tuple[float, str]] = {
    "cloudcover": (5.0, "cloud cover, percent of the sky"),
    "humidity": (35.0, "relative humidity, percent"),
    "windspeed": (4.0, "wind speed, m/s"),
    "winddirection": (270.0, "wind direction, degrees east of north (0 when calm)"),
    "windgust": (6.0, "peak 3 s wind gust over the last 2 minutes, m/s"),
    "rainrate": (0.0, "rain rate, mm/h"),
    "skyquality": (21.5, "sky quality, mag/arcsec²"),
    "skybrightness": (0.001, "sky brightness, lux"),
    "skytemperature": (-35.0, "sky temperature, °C"),
    "temperature": (6.0, "ambient temperature, °C"),
    "pressure": (735.0, "atmospheric pressure at the site, hPa"),
    "dewpoint": (-8.5, "dew point, °C (from temperature and humidity unless set)"),
    "starfwhm": (1.2, "seeing, star FWHM in arcsec"),
}


def dew_point_c(temperature_c: float, humidity_pct: float) -> float:
    """Magnus formula (Alduchov & Eskridge 1996 constants), good to ~0.4 °C."""
    rh = min(max(humidity_pct, 1e-3), 100.0)
    a, b = 17.625, 243.04
    gamma = math.log(rh / 100.0) + a * temperature_c / (b + temperature_c)
    return b * gamma / (a - gamma)


@dataclass(frozen=True)
class WeatherChange:
    at: datetime
    values: dict[str, float]


class WeatherModel:
    """Current weather values and the scheduled changes; thread-safe."""

    def __init__(self, config: ObservatoryConfig):
        self._lock = threading.Lock()
        self.update_period_s = config.simulator.weather_update_s
        self._values: dict[str, float] = {k: v for k, (v, _) in SENSORS.items()}
        self._values["starfwhm"] = config.simulator.seeing_arcsec
        self._dewpoint_set = False
        self._timeline: list[WeatherChange] = []
        self._last_change = get_clock().now()
        self._frozen_at: datetime | None = None

    @staticmethod
    def check(values: dict[str, Any]) -> dict[str, float]:
        """Validate sensor names and values; raises ``ValueError`` naming the culprit."""
        clean: dict[str, float] = {}
        for key, raw in values.items():
            name = key.lower()
            if name not in SENSORS:
                raise ValueError(f"unknown weather sensor {key!r}; known: {sorted(SENSORS)}")
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"weather {key} must be a number, got {raw!r}") from None
            if not math.isfinite(value):
                raise ValueError(f"weather {key} must be finite, got {raw!r}")
            if name in ("cloudcover", "humidity") and not 0 <= value <= 100:
                raise ValueError(f"weather {key} is a percentage, got {value}")
            if name in ("windspeed", "windgust", "rainrate", "starfwhm") and value < 0:
                raise ValueError(f"weather {key} cannot be negative, got {value}")
            clean[name] = value
        return clean

    def set(self, values: dict[str, Any]) -> None:
        """Change values now (raises ``ValueError`` for bad names or values)."""
        clean = self.check(values)
        now = get_clock().now()
        with self._lock:
            self._advance(now)
            self._apply(clean, now)

    def schedule(self, changes: list[tuple[datetime, dict[str, Any]]], replace: bool = True
                 ) -> None:
        """Add timed changes (instants may be past: they apply at once, in order)."""
        clean = [WeatherChange(at, self.check(vals)) for at, vals in changes]
        now = get_clock().now()
        with self._lock:
            if replace:
                self._timeline.clear()
            for change in clean:
                keys = [c.at for c in self._timeline]
                self._timeline.insert(bisect.bisect_right(keys, change.at), change)
            self._advance(now)

    def set_updating(self, updating: bool) -> None:
        now = get_clock().now()
        with self._lock:
            self._advance(now)
            if updating:
                if self._frozen_at is not None:
                    self._last_change = now
                self._frozen_at = None
            elif self._frozen_at is None:
                self._frozen_at = self.last_update(now)

    def refresh(self) -> None:
        now = get_clock().now()
        with self._lock:
            self._advance(now)
            if self._frozen_at is None:
                self._last_change = now

    def _apply(self, values: dict[str, float], at: datetime) -> None:
        if self._frozen_at is not None:
            return  # a frozen station reports nothing new
        if "dewpoint" in values:
            self._dewpoint_set = True
        self._values.update(values)
        self._last_change = max(self._last_change, at)

    def _advance(self, now: datetime) -> None:
        while self._timeline and self._timeline[0].at <= now:
            change = self._timeline.pop(0)
            self._apply(change.values, change.at)

    def last_update(self, now: datetime) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        period = self.update_period_s
        grid = now - timedelta(seconds=now.timestamp() % period)
        return max(grid, self._last_change)

    def snapshot(self, now: datetime | None = None) -> dict[str, float]:
        """All sensor values at ``now`` (default: the clock), dew point derived if unset."""
        now = now or get_clock().now()
        with self._lock:
            self._advance(now)
            values = dict(self._values)
        if not self._dewpoint_set:
            values["dewpoint"] = round(dew_point_c(values["temperature"], values["humidity"]), 2)
        return values

    def age_s(self, now: datetime | None = None) -> float:
        now = now or get_clock().now()
        with self._lock:
            self._advance(now)
            return max(0.0, (now - self.last_update(now)).total_seconds())

    def describe(self) -> dict[str, Any]:
        now = get_clock().now()
        values = self.snapshot(now)
        with self._lock:
            pending = [{"at": c.at.isoformat(), "values": c.values} for c in self._timeline]
            frozen = self._frozen_at is not None
        return {"values": values, "age_s": self.age_s(now), "updating": not frozen,
                "timeline": pending}


class ObservingConditionsSim(SimDevice):
    """The weather station: every ASCOM ObservingConditions sensor."""

    device_type = "observingconditions"
    interface_version = 2
    state_members = ("CloudCover", "DewPoint", "Humidity", "Pressure", "RainRate",
                     "SkyBrightness", "SkyQuality", "SkyTemperature", "StarFWHM",
                     "Temperature", "WindDirection", "WindGust", "WindSpeed")

    def power_on(self) -> None:
        super().power_on()
        self._average_period_h = 0.0

    def _value(self, sensor: str) -> float:
        return self.obs.weather.snapshot()[sensor]

    def get_averageperiod(self, p: Params) -> float:
        return self._average_period_h

    def put_averageperiod(self, p: Params) -> None:
        hours = p.finite("AveragePeriod")
        if hours != 0.0:
            raise AlpacaError.invalid_value(
                f"AveragePeriod {hours} h: this station reports instantaneous values only (0)")
        self._average_period_h = hours

    def put_refresh(self, p: Params) -> None:
        self.obs.weather.refresh()

    def _sensor_name(self, p: Params) -> str:
        name = (p.raw("SensorName") or "").strip().lower()
        if name and name not in SENSORS:
            raise AlpacaError.invalid_value(f"unknown sensor {p.raw('SensorName')!r}")
        return name

    def get_sensordescription(self, p: Params) -> str:
        name = self._sensor_name(p)
        if not name:
            raise AlpacaError.invalid_value("SensorName is required")
        return f"simulated {SENSORS[name][1]}"

    def get_timesincelastupdate(self, p: Params) -> float:
        self._sensor_name(p)
        return round(self.obs.weather.age_s(), 3)

    def status(self) -> dict[str, Any]:
        return {**super().status(), **self.obs.weather.describe()}


def _sensor_getter(sensor: str) -> Any:
    def getter(self: ObservingConditionsSim, p: Params) -> float:
        return self._value(sensor)

    getter.__name__ = f"get_{sensor}"
    getter.__doc__ = SENSORS[sensor][1]
    return getter


for _sensor in SENSORS:
    setattr(ObservingConditionsSim, f"get_{_sensor}", _sensor_getter(_sensor))


class SafetyMonitorSim(SimDevice):
    """IsSafe from the weather against the configured sensor limits (no hysteresis:
    the PyROS monitoring applies its own), and unsafe when the station is frozen beyond
    ``safety.weather_max_age_s``."""

    device_type = "safetymonitor"
    interface_version = 3
    state_members = ("IsSafe",)

    def get_issafe(self, p: Params) -> bool:
        return not self.reasons()

    def reasons(self) -> list[str]:
        """Why it is unsafe right now (empty when safe)."""
        cfg = self.obs.config.safety
        values = self.obs.weather.snapshot()
        out = []
        for sensor, rule in cfg.sensors.items():
            value = values.get(sensor)
            if value is None:
                continue
            if rule.min is not None and value < rule.min:
                out.append(f"{sensor} {value} < {rule.min}")
            if rule.max is not None and value > rule.max:
                out.append(f"{sensor} {value} > {rule.max}")
        age = self.obs.weather.age_s()
        if age > cfg.weather_max_age_s:
            out.append(f"weather is {age:.0f} s old")
        return out

    def status(self) -> dict[str, Any]:
        reasons = self.reasons()
        return {**super().status(), "is_safe": not reasons, "reasons": reasons}

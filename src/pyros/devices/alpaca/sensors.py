"""Alpaca drivers for sensors and switches: weather, safety monitor, switch/PLC."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

from alpaca.observingconditions import ObservingConditions as AlpycaObservingConditions
from alpaca.safetymonitor import SafetyMonitor as AlpycaSafetyMonitor
from alpaca.switch import Switch as AlpycaSwitch

from pyros.clock import get_clock
from pyros.devices.alpaca.base import AlpacaDevice
from pyros.devices.errors import DeviceRejected, DeviceUnavailable, NotSupported
from pyros.devices.interfaces import SafetyMonitor, Switch, Weather
from pyros.devices.models import WEATHER_SENSORS, SwitchInfo, WeatherSnapshot

__all__ = ["AlpacaSafetyMonitor", "AlpacaSwitch", "AlpacaWeather"]


class AlpacaWeather(AlpacaDevice, Weather):
    """ASCOM ObservingConditions.  Sensors that answer NotImplemented are remembered as
    absent until the next reconnection, so a snapshot does not ask them again."""

    api_class = AlpycaObservingConditions

    def __init__(self, config):  # type: ignore[no-untyped-def]
        super().__init__(config)
        self._absent: set[str] = set()
        self._devicestate: bool | None = None  # unknown until tried

    def _on_connected(self) -> None:
        self._absent = set()
        self._devicestate = None

    def _from_devicestate(self) -> dict[str, float | None] | None:
        """All sensors in one request (ASCOM Platform 7 ``DeviceState``), or None when the
        device does not offer it.  One call instead of one per sensor matters: monitoring
        reads the weather every second, and faster still on a simulated clock."""
        if self._devicestate is False:
            return None
        try:
            if self._devicestate is None:
                # probe outside the reconnect policy: a pre-Platform-7 device answers
                # HTTP 400, which must not count as the device being down
                self.connect()
                items = self._transport.get("devicestate")
            else:
                items = self._transport_call(lambda t: t.get("devicestate"))
        except (NotSupported, DeviceRejected):
            self._devicestate = False
            return None
        except DeviceUnavailable:
            if self._devicestate is None:
                self._devicestate = False
                return None
            raise
        try:
            by_name = {str(i["Name"]).lower(): i.get("Value") for i in items}
        except (TypeError, KeyError, AttributeError):
            self._devicestate = False
            return None
        self._devicestate = True
        return {sensor: by_name.get(sensor) for sensor in WEATHER_SENSORS}

    def snapshot(self) -> WeatherSnapshot:
        read_at = get_clock().now()
        values: dict[str, float | None] = {}
        invalid: set[str] = set()
        state = self._from_devicestate()
        if state is not None:
            for sensor, raw in state.items():
                try:
                    values[sensor] = WeatherSnapshot.clean(raw)
                except (TypeError, ValueError):
                    values[sensor] = None
                if raw is None:
                    self._absent.add(sensor)
                elif values[sensor] is None:
                    invalid.add(sensor)
            return self._finish(read_at, values, invalid)
        for sensor in WEATHER_SENSORS:
            if sensor in self._absent:
                values[sensor] = None
                continue
            try:
                raw = self._transport_call(lambda t, s=sensor: t.get(s))
            except NotSupported:
                self._absent.add(sensor)
                values[sensor] = None
                continue
            except DeviceRejected:  # ValueNotSet: present but no reading yet
                raw = None
            try:
                value = WeatherSnapshot.clean(raw)
            except (TypeError, ValueError):
                value = None
            if value is None:
                invalid.add(sensor)
            values[sensor] = value
        return self._finish(read_at, values, invalid)

    def _finish(self, read_at, values: dict[str, float | None],  # type: ignore[no-untyped-def]
                invalid: set[str]) -> WeatherSnapshot:
        try:
            age_s = float(self._transport_call(
                lambda t: t.get("timesincelastupdate", SensorName="")))
            updated_at = read_at - timedelta(seconds=age_s) if age_s >= 0 else None
        except (NotSupported, DeviceRejected, ValueError, TypeError):
            updated_at = None
        return WeatherSnapshot(read_at=read_at, updated_at=updated_at, values=values,
                               absent=frozenset(self._absent), invalid=frozenset(invalid))


class AlpacaSafetyMonitor(AlpacaDevice, SafetyMonitor):
    """ASCOM SafetyMonitor."""

    api_class = AlpycaSafetyMonitor

    def is_safe(self) -> bool:
        return bool(self.api.IsSafe)


class AlpacaSwitch(AlpacaDevice, Switch):
    """ASCOM Switch (the PLC's channels are switches)."""

    api_class = AlpycaSwitch

    def __init__(self, config):  # type: ignore[no-untyped-def]
        super().__init__(config)
        self._static: list[SwitchInfo] | None = None

    def _on_connected(self) -> None:
        self._names = None
        self._static = None

    def _describe(self) -> list[SwitchInfo]:
        """Names, limits and writability: read once per connection (they do not change)."""
        if self._static is None:
            api = self.api
            self._static = [SwitchInfo(
                index=i, name=str(api.GetSwitchName(i)),
                description=str(api.GetSwitchDescription(i)), can_write=bool(api.CanWrite(i)),
                min_value=float(api.MinSwitchValue(i)), max_value=float(api.MaxSwitchValue(i)),
                step=float(api.SwitchStep(i)), value=math.nan) for i in range(int(api.MaxSwitch))]
            self._names = [s.name for s in self._static]
        return self._static

    def switches(self) -> list[SwitchInfo]:
        return [replace(s, value=self._get_value(s.index)) for s in self._describe()]

    def _get_value(self, index: int) -> float:
        return float(self.api.GetSwitchValue(index))

    def _set_value(self, index: int, value: float) -> None:
        self.api.SetSwitchValue(index, value)

    def index_of(self, name: str) -> int:
        names = [s.name for s in self._describe()]
        if name not in names:
            raise ValueError(f"{self.name}: no switch called {name!r} (has {names})")
        return names.index(name)

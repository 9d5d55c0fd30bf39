"""ASCOM Alpaca backend (alpyca's device API over a PyROS transport with timeouts)."""

from __future__ import annotations

from pyros.config.devices import DeviceKind
from pyros.devices.alpaca.base import AlpacaDevice
from pyros.devices.alpaca.camera import AlpacaCamera
from pyros.devices.alpaca.motion import AlpacaDome, AlpacaFilterWheel, AlpacaFocuser, AlpacaMount
from pyros.devices.alpaca.sensors import AlpacaSafetyMonitor, AlpacaSwitch, AlpacaWeather

__all__ = ["DRIVERS", "AlpacaDevice"]

#: The Alpaca driver class for each device kind.
DRIVERS: dict[DeviceKind, type[AlpacaDevice]] = {
    DeviceKind.TELESCOPE: AlpacaMount,
    DeviceKind.DOME: AlpacaDome,
    DeviceKind.CAMERA: AlpacaCamera,
    DeviceKind.FILTERWHEEL: AlpacaFilterWheel,
    DeviceKind.FOCUSER: AlpacaFocuser,
    DeviceKind.OBSERVINGCONDITIONS: AlpacaWeather,
    DeviceKind.SAFETYMONITOR: AlpacaSafetyMonitor,
    DeviceKind.SWITCH: AlpacaSwitch,
}

"""INDI backend (pure-Python ``indipyclient``), for the same interfaces as Alpaca."""

from __future__ import annotations

from pyros.config.devices import DeviceKind
from pyros.devices.indi.base import IndiDevice
from pyros.devices.indi.camera import IndiCamera
from pyros.devices.indi.motion import IndiDome, IndiFilterWheel, IndiFocuser, IndiMount
from pyros.devices.indi.weather import IndiWeather

__all__ = ["DRIVERS", "IndiDevice"]

#: The INDI driver class for each device kind (INDI has no standard safety monitor or
#: switch device: those kinds raise NotSupported from the factory).
DRIVERS: dict[DeviceKind, type[IndiDevice]] = {
    DeviceKind.TELESCOPE: IndiMount,
    DeviceKind.DOME: IndiDome,
    DeviceKind.CAMERA: IndiCamera,
    DeviceKind.FILTERWHEEL: IndiFilterWheel,
    DeviceKind.FOCUSER: IndiFocuser,
    DeviceKind.OBSERVINGCONDITIONS: IndiWeather,
}

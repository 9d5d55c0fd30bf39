"""PyROS device drivers: one interface per device kind, Alpaca and INDI backends.

    from pyros.devices import connect, open_all
    mount = connect(config.device("mount"))
    mount.slew_radec(83.63, 22.01, wait=True)

Every call has a timeout; transport trouble is :class:`DeviceUnavailable`; see
:mod:`pyros.devices.errors` for what each error asks of the caller.
"""

from __future__ import annotations

from pyros.devices.enums import (
    AlignmentMode,
    CameraState,
    DriveRate,
    FrameType,
    PierSide,
    SensorType,
    ShutterState,
)
from pyros.devices.errors import (
    DeviceError,
    DeviceFault,
    DeviceParked,
    DeviceRejected,
    DeviceUnavailable,
    NotSupported,
    OperationAborted,
    OperationTimedOut,
)
from pyros.devices.factory import connect, driver_for, open_all
from pyros.devices.interfaces import (
    Camera,
    Device,
    Dome,
    FilterWheel,
    Focuser,
    Mount,
    SafetyMonitor,
    Switch,
    Weather,
)
from pyros.devices.models import WEATHER_SENSORS, Image, SkyPosition, SwitchInfo, WeatherSnapshot

__all__ = [
    "WEATHER_SENSORS",
    "AlignmentMode",
    "Camera",
    "CameraState",
    "Device",
    "DeviceError",
    "DeviceFault",
    "DeviceParked",
    "DeviceRejected",
    "DeviceUnavailable",
    "Dome",
    "DriveRate",
    "FilterWheel",
    "Focuser",
    "FrameType",
    "Image",
    "Mount",
    "NotSupported",
    "OperationAborted",
    "OperationTimedOut",
    "PierSide",
    "SafetyMonitor",
    "SensorType",
    "ShutterState",
    "SkyPosition",
    "Switch",
    "SwitchInfo",
    "Weather",
    "WeatherSnapshot",
    "connect",
    "driver_for",
    "open_all",
]

"""The devices the execution agent shares between sequences: one telescope, one dome,
one camera and filter wheel per channel, the focuser, the PLC and the safety monitor.

Drivers are created once (they connect on first use and reconnect by themselves); a
device missing from the configuration is simply ``None``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pyros.config import DeviceKind, ObservatoryConfig
from pyros.devices import Camera, Dome, FilterWheel, Focuser, Mount, SafetyMonitor, Switch, open_all


@dataclass
class Channel:
    name: str
    camera: Camera
    filterwheel: FilterWheel | None
    blocking: bool


class ObservatoryDevices:
    def __init__(self, cfg: ObservatoryConfig):
        self.cfg = cfg
        self.drivers = open_all(cfg)
        self.mount: Mount = self._first(DeviceKind.TELESCOPE)
        self.dome: Dome | None = self._first(DeviceKind.DOME)
        self.focuser: Focuser | None = self._first(DeviceKind.FOCUSER)
        self.safety: SafetyMonitor | None = self._first(DeviceKind.SAFETYMONITOR)
        self.plc: Switch | None = self._first(DeviceKind.SWITCH)
        self.channels = {
            ch.name: Channel(ch.name, self.drivers[ch.camera],
                             self.drivers.get(ch.filterwheel) if ch.filterwheel else None,
                             cfg.device(ch.camera).blocking)
            for ch in cfg.channels
        }

    def _first(self, kind: DeviceKind):
        devs = self.cfg.devices_of(kind)
        return self.drivers[devs[0].name] if devs else None

    def close(self) -> None:
        for driver in self.drivers.values():
            with contextlib.suppress(Exception):  # closing is best effort
                driver.close()

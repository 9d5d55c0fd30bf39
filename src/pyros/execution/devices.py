"""The devices the execution agent shares between sequences: one telescope, one dome,
one camera and filter wheel per channel, the focuser, the PLC and the safety monitor.

Drivers are created once (they connect on first use and reconnect by themselves); a
device missing from the configuration is simply ``None``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from pyros.clock import Clock
from pyros.config import DeviceKind, ObservatoryConfig
from pyros.devices import (
    Camera,
    DeviceError,
    Dome,
    FilterWheel,
    Focuser,
    Mount,
    SafetyMonitor,
    Switch,
    open_all,
)


@dataclass
class Channel:
    name: str
    camera: Camera
    filterwheel: FilterWheel | None
    blocking: bool


class ObservatoryDevices:
    """The drivers, created once; the ``*_or_none`` readers feed FITS headers, where a
    value that cannot be read is left blank rather than losing the frame."""

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

    def focus_position_or_none(self) -> int | None:
        try:
            return self.focuser.position() if self.focuser is not None else None
        except DeviceError:
            return None


def ccd_temperature_or_none(camera: Camera) -> float | None:
    try:
        return round(float(camera.ccd_temperature_c()), 2)
    except (DeviceError, TypeError, ValueError):
        return None


def airmass(alt_deg: float) -> float | None:
    """Pickering (2002) airmass, good to the horizon; None below it."""
    import math

    if alt_deg <= 0:
        return None
    h = alt_deg
    return 1.0 / math.sin(math.radians(h + 244.0 / (165.0 + 47.0 * h ** 1.1)))


def exposure_poll_s(clock: Clock) -> float:
    """Clock seconds between two looks at a camera during an exposure: 20 ms of wall time
    up to 12.5× (a frame is archived, an abort noticed, within that), 0.25 clock seconds
    beyond (a few ms of wall time: no busy loop against the device)."""
    return min(0.25, max(0.02, 0.02 * clock.speed))

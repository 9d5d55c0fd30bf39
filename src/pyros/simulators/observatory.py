"""The whole simulated observatory: its devices, weather, transients and faults.

Built from the observatory configuration: one simulated device for every Alpaca device
listed there, under its device type and number.  Devices find each other here (the dome
follows the mount, the camera asks the mount where it points, the PLC powers the rest).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pyros.clock import get_clock
from pyros.config import DeviceKind, ObservatoryConfig
from pyros.config.devices import Backend
from pyros.simulators.faults import FaultBoard, FaultMode
from pyros.simulators.weather import WeatherModel

if TYPE_CHECKING:
    from pyros.simulators.device import SimDevice
    from pyros.simulators.dome import DomeSim
    from pyros.simulators.focuser import FocuserSim
    from pyros.simulators.switch import SwitchSim
    from pyros.simulators.telescope import TelescopeSim

__all__ = ["InjectedTransient", "Observatory"]

D = TypeVar("D")


@dataclass(frozen=True)
class InjectedTransient:
    """A fading point source (GRB afterglow): ``mag`` at ``t0``, fading as ``t^-alpha``."""

    ra_deg: float
    dec_deg: float
    mag: float
    t0: datetime
    alpha: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["t0"] = self.t0.isoformat()
        return d


def _device_classes() -> dict[DeviceKind, type[SimDevice]]:
    from pyros.simulators.camera import CameraSim
    from pyros.simulators.dome import DomeSim
    from pyros.simulators.filterwheel import FilterWheelSim
    from pyros.simulators.focuser import FocuserSim
    from pyros.simulators.switch import SwitchSim
    from pyros.simulators.telescope import TelescopeSim
    from pyros.simulators.weather import ObservingConditionsSim, SafetyMonitorSim

    return {
        DeviceKind.TELESCOPE: TelescopeSim,
        DeviceKind.DOME: DomeSim,
        DeviceKind.CAMERA: CameraSim,
        DeviceKind.FILTERWHEEL: FilterWheelSim,
        DeviceKind.FOCUSER: FocuserSim,
        DeviceKind.OBSERVINGCONDITIONS: ObservingConditionsSim,
        DeviceKind.SAFETYMONITOR: SafetyMonitorSim,
        DeviceKind.SWITCH: SwitchSim,
    }


class Observatory:
    """Every simulated device of one configuration, and the scenario controls."""

    def __init__(self, config: ObservatoryConfig):
        self.config = config
        self.faults = FaultBoard()
        self.weather = WeatherModel(config)
        self._transients: list[InjectedTransient] = []
        self._lock = threading.Lock()
        self.devices: dict[tuple[str, int], SimDevice] = {}
        self.by_name: dict[str, SimDevice] = {}
        classes = _device_classes()
        for dc in config.devices:
            if dc.backend is not Backend.ALPACA:
                continue
            key = (dc.kind.value, dc.device_number)
            if key in self.devices:
                raise ValueError(f"two Alpaca devices are {dc.kind.value} {dc.device_number}: "
                                 f"{self.devices[key].name} and {dc.name}")
            device = classes[dc.kind](dc, self)
            self.devices[key] = device
            self.by_name[dc.name] = device

    # -- lookup -------------------------------------------------------------------------
    def device(self, device_type: str, number: int) -> SimDevice:
        return self.devices[(device_type, number)]

    def first(self, kind: DeviceKind) -> Any:
        for (dtype, _), dev in sorted(self.devices.items(), key=lambda kv: kv[0]):
            if dtype == kind.value:
                return dev
        return None

    @property
    def mount(self) -> TelescopeSim | None:
        return self.first(DeviceKind.TELESCOPE)

    @property
    def dome(self) -> DomeSim | None:
        return self.first(DeviceKind.DOME)

    @property
    def plc(self) -> SwitchSim | None:
        return self.first(DeviceKind.SWITCH)

    @property
    def focuser(self) -> FocuserSim | None:
        return self.first(DeviceKind.FOCUSER)

    def powered(self, relay: str) -> bool:
        """Whether the PLC relay ``relay`` is on (True without a PLC or such a relay)."""
        plc = self.plc
        return True if plc is None else plc.is_on(relay)

    # -- scenario controls ----------------------------------------------------------------
    def set_fault(self, device: str, mode: FaultMode | str, duration_s: float | None = None
                  ) -> dict[str, Any]:
        """Put ``device`` (its configured name) into a fault mode; ``ok`` clears it.

        Raises ``KeyError`` for an unknown device, ``ValueError`` for a bad mode/duration.
        """
        dev = self.by_name[device]
        mode = FaultMode(mode)
        if duration_s is not None and not duration_s > 0:
            raise ValueError(f"fault duration must be > 0 s, got {duration_s}")
        if mode is FaultMode.RESTART:
            with dev.lock:
                dev.power_on()
            if duration_s is None:
                duration_s = self.config.simulator.restart_time_s or None
            if duration_s is None:
                self.faults.set(device, FaultMode.OK)
                return {"mode": "ok"}
        elif mode is FaultMode.DISCONNECTED:
            dev.drop_connection()
        fault = self.faults.set(device, mode, duration_s)
        return fault.as_dict() if mode is not FaultMode.OK else {"mode": "ok"}

    def add_transient(self, ra_deg: float, dec_deg: float, mag: float,
                      t0: datetime | None = None, alpha: float = 1.0) -> InjectedTransient:
        if not (0 <= ra_deg < 360 and -90 <= dec_deg <= 90):
            raise ValueError(f"transient position out of range: ra={ra_deg}, dec={dec_deg}")
        if not -5 < mag < 35:
            raise ValueError(f"transient magnitude {mag} is not plausible")
        t = InjectedTransient(ra_deg, dec_deg, mag, t0 or get_clock().now(), alpha)
        with self._lock:
            self._transients.append(t)
        return t

    def clear_transients(self) -> int:
        with self._lock:
            n = len(self._transients)
            self._transients.clear()
        return n

    @property
    def transients(self) -> tuple[InjectedTransient, ...]:
        with self._lock:
            return tuple(self._transients)

    def state(self) -> dict[str, Any]:
        """Everything at once, JSON-able: for ``pyros sim status`` and tests."""
        devices = {}
        for name, dev in self.by_name.items():
            with dev.lock:
                devices[name] = dev.status()
        return {
            "clock": get_clock().describe(),
            "devices": devices,
            "faults": self.faults.snapshot(),
            "weather": self.weather.describe(),
            "transients": [t.as_dict() for t in self.transients],
        }

"""The PLC of the building as an ASCOM Switch: power relays, lights, and read-only sensors.

Relays have effects elsewhere in the simulation: with ``dome power`` off the dome refuses
to move, with ``mount power`` off the mount refuses to slew, with a camera's power off it
refuses to expose, and the ``flat lamp`` turns light frames taken with the shutter
closed into flat fields.  Sensors (``rain sensor``, ``mains power``) are read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyros.simulators.device import SimDevice
from pyros.simulators.protocol import AlpacaError, Params

if TYPE_CHECKING:
    from pyros.simulators.observatory import Observatory

__all__ = ["PLC_SWITCHES", "SwitchSim", "SwitchSpec"]


@dataclass(frozen=True)
class SwitchSpec:
    name: str
    description: str
    default: float = 1.0
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 1.0
    #: For read-only sensors: where the value comes from.
    sensor: Callable[[Observatory], float] | None = None

    @property
    def writable(self) -> bool:
        return self.sensor is None


def _rain(obs: Observatory) -> float:
    return 1.0 if obs.weather.snapshot()["rainrate"] > 0 else 0.0


PLC_SWITCHES: tuple[SwitchSpec, ...] = (
    SwitchSpec("dome power", "power of the dome rotation and shutter motors"),
    SwitchSpec("mount power", "power of the mount drives"),
    SwitchSpec("vis camera power", "power of the VIS camera and its cooler"),
    SwitchSpec("nir camera power", "power of the NIR camera and its cryostat electronics"),
    SwitchSpec("roof power", "power of the building roof and ventilation"),
    SwitchSpec("lights", "dome interior lights", default=0.0),
    SwitchSpec("flat lamp", "flat-field screen lamp, percent", default=0.0, maximum=100.0),
    SwitchSpec("rain sensor", "rain detector (1 = wet), read-only", default=0.0, sensor=_rain),
    SwitchSpec("mains power", "site mains present (1), read-only", sensor=lambda obs: 1.0),
)


class SwitchSim(SimDevice):
    """ASCOM Switch V3 with synchronous switches only (CanAsync false)."""

    device_type = "switch"
    interface_version = 3
    specs = PLC_SWITCHES

    def power_on(self) -> None:
        super().power_on()
        # The PLC keeps its relays across a restart of its Alpaca interface only if set
        # so; a power cycle returns every relay to its default.
        self._values = [s.default for s in self.specs]

    # -- state used by the other simulated devices ------------------------------------
    def value_of(self, name: str) -> float:
        for i, spec in enumerate(self.specs):
            if spec.name == name:
                return self._read(i)
        raise KeyError(name)

    def is_on(self, name: str) -> bool:
        try:
            return self.value_of(name) > 0
        except KeyError:
            return True  # a PLC without this relay: the equipment is always powered

    def _read(self, i: int) -> float:
        spec = self.specs[i]
        return spec.sensor(self.obs) if spec.sensor else self._values[i]

    def _id(self, p: Params) -> int:
        i = p.int_("Id")
        if not 0 <= i < len(self.specs):
            raise AlpacaError.invalid_value(f"switch Id {i} is outside 0..{len(self.specs) - 1}")
        return i

    def _writable(self, i: int) -> SwitchSpec:
        spec = self.specs[i]
        if not spec.writable:
            raise AlpacaError.not_implemented(f"writing switch {i} ({spec.name}, read-only)")
        return spec

    # -- ASCOM members ------------------------------------------------------------------
    def get_maxswitch(self, p: Params) -> int:
        return len(self.specs)

    def get_canwrite(self, p: Params) -> bool:
        return self.specs[self._id(p)].writable

    def get_canasync(self, p: Params) -> bool:
        self._id(p)
        return False

    def get_getswitch(self, p: Params) -> bool:
        i = self._id(p)
        return self._read(i) > self.specs[i].minimum

    def get_getswitchvalue(self, p: Params) -> float:
        return self._read(self._id(p))

    def get_getswitchname(self, p: Params) -> str:
        return self.specs[self._id(p)].name

    def get_getswitchdescription(self, p: Params) -> str:
        return self.specs[self._id(p)].description

    def get_minswitchvalue(self, p: Params) -> float:
        return self.specs[self._id(p)].minimum

    def get_maxswitchvalue(self, p: Params) -> float:
        return self.specs[self._id(p)].maximum

    def get_switchstep(self, p: Params) -> float:
        return self.specs[self._id(p)].step

    def get_statechangecomplete(self, p: Params) -> bool:
        self._id(p)
        raise AlpacaError.not_implemented("StateChangeComplete (no asynchronous switches)")

    def put_setswitch(self, p: Params) -> None:
        i = self._id(p)
        state = p.bool_("State")
        spec = self._writable(i)
        self._values[i] = spec.maximum if state else spec.minimum

    def put_setswitchvalue(self, p: Params) -> None:
        i = self._id(p)
        value = p.finite("Value")
        spec = self._writable(i)
        if not spec.minimum <= value <= spec.maximum:
            raise AlpacaError.invalid_value(
                f"switch {i} ({spec.name}) value {value} outside {spec.minimum}..{spec.maximum}")
        steps = round((value - spec.minimum) / spec.step)
        if abs(spec.minimum + steps * spec.step - value) > 1e-9 * max(1.0, abs(value)):
            raise AlpacaError.invalid_value(
                f"switch {i} ({spec.name}) value {value} is not a multiple of {spec.step}")
        self._values[i] = value

    def put_setswitchname(self, p: Params) -> None:
        self._id(p)
        raise AlpacaError.not_implemented("SetSwitchName (names are fixed by the PLC)")

    def status(self) -> dict[str, Any]:
        return {**super().status(),
                "switches": {s.name: self._read(i) for i, s in enumerate(self.specs)}}

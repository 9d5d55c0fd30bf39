"""An absolute focuser: constant-speed moves, Halt, the ambient temperature."""

from __future__ import annotations

from typing import Any

from pyros.simulators.device import SimDevice
from pyros.simulators.motion import Move
from pyros.simulators.protocol import AlpacaError, Params

__all__ = ["FocuserSim"]


class FocuserSim(SimDevice):
    device_type = "focuser"
    interface_version = 4
    state_members = ("IsMoving", "Position", "Temperature")

    def power_on(self) -> None:
        super().power_on()
        # Absolute encoders keep their position across a power cycle.
        previous: Move | None = getattr(self, "_move", None)
        now = self.now()
        start = (float(round(previous.position(now))) if previous
                 else float(self.sim.focuser_best_step))
        self._move = Move.between(now, start, start, self.sim.focuser_rate_steps_s)

    def position(self) -> int:
        return round(self._move.position(self.now()))

    def get_absolute(self, p: Params) -> bool:
        return True

    def get_ismoving(self, p: Params) -> bool:
        return self._move.moving(self.now())

    def get_maxstep(self, p: Params) -> int:
        return self.sim.focuser_max_step

    def get_maxincrement(self, p: Params) -> int:
        return self.sim.focuser_max_step

    def get_position(self, p: Params) -> int:
        return self.position()

    def get_stepsize(self, p: Params) -> float:
        return self.sim.focuser_step_size_um

    def get_tempcomp(self, p: Params) -> bool:
        return False

    def put_tempcomp(self, p: Params) -> None:
        if p.bool_("TempComp"):
            raise AlpacaError.not_implemented("temperature compensation")

    def get_tempcompavailable(self, p: Params) -> bool:
        return False

    def get_temperature(self, p: Params) -> float:
        return self.obs.weather.snapshot()["temperature"]

    def put_halt(self, p: Params) -> None:
        now = self.now()
        here = round(self._move.position(now))
        self._move = Move.between(now, here, here, self.sim.focuser_rate_steps_s)

    def put_move(self, p: Params) -> None:
        target = p.int_("Position")
        if not 0 <= target <= self.sim.focuser_max_step:
            raise AlpacaError.invalid_value(
                f"focuser position {target} outside 0..{self.sim.focuser_max_step}")
        now = self.now()
        here = self._move.position(now)
        self._move = Move.between(now, here, float(target), self.sim.focuser_rate_steps_s)

    def status(self) -> dict[str, Any]:
        return {**super().status(), "position": self.position(),
                "moving": self._move.moving(self.now()), "target": round(self._move.target)}

"""A rotating dome with a shutter, optionally slaved to the mount.

Azimuth turns the shortest way at ``dome_rate_deg_s``; the shutter takes
``shutter_time_s`` to open or close fully (a reversal mid-way takes the part already
travelled).  A slaved dome heads for the mount's *destination* azimuth as soon as the
mount starts a slew, so dome and mount arrive together as on the real building.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from pyros.simulators.device import SimDevice
from pyros.simulators.motion import Move, wrap_180, wrap_360
from pyros.simulators.protocol import AlpacaError, ErrorCode, Params

__all__ = ["DomeSim", "ShutterState"]


class ShutterState(IntEnum):
    OPEN = 0
    CLOSED = 1
    OPENING = 2
    CLOSING = 3
    ERROR = 4


class DomeSim(SimDevice):
    device_type = "dome"
    interface_version = 3
    state_members = ("AtHome", "AtPark", "Azimuth", "ShutterStatus", "Slaved", "Slewing")
    home_azimuth_deg = 0.0

    def power_on(self) -> None:
        super().power_on()
        now = self.now()
        previous: Move | None = getattr(self, "_az", None)
        az = wrap_360(previous.position(now)) if previous else self.sim.dome_park_azimuth_deg
        self._az = Move.between(now, az, az, self.sim.dome_rate_deg_s)
        shutter: Move | None = getattr(self, "_shutter", None)
        opening = shutter.position(now) if shutter else 0.0
        self._shutter = Move.between(now, opening, opening, 1.0 / self.sim.shutter_time_s)
        self._slaved = False
        self._slaved_since = now
        self._followed_at = now
        self._parked = previous is None
        self.park_azimuth_deg = self.sim.dome_park_azimuth_deg

    # -- physics ------------------------------------------------------------------------
    def _follow(self, now: datetime) -> None:
        """Retarget a slaved dome onto the mount.

        Evaluated lazily: the new move is backdated to the mount's slew start, but never
        before the dome's previous look at the mount, so an unpolled dome still arrives
        with the mount and a polled one lags by at most one poll.
        """
        mount = self.obs.mount
        previous_look, self._followed_at = self._followed_at, now
        if not self._slaved or mount is None:
            return
        with mount.lock:  # lock order is always dome -> mount (the mount takes no other)
            wanted, since = mount.dome_target(now)
        if abs(wrap_180(wanted - wrap_360(self._az.target))) <= self.sim.dome_slave_tolerance_deg:
            return
        start = min(now, max(since, self._slaved_since, previous_look))
        self._start_az_move(wanted, start)

    def _start_az_move(self, azimuth_deg: float, start: datetime) -> None:
        here = self._az.position(start)
        distance = wrap_180(azimuth_deg - wrap_360(here))
        self._az = Move(start, here, distance, self.sim.dome_rate_deg_s)
        self._parked = False

    def azimuth(self, now: datetime | None = None) -> float:
        now = now or self.now()
        self._follow(now)
        return wrap_360(self._az.position(now))

    def az_moving(self, now: datetime) -> bool:
        self._follow(now)
        return self._az.moving(now)

    def shutter_state(self, now: datetime | None = None) -> ShutterState:
        now = now or self.now()
        if self._shutter.moving(now):
            return ShutterState.OPENING if self._shutter.distance > 0 else ShutterState.CLOSING
        opening = self._shutter.position(now)
        if opening >= 1.0 - 1e-9:
            return ShutterState.OPEN
        if opening <= 1e-9:
            return ShutterState.CLOSED
        return ShutterState.ERROR  # stopped part-way by AbortSlew

    def is_open(self) -> bool:
        return self.shutter_state() is ShutterState.OPEN

    def _require_power(self) -> None:
        if not self.obs.powered("dome power"):
            raise AlpacaError.invalid_operation("dome power is off (PLC): the dome cannot move")

    def _move_shutter(self, opening: float) -> None:
        self._require_power()
        now = self.now()
        here = self._shutter.position(now)
        self._shutter = Move.between(now, here, opening, 1.0 / self.sim.shutter_time_s)

    # -- ASCOM members ------------------------------------------------------------------
    def get_azimuth(self, p: Params) -> float:
        return round(self.azimuth(), 4)

    def get_athome(self, p: Params) -> bool:
        now = self.now()
        return (not self.az_moving(now)
                and abs(wrap_180(self.azimuth(now) - self.home_azimuth_deg)) < 0.5)

    def get_atpark(self, p: Params) -> bool:
        return self._parked and not self.az_moving(self.now())

    def get_shutterstatus(self, p: Params) -> int:
        return int(self.shutter_state())

    def get_slaved(self, p: Params) -> bool:
        return self._slaved

    def put_slaved(self, p: Params) -> None:
        slaved = p.bool_("Slaved")
        if slaved:
            self._require_power()
            if not self._slaved:
                self._slaved_since = self.now()
        self._slaved = slaved

    def get_slewing(self, p: Params) -> bool:
        now = self.now()
        return self.az_moving(now) or self._shutter.moving(now)

    def get_canfindhome(self, p: Params) -> bool:
        return True

    def get_canpark(self, p: Params) -> bool:
        return True

    def get_cansetaltitude(self, p: Params) -> bool:
        return False

    def get_cansetazimuth(self, p: Params) -> bool:
        return True

    def get_cansetpark(self, p: Params) -> bool:
        return True

    def get_cansetshutter(self, p: Params) -> bool:
        return True

    def get_canslave(self, p: Params) -> bool:
        return True

    def get_cansyncazimuth(self, p: Params) -> bool:
        return True

    def put_openshutter(self, p: Params) -> None:
        self._move_shutter(1.0)

    def put_closeshutter(self, p: Params) -> None:
        self._move_shutter(0.0)

    def put_abortslew(self, p: Params) -> None:
        now = self.now()
        self._slaved = False
        here = self._az.position(now)
        self._az = Move.between(now, here, here, self.sim.dome_rate_deg_s)
        opening = self._shutter.position(now)
        self._shutter = Move.between(now, opening, opening, 1.0 / self.sim.shutter_time_s)

    def put_slewtoazimuth(self, p: Params) -> None:
        azimuth = p.finite("Azimuth")
        if not 0.0 <= azimuth < 360.0:
            raise AlpacaError.invalid_value(f"azimuth {azimuth} outside [0, 360)")
        if self._slaved:
            raise AlpacaError(ErrorCode.SLAVED, "the dome is slaved to the mount")
        self._require_power()
        self._start_az_move(azimuth, self.now())

    def put_synctoazimuth(self, p: Params) -> None:
        azimuth = p.finite("Azimuth")
        if not 0.0 <= azimuth < 360.0:
            raise AlpacaError.invalid_value(f"azimuth {azimuth} outside [0, 360)")
        now = self.now()
        if self._az.moving(now):
            raise AlpacaError.invalid_operation("cannot sync while the dome is moving")
        self._az = Move.between(now, azimuth, azimuth, self.sim.dome_rate_deg_s)

    def put_park(self, p: Params) -> None:
        self._require_power()
        self._slaved = False
        self._start_az_move(self.park_azimuth_deg, self.now())
        self._parked = True

    def put_setpark(self, p: Params) -> None:
        self.park_azimuth_deg = self.azimuth()

    def put_findhome(self, p: Params) -> None:
        self._require_power()
        if self._slaved:
            raise AlpacaError(ErrorCode.SLAVED, "the dome is slaved to the mount")
        self._start_az_move(self.home_azimuth_deg, self.now())

    def status(self) -> dict[str, Any]:
        now = self.now()
        return {**super().status(), "azimuth_deg": round(self.azimuth(now), 3),
                "moving": self.az_moving(now), "shutter": self.shutter_state(now).name.lower(),
                "shutter_open_fraction": round(self._shutter.position(now), 3),
                "slaved": self._slaved}

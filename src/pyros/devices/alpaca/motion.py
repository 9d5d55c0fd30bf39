"""Alpaca drivers for devices that move: mount, dome, filter wheel, focuser."""

from __future__ import annotations

from alpaca.dome import Dome as AlpycaDome
from alpaca.filterwheel import FilterWheel as AlpycaFilterWheel
from alpaca.focuser import Focuser as AlpycaFocuser
from alpaca.telescope import Telescope as AlpycaTelescope

from pyros.devices.alpaca.base import AlpacaDevice
from pyros.devices.enums import PierSide, ShutterState, enum_value
from pyros.devices.errors import NotSupported
from pyros.devices.interfaces import Dome, FilterWheel, Focuser, Mount
from pyros.devices.models import SkyPosition

__all__ = ["AlpacaDome", "AlpacaFilterWheel", "AlpacaFocuser", "AlpacaMount"]


class AlpacaMount(AlpacaDevice, Mount):
    """ASCOM Telescope.  RA travels in hours on the wire; PyROS speaks degrees."""

    api_class = AlpycaTelescope

    def position(self) -> SkyPosition:
        api = self.api
        return SkyPosition(ra_deg=float(api.RightAscension) * 15.0,
                           dec_deg=float(api.Declination),
                           alt_deg=float(api.Altitude), az_deg=float(api.Azimuth))

    def is_slewing(self) -> bool:
        return bool(self.api.Slewing)

    def _start_slew_radec(self, ra_deg: float, dec_deg: float) -> None:
        self.api.SlewToCoordinatesAsync(ra_deg / 15.0, dec_deg)

    def _start_slew_altaz(self, alt_deg: float, az_deg: float) -> None:
        self.api.SlewToAltAzAsync(az_deg, alt_deg)  # ASCOM order: azimuth, altitude

    def abort(self) -> None:
        self.api.AbortSlew()

    def _start_park(self) -> None:
        self.api.Park()

    def unpark(self) -> None:
        self.api.Unpark()

    def at_park(self) -> bool:
        return bool(self.api.AtPark)

    def tracking(self) -> bool:
        return bool(self.api.Tracking)

    def set_tracking(self, on: bool) -> None:
        self.api.Tracking = bool(on)

    def pier_side(self) -> PierSide:
        try:
            raw = self._transport_call(lambda t: t.get("sideofpier"))
        except NotSupported:
            return PierSide.UNKNOWN
        return enum_value(PierSide, raw, PierSide.UNKNOWN)  # type: ignore[return-value]


class AlpacaDome(AlpacaDevice, Dome):
    """ASCOM Dome."""

    api_class = AlpycaDome

    def azimuth_deg(self) -> float:
        return float(self.api.Azimuth)

    def shutter_state(self) -> ShutterState:
        raw = self._transport_call(lambda t: t.get("shutterstatus"))
        return enum_value(ShutterState, raw, ShutterState.ERROR)  # type: ignore[return-value]

    def is_slewing(self) -> bool:
        return bool(self.api.Slewing)

    def _start_open_shutter(self) -> None:
        self.api.OpenShutter()

    def _start_close_shutter(self) -> None:
        self.api.CloseShutter()

    def _start_slew_azimuth(self, az_deg: float) -> None:
        self.api.SlewToAzimuth(az_deg)

    def abort(self) -> None:
        self.api.AbortSlew()

    def _start_park(self) -> None:
        self.api.Park()

    def at_park(self) -> bool:
        return bool(self.api.AtPark)

    def slaved(self) -> bool:
        try:
            return bool(self.api.Slaved)
        except NotSupported:
            return False

    def set_slaved(self, on: bool) -> None:
        if on and not self.api.CanSlave:
            raise NotSupported(self.name, "this dome cannot follow the mount (CanSlave false)")
        self.api.Slaved = bool(on)


class AlpacaFilterWheel(AlpacaDevice, FilterWheel):
    """ASCOM FilterWheel.  Names are read at each (re)connection and cached."""

    api_class = AlpycaFilterWheel

    def __init__(self, config):  # type: ignore[no-untyped-def]
        super().__init__(config)
        self._names: list[str] | None = None

    def _on_connected(self) -> None:
        self._names = None

    def names(self) -> list[str]:
        if self._names is None:
            self._names = [str(n) for n in self.api.Names]
        return list(self._names)

    def focus_offsets(self) -> list[int]:
        return [int(x) for x in self.api.FocusOffsets]

    def position(self) -> int | None:
        pos = int(self.api.Position)
        return None if pos < 0 else pos

    def _start_move(self, position: int) -> None:
        self.api.Position = position


class AlpacaFocuser(AlpacaDevice, Focuser):
    """ASCOM Focuser (absolute focusers only: a relative one raises NotSupported)."""

    api_class = AlpycaFocuser

    def _on_connected(self) -> None:
        if not self._transport.get("absolute"):
            raise NotSupported(self.name, "relative focusers are not supported")

    def position(self) -> int:
        return int(self.api.Position)

    def max_step(self) -> int:
        return int(self.api.MaxStep)

    def is_moving(self) -> bool:
        return bool(self.api.IsMoving)

    def _start_move(self, position: int) -> None:
        self.api.Move(position)

    def halt(self) -> None:
        self.api.Halt()

    def temperature_c(self) -> float | None:
        try:
            return float(self.api.Temperature)
        except NotSupported:
            return None

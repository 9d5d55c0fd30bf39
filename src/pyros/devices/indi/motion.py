"""INDI drivers for devices that move: mount, dome, filter wheel, focuser.

Standard INDI property names are used, so any INDI driver that follows the standard
properties works, not only the simulators.
"""

from __future__ import annotations

from pyros.clock import get_clock
from pyros.devices.enums import PierSide, ShutterState
from pyros.devices.errors import NotSupported
from pyros.devices.indi.base import IndiDevice
from pyros.devices.indi.coords import altaz_to_radec, radec_to_altaz
from pyros.devices.interfaces import Dome, FilterWheel, Focuser, Mount
from pyros.devices.models import SkyPosition

__all__ = ["IndiDome", "IndiFilterWheel", "IndiFocuser", "IndiMount"]


class IndiMount(IndiDevice, Mount):
    """INDI telescope.  EQUATORIAL_EOD_COORD is in hours and equinox of date; Alt/Az come
    from HORIZONTAL_COORD when the driver has it, else are computed from the site."""

    ready_vector = "EQUATORIAL_EOD_COORD"

    def _on_connected(self) -> None:
        if self.site is not None and self._has("GEOGRAPHIC_COORD"):
            lat, lon, elev = self.site
            self._set("GEOGRAPHIC_COORD", {"LAT": lat, "LONG": lon % 360.0, "ELEV": elev})

    def _site(self) -> tuple[float, float]:
        if self.site is not None:
            return self.site[0], self.site[1]
        geo = self._vec("GEOGRAPHIC_COORD")
        lon = geo.number("LONG")
        return geo.number("LAT"), lon - 360.0 if lon > 180.0 else lon

    def position(self) -> SkyPosition:
        eq = self._vec("EQUATORIAL_EOD_COORD")
        ra_deg, dec_deg = eq.number("RA") * 15.0, eq.number("DEC")
        if self._has("HORIZONTAL_COORD"):
            hor = self._vec("HORIZONTAL_COORD")
            alt_deg, az_deg = hor.number("ALT"), hor.number("AZ")
        else:
            lat, lon = self._site()
            alt_deg, az_deg = radec_to_altaz(ra_deg, dec_deg, lat, lon, get_clock().now())
        return SkyPosition(ra_deg=ra_deg % 360.0, dec_deg=dec_deg, alt_deg=alt_deg,
                           az_deg=az_deg)

    def is_slewing(self) -> bool:
        if self._vec("EQUATORIAL_EOD_COORD").busy:
            return True
        return self._has("TELESCOPE_PARK") and self._vec("TELESCOPE_PARK").busy

    def _start_slew_radec(self, ra_deg: float, dec_deg: float) -> None:
        self._set("ON_COORD_SET", {"TRACK": "On"})
        self._send("EQUATORIAL_EOD_COORD", {"RA": ra_deg / 15.0, "DEC": dec_deg})

    def _start_slew_altaz(self, alt_deg: float, az_deg: float) -> None:
        if self._has("HORIZONTAL_COORD"):
            self._set("ON_COORD_SET", {"SLEW": "On"})
            self._send("HORIZONTAL_COORD", {"ALT": alt_deg, "AZ": az_deg})
            return
        lat, lon = self._site()
        ra_deg, dec_deg = altaz_to_radec(alt_deg, az_deg, lat, lon, get_clock().now())
        self._set("ON_COORD_SET", {"SLEW": "On"})
        self._send("EQUATORIAL_EOD_COORD", {"RA": ra_deg / 15.0, "DEC": dec_deg})

    def abort(self) -> None:
        self._set("TELESCOPE_ABORT_MOTION", {"ABORT": "On"})

    def _start_park(self) -> None:
        self._send("TELESCOPE_PARK", {"PARK": "On"})

    def unpark(self) -> None:
        self._set("TELESCOPE_PARK", {"UNPARK": "On"})

    def at_park(self) -> bool:
        park = self._vec("TELESCOPE_PARK")
        return park.on("PARK") and not park.busy

    def tracking(self) -> bool:
        return self._vec("TELESCOPE_TRACK_STATE").on("TRACK_ON")

    def set_tracking(self, on: bool) -> None:
        self._set_switch_state("TELESCOPE_TRACK_STATE", "TRACK_ON" if on else "TRACK_OFF")

    def pier_side(self) -> PierSide:
        if not self._has("TELESCOPE_PIER_SIDE"):
            return PierSide.UNKNOWN
        side = self._vec("TELESCOPE_PIER_SIDE")
        if side.on("PIER_EAST"):
            return PierSide.EAST
        return PierSide.WEST if side.on("PIER_WEST") else PierSide.UNKNOWN


class IndiDome(IndiDevice, Dome):
    """INDI dome (DOME_SHUTTER, ABS_DOME_POSITION, DOME_PARK, DOME_AUTOSYNC)."""

    ready_vector = "DOME_SHUTTER"
    #: Direction last commanded: while the vector is Busy its members may still show the
    #: old direction until the driver's first update arrives.
    _shutter_target: ShutterState | None = None

    def azimuth_deg(self) -> float:
        return self._vec("ABS_DOME_POSITION").number("DOME_ABSOLUTE_POSITION") % 360.0

    def shutter_state(self) -> ShutterState:
        shutter = self._vec("DOME_SHUTTER")
        opening = shutter.on("SHUTTER_OPEN")
        if shutter.state == "Alert":
            return ShutterState.ERROR
        if shutter.busy:
            if self._shutter_target is not None:
                opening = self._shutter_target is ShutterState.OPEN
            return ShutterState.OPENING if opening else ShutterState.CLOSING
        if opening:
            return ShutterState.OPEN
        return ShutterState.CLOSED if shutter.on("SHUTTER_CLOSE") else ShutterState.ERROR

    def is_slewing(self) -> bool:
        if self._vec("ABS_DOME_POSITION").busy:
            return True
        return self._has("DOME_PARK") and self._vec("DOME_PARK").busy

    def _start_open_shutter(self) -> None:
        self._shutter_target = ShutterState.OPEN
        self._send("DOME_SHUTTER", {"SHUTTER_OPEN": "On"})

    def _start_close_shutter(self) -> None:
        self._shutter_target = ShutterState.CLOSED
        self._send("DOME_SHUTTER", {"SHUTTER_CLOSE": "On"})

    def _start_slew_azimuth(self, az_deg: float) -> None:
        self._send("ABS_DOME_POSITION", {"DOME_ABSOLUTE_POSITION": az_deg})

    def abort(self) -> None:
        self._set("DOME_ABORT_MOTION", {"ABORT": "On"})

    def _start_park(self) -> None:
        self._send("DOME_PARK", {"PARK": "On"})

    def at_park(self) -> bool:
        if not self._has("DOME_PARK"):
            return False
        park = self._vec("DOME_PARK")
        return park.on("PARK") and not park.busy

    def slaved(self) -> bool:
        if not self._has("DOME_AUTOSYNC"):
            return False
        return self._vec("DOME_AUTOSYNC").on("DOME_AUTOSYNC_ENABLE")

    def set_slaved(self, on: bool) -> None:
        if not self._has("DOME_AUTOSYNC"):
            raise NotSupported(self.name, "this dome cannot follow the mount (no DOME_AUTOSYNC)")
        self._set("DOME_AUTOSYNC",
                  {"DOME_AUTOSYNC_ENABLE" if on else "DOME_AUTOSYNC_DISABLE": "On"})


class IndiFilterWheel(IndiDevice, FilterWheel):
    """INDI filter wheel (FILTER_SLOT is 1-based; PyROS positions are 0-based)."""

    ready_vector = "FILTER_SLOT"

    def names(self) -> list[str]:
        names = self._vec("FILTER_NAME").values
        return [names[k] for k in sorted(names, key=_slot_number)]

    def position(self) -> int | None:
        slot = self._vec("FILTER_SLOT")
        return None if slot.busy else round(slot.number("FILTER_SLOT_VALUE")) - 1

    def _start_move(self, position: int) -> None:
        self._send("FILTER_SLOT", {"FILTER_SLOT_VALUE": position + 1})


class IndiFocuser(IndiDevice, Focuser):
    """INDI absolute focuser (ABS_FOCUS_POSITION)."""

    ready_vector = "ABS_FOCUS_POSITION"

    def position(self) -> int:
        return round(self._vec("ABS_FOCUS_POSITION").number("FOCUS_ABSOLUTE_POSITION"))

    def max_step(self) -> int:
        if self._has("FOCUS_MAX"):
            return int(self._vec("FOCUS_MAX").number("FOCUS_MAX_VALUE"))
        limits = self._vec("ABS_FOCUS_POSITION").limits.get("FOCUS_ABSOLUTE_POSITION")
        return int(limits[1]) if limits else 0

    def is_moving(self) -> bool:
        return self._vec("ABS_FOCUS_POSITION").busy

    def _start_move(self, position: int) -> None:
        self._send("ABS_FOCUS_POSITION", {"FOCUS_ABSOLUTE_POSITION": position})

    def halt(self) -> None:
        if not self._has("FOCUS_ABORT_MOTION"):
            raise NotSupported(self.name, "this focuser cannot halt (no FOCUS_ABORT_MOTION)")
        self._set("FOCUS_ABORT_MOTION", {"ABORT": "On"})

    def temperature_c(self) -> float | None:
        if not self._has("FOCUS_TEMPERATURE"):
            return None
        return self._vec("FOCUS_TEMPERATURE").number("TEMPERATURE")


def _slot_number(member: str) -> int:
    digits = "".join(ch for ch in member if ch.isdigit())
    return int(digits) if digits else 0

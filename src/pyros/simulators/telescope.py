"""An alt-azimuth mount: trapezoidal slews per axis, sidereal tracking, park, limits.

Each axis moves rest-to-rest at ``mount_rate_deg_s`` with ``mount_accel_deg_s2``; a slew
ends when the slower axis arrives, plus ``mount_settle_s``.  A slew to RA/Dec aims at
where the target will be on arrival (one refinement of the slew time), then tracks it.
Coordinates are J2000 (``EquatorialSystem`` = 2).  Targets below the site's
``horizon_deg`` are refused with InvalidValue; a tracked target that sinks below it stops
tracking at the limit, as a real mount's software limit does.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import Any

import erfa

from pyros.clock import monotonic
from pyros.simulators.astrometry import _jd_utc, altaz_to_radec, radec_to_altaz
from pyros.simulators.device import Later, SimDevice, iso_z
from pyros.simulators.motion import Move, wrap_180, wrap_360
from pyros.simulators.protocol import AlpacaError, ErrorCode, Params

__all__ = ["TelescopeSim"]

_ALT_AZ_ALIGNMENT = 0
_J2000 = 2
_SIDEREAL = 0


class TelescopeSim(SimDevice):
    device_type = "telescope"
    interface_version = 4
    state_members = ("Altitude", "AtHome", "AtPark", "Azimuth", "Declination",
                     "IsPulseGuiding", "RightAscension", "SiderealTime", "Slewing",
                     "Tracking", "UTCDate")

    def power_on(self) -> None:
        super().power_on()
        now = self.now()
        site = self.obs.config.site
        self.lat_deg, self.lon_deg = site.latitude_deg, site.longitude_deg
        self.limit_alt_deg = site.horizon_deg
        self.park_altaz = (self.sim.park_azimuth_deg, self.sim.park_altitude_deg)
        # Encoders are absolute: a power cycle keeps the position but stops everything.
        previous = getattr(self, "_hold", None)
        here = self.altaz(now) if previous is not None else self.park_altaz
        self._hold: tuple[float, float] = here
        self._az = Move.between(now, here[0], here[0], self.sim.mount_rate_deg_s)
        self._alt = Move.between(now, here[1], here[1], self.sim.mount_rate_deg_s)
        self._slew_start = now
        self._slew_end: datetime | None = None
        self._after: tuple[Any, ...] = ("hold",)
        self._tracking = False
        self._track_radec: tuple[float, float] | None = None
        self._parked = previous is None or here == self.park_altaz
        self._target_ra_h: float | None = None
        self._target_dec_deg: float | None = None
        self._settle_s = self.sim.mount_settle_s
        self.stopped_at_limit = False

    # -- physics ------------------------------------------------------------------------
    def _finish(self, now: datetime) -> None:
        """Apply the end of a slew that is over by ``now`` (at its own end instant)."""
        if self._slew_end is None or now < self._slew_end:
            return
        end, after = self._slew_end, self._after
        self._slew_end = None
        self._hold = (wrap_360(self._az.target), self._alt.target)
        if after[0] == "park":
            self._parked = True
            self._tracking = False
            self._track_radec = None
        elif after[0] == "track" and self._tracking:
            self._track_radec = (after[1], after[2])
        elif self._tracking:
            self._track_radec = altaz_to_radec(*self._hold, end, self.lat_deg, self.lon_deg)
        else:
            self._track_radec = None

    def altaz(self, now: datetime | None = None) -> tuple[float, float]:
        """Where the mount points now: (azimuth, altitude) in degrees."""
        now = now or self.now()
        self._finish(now)
        if self._slew_end is not None:
            return wrap_360(self._az.position(now)), self._alt.position(now)
        if self._tracking and self._track_radec is not None:
            az, alt = radec_to_altaz(*self._track_radec, now, self.lat_deg, self.lon_deg)
            if alt < self.limit_alt_deg:
                # The software limit stops tracking; the mount stays put at the limit.
                self._tracking, self._track_radec = False, None
                self._hold = (az, self.limit_alt_deg)
                self.stopped_at_limit = True
                return self._hold
            return az, alt
        return self._hold

    def radec(self, now: datetime | None = None) -> tuple[float, float]:
        """(RA, Dec) J2000 in degrees where the mount points now."""
        now = now or self.now()
        az, alt = self.altaz(now)
        if self._slew_end is None and self._tracking and self._track_radec is not None:
            return self._track_radec
        return altaz_to_radec(az, alt, now, self.lat_deg, self.lon_deg)

    def slewing(self, now: datetime | None = None) -> bool:
        now = now or self.now()
        self._finish(now)
        return self._slew_end is not None

    def dome_target(self, now: datetime) -> tuple[float, datetime]:
        """Azimuth a slaved dome should head for, and when the last slew started."""
        if self.slewing(now):
            return wrap_360(self._az.target), self._slew_start
        return self.altaz(now)[0], self._slew_start

    def _start_slew(self, az_deg: float, alt_deg: float, after: tuple[Any, ...],
                    now: datetime) -> None:
        here_az, here_alt = self.altaz(now)
        rate, accel = self.sim.mount_rate_deg_s, self.sim.mount_accel_deg_s2
        self._az = Move(now, here_az, wrap_180(az_deg - here_az), rate, accel)
        self._alt = Move(now, here_alt, alt_deg - here_alt, rate, accel)
        longest = max(self._az.duration_s, self._alt.duration_s)
        self._slew_start = now
        self._slew_end = now + timedelta(seconds=longest + self._settle_s)
        self._after = after
        self._parked = False
        self.stopped_at_limit = False

    def _slew_duration_s(self, az_deg: float, alt_deg: float, now: datetime) -> float:
        here_az, here_alt = self.altaz(now)
        rate, accel = self.sim.mount_rate_deg_s, self.sim.mount_accel_deg_s2
        return max(Move(now, here_az, wrap_180(az_deg - here_az), rate, accel).duration_s,
                   Move(now, here_alt, alt_deg - here_alt, rate, accel).duration_s)

    def _check_can_move(self) -> None:
        if self._parked and not self.slewing():
            raise AlpacaError(ErrorCode.PARKED, "the mount is parked: Unpark first")
        if not self.obs.powered("mount power"):
            raise AlpacaError.invalid_operation("mount power is off (PLC)")

    def slew_to_radec(self, ra_deg: float, dec_deg: float) -> None:
        if not self._tracking:
            raise AlpacaError.invalid_operation("slewing to RA/Dec needs Tracking on")
        self._check_can_move()
        now = self.now()
        az, alt = radec_to_altaz(ra_deg, dec_deg, now, self.lat_deg, self.lon_deg)
        self._check_altitude(alt, f"RA {ra_deg / 15:.4f} h Dec {dec_deg:.4f}°")
        arrival = now + timedelta(seconds=self._slew_duration_s(az, alt, now) + self._settle_s)
        az, alt = radec_to_altaz(ra_deg, dec_deg, arrival, self.lat_deg, self.lon_deg)
        self._check_altitude(alt, f"RA {ra_deg / 15:.4f} h Dec {dec_deg:.4f}° on arrival")
        self._target_ra_h, self._target_dec_deg = ra_deg / 15.0, dec_deg
        self._start_slew(az, alt, ("track", ra_deg, dec_deg), now)

    def _check_altitude(self, alt_deg: float, what: str) -> None:
        if alt_deg < self.limit_alt_deg:
            raise AlpacaError.invalid_value(
                f"{what} is at altitude {alt_deg:.2f}°, below the limit "
                f"{self.limit_alt_deg:.1f}°")

    def _wait_for_slew(self) -> Later:
        """A synchronous slew answers when the slew is over (capped in wall time)."""

        def wait() -> None:
            deadline = monotonic() + self.sim.hang_cap_s
            while monotonic() < deadline:
                with self.lock:
                    if not self.slewing():
                        return
                time.sleep(0.02)  # wall-clock poll; the slew itself runs on the sim clock
            raise AlpacaError(ErrorCode.DRIVER_ERROR, "synchronous slew did not end in time")

        return Later(wait)

    # -- pointing members -----------------------------------------------------------------
    def get_altitude(self, p: Params) -> float:
        return self.altaz()[1]

    def get_azimuth(self, p: Params) -> float:
        return self.altaz()[0]

    def get_rightascension(self, p: Params) -> float:
        return self.radec()[0] / 15.0

    def get_declination(self, p: Params) -> float:
        return self.radec()[1]

    def get_siderealtime(self, p: Params) -> float:
        jd1, jd2 = _jd_utc(self.now())
        gast = erfa.gst06a(jd1, jd2, jd1, jd2 + 69.184 / 86400.0)
        return ((float(gast) * 180.0 / math.pi + self.lon_deg) % 360.0) / 15.0

    def get_utcdate(self, p: Params) -> str:
        return iso_z(self.now())

    def get_slewing(self, p: Params) -> bool:
        return self.slewing()

    def get_tracking(self, p: Params) -> bool:
        self.altaz()  # a limit stop turns tracking off
        return self._tracking

    def put_tracking(self, p: Params) -> None:
        tracking = p.bool_("Tracking")
        now = self.now()
        if tracking and self._parked and not self.slewing(now):
            raise AlpacaError(ErrorCode.PARKED, "the mount is parked: Unpark first")
        here = self.altaz(now)
        if tracking and not self._tracking and self._slew_end is None:
            if here[1] < self.limit_alt_deg:
                raise AlpacaError.invalid_operation("cannot track below the altitude limit")
            self._track_radec = altaz_to_radec(*here, now, self.lat_deg, self.lon_deg)
        if not tracking and self._slew_end is None:
            self._hold, self._track_radec = here, None
        self._tracking = tracking

    def get_atpark(self, p: Params) -> bool:
        self._finish(self.now())
        return self._parked and self._slew_end is None

    def get_athome(self, p: Params) -> bool:
        return False

    def get_targetrightascension(self, p: Params) -> float:
        if self._target_ra_h is None:
            raise AlpacaError(ErrorCode.VALUE_NOT_SET, "TargetRightAscension was never set")
        return self._target_ra_h

    def put_targetrightascension(self, p: Params) -> None:
        ra_h = p.finite("TargetRightAscension")
        if not 0.0 <= ra_h < 24.0:
            raise AlpacaError.invalid_value(f"TargetRightAscension {ra_h} h outside [0, 24)")
        self._target_ra_h = ra_h

    def get_targetdeclination(self, p: Params) -> float:
        if self._target_dec_deg is None:
            raise AlpacaError(ErrorCode.VALUE_NOT_SET, "TargetDeclination was never set")
        return self._target_dec_deg

    def put_targetdeclination(self, p: Params) -> None:
        dec = p.finite("TargetDeclination")
        if not -90.0 <= dec <= 90.0:
            raise AlpacaError.invalid_value(f"TargetDeclination {dec}° outside [-90, 90]")
        self._target_dec_deg = dec

    # -- motion members -------------------------------------------------------------------
    def _radec_params(self, p: Params) -> tuple[float, float]:
        ra_h, dec = p.finite("RightAscension"), p.finite("Declination")
        if not 0.0 <= ra_h < 24.0:
            raise AlpacaError.invalid_value(f"RightAscension {ra_h} h outside [0, 24)")
        if not -90.0 <= dec <= 90.0:
            raise AlpacaError.invalid_value(f"Declination {dec}° outside [-90, 90]")
        return ra_h * 15.0, dec

    def put_slewtocoordinatesasync(self, p: Params) -> None:
        self.slew_to_radec(*self._radec_params(p))

    def put_slewtocoordinates(self, p: Params) -> Later:
        self.slew_to_radec(*self._radec_params(p))
        return self._wait_for_slew()

    def _target(self) -> tuple[float, float]:
        if self._target_ra_h is None or self._target_dec_deg is None:
            raise AlpacaError(ErrorCode.VALUE_NOT_SET, "set TargetRightAscension and "
                              "TargetDeclination before SlewToTarget")
        return self._target_ra_h * 15.0, self._target_dec_deg

    def put_slewtotargetasync(self, p: Params) -> None:
        self.slew_to_radec(*self._target())

    def put_slewtotarget(self, p: Params) -> Later:
        self.slew_to_radec(*self._target())
        return self._wait_for_slew()

    def _altaz_params(self, p: Params) -> tuple[float, float]:
        az, alt = p.finite("Azimuth"), p.finite("Altitude")
        if not 0.0 <= az < 360.0:
            raise AlpacaError.invalid_value(f"Azimuth {az}° outside [0, 360)")
        if not -90.0 <= alt <= 90.0:
            raise AlpacaError.invalid_value(f"Altitude {alt}° outside [-90, 90]")
        self._check_altitude(alt, f"Az {az:.3f}° Alt {alt:.3f}°")
        return az, alt

    def _slew_altaz(self, p: Params) -> None:
        az, alt = self._altaz_params(p)
        if self._tracking:
            raise AlpacaError.invalid_operation("SlewToAltAz needs Tracking off")
        self._check_can_move()
        self._start_slew(az, alt, ("hold",), self.now())

    def put_slewtoaltazasync(self, p: Params) -> None:
        self._slew_altaz(p)

    def put_slewtoaltaz(self, p: Params) -> Later:
        self._slew_altaz(p)
        return self._wait_for_slew()

    def put_abortslew(self, p: Params) -> None:
        now = self.now()
        if self._parked and not self.slewing(now):
            raise AlpacaError(ErrorCode.PARKED, "the mount is parked")
        if not self.slewing(now):
            return
        # Axes stop where they are (deceleration ignored: < 2.5° at full speed).
        az, alt = self.altaz(now)
        rate = self.sim.mount_rate_deg_s
        self._az = Move.between(now, az, az, rate)
        self._alt = Move.between(now, alt, alt, rate)
        self._slew_end, self._hold = None, (az, alt)
        self._track_radec = (altaz_to_radec(az, alt, now, self.lat_deg, self.lon_deg)
                             if self._tracking else None)

    def put_park(self, p: Params) -> None:
        now = self.now()
        if self._parked and not self.slewing(now):
            return
        if not self.obs.powered("mount power"):
            raise AlpacaError.invalid_operation("mount power is off (PLC)")
        self._tracking = False
        self._start_slew(*self.park_altaz, ("park",), now)

    def put_unpark(self, p: Params) -> None:
        now = self.now()
        if self.slewing(now) and self._after[0] == "park":
            raise AlpacaError.invalid_operation("the mount is still parking")
        self._parked = False

    def put_setpark(self, p: Params) -> None:
        if self.slewing():
            raise AlpacaError.invalid_operation("cannot set the park position while slewing")
        self.park_altaz = self.altaz()

    # -- capabilities and fixed values -----------------------------------------------------
    def get_alignmentmode(self, p: Params) -> int:
        return _ALT_AZ_ALIGNMENT

    def get_equatorialsystem(self, p: Params) -> int:
        return _J2000

    def get_aperturediameter(self, p: Params) -> float:
        return self.obs.config.telescope.aperture_m

    def get_aperturearea(self, p: Params) -> float:
        return math.pi * (self.obs.config.telescope.aperture_m / 2.0) ** 2

    def get_focallength(self, p: Params) -> float:
        return self.obs.config.telescope.focal_length_m

    def get_sitelatitude(self, p: Params) -> float:
        return self.lat_deg

    def get_sitelongitude(self, p: Params) -> float:
        return self.lon_deg

    def get_siteelevation(self, p: Params) -> float:
        return self.obs.config.site.elevation_m

    def get_doesrefraction(self, p: Params) -> bool:
        return False

    def get_slewsettletime(self, p: Params) -> int:
        return round(self._settle_s)

    def put_slewsettletime(self, p: Params) -> None:
        value = p.int_("SlewSettleTime")
        if not 0 <= value <= 600:
            raise AlpacaError.invalid_value(f"SlewSettleTime {value} s outside 0..600")
        self._settle_s = float(value)

    def get_trackingrate(self, p: Params) -> int:
        return _SIDEREAL

    def put_trackingrate(self, p: Params) -> None:
        if p.int_("TrackingRate") != _SIDEREAL:
            raise AlpacaError.invalid_value("only sidereal tracking (0) is supported")

    def get_trackingrates(self, p: Params) -> list[int]:
        return [_SIDEREAL]

    def get_declinationrate(self, p: Params) -> float:
        return 0.0

    def get_rightascensionrate(self, p: Params) -> float:
        return 0.0

    def get_ispulseguiding(self, p: Params) -> bool:
        return False

    def _axis(self, p: Params) -> int:
        axis = p.int_("Axis")
        if axis not in (0, 1, 2):
            raise AlpacaError.invalid_value(f"Axis {axis} is not 0, 1 or 2")
        return axis

    def get_axisrates(self, p: Params) -> list[dict[str, float]]:
        axis = self._axis(p)
        return [] if axis == 2 else [{"Minimum": 0.0, "Maximum": self.sim.mount_rate_deg_s}]

    def get_canmoveaxis(self, p: Params) -> bool:
        self._axis(p)
        return False

    def get_canfindhome(self, p: Params) -> bool:
        return False

    def get_canpark(self, p: Params) -> bool:
        return True

    def get_canunpark(self, p: Params) -> bool:
        return True

    def get_cansetpark(self, p: Params) -> bool:
        return True

    def get_cansettracking(self, p: Params) -> bool:
        return True

    def get_canslew(self, p: Params) -> bool:
        return True

    def get_canslewasync(self, p: Params) -> bool:
        return True

    def get_canslewaltaz(self, p: Params) -> bool:
        return True

    def get_canslewaltazasync(self, p: Params) -> bool:
        return True

    def get_cansync(self, p: Params) -> bool:
        return False

    def get_cansyncaltaz(self, p: Params) -> bool:
        return False

    def get_canpulseguide(self, p: Params) -> bool:
        return False

    def get_cansetpierside(self, p: Params) -> bool:
        return False

    def get_cansetguiderates(self, p: Params) -> bool:
        return False

    def get_cansetrightascensionrate(self, p: Params) -> bool:
        return False

    def get_cansetdeclinationrate(self, p: Params) -> bool:
        return False

    def status(self) -> dict[str, Any]:
        now = self.now()
        az, alt = self.altaz(now)
        ra, dec = self.radec(now)
        return {**super().status(), "azimuth_deg": round(az, 4), "altitude_deg": round(alt, 4),
                "ra_deg": round(ra, 5), "dec_deg": round(dec, 5),
                "slewing": self.slewing(now), "tracking": self._tracking,
                "parked": self._parked and self._slew_end is None,
                "stopped_at_limit": self.stopped_at_limit}


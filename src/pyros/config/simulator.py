"""Configuration of the device simulators (owned by the simulators component)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pyros.config.devices import Strict

__all__ = ["SimulatorConfig"]


class SimulatorConfig(Strict):
    """Parameters of the device simulators (``pyros simulators``).

    Times are simulated seconds (they shrink with the clock speed) unless named ``_wall_s``.
    """

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 11111
    #: UDP port of Alpaca discovery; 0 disables the responder.
    discovery_port: Annotated[int, Field(ge=0, le=65535)] = 32227
    #: Mount axis rates (deg/s) and acceleration (deg/s²): COLIBRI-class fast mount.
    mount_rate_deg_s: Annotated[float, Field(gt=0)] = 10.0
    mount_accel_deg_s2: Annotated[float, Field(gt=0)] = 5.0
    #: Mount settle time (s) after a slew, and its park position (deg).
    mount_settle_s: Annotated[float, Field(ge=0)] = 1.0
    park_azimuth_deg: Annotated[float, Field(ge=0, lt=360)] = 0.0
    park_altitude_deg: Annotated[float, Field(ge=0, le=90)] = 89.0
    dome_rate_deg_s: Annotated[float, Field(gt=0)] = 12.0
    dome_park_azimuth_deg: Annotated[float, Field(ge=0, lt=360)] = 0.0
    #: A slaved dome moves when the mount is further than this (deg) from the slit centre.
    dome_slave_tolerance_deg: Annotated[float, Field(gt=0)] = 2.0
    shutter_time_s: Annotated[float, Field(gt=0)] = 30.0
    focuser_max_step: Annotated[int, Field(gt=0)] = 100000
    focuser_rate_steps_s: Annotated[float, Field(gt=0)] = 5000.0
    focuser_step_size_um: Annotated[float, Field(gt=0)] = 1.0
    #: Focuser position of best focus (in the first filter of each channel).
    focuser_best_step: Annotated[int, Field(ge=0)] = 50000
    #: Time (s) for the filter wheel to turn by one slot.
    filter_slot_time_s: Annotated[float, Field(ge=0)] = 1.0
    #: Camera cooler: time constant (s), reachable ΔT below ambient (°C), default set point.
    cooler_tau_s: Annotated[float, Field(gt=0)] = 120.0
    cooler_max_delta_c: Annotated[float, Field(gt=0)] = 60.0
    ccd_setpoint_c: float = -40.0
    #: Weather station sample period (s): TimeSinceLastUpdate grows up to this.
    weather_update_s: Annotated[float, Field(gt=0)] = 10.0
    #: Seeing FWHM (arcsec) used by the sky model when the weather does not say.
    seeing_arcsec: Annotated[float, Field(gt=0)] = 1.2
    #: How long (s) a device stays unreachable after a ``restart`` fault with no duration.
    restart_time_s: Annotated[float, Field(ge=0)] = 10.0
    #: A ``hang`` fault never holds a request longer than this (wall seconds).
    hang_cap_s: Annotated[float, Field(gt=0)] = 600.0
    seed: int = 2016

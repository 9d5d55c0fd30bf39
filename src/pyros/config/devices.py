"""Configuration of devices and of their simulators (owned by the devices component)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Backend", "DeviceConfig", "DeviceKind", "Strict"]


class DeviceKind(StrEnum):
    """ASCOM device types PyROS drives (names as in the Alpaca URL scheme)."""

    TELESCOPE = "telescope"
    DOME = "dome"
    CAMERA = "camera"
    FILTERWHEEL = "filterwheel"
    FOCUSER = "focuser"
    OBSERVINGCONDITIONS = "observingconditions"
    SAFETYMONITOR = "safetymonitor"
    SWITCH = "switch"


class Backend(StrEnum):
    ALPACA = "alpaca"
    INDI = "indi"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeviceConfig(Strict):
    """One device: what it is, how to reach it, and whether observing needs it.

    Replacing a simulator by a real device is a change of ``address`` (and maybe
    ``device_number``) here, nothing else.
    """

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    kind: DeviceKind
    backend: Backend = Backend.ALPACA
    #: ``http://host:port`` for Alpaca, ``host:port`` for INDI.
    address: str = "http://127.0.0.1:11111"
    device_number: Annotated[int, Field(ge=0)] = 0
    #: INDI device name (e.g. "Telescope Simulator"); unused for Alpaca.
    indi_device: str | None = None
    blocking: bool = True
    poll_interval_s: Annotated[float, Field(gt=0, le=3600)] = 5.0
    #: Limit (s, wall clock) on every device call: connect, reply, and whole body.
    timeout_s: Annotated[float, Field(gt=0, le=600)] = 5.0
    #: Limit (s, wall clock) on one camera image download.
    download_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    #: Reconnection back-off after a transport failure: first delay, doubling up to max (s).
    reconnect_min_s: Annotated[float, Field(gt=0, le=600)] = 1.0
    reconnect_max_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    description: str = ""

    @model_validator(mode="after")
    def _address_matches_backend(self) -> DeviceConfig:
        if self.backend is Backend.ALPACA and not self.address.startswith(("http://", "https://")):
            raise ValueError(f"an Alpaca address must start with http:// (got {self.address!r})")
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError("reconnect_min_s must not exceed reconnect_max_s")
        if self.backend is Backend.INDI and self.indi_device is None:
            raise ValueError("an INDI device needs indi_device (the INDI device name)")
        return self

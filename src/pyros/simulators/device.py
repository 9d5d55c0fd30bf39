"""The base of every simulated Alpaca device: common members, connection, dispatch, faults.

A device class implements a member ``foo`` as ``get_foo(params)`` / ``put_foo(params)``.
Standard members it leaves out answer ``NotImplemented`` (0x400), unknown ones are an
HTTP 400, and everything except the few informational members needs ``Connected``.
State is evaluated lazily from the shared clock, under the device's lock.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pyros import __version__
from pyros.clock import get_clock
from pyros.simulators.faults import FaultMode
from pyros.simulators.members import COMMON, MEMBERS
from pyros.simulators.protocol import (
    AlpacaError,
    BadRequest,
    ErrorCode,
    Params,
    envelope,
    no_value,
)

if TYPE_CHECKING:
    from pyros.config import DeviceConfig
    from pyros.simulators.observatory import Observatory

__all__ = ["Later", "Reply", "SimDevice", "fits_time", "iso_z"]

log = logging.getLogger(__name__)

#: Members that work without a connection (ASCOM: informational and connection members).
NO_CONNECTION_NEEDED = frozenset({
    "connected", "connect", "disconnect", "connecting", "description", "driverinfo",
    "driverversion", "interfaceversion", "name", "supportedactions",
})

_UUID_NAMESPACE = uuid.UUID("6f1f7a4e-2c1b-4a59-9a8e-5079726f7331")
_server_tid = itertools.count(1)
_tid_lock = threading.Lock()


def next_server_tid() -> int:
    with _tid_lock:
        return next(_server_tid) & 0xFFFFFFFF


def iso_z(t: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a Z (UTCDate, DeviceState TimeStamp)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def fits_time(t: datetime) -> str:
    """FITS-style UTC instant (``LastExposureStartTime``)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


@dataclass(frozen=True)
class Later:
    """Work a member hands back to run *after* the device lock is released.

    Used for what takes wall time (waiting for a synchronous slew, encoding a large image)
    so that status polls of the same device are not blocked meanwhile.
    """

    run: Callable[[], Any]


@dataclass
class Reply:
    """What the HTTP layer sends back."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def bad_request(cls, message: str) -> Reply:
        return cls(message.encode(), 400, "text/plain; charset=utf-8")


GARBAGE_BODY = b'{"ClientTransactionID": 1, "Value": [1, 2, \x00\xff garbage'


class SimDevice:
    """One simulated device; subclasses add their members and physics."""

    device_type: ClassVar[str]
    interface_version: ClassVar[int]
    #: ASCOM names of the operational properties reported by ``DeviceState``.
    state_members: ClassVar[tuple[str, ...]] = ()
    supported_actions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: DeviceConfig, observatory: Observatory):
        self.config = config
        self.name = config.name
        self.number = config.device_number
        self.obs = observatory
        self.sim = observatory.config.simulator
        self.lock = threading.RLock()
        self.unique_id = str(uuid.uuid5(_UUID_NAMESPACE, f"{self.device_type}/{self.name}"))
        self._connected = False
        self.power_on()

    # -- life cycle -----------------------------------------------------------------
    def power_on(self) -> None:
        """Reset to the state the hardware has after power-up (subclasses extend)."""
        self._connected = False

    def drop_connection(self) -> None:
        with self.lock:
            self._connected = False

    @staticmethod
    def now() -> datetime:
        return get_clock().now()

    # -- dispatch -------------------------------------------------------------------
    def handle(self, verb: str, member: str, params: Params, accept: str = "") -> Reply:
        """Answer one request, applying the device's current fault."""
        if (verb, member) not in COMMON and (verb, member) not in MEMBERS[self.device_type]:
            other = "PUT" if verb == "GET" else "GET"
            known = (other, member) in COMMON or (other, member) in MEMBERS[self.device_type]
            raise BadRequest(f"{verb} is not allowed on {member}" if known
                             else f"unknown member {self.device_type}/{member}")
        client_id, client_tid = params.transaction_ids()
        faults = self.obs.faults
        mode = faults.mode(self.name)
        if mode is FaultMode.HANG:
            if not faults.wait_while_hung(self.name, self.sim.hang_cap_s):
                mode = FaultMode.ERROR
            else:
                mode = faults.mode(self.name)
        if mode is FaultMode.GARBAGE:
            return Reply(GARBAGE_BODY)
        try:
            if mode is FaultMode.ERROR or mode is FaultMode.HANG:
                raise AlpacaError(ErrorCode.DRIVER_ERROR,
                                  f"{self.name}: internal driver error (simulated fault)")
            if mode in (FaultMode.DISCONNECTED, FaultMode.RESTART):
                self.drop_connection()
                if member in ("connect", "connected") and verb == "PUT":
                    raise AlpacaError(ErrorCode.DRIVER_ERROR,
                                      f"{self.name}: device does not answer, cannot connect")
            value = self._call(verb, member, params, accept)
        except AlpacaError as exc:
            # Errors go back as JSON even to an ImageBytes request: the ImageBytes note
            # allows it and clients (alpyca 3.1) cannot decode an ImageBytes error.
            return Reply(envelope(client_tid, next_server_tid(), error=exc))
        if isinstance(value, Reply):
            return value
        if verb == "PUT" and value is None:
            value = no_value()
        log.debug("%s %s/%s -> %r (client %s)", verb, self.name, member, value, client_id)
        return Reply(envelope(client_tid, next_server_tid(), value))

    def _call(self, verb: str, member: str, params: Params, accept: str) -> Any:
        if member not in NO_CONNECTION_NEEDED and not self._connected:
            raise AlpacaError(ErrorCode.NOT_CONNECTED,
                              f"{self.name} is not connected: call Connect first")
        fn: Callable[..., Any] | None = getattr(self, f"{verb.lower()}_{member}", None)
        if fn is None:
            raise AlpacaError.not_implemented(f"{self.device_type} {member} ({verb})")
        with self.lock:
            value = fn(params, accept) if member == "imagearray" else fn(params)
        return value.run() if isinstance(value, Later) else value

    # -- common members -------------------------------------------------------------
    def get_connected(self, p: Params) -> bool:
        return self._connected

    def put_connected(self, p: Params) -> None:
        self._connected = p.bool_("Connected")

    def put_connect(self, p: Params) -> None:
        self._connected = True  # connecting is immediate: Connecting is never seen true

    def put_disconnect(self, p: Params) -> None:
        self._connected = False

    def get_connecting(self, p: Params) -> bool:
        return False

    def get_description(self, p: Params) -> str:
        return self.config.description or f"PyROS simulated {self.device_type} '{self.name}'"

    def get_driverinfo(self, p: Params) -> str:
        return "PyROS Alpaca simulator (pyros.simulators) for the ASCOM Alpaca API v1"

    def get_driverversion(self, p: Params) -> str:
        return __version__

    def get_interfaceversion(self, p: Params) -> int:
        return self.interface_version

    def get_name(self, p: Params) -> str:
        return self.name

    def get_supportedactions(self, p: Params) -> list[str]:
        return list(self.supported_actions)

    def put_action(self, p: Params) -> str:
        action = p.text("Action")
        raise AlpacaError(ErrorCode.ACTION_NOT_IMPLEMENTED,
                          f"action {action!r} is not supported by {self.name}")

    def get_devicestate(self, p: Params) -> list[dict[str, Any]]:
        state: list[dict[str, Any]] = []
        for name in self.state_members:
            try:
                value = getattr(self, f"get_{name.lower()}")(p)
            except AlpacaError:
                continue
            state.append({"Name": name, "Value": value})
        state.append({"Name": "TimeStamp", "Value": iso_z(self.now())})
        return state

    # -- status for the control API -------------------------------------------------
    def status(self) -> dict[str, Any]:
        """A JSON-able summary for ``/pyros/sim/status`` (subclasses add physics)."""
        return {"type": self.device_type, "number": self.number, "connected": self._connected}

    def configured_device(self) -> dict[str, Any]:
        return {
            "DeviceName": self.name,
            "DeviceType": _ASCOM_TYPE_NAMES[self.device_type],
            "DeviceNumber": self.number,
            "UniqueID": self.unique_id,
        }


_ASCOM_TYPE_NAMES = {
    "camera": "Camera", "covercalibrator": "CoverCalibrator", "dome": "Dome",
    "filterwheel": "FilterWheel", "focuser": "Focuser",
    "observingconditions": "ObservingConditions", "rotator": "Rotator",
    "safetymonitor": "SafetyMonitor", "switch": "Switch", "telescope": "Telescope",
}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))

"""Device errors, named for what the caller should do about them.

Every driver call raises only these (or ``ValueError`` for an argument that is wrong
before anything is sent).  The hierarchy::

    DeviceError
    ├── DeviceUnavailable      cannot talk to the device: retry later, mark it missing
    │   └── DeviceFault        it answered but reported an internal failure (ASCOM 0x500+)
    ├── DeviceRejected         it refused this command now: fix the request or the state
    │   └── DeviceParked       ... because it is parked: unpark first
    ├── NotSupported           it cannot do this at all: do not ask again
    ├── OperationAborted       the operation was cancelled (abort, or ASCOM 0x40E)
    └── OperationTimedOut      it accepted the command but did not finish in time

Timeouts, refused connections, HTTP errors, unparseable replies and "not connected" are
all :class:`DeviceUnavailable`: for the caller they mean the same thing.
"""

from __future__ import annotations

__all__ = [
    "DeviceError",
    "DeviceFault",
    "DeviceParked",
    "DeviceRejected",
    "DeviceUnavailable",
    "NotSupported",
    "OperationAborted",
    "OperationTimedOut",
]


class DeviceError(Exception):
    """Base of every device error; ``device`` names the configured device."""

    def __init__(self, device: str, message: str):
        super().__init__(f"{device}: {message}")
        self.device = device
        self.reason = message


class DeviceUnavailable(DeviceError):
    """The device cannot be reached or did not answer sensibly (timeout, refused, HTTP
    error, garbage, not connected).  Retry later; monitoring marks it unavailable."""


class DeviceFault(DeviceUnavailable):
    """The device answered but reported a failure of its own (ASCOM DriverException)."""

    def __init__(self, device: str, message: str, code: int | None = None):
        super().__init__(device, message)
        self.code = code


class DeviceRejected(DeviceError):
    """The device refused the command (invalid value or operation in this state)."""


class DeviceParked(DeviceRejected):
    """The command is refused because the device is parked: unpark it first."""


class NotSupported(DeviceError):
    """The device does not implement this capability at all."""


class OperationAborted(DeviceError):
    """The operation was cancelled before it completed."""


class OperationTimedOut(DeviceError):
    """The device accepted the command but did not complete it within the allowed time."""

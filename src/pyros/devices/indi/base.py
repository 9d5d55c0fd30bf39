"""The INDI driver base: device connection and property access with timeouts."""

from __future__ import annotations

from typing import Any

from pyros.config.devices import DeviceConfig
from pyros.devices.errors import DeviceRejected, DeviceUnavailable
from pyros.devices.indi.client import VectorView, get_connection, release_connection
from pyros.devices.interfaces import Device

__all__ = ["IndiDevice"]


class IndiDevice(Device):
    """Base of every INDI driver.  ``config.address`` is ``host:port`` of the INDI server
    and ``config.indi_device`` the INDI device name (e.g. "Telescope Simulator").

    The device is switched on (``CONNECTION``) on first use and again whenever it is
    found switched off (server or driver restarted).  While the INDI server is
    unreachable every call fails at once with DeviceUnavailable; indipyclient retries
    the TCP connection in the background.
    """

    backend = "indi"
    #: A property that exists only once the device is connected (waited for on connect).
    ready_vector: str = ""

    def __init__(self, config: DeviceConfig, site: tuple[float, float, float] | None = None):
        super().__init__(config)
        self.site = site
        self.device = config.indi_device or config.name
        self._conn = get_connection(config.address)
        self._closed = False

    # -- property access ----------------------------------------------------------------------

    def _vec(self, name: str) -> VectorView:
        self._ensure()
        return self._conn.vector(self.device, name, self.config.timeout_s)

    def _has(self, name: str) -> bool:
        self._ensure()
        return self._conn.has_vector(self.device, name, self.config.timeout_s)

    def _send(self, name: str, members: dict[str, Any]) -> None:
        """Send a command without waiting for it to complete (slews, exposures)."""
        self._ensure()
        self._conn.send(self.device, name, members, self.config.timeout_s)

    def _set(self, name: str, members: dict[str, Any]) -> VectorView:
        """Send and wait for Ok (DeviceRejected on Alert) within the call timeout."""
        self._ensure()
        return self._conn.set(self.device, name, members, self.config.timeout_s)

    def _set_switch_state(self, name: str, member: str) -> None:
        """Turn on a switch whose vector may legitimately stay Busy afterwards (INDI keeps
        TELESCOPE_TRACK_STATE Busy while tracking): done when the member reads On."""
        self._send(name, {member: "On"})

        def done() -> bool:
            view = self._conn.vector(self.device, name, self.config.timeout_s)
            if view.state == "Alert":
                raise DeviceRejected(self.name, f"{name} refused: {view.message or 'Alert'}")
            return view.on(member)

        if not self._conn.wait_for(done, self.config.timeout_s):
            raise DeviceUnavailable(self.name, f"{name}: {member} not On after "
                                    f"{self.config.timeout_s:g} s")

    def _switch(self, name: str, member: str) -> VectorView:
        return self._set(name, {member: "On"})

    # -- connection -----------------------------------------------------------------------------

    def _device_on(self) -> bool:
        view = self._conn._on_loop(lambda: self._conn._view(self.device, "CONNECTION"),
                                   self.config.timeout_s, self.name)
        return view is not None and view.on("CONNECT") and view.state != "Busy"

    def _ensure(self) -> None:
        if self._closed:
            raise DeviceUnavailable(self.name, "driver closed")
        if not self._conn.connected:
            raise DeviceUnavailable(
                self.name, f"INDI server {self._conn.host}:{self._conn.port} unreachable")
        if not self._device_on():
            self.connect()

    def connect(self) -> None:
        """Switch the INDI device on and wait for its properties.  Raises DeviceUnavailable."""
        timeout_s = self.config.timeout_s
        if not self._conn.wait_for(lambda: self._conn.connected, timeout_s):
            raise DeviceUnavailable(
                self.name, f"INDI server {self._conn.host}:{self._conn.port} unreachable")
        view = self._conn.vector(self.device, "CONNECTION", timeout_s)
        if not view.on("CONNECT"):
            self._conn.set(self.device, "CONNECTION", {"CONNECT": "On"}, timeout_s)
        if self.ready_vector:
            self._conn.vector(self.device, self.ready_vector, timeout_s)
        self._on_connected()

    def _on_connected(self) -> None:
        """Hook after the device is switched on (site, BLOB mode...)."""

    def disconnect(self) -> None:
        try:
            if self._conn.connected:
                self._conn.send(self.device, "CONNECTION", {"DISCONNECT": "On"},
                                self.config.timeout_s)
        except DeviceUnavailable:
            pass

    def is_connected(self) -> bool:
        if not self._conn.connected:
            raise DeviceUnavailable(self.name, "INDI server unreachable")
        return self._device_on()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            release_connection(self._conn)

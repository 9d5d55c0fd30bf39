"""The Alpaca driver base: alpyca's typed device API over the PyROS transport, with
automatic (re)connection and exponential back-off.

Connection policy:

* the first call connects the device (``Connected = True``) if ``connect()`` was not
  called; so does the first call after any transport failure;
* a transport failure (timeout, refused, HTTP error, garbage) starts a back-off; until it
  expires calls fail at once with DeviceUnavailable, without touching the network, so a
  dead device does not cost every caller a full timeout;
* ASCOM NotConnected (e.g. the device restarted) triggers one immediate reconnection and
  one retry of the call (the device did not act on it); if that fails too, back-off.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pyros.config.devices import DeviceConfig
from pyros.devices.alpaca.transport import AlpacaTransport, NotConnected
from pyros.devices.backoff import Backoff
from pyros.devices.errors import DeviceFault, DeviceUnavailable
from pyros.devices.interfaces import Device

__all__ = ["AlpacaDevice"]

T = TypeVar("T")


@functools.cache
def _routed(api_class: type) -> type:
    """A subclass of an alpyca device class whose HTTP goes through a PyROS driver."""

    def _get(self: Any, attribute: str, tmo: float | None = None, **data: Any) -> Any:
        return self._pyros_driver._guarded(lambda: self._pyros_driver._transport.get(
            attribute, **data))

    def _put(self: Any, attribute: str, tmo: float | None = None, **data: Any) -> Any:
        return self._pyros_driver._guarded(lambda: self._pyros_driver._transport.put(
            attribute, **data))

    return type(f"Routed{api_class.__name__}", (api_class,), {"_get": _get, "_put": _put})


class AlpacaDevice(Device):
    """Base of every Alpaca driver; subclasses name their alpyca class in ``api_class``."""

    backend = "alpaca"
    api_class: ClassVar[type]

    def __init__(self, config: DeviceConfig):
        super().__init__(config)
        self._transport = AlpacaTransport(
            config.name, config.address, self.kind.value, config.device_number,
            config.timeout_s, config.download_timeout_s)
        address = config.address.split("://", 1)[-1].rstrip("/")
        protocol = "https" if config.address.startswith("https") else "http"
        self.api = _routed(self.api_class)(address, config.device_number, protocol)
        self.api._pyros_driver = self
        self._backoff = Backoff(config.reconnect_min_s, config.reconnect_max_s)
        self._connected = False
        self._state_lock = threading.Lock()
        self._connect_lock = threading.Lock()

    # -- connection -------------------------------------------------------------------------

    def connect(self) -> None:
        """Connect (Connected = True) and check it took.  Raises DeviceUnavailable."""
        left = self._backoff.wait_left_s()
        if left > 0:
            raise DeviceUnavailable(self.name, f"unreachable; next attempt in {left:.1f} s")
        self._connect_now()

    def _connect_now(self) -> None:
        with self._connect_lock:
            try:
                self._transport.put("connected", Connected=True)
                if not self._transport.get("connected"):
                    raise DeviceUnavailable(self.name, "Connected stays False after connecting")
                self._on_connected()
            except DeviceUnavailable:
                self._mark_down()
                raise
            with self._state_lock:
                self._connected = True
                self.connections += 1
            self._backoff.succeeded()

    def _on_connected(self) -> None:
        """Hook run after each (re)connection: refresh cached device facts."""

    def disconnect(self) -> None:
        with self._state_lock:
            self._connected = False
        with contextlib.suppress(DeviceUnavailable):
            self._transport.put("connected", Connected=False)

    def is_connected(self) -> bool:
        return bool(self._guarded(lambda: self._transport.get("connected")))

    def close(self) -> None:
        self._transport.close()

    @property
    def failures(self) -> int:
        """Consecutive transport failures (0 when healthy)."""
        return self._backoff.failures

    def _mark_down(self) -> None:
        with self._state_lock:
            self._connected = False
        self._backoff.failed()

    # -- every call goes through here ---------------------------------------------------------

    def _guarded(self, call: Callable[[], T]) -> T:
        """Run one device call under the connection policy (see the module docstring)."""
        if not self._connected:
            self.connect()
        try:
            result = call()
        except NotConnected:
            with self._state_lock:
                self._connected = False
            self._connect_now()
            try:
                result = call()
            except DeviceFault:
                raise
            except DeviceUnavailable:
                self._mark_down()
                raise
        except DeviceFault:
            raise  # it answered: reachable, so no back-off
        except DeviceUnavailable:
            self._mark_down()
            raise
        return result

    def _transport_call(self, call: Callable[[AlpacaTransport], T]) -> T:
        """A raw transport call (for what alpyca does not wrap well), under the policy."""
        return self._guarded(lambda: call(self._transport))

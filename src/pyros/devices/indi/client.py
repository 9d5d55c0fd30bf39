"""A blocking, thread-safe INDI client over ``indipyclient`` (pure Python, asyncio).

Why indipyclient (0.9.x, PyPI): it is pure Python, maintained, and speaks the INDI XML
protocol over TCP with reconnection built in.  The alternative, ``pyindi-client``, is a
SWIG binding that must be compiled against libindi's headers (``libindi-dev``, swig, a C++
toolchain) on every machine, which the project's machines cannot assume.

One :class:`IndiConnection` per INDI server (``host:port``) is shared by every driver on
that server; it runs the asyncio client in a daemon thread.  Drivers call its blocking
methods, each bounded by a timeout; a lost server is :class:`DeviceUnavailable`, and
indipyclient keeps retrying the TCP connection in the background (every 5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import indipyclient

from pyros.clock import monotonic
from pyros.devices.errors import DeviceRejected, DeviceUnavailable

__all__ = ["IndiConnection", "VectorView", "get_connection"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class VectorView:
    """A copy of one INDI property vector: ``values`` are strings as sent (numbers parsed
    to float for number vectors), ``state`` is Idle/Ok/Busy/Alert."""

    device: str
    name: str
    vector_type: str
    state: str
    values: dict[str, Any]
    timestamp: datetime | None
    message: str = ""
    limits: dict[str, tuple[float, float]] = field(default_factory=dict)

    def number(self, member: str) -> float:
        return float(self.values[member])

    def on(self, member: str) -> bool:
        return self.values.get(member) == "On"

    @property
    def busy(self) -> bool:
        return self.state == "Busy"


@dataclass
class _Blob:
    serial: int = 0
    data: bytes = b""
    fmt: str = ""


class _Client(indipyclient.IPyClient):
    """Receives events on the asyncio thread and wakes waiting threads."""

    def __init__(self, host: str, port: int, owner: IndiConnection):
        super().__init__(indihost=host, indiport=port)
        self._owner = owner

    async def rxevent(self, event: Any) -> None:
        owner = self._owner
        if event.eventtype == "SetBLOB":
            for member, value in event.items():
                if value:
                    key = (event.devicename, event.vectorname)
                    blob = owner._blobs.setdefault(key, _Blob())
                    blob.serial += 1
                    blob.data = bytes(value)
                    blob.fmt = event.sizeformat.get(member, (0, ""))[1]
        owner._notify()


class IndiConnection:
    """A connection to one INDI server, shared by the drivers of its devices."""

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self._changed = threading.Condition()
        self._generation = 0
        self._blobs: dict[tuple[str, str], _Blob] = {}
        self._loop = asyncio.new_event_loop()
        self._client = _Client(host, port, self)
        self._client.enableBLOBdefault = "Never"
        self._client.enable_reports = False
        self._users = 0
        self._thread = threading.Thread(target=self._run, name=f"indi-{host}:{port}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._client.asyncrun())
        except Exception:  # noqa: BLE001 - must not propagate
            pass
        finally:
            self._loop.close()

    def _on_loop(self, fn: Callable[[], T], timeout_s: float, what: str) -> T:
        """Run ``fn`` on the client's loop (so it sees a consistent state)."""
        async def call() -> T:
            return fn()
        return self._await(call(), timeout_s, what)

    def _await(self, coro: Any, timeout_s: float, what: str) -> Any:
        if self._loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise DeviceUnavailable(what, "INDI client stopped")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout_s)
        except FutureTimeout:
            future.cancel()
            raise DeviceUnavailable(what, f"INDI call not done within {timeout_s:g} s") \
                from None

    def _notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def _wait_change(self, generation: int, timeout_s: float) -> None:
        """Block until something is received after ``generation`` was read (or timeout).

        The lock is never held while waiting on the client loop: the loop needs it to
        notify, and holding it there would deadlock.
        """
        with self._changed:
            if self._generation == generation:
                self._changed.wait(timeout_s)

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Re-check ``predicate`` each time something is received; False on timeout."""
        deadline = monotonic() + timeout_s
        while True:
            generation = self._generation
            if predicate():
                return True
            left = deadline - monotonic()
            if left <= 0:
                return False
            self._wait_change(generation, min(left, 0.2))

    @property
    def connected(self) -> bool:
        return bool(self._client.connected)

    def close(self) -> None:
        self._client.shutdown()
        self._thread.join(timeout=3.0)

    # -- reading ---------------------------------------------------------------------------

    def vector(self, device: str, name: str, timeout_s: float) -> VectorView:
        """The current value of a vector, waiting up to ``timeout_s`` for it to exist.

        Raises DeviceUnavailable if the server or the vector is not there in time.
        """
        deadline = monotonic() + timeout_s
        while True:
            generation = self._generation
            view = self._on_loop(lambda: self._view(device, name), timeout_s, device)
            if view is not None:
                return view
            left = deadline - monotonic()
            if left <= 0:
                why = "INDI server unreachable" if not self.connected else \
                    f"property {name} not defined"
                raise DeviceUnavailable(device, f"{why} ({self.host}:{self.port})")
            self._wait_change(generation, min(left, 0.2))

    def has_vector(self, device: str, name: str, timeout_s: float) -> bool:
        return self._on_loop(lambda: self._view(device, name), timeout_s, device) is not None

    def _view(self, device: str, name: str) -> VectorView | None:
        if not self._client.connected:
            return None
        dev = self._client.data.get(device)
        if dev is None or not dev.enable:
            return None
        vec = dev.data.get(name)
        if vec is None or not vec.enable:
            return None
        limits: dict[str, tuple[float, float]] = {}
        if vec.vectortype == "NumberVector":
            values = {m: vec.getfloatvalue(m) for m in vec.members()}
            for m, member in vec.members().items():
                with contextlib.suppress(TypeError, ValueError):
                    limits[m] = (float(member.getfloat(member.min)),
                                 float(member.getfloat(member.max)))
        elif vec.vectortype == "BLOBVector":
            values = {}
        else:
            values = {m: vec[m] for m in vec.members()}
        return VectorView(device, name, vec.vectortype, vec.state, values, vec.timestamp,
                          vec.message or "", limits)

    # -- writing ---------------------------------------------------------------------------

    def send(self, device: str, name: str, members: dict[str, Any], timeout_s: float) -> None:
        """Send new member values (the vector turns Busy until the device answers)."""
        self.vector(device, name, timeout_s)  # exists, or DeviceUnavailable
        self._await(self._client.send_newVector(device, name, members=members), timeout_s,
                    device)

    def wait_idle(self, device: str, name: str, timeout_s: float) -> VectorView:
        """Wait for the vector to leave Busy.  Raises DeviceRejected on Alert and
        DeviceUnavailable if it stays Busy for ``timeout_s``."""
        deadline = monotonic() + timeout_s
        while True:
            generation = self._generation
            view = self.vector(device, name, max(0.1, deadline - monotonic()))
            if view.state == "Alert":
                raise DeviceRejected(device, f"{name} refused: {view.message or 'Alert'}")
            if view.state != "Busy":
                return view
            left = deadline - monotonic()
            if left <= 0:
                raise DeviceUnavailable(device, f"{name} still busy after {timeout_s:g} s")
            self._wait_change(generation, min(left, 0.2))

    def set(self, device: str, name: str, members: dict[str, Any], timeout_s: float) -> VectorView:
        """Send and wait for the device's verdict (Ok, or DeviceRejected on Alert)."""
        self.send(device, name, members, timeout_s)
        return self.wait_idle(device, name, timeout_s)

    # -- BLOBs -----------------------------------------------------------------------------

    def enable_blobs(self, device: str, name: str, timeout_s: float) -> None:
        self.vector(device, name, timeout_s)
        self._await(self._client.send_enableBLOB("Also", device, name), timeout_s, device)

    def blob_serial(self, device: str, name: str) -> int:
        blob = self._blobs.get((device, name))
        return blob.serial if blob else 0

    def latest_blob(self, device: str, name: str) -> tuple[int, bytes, str]:
        blob = self._blobs.get((device, name)) or _Blob()
        return blob.serial, blob.data, blob.fmt


_connections: dict[tuple[str, int], IndiConnection] = {}
_connections_lock = threading.Lock()


def get_connection(address: str) -> IndiConnection:
    """The shared connection to the INDI server at ``host:port`` (default port 7624)."""
    host, _, port_text = address.rpartition(":") if ":" in address else (address, "", "7624")
    try:
        key = (host or "127.0.0.1", int(port_text))
    except ValueError as exc:
        raise ValueError(f"INDI address must be host:port, got {address!r}") from exc
    with _connections_lock:
        conn = _connections.get(key)
        if conn is None or not conn._thread.is_alive():
            conn = IndiConnection(*key)
            _connections[key] = conn
        conn._users += 1
        return conn


def release_connection(conn: IndiConnection) -> None:
    """Drop one user; the last one closes the connection."""
    with _connections_lock:
        conn._users -= 1
        if conn._users > 0:
            return
        if _connections.get((conn.host, conn.port)) is conn:
            del _connections[(conn.host, conn.port)]
    conn.close()

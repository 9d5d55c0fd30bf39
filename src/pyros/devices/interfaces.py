"""One interface per device kind, shared by every backend (Alpaca, INDI).

Each interface has small abstract primitives that a backend implements (one device
round trip each) and concrete composite operations built on them once, here, so that
every backend behaves alike: waits with a deadline on the PyROS clock, idempotent
dome close and park, exposure with the frame type, etc.

Units: angles in degrees (RA too, never hours), temperatures in °C, times in seconds,
focuser positions in steps, binned pixels for camera subframes.

Errors (see :mod:`pyros.devices.errors`): every call may raise
:class:`~pyros.devices.errors.DeviceUnavailable` (cannot talk to the device);
commands may raise :class:`~pyros.devices.errors.DeviceRejected` (invalid value or
state, including :class:`~pyros.devices.errors.DeviceParked`) and
:class:`~pyros.devices.errors.NotSupported`; ``wait_*`` methods raise
:class:`~pyros.devices.errors.OperationTimedOut` when the device does not finish in
time.  ``ValueError`` is raised before any I/O for arguments that are wrong in
themselves (a negative exposure time, an unknown filter name).
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from pyros.clock import get_clock, monotonic
from pyros.config.devices import DeviceConfig, DeviceKind
from pyros.devices.enums import CameraState, FrameType, PierSide, ShutterState
from pyros.devices.errors import DeviceRejected, OperationAborted, OperationTimedOut
from pyros.devices.models import Image, SkyPosition, SwitchInfo, WeatherSnapshot

__all__ = [
    "Camera",
    "Device",
    "Dome",
    "FilterWheel",
    "Focuser",
    "Mount",
    "SafetyMonitor",
    "Switch",
    "Weather",
]

#: Shortest wall-clock pause between two polls of a wait loop (s): keeps a fast
#: simulated clock from turning a wait into a busy loop against the device.
MIN_POLL_WALL_S = 0.01


class Device(ABC):
    """What every driver offers: connection, identity and a status snapshot."""

    #: Successful (re)connections so far.  A driver that reconnects by itself after a
    #: device restart (Alpaca: on NotConnected) counts it here, so that a watcher can
    #: tell the device lost its state even when no call failed.
    connections: int = 0

    kind: ClassVar[DeviceKind]
    backend: ClassVar[str]

    def __init__(self, config: DeviceConfig):
        if config.kind is not self.kind:
            raise ValueError(f"{config.name} is a {config.kind.value}, not a {self.kind.value}")
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} at {self.config.address}>"

    @abstractmethod
    def connect(self) -> None:
        """Connect to the device (idempotent).  Raises DeviceUnavailable."""

    @abstractmethod
    def disconnect(self) -> None:
        """Tell the device we are done (idempotent, never raises for transport errors)."""

    @abstractmethod
    def is_connected(self) -> bool:
        """Ask the device whether it is connected.  Raises DeviceUnavailable."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release client resources (sockets, threads) without disconnecting the device."""

    @abstractmethod
    def _status(self) -> dict[str, Any]:
        """Kind-specific status fields (JSON-able)."""

    def status(self) -> dict[str, Any]:
        """A JSON-able snapshot for monitoring.  Raises DeviceUnavailable."""
        return {"name": self.name, "kind": self.kind.value, "backend": self.backend,
                "address": self.config.address, **self._status()}

    def __enter__(self) -> Device:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers shared by composite operations ---------------------------------------

    def _wait_until(self, done: Callable[[], bool], timeout_s: float, what: str,
                    poll_s: float = 0.5, min_wall_s: float = 0.0) -> None:
        """Poll ``done`` until true; ``timeout_s`` and ``poll_s`` are PyROS-clock seconds.

        Raises OperationTimedOut once ``timeout_s`` has passed on the clock *and*
        ``min_wall_s`` on the wall clock (work a simulator does on the CPU, such as
        rendering a frame, does not speed up with a fast simulated clock), or what
        ``done`` raises.
        """
        clock = get_clock()
        deadline = clock.now().timestamp() + timeout_s
        wall_deadline = monotonic() + min_wall_s
        if math.isfinite(clock.speed):
            poll_s = max(poll_s, MIN_POLL_WALL_S * clock.speed)
        while not done():
            if clock.now().timestamp() >= deadline and monotonic() >= wall_deadline:
                raise OperationTimedOut(self.name, f"{what} not done after {timeout_s:g} s")
            clock.sleep(poll_s)


class Mount(Device):
    """An alt-az (or equatorial) telescope mount.

    RA/Dec are in the mount's own equatorial system (ASCOM ``EquatorialSystem``; J2000 for
    the PyROS simulators, equinox of date for INDI).  Slews start asynchronously; use
    ``wait_for_slew`` or ``wait=True``.
    """

    kind = DeviceKind.TELESCOPE
    #: Default limit for a slew to finish (s, PyROS clock).
    slew_timeout_s: float = 180.0

    @abstractmethod
    def position(self) -> SkyPosition:
        """RA, Dec, Alt, Az now (degrees)."""

    @abstractmethod
    def is_slewing(self) -> bool: ...

    @abstractmethod
    def _start_slew_radec(self, ra_deg: float, dec_deg: float) -> None: ...

    @abstractmethod
    def _start_slew_altaz(self, alt_deg: float, az_deg: float) -> None: ...

    @abstractmethod
    def abort(self) -> None:
        """Stop any slew now."""

    @abstractmethod
    def _start_park(self) -> None: ...

    @abstractmethod
    def unpark(self) -> None: ...

    @abstractmethod
    def at_park(self) -> bool: ...

    @abstractmethod
    def tracking(self) -> bool: ...

    @abstractmethod
    def set_tracking(self, on: bool) -> None: ...

    @abstractmethod
    def pier_side(self) -> PierSide: ...

    def slew_radec(self, ra_deg: float, dec_deg: float, *, wait: bool = False,
                   timeout_s: float | None = None) -> None:
        """Slew to RA/Dec (degrees); tracking is switched on first, as ASCOM requires."""
        if not (0.0 <= ra_deg < 360.0 and -90.0 <= dec_deg <= 90.0):
            raise ValueError(f"RA/Dec out of range: {ra_deg}, {dec_deg}")
        if not self.tracking():
            self.set_tracking(True)
        self._start_slew_radec(ra_deg, dec_deg)
        if wait:
            self.wait_for_slew(timeout_s)

    def slew_altaz(self, alt_deg: float, az_deg: float, *, wait: bool = False,
                   timeout_s: float | None = None) -> None:
        """Slew to Alt/Az (degrees); tracking is switched off first, as ASCOM requires."""
        if not (-90.0 <= alt_deg <= 90.0 and 0.0 <= az_deg < 360.0):
            raise ValueError(f"Alt/Az out of range: {alt_deg}, {az_deg}")
        if self.tracking():
            self.set_tracking(False)
        self._start_slew_altaz(alt_deg, az_deg)
        if wait:
            self.wait_for_slew(timeout_s)

    def wait_for_slew(self, timeout_s: float | None = None) -> None:
        self._wait_until(lambda: not self.is_slewing(), timeout_s or self.slew_timeout_s,
                         "slew", poll_s=0.2)

    def park(self, *, wait: bool = True, timeout_s: float | None = None) -> None:
        """Park (idempotent: nothing is sent when already parked)."""
        if self.at_park():
            return
        self._start_park()
        if wait:
            self._wait_until(self.at_park, timeout_s or self.slew_timeout_s, "park",
                             poll_s=0.2)

    def _status(self) -> dict[str, Any]:
        pos = self.position()
        return {**pos.to_dict(), "slewing": self.is_slewing(), "tracking": self.tracking(),
                "at_park": self.at_park()}


class Dome(Device):
    """A rotating dome with a shutter.  Closing and parking are idempotent: asking to
    close a closed (or closing) dome succeeds without sending anything."""

    kind = DeviceKind.DOME
    shutter_timeout_s: float = 120.0
    slew_timeout_s: float = 120.0

    @abstractmethod
    def azimuth_deg(self) -> float: ...

    @abstractmethod
    def shutter_state(self) -> ShutterState: ...

    @abstractmethod
    def is_slewing(self) -> bool: ...

    @abstractmethod
    def _start_open_shutter(self) -> None: ...

    @abstractmethod
    def _start_close_shutter(self) -> None: ...

    @abstractmethod
    def _start_slew_azimuth(self, az_deg: float) -> None: ...

    @abstractmethod
    def abort(self) -> None: ...

    @abstractmethod
    def _start_park(self) -> None: ...

    @abstractmethod
    def at_park(self) -> bool: ...

    @abstractmethod
    def slaved(self) -> bool: ...

    @abstractmethod
    def set_slaved(self, on: bool) -> None:
        """Make the dome follow the mount by itself.  Raises NotSupported if it cannot."""

    def open_shutter(self, *, wait: bool = False, timeout_s: float | None = None) -> None:
        """Open (idempotent).  Raises DeviceRejected if the shutter is in error."""
        self._move_shutter(ShutterState.OPEN, wait, timeout_s)

    def close_shutter(self, *, wait: bool = False, timeout_s: float | None = None) -> None:
        """Close (idempotent: a closed or closing shutter is not commanded again).

        A shutter in ERROR is commanded to close anyway: closing is the safe direction.
        """
        self._move_shutter(ShutterState.CLOSED, wait, timeout_s)

    def _move_shutter(self, target: ShutterState, wait: bool, timeout_s: float | None) -> None:
        moving = ShutterState.OPENING if target is ShutterState.OPEN else ShutterState.CLOSING
        state = self.shutter_state()
        if state not in (target, moving):
            if target is ShutterState.OPEN:
                if state is ShutterState.ERROR:
                    raise DeviceRejected(self.name, "shutter in error: not opening it")
                self._start_open_shutter()
            else:
                self._start_close_shutter()
        if wait:
            self.wait_for_shutter(target, timeout_s)

    def wait_for_shutter(self, target: ShutterState, timeout_s: float | None = None) -> None:
        def done() -> bool:
            state = self.shutter_state()
            if state is ShutterState.ERROR:
                raise DeviceRejected(self.name, f"shutter in ERROR on the way to {target.name}")
            return state is target

        self._wait_until(done, timeout_s or self.shutter_timeout_s, f"shutter {target.name}")

    def slew_to_azimuth(self, az_deg: float, *, wait: bool = False,
                        timeout_s: float | None = None) -> None:
        if not 0.0 <= az_deg < 360.0:
            raise ValueError(f"azimuth out of range: {az_deg}")
        self._start_slew_azimuth(az_deg)
        if wait:
            self.wait_for_slew(timeout_s)

    def wait_for_slew(self, timeout_s: float | None = None) -> None:
        self._wait_until(lambda: not self.is_slewing(), timeout_s or self.slew_timeout_s,
                         "dome rotation", poll_s=0.2)

    def park(self, *, wait: bool = True, timeout_s: float | None = None) -> None:
        """Park the rotation (idempotent).  Does not close the shutter: call both."""
        if self.at_park():
            return
        self._start_park()
        if wait:
            self._wait_until(self.at_park, timeout_s or self.slew_timeout_s, "dome park",
                             poll_s=0.2)

    def _status(self) -> dict[str, Any]:
        return {"azimuth_deg": self.azimuth_deg(), "shutter": self.shutter_state().name,
                "slewing": self.is_slewing(), "at_park": self.at_park(),
                "slaved": self.slaved()}


class Camera(Device):
    """A CCD/CMOS camera.  Subframes are in binned pixels, as in ASCOM."""

    kind = DeviceKind.CAMERA
    #: Margin for readout and download beyond the exposure time (s, PyROS clock).
    readout_timeout_s: float = 120.0

    @abstractmethod
    def _start_exposure(self, duration_s: float, frame_type: FrameType) -> None: ...

    @abstractmethod
    def abort_exposure(self) -> None:
        """Discard the exposure in progress (no image)."""

    @abstractmethod
    def stop_exposure(self) -> None:
        """End the exposure early and read it out (the image becomes ready)."""

    @abstractmethod
    def state(self) -> CameraState: ...

    @abstractmethod
    def image_ready(self) -> bool: ...

    @abstractmethod
    def download_image(self) -> Image:
        """The last image.  Raises DeviceRejected if none is ready."""

    @abstractmethod
    def sensor_size_px(self) -> tuple[int, int]:
        """Unbinned sensor size (x, y)."""

    @abstractmethod
    def binning(self) -> tuple[int, int]: ...

    @abstractmethod
    def set_binning(self, bin_x: int, bin_y: int) -> None: ...

    @abstractmethod
    def set_subframe(self, start_x: int, start_y: int, num_x: int, num_y: int) -> None:
        """Read out only this window (binned pixels)."""

    @abstractmethod
    def ccd_temperature_c(self) -> float: ...

    @abstractmethod
    def cooler_on(self) -> bool: ...

    @abstractmethod
    def set_cooler(self, on: bool, target_c: float | None = None) -> None:
        """Switch the cooler on/off and optionally set its target (°C)."""

    @abstractmethod
    def readout_modes(self) -> list[str]: ...

    @abstractmethod
    def set_readout_mode(self, name: str) -> None:
        """Raises ValueError for a name the camera does not offer."""

    def __init__(self, config: DeviceConfig):
        super().__init__(config)
        self._last_frame_type = FrameType.LIGHT
        self._last_duration_s = 0.0

    def start_exposure(self, duration_s: float, frame_type: FrameType = FrameType.LIGHT) -> None:
        """Start an exposure of ``duration_s`` seconds (0 is allowed for a bias)."""
        frame_type = FrameType(frame_type)
        if duration_s < 0 or not math.isfinite(duration_s):
            raise ValueError(f"exposure time must be >= 0 s, got {duration_s}")
        if frame_type is FrameType.BIAS:
            duration_s = 0.0
        self._start_exposure(duration_s, frame_type)
        self._last_frame_type = frame_type
        self._last_duration_s = duration_s

    def full_frame(self) -> None:
        """Read out the whole sensor at the current binning."""
        size_x, size_y = self.sensor_size_px()
        bx, by = self.binning()
        self.set_subframe(0, 0, size_x // bx, size_y // by)

    #: A camera idle this long (wall s) after it was seen exposing, with no image, was
    #: aborted by someone else (monitoring on a weather change, an operator).
    ABORTED_IF_IDLE_WALL_S: ClassVar[float] = 0.5
    #: ... and one never seen exposing, idle this long since the start: aborted before our
    #: first look (on a loaded machine another client's abort can come between two reads).
    ABORTED_IF_NEVER_BUSY_WALL_S: ClassVar[float] = 2.0
    #: Wall seconds between two looks at the camera's state while waiting for an image
    #: (``image_ready`` itself is read at every poll).
    STATE_CHECK_WALL_S: ClassVar[float] = 0.1

    def wait_for_image(self, timeout_s: float | None = None, *,
                       stop: Callable[[], bool] | threading.Event | None = None,
                       poll_s: float | None = None) -> bool:
        """Wait until the image of the exposure just started is ready; True when it is.

        ``stop`` is called at every poll: it may raise (a guard) or return True, and then
        the wait ends at once and returns False (the caller aborts or keeps the exposure).
        An event also cuts the sleep between two polls short: an alert's abort reaches the
        camera at once, not up to a poll later.
        Raises :class:`DeviceRejected` if the camera reports ERROR, :class:`OperationAborted`
        if it went idle without an image (someone else aborted the exposure: waiting for
        the timeout would leave the caller blind for minutes), :class:`OperationTimedOut`
        after ``timeout_s`` (default: exposure + ``readout_timeout_s``) on the PyROS clock
        and the configured download timeout on the wall clock.  ``poll_s`` is PyROS-clock
        seconds (default 0.25, at least :data:`MIN_POLL_WALL_S` of wall time).
        """
        clock = get_clock()
        limit = timeout_s if timeout_s is not None else (self._last_duration_s
                                                         + self.readout_timeout_s)
        deadline = clock.now().timestamp() + limit
        wall_deadline = monotonic() + self.config.download_timeout_s
        if poll_s is None:
            poll_s = max(0.25, MIN_POLL_WALL_S * clock.speed if math.isfinite(clock.speed)
                         else 0.0)
        wake = stop if isinstance(stop, threading.Event) else None
        if wake is not None:
            stop = wake.is_set
        busy, idle_since, next_state = False, None, 0.0
        while not self.image_ready():
            if stop is not None and stop():
                return False
            now = monotonic()
            if now >= next_state:
                next_state = now + self.STATE_CHECK_WALL_S
                state = self.state()
                if state is CameraState.ERROR:
                    raise DeviceRejected(self.name, "camera reports ERROR during the exposure")
                if state is not CameraState.IDLE:
                    busy, idle_since = True, None
                elif not self.image_ready():  # not the instant between two reads
                    idle_since = idle_since or now
                    wait = (self.ABORTED_IF_IDLE_WALL_S if busy
                            else self.ABORTED_IF_NEVER_BUSY_WALL_S)
                    if now - idle_since > wait:
                        raise OperationAborted(self.name, "the exposure was aborted")
            if clock.now().timestamp() >= deadline and monotonic() >= wall_deadline:
                raise OperationTimedOut(self.name, f"exposure not done after {limit:g} s")
            if wake is not None:
                clock.wait(wake, poll_s)
            else:
                clock.sleep(poll_s)
        return True

    def expose(self, duration_s: float, frame_type: FrameType = FrameType.LIGHT,
               timeout_s: float | None = None) -> Image:
        """Start, wait for and download one frame."""
        self.start_exposure(duration_s, frame_type)
        self.wait_for_image(timeout_s)
        return self.download_image()

    def _status(self) -> dict[str, Any]:
        bx, by = self.binning()
        return {"state": self.state().name, "image_ready": self.image_ready(),
                "ccd_temperature_c": _json_float(self.ccd_temperature_c()),
                "cooler_on": self.cooler_on(), "bin": [bx, by]}


class FilterWheel(Device):
    """A filter wheel.  Positions count from 0 (ASCOM); INDI's 1-based slots are mapped."""

    kind = DeviceKind.FILTERWHEEL
    move_timeout_s: float = 60.0

    @abstractmethod
    def names(self) -> list[str]: ...

    @abstractmethod
    def position(self) -> int | None:
        """Current slot, or None while moving."""

    @abstractmethod
    def _start_move(self, position: int) -> None: ...

    def current_filter(self) -> str | None:
        pos = self.position()
        names = self.names()
        return names[pos] if pos is not None and 0 <= pos < len(names) else None

    def set_position(self, position: int, *, wait: bool = True,
                     timeout_s: float | None = None) -> None:
        count = len(self.names())
        if not 0 <= position < count:
            raise ValueError(f"{self.name}: no slot {position} (0..{count - 1})")
        self._start_move(position)
        if wait:
            self._wait_until(lambda: self.position() == position,
                             timeout_s or self.move_timeout_s, f"filter slot {position}",
                             poll_s=0.2)

    def set_filter(self, name: str, *, wait: bool = True, timeout_s: float | None = None) -> None:
        """Move to the filter called ``name``.  Raises ValueError for an unknown name."""
        names = self.names()
        if name not in names:
            raise ValueError(f"{self.name}: no filter {name!r} (has {names})")
        self.set_position(names.index(name), wait=wait, timeout_s=timeout_s)

    def wait(self, timeout_s: float | None = None) -> None:
        self._wait_until(lambda: self.position() is not None,
                         timeout_s or self.move_timeout_s, "filter wheel", poll_s=0.2)

    def _status(self) -> dict[str, Any]:
        names = self.names()
        pos = self.position()
        return {"position": pos, "filter": names[pos] if pos is not None and pos < len(names)
                else None, "names": names}


class Focuser(Device):
    """An absolute focuser (positions in steps)."""

    kind = DeviceKind.FOCUSER
    move_timeout_s: float = 120.0

    @abstractmethod
    def position(self) -> int: ...

    @abstractmethod
    def max_step(self) -> int: ...

    @abstractmethod
    def is_moving(self) -> bool: ...

    @abstractmethod
    def _start_move(self, position: int) -> None: ...

    @abstractmethod
    def halt(self) -> None: ...

    @abstractmethod
    def temperature_c(self) -> float | None:
        """Focuser temperature (°C), or None without a sensor."""

    def move_to(self, position: int, *, wait: bool = True,
                timeout_s: float | None = None) -> None:
        if position < 0:
            raise ValueError(f"focuser position must be >= 0, got {position}")
        self._start_move(int(position))
        if wait:
            self.wait(timeout_s)

    def wait(self, timeout_s: float | None = None) -> None:
        self._wait_until(lambda: not self.is_moving(), timeout_s or self.move_timeout_s,
                         "focuser move", poll_s=0.2)

    def _status(self) -> dict[str, Any]:
        return {"position": self.position(), "moving": self.is_moving(),
                "temperature_c": _json_float(self.temperature_c())}


class Weather(Device):
    """A weather station (ASCOM ObservingConditions)."""

    kind = DeviceKind.OBSERVINGCONDITIONS

    @abstractmethod
    def snapshot(self) -> WeatherSnapshot:
        """Every sensor now; absent and NaN sensors are reported as such."""

    def _status(self) -> dict[str, Any]:
        return self.snapshot().to_dict()


class SafetyMonitor(Device):
    """A device that says whether it is safe to open (rain sensor, PLC verdict...)."""

    kind = DeviceKind.SAFETYMONITOR

    @abstractmethod
    def is_safe(self) -> bool: ...

    def _status(self) -> dict[str, Any]:
        return {"is_safe": self.is_safe()}


class Switch(Device):
    """A set of named switches or PLC channels (power, lights, dome interlocks)."""

    kind = DeviceKind.SWITCH

    @abstractmethod
    def switches(self) -> list[SwitchInfo]: ...

    @abstractmethod
    def _get_value(self, index: int) -> float: ...

    @abstractmethod
    def _set_value(self, index: int, value: float) -> None: ...

    def __init__(self, config: DeviceConfig):
        super().__init__(config)
        self._names: list[str] | None = None

    def index_of(self, name: str) -> int:
        """Raises ValueError for an unknown switch name (names are read once, then cached)."""
        if self._names is None or name not in self._names:
            self._names = [s.name for s in self.switches()]
        if name not in self._names:
            raise ValueError(f"{self.name}: no switch called {name!r} (has {self._names})")
        return self._names.index(name)

    def get(self, name: str) -> float:
        """The switch value (0/1 for an on/off switch)."""
        return self._get_value(self.index_of(name))

    def set(self, name: str, value: float | bool) -> None:
        """Set a writable switch.  Raises DeviceRejected if it is read-only or out of range."""
        self._set_value(self.index_of(name), float(value))

    def _status(self) -> dict[str, Any]:
        return {"switches": {s.name: s.value for s in self.switches()}}


def _json_float(value: float | None) -> float | None:
    """NaN is not JSON: report it as None."""
    return None if value is None or math.isnan(value) else value

"""A cooled CCD/CMOS camera of one instrument channel, with frames from the sky model.

Exposure timeline (simulated time): ``Exposing`` for the duration, ``Reading`` for the
channel's ``readout_time_s`` (scaled by the fraction of the detector read), then the
frame is ready.  The frame is rendered by :func:`pyros.skymodel.render_frame` in a worker
thread started with the exposure, from the conditions at its start: where the mount
points, the filter in the wheel, focus, seeing, the dome shutter, injected transients.
If rendering takes longer than the readout the camera shows ``Download`` meanwhile.

A light frame with the shutter closed is a dark (or a flat with the PLC flat lamp on);
``Light=False`` gives a dark, or a bias for a zero duration.  Dark current doubles every
6 °C above the nominal set point, so a camera whose cooler is off shows it.
"""

from __future__ import annotations

import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from pyros.simulators.device import Later, Reply, SimDevice, fits_time, next_server_tid
from pyros.simulators.imagebytes import encode_image, json_image
from pyros.simulators.protocol import AlpacaError, ErrorCode, Params

if TYPE_CHECKING:
    from pyros.config import ChannelConfig

__all__ = ["CameraSim", "CameraState"]

log = logging.getLogger(__name__)

#: Flat-lamp signal at 100 % (electrons per second per unbinned pixel).
FLAT_LAMP_E_S = 10000.0


class CameraState(IntEnum):
    IDLE = 0
    WAITING = 1
    EXPOSING = 2
    READING = 3
    DOWNLOAD = 4
    ERROR = 5


@dataclass
class Exposure:
    start: datetime
    duration_s: float
    light: bool
    frame_type: str
    readout_s: float
    spec_args: dict[str, Any]
    render: Future[np.ndarray] | None = None
    aborted: bool = False
    cache: dict[str, bytes] = field(default_factory=dict)

    @property
    def exposure_end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration_s)

    @property
    def readout_end(self) -> datetime:
        return self.exposure_end + timedelta(seconds=self.readout_s)


class CameraSim(SimDevice):
    device_type = "camera"
    interface_version = 4
    state_members = ("CameraState", "CCDTemperature", "CoolerPower", "HeatSinkTemperature",
                     "ImageReady", "IsPulseGuiding", "PercentCompleted")
    max_bin = 4
    gain_factors = (1.0, 2.0, 4.0)

    def __init__(self, *args: Any, **kwargs: Any):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def power_on(self) -> None:
        super().power_on()
        self.channel: ChannelConfig | None = next(
            (c for c in self.obs.config.channels if c.camera == self.name), None)
        ch = self.channel
        self.width = ch.width_px if ch else 1024
        self.height = ch.height_px if ch else 1024
        self.bin_x = self.bin_y = 1
        self.start_x = self.start_y = 0
        self.num_x, self.num_y = self.width, self.height
        self.gain_index = 0
        self.readout_mode = 0
        self.setpoint_c = self.sim.ccd_setpoint_c
        self.cooler_on = False
        now = self.now()
        ambient = self._ambient()
        self._temp_anchor = (now, ambient)
        self._exposure: Exposure | None = None
        self._last: Exposure | None = None  # the last exposure that produced a frame
        self.relay = f"{ch.name.lower()} camera power" if ch else "camera power"
        self.frames_taken = 0

    # -- thermal model --------------------------------------------------------------------
    def _ambient(self) -> float:
        return self.obs.weather.snapshot()["temperature"]

    def _cooling(self) -> bool:
        return self.cooler_on and self.obs.powered(self.relay)

    def _temp_target(self) -> float:
        ambient = self._ambient()
        if not self._cooling():
            return ambient
        return max(self.setpoint_c, ambient - self.sim.cooler_max_delta_c)

    def ccd_temperature(self, now: datetime | None = None) -> float:
        now = now or self.now()
        t0, temp0 = self._temp_anchor
        elapsed = max(0.0, (now - t0).total_seconds())
        target = self._temp_target()
        return target + (temp0 - target) * math.exp(-elapsed / self.sim.cooler_tau_s)

    def _reanchor(self) -> None:
        now = self.now()
        self._temp_anchor = (now, self.ccd_temperature(now))

    # -- exposure state ---------------------------------------------------------------------
    def state(self, now: datetime | None = None) -> CameraState:
        exp = self._exposure
        if exp is None:
            return CameraState.IDLE
        now = now or self.now()
        if now < exp.exposure_end:
            return CameraState.EXPOSING
        if now < exp.readout_end:
            return CameraState.READING
        if exp.render is not None and not exp.render.done():
            return CameraState.DOWNLOAD
        if exp.render is not None and exp.render.exception() is not None:
            return CameraState.ERROR
        self._last, self._exposure = exp, None
        return CameraState.IDLE

    def image_ready(self) -> bool:
        self.state()
        last = self._last
        return last is not None and last.render is not None and last.render.done() \
            and last.render.exception() is None

    def _window_check(self) -> None:
        bw, bh = self.width // self.bin_x, self.height // self.bin_y
        if self.num_x < 1 or self.num_y < 1 or self.start_x < 0 or self.start_y < 0:
            raise AlpacaError.invalid_value("NumX/NumY must be >= 1 and StartX/StartY >= 0")
        if self.start_x + self.num_x > bw or self.start_y + self.num_y > bh:
            raise AlpacaError.invalid_value(
                f"subframe StartX={self.start_x} NumX={self.num_x} StartY={self.start_y} "
                f"NumY={self.num_y} exceeds the {bw}x{bh} binned detector")

    def _frame_conditions(self, light: bool, duration_s: float) -> tuple[str, dict[str, Any]]:
        """Frame type and sky-model arguments from the observatory at exposure start."""
        now = self.now()
        ch = self.channel
        filters = ch.filters if ch else ["clear"]
        filter_name = filters[0]
        wheel = self.obs.by_name.get(ch.filterwheel) if ch and ch.filterwheel else None
        if wheel is not None:
            name = wheel.filter_name()
            if name is None:
                raise AlpacaError.invalid_operation(f"filter wheel {wheel.name} is moving")
            filter_name = name
        mount = self.obs.mount
        ra, dec, alt = 0.0, 0.0, 90.0
        if mount is not None:
            with mount.lock:
                ra, dec = mount.radec(now)
                alt = mount.altaz(now)[1]
        frame_type = "light"
        flat_level = 0.0
        if not light:
            frame_type = "bias" if duration_s == 0 else "dark"
        else:
            dome = self.obs.dome
            if dome is not None:
                with dome.lock:
                    open_ = dome.is_open()
                if not open_:
                    lamp = self.obs.plc.value_of("flat lamp") if self.obs.plc else 0.0
                    frame_type = "flat" if lamp > 0 else "dark"
                    flat_level = FLAT_LAMP_E_S * lamp / 100.0 * duration_s * self.bin_x * self.bin_y
        focuser = self.obs.focuser
        defocus = 0.0
        if focuser is not None:
            offset = ch.focus_offsets.get(filter_name, 0) if ch else 0
            with focuser.lock:
                defocus = focuser.position() - (self.sim.focuser_best_step + offset)
        weather = self.obs.weather.snapshot(now)
        nominal = self.sim.ccd_setpoint_c
        dark = (ch.dark_current_e_s if ch else 0.01) * 2.0 ** (
            (self.ccd_temperature(now) - nominal) / 6.0)
        site = self.obs.config.site
        args = {
            "ra_deg": ra, "dec_deg": dec,
            "width_px": self.width, "height_px": self.height,
            "pixel_scale_arcsec": ch.pixel_scale_arcsec if ch else 1.0,
            "exposure_s": duration_s, "filter_name": filter_name, "obs_time": now,
            "frame_type": frame_type,
            "seeing_arcsec": weather["starfwhm"],
            "airmass": 1.0 / math.sin(math.radians(max(alt, 5.0))),
            "site": site.location_tuple(),
            "gain_e_adu": self.electrons_per_adu(),
            "read_noise_e": ch.read_noise_e if ch else 6.0,
            "dark_current_e_s": dark,
            "full_well_e": ch.full_well_e if ch else 90000.0,
            "bin_x": self.bin_x, "bin_y": self.bin_y,
            "start_x": self.start_x, "start_y": self.start_y,
            "num_x": self.num_x, "num_y": self.num_y,
            "defocus_steps": defocus,
            "seed": self.sim.seed,
            "aperture_m": self.obs.config.telescope.aperture_m,
        }
        if frame_type == "flat":
            args["flat_level_e"] = flat_level
        return frame_type, args

    def _submit(self, exp: Exposure) -> None:
        args = dict(exp.spec_args, exposure_s=exp.duration_s)
        transients = self.obs.transients

        def render() -> np.ndarray:
            from pyros.skymodel import FrameSpec, Transient, render_frame

            spec = FrameSpec(**args, transients=tuple(
                Transient(t.ra_deg, t.dec_deg, t.mag, t.t0, t.alpha) for t in transients))
            return render_frame(spec)

        exp.render = self._pool.submit(render)

    def electrons_per_adu(self) -> float:
        base = self.channel.gain_e_adu if self.channel else 1.5
        return base / self.gain_factors[self.gain_index]

    # -- exposure members -------------------------------------------------------------------
    def put_startexposure(self, p: Params) -> None:
        duration = p.finite("Duration")
        light = p.bool_("Light")
        ch = self.channel
        lo, hi = (ch.min_exposure_s, ch.max_exposure_s) if ch else (0.001, 3600.0)
        if not (lo <= duration <= hi or (duration == 0 and not light)):
            raise AlpacaError.invalid_value(
                f"Duration {duration} s outside {lo}..{hi} s (0 only for a bias, Light=false)")
        self._window_check()
        if self.state() in (CameraState.EXPOSING, CameraState.READING, CameraState.DOWNLOAD):
            raise AlpacaError.invalid_operation("an exposure is already in progress")
        if not self.obs.powered(self.relay):
            raise AlpacaError.invalid_operation(f"{self.relay} is off (PLC)")
        frame_type, args = self._frame_conditions(light, duration)
        pixels_read = self.num_x * self.num_y * self.bin_x * self.bin_y
        fraction = max(0.05, pixels_read / (self.width * self.height))
        readout = (ch.readout_time_s if ch else 1.0) * fraction
        exp = Exposure(args["obs_time"], duration, light, frame_type, readout, args)
        self._submit(exp)
        self._exposure = exp
        self._last = None  # ImageReady turns false when a new exposure starts
        self.frames_taken += 1

    def put_stopexposure(self, p: Params) -> None:
        exp = self._exposure
        now = self.now()
        if exp is None or self.state(now) is not CameraState.EXPOSING:
            return  # nothing to stop: not an error (ASCOM)
        exp.duration_s = max(0.0, (now - exp.start).total_seconds())
        if exp.render is not None:
            exp.render.cancel()
        self._submit(exp)

    def put_abortexposure(self, p: Params) -> None:
        exp = self._exposure
        if exp is not None and self.state() in (CameraState.EXPOSING, CameraState.READING,
                                                CameraState.DOWNLOAD):
            exp.aborted = True
            if exp.render is not None:
                exp.render.cancel()
            self._exposure = None

    def get_camerastate(self, p: Params) -> int:
        return int(self.state())

    def get_imageready(self, p: Params) -> bool:
        return self.image_ready()

    def get_percentcompleted(self, p: Params) -> int:
        now = self.now()
        state = self.state(now)
        exp = self._exposure
        if exp is None:
            return 100 if self.image_ready() else 0
        if state is CameraState.EXPOSING:
            done = (now - exp.start).total_seconds() / max(exp.duration_s, 1e-9)
        elif state is CameraState.READING:
            done = (now - exp.exposure_end).total_seconds() / max(exp.readout_s, 1e-9)
        else:
            done = 1.0
        return max(0, min(100, int(done * 100)))

    def _frame(self) -> Exposure:
        if self.state() is CameraState.ERROR and self._exposure and self._exposure.render:
            exc = self._exposure.render.exception()
            raise AlpacaError(ErrorCode.DRIVER_ERROR, f"frame rendering failed: {exc!r}")
        if not self.image_ready() or self._last is None:
            raise AlpacaError.invalid_operation("no image is ready (start an exposure first)")
        return self._last

    def get_imagearray(self, p: Params, accept: str) -> Later:
        exp = self._frame()
        assert exp.render is not None
        frame = exp.render.result()
        _, client_tid = p.transaction_ids()
        wants_bytes = "application/imagebytes" in accept.lower()

        def encode() -> Reply:
            if wants_bytes:
                return Reply(encode_image(frame, client_tid, next_server_tid()),
                             content_type="application/imagebytes")
            return Reply(json_image(frame, client_tid, next_server_tid()))

        return Later(encode)

    def get_imagearrayvariant(self, p: Params) -> Later:
        return self.get_imagearray(p, "")

    def frame(self) -> np.ndarray | None:
        """The last frame as numpy (rows, columns), for tests and the control API."""
        with self.lock:
            return self._last.render.result() if self.image_ready() and self._last \
                and self._last.render else None

    def _last_exposure(self) -> Exposure:
        self.state()
        if self._last is None:
            raise AlpacaError(ErrorCode.VALUE_NOT_SET, "no exposure has completed yet")
        return self._last

    def get_lastexposureduration(self, p: Params) -> float:
        return self._last_exposure().duration_s

    def get_lastexposurestarttime(self, p: Params) -> str:
        return fits_time(self._last_exposure().start)

    # -- geometry ---------------------------------------------------------------------------
    def get_cameraxsize(self, p: Params) -> int:
        return self.width

    def get_cameraysize(self, p: Params) -> int:
        return self.height

    def get_maxbinx(self, p: Params) -> int:
        return self.max_bin

    def get_maxbiny(self, p: Params) -> int:
        return self.max_bin

    def get_canasymmetricbin(self, p: Params) -> bool:
        return False

    def get_binx(self, p: Params) -> int:
        return self.bin_x

    def get_biny(self, p: Params) -> int:
        return self.bin_y

    def _set_bin(self, value: int) -> None:
        if not 1 <= value <= self.max_bin:
            raise AlpacaError.invalid_value(f"binning {value} outside 1..{self.max_bin}")
        self.bin_x = self.bin_y = value  # symmetric binning only

    def put_binx(self, p: Params) -> None:
        self._set_bin(p.int_("BinX"))

    def put_biny(self, p: Params) -> None:
        self._set_bin(p.int_("BinY"))

    def _set_window(self, attr: str, name: str, p: Params, minimum: int) -> None:
        value = p.int_(name)
        if value < minimum:
            raise AlpacaError.invalid_value(f"{name} {value} must be >= {minimum}")
        setattr(self, attr, value)

    def get_startx(self, p: Params) -> int:
        return self.start_x

    def put_startx(self, p: Params) -> None:
        self._set_window("start_x", "StartX", p, 0)

    def get_starty(self, p: Params) -> int:
        return self.start_y

    def put_starty(self, p: Params) -> None:
        self._set_window("start_y", "StartY", p, 0)

    def get_numx(self, p: Params) -> int:
        return self.num_x

    def put_numx(self, p: Params) -> None:
        self._set_window("num_x", "NumX", p, 1)

    def get_numy(self, p: Params) -> int:
        return self.num_y

    def put_numy(self, p: Params) -> None:
        self._set_window("num_y", "NumY", p, 1)

    def _pixel_size_um(self) -> float:
        scale = self.channel.pixel_scale_arcsec if self.channel else 1.0
        return scale * self.obs.config.telescope.focal_length_m * 1e6 / 206264.806

    def get_pixelsizex(self, p: Params) -> float:
        return round(self._pixel_size_um(), 3)

    def get_pixelsizey(self, p: Params) -> float:
        return round(self._pixel_size_um(), 3)

    def get_sensorname(self, p: Params) -> str:
        return f"simulated {self.channel.name if self.channel else ''} detector".replace("  ", " ")

    def get_sensortype(self, p: Params) -> int:
        return 0  # monochrome

    # -- electronics ------------------------------------------------------------------------
    def get_gains(self, p: Params) -> list[str]:
        base = self.channel.gain_e_adu if self.channel else 1.5
        return [f"x{f:g} ({base / f:.3g} e-/ADU)" for f in self.gain_factors]

    def get_gain(self, p: Params) -> int:
        return self.gain_index

    def put_gain(self, p: Params) -> None:
        value = p.int_("Gain")
        if not 0 <= value < len(self.gain_factors):
            raise AlpacaError.invalid_value(
                f"Gain {value} outside 0..{len(self.gain_factors) - 1} (index into Gains)")
        self.gain_index = value

    def get_electronsperadu(self, p: Params) -> float:
        return self.electrons_per_adu()

    def get_fullwellcapacity(self, p: Params) -> float:
        return self.channel.full_well_e if self.channel else 90000.0

    def get_maxadu(self, p: Params) -> int:
        return 65535

    def get_readoutmodes(self, p: Params) -> list[str]:
        return ["Normal"]

    def get_readoutmode(self, p: Params) -> int:
        return self.readout_mode

    def put_readoutmode(self, p: Params) -> None:
        if p.int_("ReadoutMode") != 0:
            raise AlpacaError.invalid_value("only readout mode 0 (Normal) exists")

    def get_canfastreadout(self, p: Params) -> bool:
        return False

    def get_exposuremin(self, p: Params) -> float:
        return self.channel.min_exposure_s if self.channel else 0.001

    def get_exposuremax(self, p: Params) -> float:
        return self.channel.max_exposure_s if self.channel else 3600.0

    def get_exposureresolution(self, p: Params) -> float:
        return 0.001

    def get_hasshutter(self, p: Params) -> bool:
        return True

    def get_canabortexposure(self, p: Params) -> bool:
        return True

    def get_canstopexposure(self, p: Params) -> bool:
        return True

    def get_canpulseguide(self, p: Params) -> bool:
        return False

    def get_ispulseguiding(self, p: Params) -> bool:
        return False

    # -- cooling ----------------------------------------------------------------------------
    def get_cansetccdtemperature(self, p: Params) -> bool:
        return True

    def get_cangetcoolerpower(self, p: Params) -> bool:
        return True

    def get_ccdtemperature(self, p: Params) -> float:
        return round(self.ccd_temperature(), 2)

    def get_heatsinktemperature(self, p: Params) -> float:
        return round(self._ambient() + (3.0 if self._cooling() else 0.5), 2)

    def get_setccdtemperature(self, p: Params) -> float:
        return self.setpoint_c

    def put_setccdtemperature(self, p: Params) -> None:
        value = p.finite("SetCCDTemperature")
        if not -100.0 <= value <= 30.0:
            raise AlpacaError.invalid_value(f"SetCCDTemperature {value} °C outside -100..30")
        self._reanchor()
        self.setpoint_c = value

    def get_cooleron(self, p: Params) -> bool:
        return self.cooler_on

    def put_cooleron(self, p: Params) -> None:
        on = p.bool_("CoolerOn")
        self._reanchor()
        self.cooler_on = on

    def get_coolerpower(self, p: Params) -> float:
        if not self._cooling():
            return 0.0
        now = self.now()
        ambient = self._ambient()
        holding = 100.0 * (ambient - self._temp_target()) / self.sim.cooler_max_delta_c
        pulling = 5.0 * (self.ccd_temperature(now) - self._temp_target())
        return round(max(0.0, min(100.0, holding + pulling)), 1)

    def status(self) -> dict[str, Any]:
        state = self.state()
        exp = self._exposure or self._last
        return {**super().status(), "state": state.name.lower(),
                "image_ready": self.image_ready(),
                "ccd_temperature_c": round(self.ccd_temperature(), 2),
                "cooler_on": self.cooler_on, "bin": self.bin_x,
                "frames_taken": self.frames_taken,
                "last_frame_type": exp.frame_type if exp else None,
                "last_filter": exp.spec_args["filter_name"] if exp else None}

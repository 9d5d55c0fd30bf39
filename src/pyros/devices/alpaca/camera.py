"""Alpaca camera driver: exposures, cooler, binning, readout modes, ImageBytes download."""

from __future__ import annotations

from typing import Any

from alpaca.camera import Camera as AlpycaCamera

from pyros.clock import parse_utc
from pyros.config.devices import DeviceConfig
from pyros.devices.alpaca.base import AlpacaDevice
from pyros.devices.enums import CameraState, FrameType, enum_value
from pyros.devices.errors import DeviceRejected, NotSupported
from pyros.devices.interfaces import Camera
from pyros.devices.models import Image

__all__ = ["AlpacaCamera"]


class AlpacaCamera(AlpacaDevice, Camera):
    """ASCOM Camera.

    Images come as ImageBytes when the device offers it (checked per download through
    the reply's content type), else as JSON; ``prefer_imagebytes=False`` forces JSON
    (used by the benchmark to compare the two).
    """

    api_class = AlpycaCamera

    def __init__(self, config: DeviceConfig):
        super().__init__(config)
        self.prefer_imagebytes = True

    def _start_exposure(self, duration_s: float, frame_type: FrameType) -> None:
        # ASCOM knows only shutter open (light, flat) or closed (dark, bias).
        self.api.StartExposure(duration_s, frame_type.shutter_open)

    def abort_exposure(self) -> None:
        self.api.AbortExposure()

    def stop_exposure(self) -> None:
        self.api.StopExposure()

    def state(self) -> CameraState:
        raw = self._transport_call(lambda t: t.get("camerastate"))
        return enum_value(CameraState, raw, CameraState.ERROR)  # type: ignore[return-value]

    def image_ready(self) -> bool:
        return bool(self.api.ImageReady)

    def percent_completed(self) -> int | None:
        try:
            return int(self.api.PercentCompleted)
        except (NotSupported, DeviceRejected):
            return None

    def download_image(self) -> Image:
        if not self.image_ready():
            raise DeviceRejected(self.name, "no image ready to download")
        header = self._exposure_facts()
        raw = self._transport_call(lambda t: t.get_image(self.prefer_imagebytes))
        return Image(data=raw.data, duration_s=header.pop("duration_s"),
                     frame_type=self._last_frame_type, start_time=header.pop("start_time"),
                     bin_x=header["bin_x"], bin_y=header["bin_y"],
                     start_x=header["start_x"], start_y=header["start_y"],
                     transport=raw.transport, header=header)

    def _exposure_facts(self) -> dict[str, Any]:
        api = self.api
        try:
            start = parse_utc(str(api.LastExposureStartTime))
        except (ValueError, NotSupported, DeviceRejected):
            start = None
        try:
            duration = float(api.LastExposureDuration)
        except (NotSupported, DeviceRejected):
            duration = self._last_duration_s
        return {"start_time": start, "duration_s": duration, "bin_x": int(api.BinX),
                "bin_y": int(api.BinY), "start_x": int(api.StartX), "start_y": int(api.StartY)}

    def sensor_size_px(self) -> tuple[int, int]:
        return int(self.api.CameraXSize), int(self.api.CameraYSize)

    def binning(self) -> tuple[int, int]:
        return int(self.api.BinX), int(self.api.BinY)

    def set_binning(self, bin_x: int, bin_y: int) -> None:
        if bin_x < 1 or bin_y < 1:
            raise ValueError(f"binning must be >= 1, got {bin_x}x{bin_y}")
        self.api.BinX = bin_x
        self.api.BinY = bin_y

    def set_subframe(self, start_x: int, start_y: int, num_x: int, num_y: int) -> None:
        if min(start_x, start_y) < 0 or min(num_x, num_y) < 1:
            raise ValueError(f"bad subframe {start_x},{start_y} {num_x}x{num_y}")
        api = self.api
        api.StartX, api.StartY, api.NumX, api.NumY = start_x, start_y, num_x, num_y

    def ccd_temperature_c(self) -> float:
        try:
            return float(self.api.CCDTemperature)
        except NotSupported:
            return float("nan")

    def cooler_on(self) -> bool:
        try:
            return bool(self.api.CoolerOn)
        except NotSupported:
            return False

    def set_cooler(self, on: bool, target_c: float | None = None) -> None:
        if target_c is not None:
            self.api.SetCCDTemperature = float(target_c)
        self.api.CoolerOn = bool(on)

    def readout_modes(self) -> list[str]:
        return [str(m) for m in self.api.ReadoutModes]

    def set_readout_mode(self, name: str) -> None:
        modes = self.readout_modes()
        if name not in modes:
            raise ValueError(f"{self.name}: no readout mode {name!r} (has {modes})")
        self.api.ReadoutMode = modes.index(name)

    def _status(self) -> dict[str, Any]:
        return {**super()._status(), "percent_completed": self.percent_completed()}

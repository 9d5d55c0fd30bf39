"""INDI CCD driver: the image arrives as a FITS BLOB pushed by the server."""

from __future__ import annotations

import io
import math
from typing import Any

from pyros.devices.enums import CameraState, FrameType
from pyros.devices.errors import DeviceRejected, DeviceUnavailable, NotSupported
from pyros.devices.indi.base import IndiDevice
from pyros.devices.interfaces import Camera
from pyros.devices.models import Image

__all__ = ["IndiCamera"]

_FRAME_TYPES = {FrameType.LIGHT: "FRAME_LIGHT", FrameType.DARK: "FRAME_DARK",
                FrameType.BIAS: "FRAME_BIAS", FrameType.FLAT: "FRAME_FLAT"}


class IndiCamera(IndiDevice, Camera):
    """INDI CCD (primary chip: CCD_EXPOSURE, CCD_FRAME, CCD_BINNING, BLOB ``CCD1``).

    INDI's CCD_FRAME is in unbinned pixels; PyROS subframes are binned (as ASCOM), so
    they are converted here.  INDI has no "stop and read out": ``stop_exposure`` raises
    NotSupported.  No readout modes are standard in INDI: the list is empty.
    """

    ready_vector = "CCD_EXPOSURE"
    blob_vector = "CCD1"

    def __init__(self, config, site=None):  # type: ignore[no-untyped-def]
        super().__init__(config, site)
        self._serial_at_start = 0
        self._exposure_started = False

    def _on_connected(self) -> None:
        self._conn.enable_blobs(self.device, self.blob_vector, self.config.timeout_s)
        if self._has("UPLOAD_MODE") and not self._vec("UPLOAD_MODE").on("UPLOAD_CLIENT"):
            self._switch("UPLOAD_MODE", "UPLOAD_CLIENT")
        if self._has("CCD_TRANSFER_FORMAT") and not self._vec("CCD_TRANSFER_FORMAT").on(
                "FORMAT_FITS"):
            self._switch("CCD_TRANSFER_FORMAT", "FORMAT_FITS")

    def _start_exposure(self, duration_s: float, frame_type: FrameType) -> None:
        if self._has("CCD_FRAME_TYPE"):
            self._switch("CCD_FRAME_TYPE", _FRAME_TYPES[frame_type])
        limits = self._vec("CCD_EXPOSURE").limits.get("CCD_EXPOSURE_VALUE")
        if limits and duration_s < limits[0]:
            duration_s = limits[0]  # a bias: the shortest exposure the camera allows
        self._serial_at_start = self._conn.blob_serial(self.device, self.blob_vector)
        self._exposure_started = True
        self._send("CCD_EXPOSURE", {"CCD_EXPOSURE_VALUE": duration_s})

    def abort_exposure(self) -> None:
        self._set("CCD_ABORT_EXPOSURE", {"ABORT": "On"})
        self._exposure_started = False

    def stop_exposure(self) -> None:
        raise NotSupported(self.name, "INDI cameras cannot stop an exposure early")

    def state(self) -> CameraState:
        exposure = self._vec("CCD_EXPOSURE")
        if exposure.state == "Alert":
            return CameraState.ERROR
        if exposure.busy:
            left = exposure.number("CCD_EXPOSURE_VALUE")
            return CameraState.EXPOSING if left > 0 else CameraState.READING
        if self._exposure_started and not self.image_ready():
            return CameraState.DOWNLOAD
        return CameraState.IDLE

    def image_ready(self) -> bool:
        return (self._exposure_started
                and self._conn.blob_serial(self.device, self.blob_vector) > self._serial_at_start)

    def download_image(self) -> Image:
        from astropy.io import fits  # heavy: only when an image is read

        if not self.image_ready():
            raise DeviceRejected(self.name, "no image ready to download")
        _serial, blob, fmt = self._conn.latest_blob(self.device, self.blob_vector)
        if "fits" not in fmt.lower():
            raise NotSupported(self.name, f"image format {fmt!r} (only FITS is supported)")
        try:
            with fits.open(io.BytesIO(blob), memmap=False) as hdul:
                data = hdul[0].data
                header: dict[str, Any] = {k: v for k, v in hdul[0].header.items()
                                          if k not in ("COMMENT", "HISTORY", "")}
        except (OSError, ValueError, TypeError) as exc:
            raise DeviceUnavailable(self.name, f"unreadable FITS image ({exc})") from None
        if data is None:
            raise DeviceUnavailable(self.name, "FITS image without pixels")
        bx, by = self.binning()
        return Image(data=data, duration_s=float(header.get("EXPTIME", self._last_duration_s)),
                     frame_type=self._last_frame_type, bin_x=bx, bin_y=by,
                     transport="indi-fits", header=header)

    def sensor_size_px(self) -> tuple[int, int]:
        info = self._vec("CCD_INFO")
        return int(info.number("CCD_MAX_X")), int(info.number("CCD_MAX_Y"))

    def binning(self) -> tuple[int, int]:
        binning = self._vec("CCD_BINNING")
        return int(binning.number("HOR_BIN")), int(binning.number("VER_BIN"))

    def set_binning(self, bin_x: int, bin_y: int) -> None:
        if bin_x < 1 or bin_y < 1:
            raise ValueError(f"binning must be >= 1, got {bin_x}x{bin_y}")
        self._set("CCD_BINNING", {"HOR_BIN": bin_x, "VER_BIN": bin_y})

    def set_subframe(self, start_x: int, start_y: int, num_x: int, num_y: int) -> None:
        if min(start_x, start_y) < 0 or min(num_x, num_y) < 1:
            raise ValueError(f"bad subframe {start_x},{start_y} {num_x}x{num_y}")
        bx, by = self.binning()
        self._set("CCD_FRAME", {"X": start_x * bx, "Y": start_y * by,
                                "WIDTH": num_x * bx, "HEIGHT": num_y * by})

    def ccd_temperature_c(self) -> float:
        if not self._has("CCD_TEMPERATURE"):
            return math.nan
        return self._vec("CCD_TEMPERATURE").number("CCD_TEMPERATURE_VALUE")

    def cooler_on(self) -> bool:
        return self._has("CCD_COOLER") and self._vec("CCD_COOLER").on("COOLER_ON")

    def set_cooler(self, on: bool, target_c: float | None = None) -> None:
        if self._has("CCD_COOLER"):
            self._send("CCD_COOLER", {"COOLER_ON" if on else "COOLER_OFF": "On"})
        elif on:
            raise NotSupported(self.name, "no cooler (CCD_COOLER)")
        if target_c is not None:
            if not self._has("CCD_TEMPERATURE"):
                raise NotSupported(self.name, "no temperature control (CCD_TEMPERATURE)")
            # The vector stays Busy until the target is reached: do not wait for it.
            self._send("CCD_TEMPERATURE", {"CCD_TEMPERATURE_VALUE": float(target_c)})

    def readout_modes(self) -> list[str]:
        return []

    def set_readout_mode(self, name: str) -> None:
        raise ValueError(f"{self.name}: no readout mode {name!r} (INDI has none standard)")

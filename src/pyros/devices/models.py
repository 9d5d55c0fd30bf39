"""Plain data returned by device drivers (JSON-able through ``to_dict``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from pyros.devices.enums import FrameType

__all__ = ["WEATHER_SENSORS", "Image", "SkyPosition", "SwitchInfo", "WeatherSnapshot"]

#: ASCOM ObservingConditions sensors (lower-case property names) and their units.
WEATHER_SENSORS: dict[str, str] = {
    "cloudcover": "%",
    "dewpoint": "degC",
    "humidity": "%",
    "pressure": "hPa",
    "rainrate": "mm/h",
    "skybrightness": "lux",
    "skyquality": "mag/arcsec2",
    "skytemperature": "degC",
    "starfwhm": "arcsec",
    "temperature": "degC",
    "winddirection": "deg",
    "windgust": "m/s",
    "windspeed": "m/s",
}


@dataclass(frozen=True, slots=True)
class SkyPosition:
    """Where the mount points, all in degrees (RA in degrees, not hours)."""

    ra_deg: float
    dec_deg: float
    alt_deg: float
    az_deg: float

    def to_dict(self) -> dict[str, float]:
        return {"ra_deg": self.ra_deg, "dec_deg": self.dec_deg,
                "alt_deg": self.alt_deg, "az_deg": self.az_deg}


@dataclass(frozen=True, slots=True)
class WeatherSnapshot:
    """All weather sensors read at ``read_at``.

    ``values[name]`` is the reading in the unit of :data:`WEATHER_SENSORS`, or ``None``
    when there is no valid reading: the sensor is absent (listed in ``absent``) or it
    reported NaN (listed in ``invalid``).  ``updated_at`` is when the station last
    refreshed its data (None if it does not say); safety treats old data as unsafe.
    """

    read_at: datetime
    updated_at: datetime | None
    values: Mapping[str, float | None]
    absent: frozenset[str] = frozenset()
    invalid: frozenset[str] = frozenset()

    def value(self, sensor: str) -> float | None:
        return self.values.get(sensor)

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the station's last update, seen at ``now``."""
        return None if self.updated_at is None else (now - self.updated_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        return {
            "read_at": self.read_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "values": dict(self.values),
            "absent": sorted(self.absent),
            "invalid": sorted(self.invalid),
        }

    @staticmethod
    def clean(raw: float | None) -> float | None:
        """None for a missing or NaN reading, else the float."""
        if raw is None:
            return None
        value = float(raw)
        return None if math.isnan(value) else value


@dataclass(frozen=True, slots=True)
class SwitchInfo:
    """One switch (or PLC channel) as the device describes it."""

    index: int
    name: str
    description: str
    can_write: bool
    min_value: float
    max_value: float
    step: float
    value: float

    @property
    def is_boolean(self) -> bool:
        return self.min_value == 0 and self.max_value == 1 and self.step == 1

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "description": self.description,
                "can_write": self.can_write, "min": self.min_value, "max": self.max_value,
                "step": self.step, "value": self.value}


@dataclass(frozen=True, slots=True, eq=False)
class Image:
    """A downloaded frame.

    ``data`` is a 2-D numpy array indexed ``[y, x]`` (rows first, as numpy and FITS
    expect); ASCOM's x-major order has already been transposed.  ``start_time`` is when
    the exposure started as the camera reports it (None if it does not);
    ``transport`` says how it travelled: ``imagebytes``, ``json`` or ``indi-fits``.
    """

    data: np.ndarray
    duration_s: float
    frame_type: FrameType
    start_time: datetime | None = None
    bin_x: int = 1
    bin_y: int = 1
    start_x: int = 0
    start_y: int = 0
    transport: str = ""
    header: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    def describe(self) -> dict[str, Any]:
        """Metadata only (no pixels), for logs and status."""
        return {"shape": list(self.data.shape), "dtype": str(self.data.dtype),
                "duration_s": self.duration_s, "frame_type": self.frame_type.value,
                "start_time": self.start_time.isoformat() if self.start_time else None,
                "bin": [self.bin_x, self.bin_y], "start": [self.start_x, self.start_y],
                "transport": self.transport}

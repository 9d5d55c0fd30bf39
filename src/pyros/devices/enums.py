"""ASCOM states as enums (values are the ASCOM integers, so they map one to one)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "AlignmentMode",
    "CameraState",
    "DriveRate",
    "FrameType",
    "PierSide",
    "SensorType",
    "ShutterState",
]


class CameraState(IntEnum):
    IDLE = 0
    WAITING = 1
    EXPOSING = 2
    READING = 3
    DOWNLOAD = 4
    ERROR = 5


class ShutterState(IntEnum):
    OPEN = 0
    CLOSED = 1
    OPENING = 2
    CLOSING = 3
    ERROR = 4


class PierSide(IntEnum):
    UNKNOWN = -1
    EAST = 0
    WEST = 1


class AlignmentMode(IntEnum):
    ALTAZ = 0
    POLAR = 1
    GERMAN_POLAR = 2


class DriveRate(IntEnum):
    SIDEREAL = 0
    LUNAR = 1
    SOLAR = 2
    KING = 3


class SensorType(IntEnum):
    MONOCHROME = 0
    COLOR = 1
    RGGB = 2
    CMYG = 3
    CMYG2 = 4
    LRGB = 5


class FrameType(StrEnum):
    """What an exposure is for.  ASCOM only knows light (shutter open) or not: a bias is a
    dark of the shortest exposure, a flat is a light frame; the type goes to the FITS
    header (IMAGETYP)."""

    LIGHT = "light"
    DARK = "dark"
    BIAS = "bias"
    FLAT = "flat"

    @property
    def shutter_open(self) -> bool:
        return self in (FrameType.LIGHT, FrameType.FLAT)


def enum_value(enum: type[IntEnum], raw: object, default: IntEnum) -> IntEnum:
    """``enum(raw)``, or ``default`` when the device sent a value outside the enum."""
    try:
        return enum(int(raw))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default

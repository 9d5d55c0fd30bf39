"""Nightly calibration frames: bias, darks and flats (twilight sky or dome).

Which flats: twilight sky flats when the Sun is between ``SKY_FLAT_SUN_DEG`` (the sky is
bright enough to beat the stars, faint enough not to saturate) and the weather is safe;
otherwise dome flats with the PLC's flat lamp and the shutter closed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Sun altitude range (deg) in which twilight sky flats are taken.
SKY_FLAT_SUN_DEG = (-10.0, -3.0)


@dataclass(frozen=True)
class CalibrationPlan:
    """How many frames of each kind, per channel (filters from the channel config)."""

    bias: int = 5
    darks: int = 5
    dark_exposure_s: float = 60.0
    flats_per_filter: int = 5
    flat_target_fraction: float = 0.35      # of full well
    flat_lamp_percent: float = 50.0


def flat_source(sun_alt_deg: float, weather_safe: bool) -> str:
    """"sky" for twilight flats, else "dome"."""
    lo, hi = SKY_FLAT_SUN_DEG
    return "sky" if weather_safe and lo <= sun_alt_deg <= hi else "dome"


def flat_exposure_s(measured_e: float, measured_exposure_s: float, target_e: float,
                    min_s: float, max_s: float) -> float:
    """Exposure that brings a test flat's level ``measured_e`` to ``target_e``."""
    if measured_e <= 0 or measured_exposure_s <= 0:
        return max_s
    return float(min(max_s, max(min_s, measured_exposure_s * target_e / measured_e)))

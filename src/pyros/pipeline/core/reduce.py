"""Instrumental signature removal of a science frame, with ccdproc.

electrons = gain × (raw − bias − dark₁ₛ × t_exp) / flat

Each step is applied only if its master is available; the steps done (and skipped) are
returned so the result says exactly what happened to the frame.  Pixels at or above the
raw saturation level are masked (their photometry is meaningless after any correction).
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.nddata import CCDData

from pyros.pipeline.core.io import RawFrame
from pyros.pipeline.core.masters import MasterFrame

__all__ = ["MasterSet", "Reduced", "reduce_frame", "saturation_level_adu"]

#: Raw values at or above this are saturated when the full well is unknown (16-bit ADC).
SATURATION_ADU = 65000.0
#: Fraction of the full well up to which a pixel is trusted to be linear.
LINEAR_FRACTION = 0.95


def saturation_level_adu(gain_e_adu: float, full_well_e: float | None,
                         bias_adu: float) -> float:
    """Raw level [ADU] above which a pixel is saturated (or non-linear)."""
    if full_well_e is None:
        return SATURATION_ADU
    return min(SATURATION_ADU, bias_adu + LINEAR_FRACTION * full_well_e / gain_e_adu)


@dataclass(frozen=True)
class MasterSet:
    """The masters chosen for one frame (any may be missing)."""

    bias: MasterFrame | None = None
    dark: MasterFrame | None = None
    flat: MasterFrame | None = None


@dataclass(frozen=True)
class Reduced:
    """A reduced frame: float32 electrons (y, x), the saturation mask, what was done."""

    data_e: np.ndarray
    mask: np.ndarray
    steps: tuple[str, ...]
    skipped: tuple[str, ...]
    gain_e_adu: float


def _fits(master: MasterFrame | None, shape: tuple[int, int]) -> bool:
    if master is None:
        return False
    if master.shape != shape:
        raise ValueError(f"master {master.kind} {master.shape} does not fit the frame {shape}")
    return True


def reduce_frame(raw: RawFrame, masters: MasterSet, full_well_e: float | None = None
                 ) -> Reduced:
    """Subtract bias and exposure-scaled dark, divide by the flat, convert to electrons.

    ``full_well_e`` (the camera's) sets the saturation mask; unknown, 65000 ADU is used.

    Raises ``ValueError`` when a master does not have the frame's shape.
    """
    import ccdproc

    shape = raw.data.shape
    bias_adu = float(masters.bias.stats.get("level_adu", np.median(masters.bias.data))) \
        if masters.bias is not None else 0.0
    mask = raw.data >= saturation_level_adu(raw.gain_e_adu, full_well_e, bias_adu)
    ccd = CCDData(raw.data, unit="adu", mask=mask)
    steps: list[str] = []
    skipped: list[str] = []
    if _fits(masters.bias, shape):
        ccd = ccdproc.subtract_bias(ccd, CCDData(masters.bias.data, unit="adu"))
        steps.append("bias")
    else:
        skipped.append("bias")
    if _fits(masters.dark, shape) and raw.exposure_s > 0:
        dark = CCDData(masters.dark.data, unit="adu")
        ccd = ccdproc.subtract_dark(ccd, dark, dark_exposure=1.0 * u.s,
                                    data_exposure=raw.exposure_s * u.s, scale=True)
        steps.append("dark")
    else:
        skipped.append("dark")
    if _fits(masters.flat, shape):
        flat = CCDData(masters.flat.data, unit=u.dimensionless_unscaled)
        # The master is normalised to median 1: norm_value=1 keeps the sky level.
        ccd = ccdproc.flat_correct(ccd, flat, norm_value=1.0, min_value=0.05)
        steps.append("flat")
    else:
        skipped.append("flat")
    gain = raw.gain_e_adu
    ccd = ccdproc.gain_correct(ccd, gain * u.electron / u.adu)
    steps.append("gain")
    data = np.asarray(ccd.data, dtype=np.float32)
    return Reduced(data_e=data, mask=mask, steps=tuple(steps), skipped=tuple(skipped),
                   gain_e_adu=gain)

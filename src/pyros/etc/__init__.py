"""Exposure time calculator (PURE): S/N, exposure time and limiting magnitude of a point
source from the CCD equation with an optimal aperture.  See docs/etc.md.

Photometric zero points, PSF and sky brightness are shared with :mod:`pyros.skymodel`, so
the ETC predicts what the simulated camera records.
"""

from pyros.etc.calculator import (
    Conditions,
    EtcResult,
    Instrument,
    exptime_for_snr,
    limiting_magnitude,
    snr_for_exptime,
)
from pyros.etc.ccd import ccd_snr

__all__ = [
    "Conditions",
    "EtcResult",
    "Instrument",
    "ccd_snr",
    "exptime_for_snr",
    "limiting_magnitude",
    "snr_for_exptime",
]

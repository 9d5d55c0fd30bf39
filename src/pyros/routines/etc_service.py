"""The exposure time calculator as the request form and the API use it: the observatory's
telescope and channel (from the configuration) around :mod:`pyros.etc`.

Two modes: ``snr`` (the S/N reached in ``exposure_s``) and ``exposure`` (the exposure
needed for ``snr``).  The channel is the one whose filter wheel holds the filter.  The
answer says whether the exposure fits the channel's bounds and how to split it if not.
"""

from __future__ import annotations

import math
from typing import Any

from pyros.config import load_config
from pyros.etc import Conditions, exptime_for_snr, snr_for_exptime
from pyros.etc.config import channel_for_filter, instrument_from_config

MODES = ("snr", "exposure")


def run_etc(mode: str, mag: float, filter_name: str, *, exposure_s: float | None = None,
            snr: float | None = None, seeing_arcsec: float = 1.2, airmass: float = 1.2,
            moon_illumination: float | None = None, config=None) -> dict[str, Any]:
    """One ETC answer as plain data; ``ValueError`` with a readable message on bad input."""
    config = config or load_config()
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    try:
        channel = channel_for_filter(config, filter_name)
    except KeyError as exc:
        raise ValueError(str(exc.args[0])) from None
    inst = instrument_from_config(config, channel=channel.name)
    cond = Conditions(seeing_arcsec=seeing_arcsec, airmass=airmass,
                      moon_illumination=moon_illumination)
    if mode == "snr":
        if exposure_s is None or exposure_s <= 0:
            raise ValueError("exposure_s must be positive")
        result = snr_for_exptime(mag, filter_name, exposure_s, inst, cond)
    else:
        if snr is None or snr <= 0:
            raise ValueError("snr must be positive")
        result = exptime_for_snr(mag, filter_name, snr, inst, cond)
    out: dict[str, Any] = {"mode": mode, "channel": channel.name, **result.to_dict()}
    t = result.exptime_s
    out["reachable"] = math.isfinite(t)
    out["within_bounds"] = bool(math.isfinite(t)
                                and channel.min_exposure_s <= t <= channel.max_exposure_s)
    out["max_exposure_s"] = channel.max_exposure_s
    if math.isfinite(t) and t > channel.max_exposure_s:
        n = math.ceil(t / channel.max_exposure_s)
        out["advice"] = (f"longer than the {channel.name} maximum of "
                         f"{channel.max_exposure_s:g} s: take about {n} exposures of "
                         f"{channel.max_exposure_s:g} s (S/N adds in quadrature)")
    elif result.saturated:
        out["advice"] = "the source saturates: use shorter exposures"
    else:
        out["advice"] = ""
    if not math.isfinite(t):
        out["exptime_s"] = None
        out["advice"] = "this S/N cannot be reached on this source"
    return out

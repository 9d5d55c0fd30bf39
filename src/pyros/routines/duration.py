"""How long a sequence keeps the telescope (pure: plain data in, seconds out).

duration = slew overhead + the longest album, because the channels (VIS, NIR) expose in
parallel behind one pointing.  One album lasts, plan after plan,

    count × (exposure + readout [+ dither move])  +  one filter change per change of filter

The first filter is set during the slew, so it costs nothing.  Readout comes from the
channel (``readout_time_s``); slew from ``telescope.slew_overhead_s``.  The configuration
has no filter-change or dither-move time yet, so the defaults below apply unless the
channel config grows ``filter_change_s`` / ``dither_move_s`` attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_DITHER_MOVE_S", "DEFAULT_FILTER_CHANGE_S", "ChannelTiming", "PlanTiming",
           "album_duration_s", "sequence_duration_s", "timings_from_config"]

#: Typical filter wheel move (s) between adjacent positions plus settling.
DEFAULT_FILTER_CHANGE_S = 8.0
#: Small telescope offset (s) between dithered exposures.
DEFAULT_DITHER_MOVE_S = 4.0


@dataclass(frozen=True)
class ChannelTiming:
    readout_time_s: float
    filter_change_s: float = DEFAULT_FILTER_CHANGE_S
    dither_move_s: float = DEFAULT_DITHER_MOVE_S


@dataclass(frozen=True)
class PlanTiming:
    filter_name: str
    exposure_s: float
    count: int
    dither_arcsec: float = 0.0


def album_duration_s(plans: Iterable[PlanTiming], channel: ChannelTiming) -> float:
    """Seconds one channel needs for its plans, in order."""
    total, previous = 0.0, None
    for p in plans:
        if previous is not None and p.filter_name != previous:
            total += channel.filter_change_s
        per_exposure = p.exposure_s + channel.readout_time_s
        if p.dither_arcsec > 0:
            per_exposure += channel.dither_move_s
        total += p.count * per_exposure
        previous = p.filter_name
    return total


def sequence_duration_s(albums: Mapping[str, Iterable[PlanTiming]],
                        channels: Mapping[str, ChannelTiming], slew_overhead_s: float) -> float:
    """Seconds a sequence needs: slew plus its longest album (``KeyError`` for an unknown
    channel name)."""
    longest = max((album_duration_s(plans, channels[name]) for name, plans in albums.items()),
                  default=0.0)
    return slew_overhead_s + longest


def timings_from_config(config) -> dict[str, ChannelTiming]:
    """Channel timings from an ``ObservatoryConfig`` (by channel name)."""
    return {ch.name: ChannelTiming(
        readout_time_s=ch.readout_time_s,
        filter_change_s=getattr(ch, "filter_change_s", DEFAULT_FILTER_CHANGE_S),
        dither_move_s=getattr(ch, "dither_move_s", DEFAULT_DITHER_MOVE_S))
        for ch in config.channels}

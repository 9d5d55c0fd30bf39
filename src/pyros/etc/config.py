"""ETC defaults from the observatory configuration (telescope aperture, channel detector)."""

from __future__ import annotations

from pyros.config import ChannelConfig, ObservatoryConfig
from pyros.etc.calculator import Conditions, Instrument, sky_fill_exptime

__all__ = ["channel_for_filter", "instrument_from_config", "sky_fill_s"]


def channel_for_filter(config: ObservatoryConfig, filter_name: str) -> ChannelConfig:
    """The channel whose filter wheel holds ``filter_name`` (``KeyError`` if none does)."""
    for ch in config.channels:
        if filter_name in ch.filters:
            return ch
    for ch in config.channels:  # tolerate case differences (R vs r)
        if filter_name.lower() in (f.lower() for f in ch.filters):
            return ch
    known = sorted({f for ch in config.channels for f in ch.filters})
    raise KeyError(f"no channel has filter {filter_name!r}; configured filters: {known}")


def instrument_from_config(
    config: ObservatoryConfig,
    channel: str | None = None,
    filter_name: str | None = None,
    binning: int = 1,
) -> Instrument:
    """An :class:`Instrument` for a channel (by name, or the one holding ``filter_name``)."""
    if channel is not None:
        ch = config.channel(channel)
    elif filter_name is not None:
        ch = channel_for_filter(config, filter_name)
    else:
        ch = config.channels[0]
    return Instrument(
        aperture_m=config.telescope.aperture_m,
        pixel_scale_arcsec=ch.pixel_scale_arcsec,
        gain_e_adu=ch.gain_e_adu,
        read_noise_e=ch.read_noise_e,
        dark_current_e_s=ch.dark_current_e_s,
        full_well_e=ch.full_well_e,
        binning=binning,
    )


def sky_fill_s(config: ObservatoryConfig, channel: str, filter_name: str, airmass: float,
               fill: float = 1.0) -> float | None:
    """Seconds until the dark sky (plus dark current) alone fills ``fill`` of a pixel of
    ``channel`` at ``airmass``; None for a band the ETC does not model."""
    try:
        return sky_fill_exptime(filter_name, instrument_from_config(config, channel=channel),
                                Conditions(airmass=max(1.0, airmass)), fill=fill)
    except (KeyError, ValueError):
        return None

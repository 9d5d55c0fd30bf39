"""The observatory configuration: site, devices, instruments, safety rules.

Loaded from YAML and validated strictly (unknown keys are errors) so that a typo in a
threshold is caught at start, not at 3 a.m.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from pyros.config.alerts import AlertsSettings
from pyros.config.devices import DeviceConfig, DeviceKind, Strict
from pyros.config.simulator import SimulatorConfig

__all__ = [
    "ChannelConfig",
    "ObservatoryConfig",
    "SafetyConfig",
    "SensorRule",
    "SiteConfig",
    "TelescopeConfig",
]


class SiteConfig(Strict):
    name: str
    latitude_deg: Annotated[float, Field(ge=-90, le=90)]
    longitude_deg: Annotated[float, Field(ge=-180, le=180)]
    elevation_m: Annotated[float, Field(ge=-500, le=9000)]
    #: Sun altitude (deg) that starts and ends the night: -12 nautical, -18 astronomical.
    twilight_deg: Annotated[float, Field(ge=-18, le=0)] = -12.0
    #: No execution this close (s) to night start or end.
    execution_margin_s: Annotated[float, Field(ge=0, le=3600)] = 120.0
    horizon_deg: Annotated[float, Field(ge=0, le=60)] = 20.0

    def location_tuple(self) -> tuple[float, float, float]:
        return (self.latitude_deg, self.longitude_deg, self.elevation_m)


class TelescopeConfig(Strict):
    name: str = "PyROS demo telescope"
    aperture_m: Annotated[float, Field(gt=0, le=50)] = 1.3
    focal_length_m: Annotated[float, Field(gt=0)] = 8.6
    mount: str = "alt-az"
    #: Mean overhead (s) between two sequences: slew + dome + settle.
    slew_overhead_s: Annotated[float, Field(ge=0)] = 20.0
    #: Highest airmass the mount may point at.
    max_airmass: Annotated[float, Field(ge=1)] = 3.0


class ChannelConfig(Strict):
    """One instrument channel (VIS or NIR): a camera behind a filter wheel."""

    name: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
    camera: str
    filterwheel: str | None = None
    filters: list[str]
    width_px: Annotated[int, Field(gt=0, le=20000)]
    height_px: Annotated[int, Field(gt=0, le=20000)]
    pixel_scale_arcsec: Annotated[float, Field(gt=0)]
    gain_e_adu: Annotated[float, Field(gt=0)] = 1.5
    read_noise_e: Annotated[float, Field(ge=0)] = 8.0
    dark_current_e_s: Annotated[float, Field(ge=0)] = 0.01
    full_well_e: Annotated[float, Field(gt=0)] = 100000.0
    readout_time_s: Annotated[float, Field(ge=0)] = 2.0
    min_exposure_s: Annotated[float, Field(ge=0)] = 0.001
    max_exposure_s: Annotated[float, Field(gt=0)] = 3600.0
    #: Focuser offset (steps) per filter, relative to the best focus in the first filter.
    focus_offsets: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> ChannelConfig:
        if not self.filters:
            raise ValueError("a channel needs at least one filter")
        if len(set(self.filters)) != len(self.filters):
            raise ValueError("filter names must be unique")
        unknown = set(self.focus_offsets) - set(self.filters)
        if unknown:
            raise ValueError(f"focus_offsets for unknown filters: {sorted(unknown)}")
        if self.min_exposure_s >= self.max_exposure_s:
            raise ValueError("min_exposure_s must be below max_exposure_s")
        return self


class SensorRule(Strict):
    """A weather sensor's safe range and hysteresis.

    The sensor turns bad once it has been out of range for ``bad_after_s`` (0 = at once)
    and good again only after ``good_after_s`` back in range.
    """

    min: float | None = None
    max: float | None = None
    bad_after_s: Annotated[float, Field(ge=0)] = 0.0
    good_after_s: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _range(self) -> SensorRule:
        if self.min is None and self.max is None:
            raise ValueError("a sensor rule needs min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max")
        return self


class SafetyConfig(Strict):
    #: Weather older than this (s) is unsafe.
    weather_max_age_s: Annotated[float, Field(gt=0)] = 120.0
    #: Poll period (s) of safety-critical devices (weather, safety monitor, PLC).
    critical_poll_s: Annotated[float, Field(gt=0)] = 1.0
    #: Rules keyed by ASCOM ObservingConditions property (lower case).
    sensors: dict[str, SensorRule] = Field(default_factory=dict)


class ObservatoryConfig(Strict):
    site: SiteConfig
    telescope: TelescopeConfig = TelescopeConfig()
    devices: list[DeviceConfig]
    channels: list[ChannelConfig]
    safety: SafetyConfig = SafetyConfig()
    simulator: SimulatorConfig = SimulatorConfig()
    #: The Alert Manager's listeners, matching and outbound channels (``PYROS_ALERTS_CONFIG``
    #: replaces it; environment variables override it: :mod:`pyros.config.alerts`).
    alerts: AlertsSettings = AlertsSettings()

    @model_validator(mode="after")
    def _cross_check(self) -> ObservatoryConfig:
        names = [d.name for d in self.devices]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"device names must be unique: {sorted(dupes)}")
        by_name = {d.name: d for d in self.devices}
        for ch in self.channels:
            cam = by_name.get(ch.camera)
            if cam is None or cam.kind is not DeviceKind.CAMERA:
                raise ValueError(f"channel {ch.name}: camera {ch.camera!r} is not a camera device")
            if ch.filterwheel is not None:
                fw = by_name.get(ch.filterwheel)
                if fw is None or fw.kind is not DeviceKind.FILTERWHEEL:
                    raise ValueError(
                        f"channel {ch.name}: filterwheel {ch.filterwheel!r} is not a filter wheel"
                    )
        field_channel = self.alerts.matching.field_channel
        if field_channel not in {c.name for c in self.channels}:
            raise ValueError(f"alerts.matching.field_channel {field_channel!r} is not a "
                             f"channel: {[c.name for c in self.channels]}")
        for needed in (DeviceKind.TELESCOPE,):
            if not any(d.kind is needed for d in self.devices):
                raise ValueError(f"the observatory needs a {needed.value} device")
        return self

    def device(self, name: str) -> DeviceConfig:
        for d in self.devices:
            if d.name == name:
                return d
        raise KeyError(name)

    def devices_of(self, kind: DeviceKind) -> list[DeviceConfig]:
        return [d for d in self.devices if d.kind is kind]

    def channel(self, name: str) -> ChannelConfig:
        for c in self.channels:
            if c.name == name:
                return c
        raise KeyError(name)

"""Strategy rules: what to observe for an alert, by its age and error circle.  Pure.

A :class:`StrategyRules` is the validated content of a ``Strategy`` row (stored as JSON so
an administrator can edit it).  :data:`COLIBRI_RULES` reproduces what the operating COLIBRI
software does (domain notes): t <= 180 s and sigma <= 13' -> 10 s exposures; t <= 480 s
and sigma <= 13' -> 30 s dithered; sigma <= 13' -> 60 s dithered; larger -> 60 s on a 2x2
mosaic; 16 exposures shared between a filter pair; refused beyond 45' or closer than 5 deg
to the Moon; expiry 48 h (1 h if preliminary).

Priorities are on PyROS's scale (higher is more important; users' requests use 1-10).
COLIBRI's "lower is served first" numbers map as ``20 - colibri``: coincidence 2 -> 18,
SVOM 5 -> 15, Fermi-LAT / Einstein Probe / IceCube 6 -> 14, short GRBs 7 -> 13, Swift
8 -> 12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "COINCIDENCE",
    "COLIBRI_RULES",
    "DEFAULT_PRIORITY",
    "ChannelRule",
    "Epoch",
    "Limits",
    "PlannedExposures",
    "RecipeStep",
    "StrategyRules",
    "mosaic_offsets_deg",
]

#: Key of :attr:`StrategyRules.priorities` used when two or more missions saw the event.
COINCIDENCE = "coincidence"
#: Key used for a mission not listed.
DEFAULT_PRIORITY = "default"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecipeStep(_Strict):
    """One row of the recipe: applies while age <= ``max_age_s`` and error <= ``max_error_arcmin``.

    ``None`` means no bound.  Rows are tried in order; the first that fits wins.
    """

    max_age_s: Annotated[float, Field(gt=0)] | None = None
    max_error_arcmin: Annotated[float, Field(gt=0)] | None = None
    exposure_s: Annotated[float, Field(gt=0, le=3600)]
    #: Dither step between exposures [arcsec]; 0 = no dithering.
    dither_arcsec: Annotated[float, Field(ge=0, le=600)] = 0.0
    #: Mosaic of ``mosaic`` x ``mosaic`` pointings (1 = a single pointing).
    mosaic: Annotated[int, Field(ge=1, le=5)] = 1

    def applies(self, age_s: float, error_arcmin: float) -> bool:
        return ((self.max_age_s is None or age_s <= self.max_age_s)
                and (self.max_error_arcmin is None or error_arcmin <= self.max_error_arcmin))


class ChannelRule(_Strict):
    """What one instrument channel does at each epoch."""

    filters: Annotated[tuple[str, ...], Field(min_length=1)]
    #: Exposures per epoch and pointing, shared between the filters (16 over r/z: 8 each).
    exposures: Annotated[int, Field(ge=1, le=1000)] = 16
    #: Fixed exposure time for this channel [s] (None: the recipe's).
    exposure_s: Annotated[float, Field(gt=0, le=3600)] | None = None


class Epoch(_Strict):
    """One visit of the light curve, ``delay_s`` after the trigger."""

    delay_s: Annotated[float, Field(ge=0)]
    #: Length of the visit's window [s] (None: until the alert expires).
    window_s: Annotated[float, Field(gt=0)] | None = None


class Limits(_Strict):
    """Acceptance limits and lifetimes."""

    max_error_arcmin: Annotated[float, Field(gt=0)] = 45.0
    min_moon_separation_deg: Annotated[float, Field(ge=0, le=180)] = 5.0
    expiry_h: Annotated[float, Field(gt=0)] = 48.0
    preliminary_expiry_h: Annotated[float, Field(gt=0)] = 1.0
    max_airmass: Annotated[float, Field(ge=1, le=10)] = 2.5
    #: Lowest altitude [deg]; None: the site's horizon.
    min_altitude_deg: Annotated[float, Field(ge=0, le=89)] | None = None
    #: Time step of the visibility search [s].
    visibility_step_s: Annotated[float, Field(ge=60, le=3600)] = 600.0


class StrategyRules(_Strict):
    recipe: Annotated[tuple[RecipeStep, ...], Field(min_length=1)]
    channels: dict[str, ChannelRule]
    epochs: Annotated[tuple[Epoch, ...], Field(min_length=1)] = (Epoch(delay_s=0),)
    limits: Limits = Limits()
    #: Mission (``SVOM``, ``Swift``...), ``coincidence`` or ``default`` -> priority.
    priorities: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> StrategyRules:
        last = self.recipe[-1]
        if last.max_age_s is not None or last.max_error_arcmin is not None:
            raise ValueError("the last recipe row must have no bounds (it catches the rest)")
        if not self.channels:
            raise ValueError("a strategy needs at least one channel")
        if sorted(e.delay_s for e in self.epochs) != [e.delay_s for e in self.epochs]:
            raise ValueError("epochs must be in increasing delay order")
        return self

    # -- decisions --------------------------------------------------------------------
    def step_for(self, age_s: float, error_arcmin: float) -> RecipeStep:
        """The recipe row for an alert ``age_s`` old with a ``error_arcmin`` error radius."""
        return next(s for s in self.recipe if s.applies(age_s, error_arcmin))

    def priority_for(self, missions: set[str] | frozenset[str]) -> int:
        """Priority of an alert seen by ``missions`` (several: the coincidence's)."""
        if len(missions) > 1 and COINCIDENCE in self.priorities:
            return self.priorities[COINCIDENCE]
        known = [self.priorities[m] for m in missions if m in self.priorities]
        return max(known) if known else self.priorities.get(DEFAULT_PRIORITY, 11)

    def plans(self, step: RecipeStep, channel: str) -> list[PlannedExposures]:
        """Filter plans of ``channel`` for one pointing (exposures split over the filters)."""
        rule = self.channels[channel]
        per_pointing = max(len(rule.filters), rule.exposures // (step.mosaic ** 2))
        base, extra = divmod(per_pointing, len(rule.filters))
        exposure_s = rule.exposure_s or step.exposure_s
        return [PlannedExposures(f, exposure_s, base + (1 if i < extra else 0),
                                 step.dither_arcsec)
                for i, f in enumerate(rule.filters)]

    @classmethod
    def from_json(cls, data: Any) -> StrategyRules:
        """Validate stored JSON; raises ``pydantic.ValidationError`` (a ValueError)."""
        return cls.model_validate(data)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True, slots=True)
class PlannedExposures:
    """``count`` exposures of ``exposure_s`` seconds in ``filter_name``."""

    filter_name: str
    exposure_s: float
    count: int
    dither_arcsec: float


def mosaic_offsets_deg(n: int, field_deg: float, overlap: float = 0.1
                       ) -> list[tuple[float, float]]:
    """(east, north) offsets [deg] of an ``n`` x ``n`` mosaic's centres, overlapping by
    ``overlap`` of the field so no gap opens between tiles."""
    pitch = field_deg * (1.0 - overlap)
    half = (n - 1) / 2.0
    return [((i - half) * pitch, (j - half) * pitch) for j in range(n) for i in range(n)]


#: The default strategy, after COLIBRI (see the module docstring).
COLIBRI_RULES = StrategyRules(
    recipe=(
        RecipeStep(max_age_s=180, max_error_arcmin=13, exposure_s=10),
        RecipeStep(max_age_s=480, max_error_arcmin=13, exposure_s=30, dither_arcsec=10),
        RecipeStep(max_error_arcmin=13, exposure_s=60, dither_arcsec=10),
        RecipeStep(exposure_s=60, dither_arcsec=10, mosaic=2),
    ),
    channels={
        "VIS": ChannelRule(filters=("r", "z"), exposures=16),
        "NIR": ChannelRule(filters=("J", "H"), exposures=16),
    },
    epochs=(Epoch(delay_s=0), Epoch(delay_s=86400)),
    limits=Limits(),
    priorities={COINCIDENCE: 18, "SVOM": 15, "EinsteinProbe": 14, "Fermi": 14, "IceCube": 14,
                "IGWN": 14, "Swift": 12, DEFAULT_PRIORITY: 11},
)

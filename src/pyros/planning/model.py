"""The scheduler's internal types: one problem in, one plan out.

Everything here is plain, immutable data.  Times are timezone-aware UTC ``datetime``
objects at the edges; the solvers work in integer seconds since the start of the night
(see :meth:`Problem.offset_s`), which keeps the arithmetic exact.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

__all__ = [
    "Placement",
    "Plan",
    "Problem",
    "Programme",
    "Rejection",
    "Sequence",
    "Site",
    "TimeRange",
]


@dataclass(frozen=True)
class Site:
    """Geodetic position of the telescope."""

    latitude_deg: float
    longitude_deg: float
    elevation_m: float

    def key(self) -> tuple[float, float, float]:
        return (self.latitude_deg, self.longitude_deg, self.elevation_m)


@dataclass(frozen=True)
class TimeRange:
    """A half-open UTC interval ``[start, end)``; ``end`` is after ``start``."""

    start: datetime
    end: datetime

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Programme:
    """A scientific programme and the observing time left to it tonight (seconds)."""

    id: str
    quota_s: float


@dataclass(frozen=True)
class Sequence:
    """The unit the scheduler places: executed whole, or not at all.

    ``priority``: higher is more important; the objective weighs it by the duration.
    ``fixed_start``: the sequence must start exactly then (e.g. a coordinated campaign).
    ``alert``: a rapid-response sequence, placed before the queue at its earliest start.
    """

    id: str
    program: str
    priority: float
    duration_s: float
    ra_deg: float
    dec_deg: float
    window: TimeRange
    max_airmass: float
    min_moon_separation_deg: float
    fixed_start: datetime | None = None
    alert: bool = False

    @property
    def value(self) -> float:
        """This sequence's share of the objective: priority × duration (s)."""
        return self.priority * self.duration_s

    @property
    def span_s(self) -> int:
        """Whole seconds the sequence occupies the telescope (duration rounded up)."""
        return math.ceil(self.duration_s - 1e-9)

    @property
    def target_key(self) -> tuple[float, float]:
        return (self.ra_deg, self.dec_deg)


@dataclass(frozen=True)
class Problem:
    """One night to plan: the site, the night, the programmes and the candidate sequences."""

    site: Site
    night: TimeRange
    slew_overhead_s: float
    programmes: dict[str, Programme]
    sequences: tuple[Sequence, ...]

    @property
    def overhead_span_s(self) -> int:
        """The slew overhead in whole seconds, rounded up (never shorter than asked)."""
        return math.ceil(self.slew_overhead_s - 1e-9)

    @property
    def horizon_s(self) -> int:
        """Whole seconds from night start to night end (rounded down: stay inside)."""
        return math.floor(self.night.duration_s + 1e-9)

    def offset_s(self, instant: datetime) -> float:
        """Seconds from the start of the night to ``instant``."""
        return (instant - self.night.start).total_seconds()

    def instant(self, offset_s: float) -> datetime:
        """The UTC instant ``offset_s`` seconds after the start of the night."""
        return self.night.start + timedelta(seconds=offset_s)

    def by_id(self) -> dict[str, Sequence]:
        """Sequences by id (built once per problem; do not modify the mapping)."""
        cached = self.__dict__.get("_by_id")
        if cached is None:
            cached = {s.id: s for s in self.sequences}
            object.__setattr__(self, "_by_id", cached)
        return cached


@dataclass(frozen=True, order=True)
class Placement:
    """One scheduled sequence: it runs from ``start_s`` for its whole duration.

    ``start_s`` is an integer number of seconds after night start.
    """

    start_s: int
    id: str = field(compare=False)
    end_s: float = field(compare=False)


@dataclass(frozen=True)
class Rejection:
    """A sequence left out of the plan and the specific reason why."""

    id: str
    reason: str


@dataclass
class Plan:
    """The solver's answer: placements in time order, rejections, and solver figures.

    ``objective`` is Σ priority × duration of the placements; ``bound`` is a proven upper
    bound of that sum where a solver proved one (``None`` otherwise).
    """

    placements: list[Placement]
    rejections: list[Rejection]
    solver: str
    objective: float = 0.0
    bound: float | None = None
    runtime_s: float = 0.0
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative gap to the proven bound, ``(bound - objective) / bound``."""
        if self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)

    def scheduled_ids(self) -> set[str]:
        return {p.id for p in self.placements}

    @staticmethod
    def value_of(problem: Problem, placements: Iterable[Placement]) -> float:
        seqs = problem.by_id()
        return float(sum(seqs[p.id].value for p in placements))

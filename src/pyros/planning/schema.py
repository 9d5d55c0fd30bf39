"""The JSON contract of the scheduler: strict validation where a problem enters, and the
plan going out.

A problem is validated once, here, and turned into :class:`~pyros.planning.model.Problem`;
nothing downstream re-checks the shape.  Errors name the offending field
(``sequences[3].window.end: ...``) and are raised as :class:`ProblemError`.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pyros.clock import parse_utc
from pyros.planning.model import Plan, Problem, Programme, Sequence, Site, TimeRange

__all__ = ["ProblemError", "parse_problem", "plan_to_dict", "problem_to_dict"]


class ProblemError(ValueError):
    """The problem is not valid; the message names the field and what is wrong."""


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO-8601 UTC string")
    return parse_utc(value)


Instant = Annotated[datetime, Field()]
Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Range(_Strict):
    start: Instant
    end: Instant

    @field_validator("start", "end", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> datetime:
        return _instant(value)

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.end <= self.start:
            raise ValueError(
                f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})"
            )
        return self


class _Site(_Strict):
    latitude_deg: Finite = Field(ge=-90, le=90)
    longitude_deg: Finite = Field(ge=-180, le=360)
    elevation_m: Finite = Field(ge=-500, le=10000)


class _Programme(_Strict):
    quota_s: Finite = Field(ge=0)


class _Sequence(_Strict):
    id: str = Field(min_length=1)
    program: str = Field(min_length=1)
    priority: Finite = Field(ge=0)
    duration_s: Finite = Field(gt=0)
    ra_deg: Finite = Field(ge=0, lt=360)
    dec_deg: Finite = Field(ge=-90, le=90)
    window: _Range
    max_airmass: Finite = Field(ge=1)
    min_moon_separation_deg: Finite = Field(ge=0, le=180)
    fixed_start: Instant | None = None
    alert: bool = False

    @field_validator("fixed_start", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> datetime | None:
        return None if value is None else _instant(value)


class _Problem(_Strict):
    site: _Site
    night: _Range
    slew_overhead_s: Finite = Field(ge=0)
    programs: dict[str, _Programme]
    sequences: list[_Sequence]

    @model_validator(mode="after")
    def _consistent(self) -> _Problem:
        if (self.night.end - self.night.start).total_seconds() < 60:
            raise ValueError("night: must last at least 60 s")
        seen: set[str] = set()
        for i, seq in enumerate(self.sequences):
            if seq.id in seen:
                raise ValueError(f"sequences[{i}].id: duplicate id {seq.id!r}")
            seen.add(seq.id)
            if seq.program not in self.programs:
                raise ValueError(f"sequences[{i}].program: unknown programme {seq.program!r}")
        return self


def _format(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = "".join(
            f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
            for i, p in enumerate(item["loc"])
        )
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "missing field"
        elif item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] in ("dict_type", "model_type", "model_attributes_type"):
            message = "must be a JSON object"
        elif item["type"] == "list_type":
            message = "must be a JSON list"
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def parse_problem(data: str | bytes | dict[str, Any]) -> Problem:
    """Validate a problem (JSON text or already-decoded dict) into a :class:`Problem`.

    Raises :class:`ProblemError` naming every offending field.
    """
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProblemError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ProblemError("problem must be a JSON object")
    try:
        raw = _Problem.model_validate(data)
    except ValidationError as exc:
        raise ProblemError(_format(exc)) from None
    return Problem(
        site=Site(raw.site.latitude_deg, raw.site.longitude_deg, raw.site.elevation_m),
        night=TimeRange(raw.night.start, raw.night.end),
        slew_overhead_s=raw.slew_overhead_s,
        programmes={pid: Programme(pid, p.quota_s) for pid, p in raw.programs.items()},
        sequences=tuple(
            Sequence(
                id=s.id,
                program=s.program,
                priority=s.priority,
                duration_s=s.duration_s,
                ra_deg=s.ra_deg,
                dec_deg=s.dec_deg,
                window=TimeRange(s.window.start, s.window.end),
                max_airmass=s.max_airmass,
                min_moon_separation_deg=s.min_moon_separation_deg,
                fixed_start=s.fixed_start,
                alert=s.alert,
            )
            for s in raw.sequences
        ),
    )


def iso(instant: datetime) -> str:
    """ISO-8601 UTC with a ``Z``; fractions of a second only when there are some."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON form of a problem (the inverse of :func:`parse_problem`)."""
    def seq(s: Sequence) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": s.id, "program": s.program, "priority": s.priority,
            "duration_s": s.duration_s, "ra_deg": s.ra_deg, "dec_deg": s.dec_deg,
            "window": {"start": iso(s.window.start), "end": iso(s.window.end)},
            "max_airmass": s.max_airmass,
            "min_moon_separation_deg": s.min_moon_separation_deg,
        }
        if s.fixed_start is not None:
            out["fixed_start"] = iso(s.fixed_start)
        if s.alert:
            out["alert"] = True
        return out

    return {
        "site": {
            "latitude_deg": problem.site.latitude_deg,
            "longitude_deg": problem.site.longitude_deg,
            "elevation_m": problem.site.elevation_m,
        },
        "night": {"start": iso(problem.night.start), "end": iso(problem.night.end)},
        "slew_overhead_s": problem.slew_overhead_s,
        "programs": {pid: {"quota_s": p.quota_s} for pid, p in problem.programmes.items()},
        "sequences": [seq(s) for s in problem.sequences],
    }


def plan_to_dict(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The JSON answer: scheduled (time order) and rejected sequences, plus solver figures."""
    def num(x: float | None) -> float | None:
        return None if x is None or not math.isfinite(x) else round(x, 3)

    return {
        "scheduled": [
            {"id": p.id, "start": iso(problem.instant(p.start_s)),
             "end": iso(problem.instant(p.end_s))}
            for p in sorted(plan.placements)
        ],
        "rejected": [{"id": r.id, "reason": r.reason} for r in plan.rejections],
        "solver": plan.solver,
        "objective": num(plan.objective),
        "bound": num(plan.bound),
        "gap": num(plan.gap),
        "runtime_s": num(plan.runtime_s),
        "stats": plan.stats,
    }

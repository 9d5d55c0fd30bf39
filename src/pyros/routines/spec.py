"""The request language as validated data: what the web form, the REST API and JSON/XML
import all turn their input into before anything is saved (pure: pydantic, no Django).

Two passes, both reporting *where* and *why* as ``path: message`` strings such as
``sequences[1].albums[0].plans[2].exposure_s: must be ≤ 3600``:

1. :func:`parse_request` — shape, types and ranges that do not depend on the site;
2. :func:`check_against_config` — channels and filters that exist, exposure bounds of each
   channel (the limits that protect the instruments), windows that are not over.

Programme membership, periods and quotas need the database: see ``routines.validation``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pyros.routines.coords import parse_dec, parse_instant, parse_ra

__all__ = ["MAX_PLANS", "MAX_REPEAT_DAYS", "MAX_SEQUENCES", "AlbumSpec", "PlanSpec",
           "RequestSpec", "SequenceSpec", "SpecError", "check_against_config", "parse_request"]

MAX_SEQUENCES = 100
MAX_PLANS = 50
MAX_REPEAT_DAYS = 30
#: Absolute exposure bound (s) before any channel limit: catches unit mistakes early.
MAX_EXPOSURE_S = 86_400.0


class SpecError(ValueError):
    """Invalid request data; ``errors`` lists ``"path: message"`` strings."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class PlanSpec(_Strict):
    filter: Annotated[str, Field(min_length=1, max_length=16)]
    exposure_s: Annotated[float, Field(gt=0, le=MAX_EXPOSURE_S, allow_inf_nan=False)]
    count: Annotated[int, Field(ge=1, le=1000)] = 1
    dither_arcsec: Annotated[float, Field(ge=0, le=600, allow_inf_nan=False)] = 0.0


class AlbumSpec(_Strict):
    channel: Annotated[str, Field(min_length=1, max_length=16)]
    plans: Annotated[list[PlanSpec], Field(min_length=1, max_length=MAX_PLANS)]


class SequenceSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    target_name: Annotated[str, Field(min_length=1, max_length=100)]
    #: Sexagesimal hours ("00:42:44.3") or decimal degrees; stored as degrees.
    ra: float
    #: Sexagesimal degrees ("+41:16:09") or decimal degrees.
    dec: float
    #: Julian date or ISO date; both omitted = computed from visibility on creation.
    window_start: datetime | None = None
    window_end: datetime | None = None
    max_airmass: Annotated[float, Field(ge=1.0, le=10.0, allow_inf_nan=False)] = 2.0
    min_moon_separation_deg: Annotated[float, Field(ge=0, le=180, allow_inf_nan=False)] = 30.0
    max_seeing_arcsec: Annotated[float, Field(gt=0, le=20, allow_inf_nan=False)] | None = None
    max_moon_illumination: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    priority: Annotated[int, Field(ge=0, le=10)] = 5
    allow_postpone: bool = False
    #: Also create copies of this sequence on the N following days.
    repeat_days: Annotated[int, Field(ge=0, le=MAX_REPEAT_DAYS)] = 0
    albums: Annotated[list[AlbumSpec], Field(min_length=1, max_length=8)]

    @field_validator("ra", mode="before")
    @classmethod
    def _ra(cls, v: Any) -> float:
        return parse_ra(v)

    @field_validator("dec", mode="before")
    @classmethod
    def _dec(cls, v: Any) -> float:
        return parse_dec(v)

    @field_validator("window_start", "window_end", mode="before")
    @classmethod
    def _instant(cls, v: Any) -> datetime | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return parse_instant(v)

    @model_validator(mode="after")
    def _coherent(self) -> SequenceSpec:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("give both window_start and window_end, or neither (computed "
                             "from visibility)")
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            raise ValueError("window_end: must be after window_start (JD2 > JD1)")
        channels = [a.channel for a in self.albums]
        if len(set(channels)) != len(channels):
            raise ValueError("albums: one album per channel")
        return self


class RequestSpec(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    programme: Annotated[str, Field(min_length=1, max_length=30)]
    sequences: Annotated[list[SequenceSpec], Field(min_length=1, max_length=MAX_SEQUENCES)]
    #: Format tag written by export; accepted and ignored on import.
    format: str | None = None


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _message(err: dict[str, Any]) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    simple = {
        "missing": "is required",
        "extra_forbidden": "unknown field",
        "finite_number": "must be a finite number",
        "bool_parsing": "must be true or false",
        "int_parsing": "must be an integer",
        "float_parsing": "must be a number",
        "string_type": "must be a string",
        "list_type": "must be a list",
        "model_type": "must be an object",
        "dict_type": "must be an object",
    }
    bounds = {"less_than_equal": ("≤", "le"), "less_than": ("<", "lt"),
              "greater_than_equal": ("≥", "ge"), "greater_than": (">", "gt")}
    if kind in simple:
        return simple[kind]
    if kind in bounds:
        sign, key = bounds[kind]
        return f"must be {sign} {ctx.get(key):g}" if isinstance(ctx.get(key), int | float) \
            else f"must be {sign} {ctx.get(key)}"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    return str(err["msg"])


def errors_of(exc: ValidationError, prefix: str = "") -> list[str]:
    """``path: message`` lines of a pydantic error, paths as in the document."""
    out = []
    for err in exc.errors():
        msg = _message(err)
        loc = tuple(err["loc"])
        head, sep, tail = msg.partition(":")
        if sep and head in {"window_end", "albums"}:  # model-level check naming its field
            loc, msg = (*loc, head), tail.strip()
        path = _path(loc) if loc else ""
        if prefix:
            path = prefix + ("" if not path or path.startswith("[") else ".") + path
        out.append(f"{path or '(document)'}: {msg}")
    return out


def parse_request(data: Any, prefix: str = "") -> RequestSpec:
    """Validate request data (a dict from JSON, XML or a form); :class:`SpecError` lists
    every problem with its path."""
    if not isinstance(data, dict):
        raise SpecError([f"{prefix or '(document)'}: must be an object (a request)"])
    try:
        return RequestSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(errors_of(exc, prefix)) from None


def check_against_config(spec: RequestSpec, config, now: datetime, prefix: str = ""
                         ) -> list[str]:
    """Problems of ``spec`` against the observatory configuration and the time ``now``.

    Channels and filters must exist; exposure times must lie within the channel's bounds
    and below the time the sky alone saturates the detector at the sequence's airmass
    limit (the near-infrared H sky does it in ~48 s at airmass 2); windows must not be
    over; the airmass limit must be within the telescope's.
    """
    from pyros.etc.config import sky_fill_s  # astropy: only when a request is checked

    pre = f"{prefix}." if prefix else ""
    channels = {c.name: c for c in config.channels}
    errors: list[str] = []
    for i, seq in enumerate(spec.sequences):
        sp = f"{pre}sequences[{i}]"
        if seq.window_end is not None and seq.window_end <= now:
            errors.append(f"{sp}.window_end: the window is in the past "
                          f"(ends {seq.window_end:%Y-%m-%d %H:%M} UTC)")
        if seq.max_airmass > config.telescope.max_airmass:
            errors.append(f"{sp}.max_airmass: must be ≤ {config.telescope.max_airmass:g} "
                          "(the telescope's limit)")
        for j, album in enumerate(seq.albums):
            ap = f"{sp}.albums[{j}]"
            ch = channels.get(album.channel)
            if ch is None:
                errors.append(f"{ap}.channel: unknown channel {album.channel!r} "
                              f"(known: {', '.join(sorted(channels))})")
                continue
            for k, plan in enumerate(album.plans):
                pp = f"{ap}.plans[{k}]"
                if plan.filter not in ch.filters:
                    errors.append(f"{pp}.filter: unknown filter {plan.filter!r} for channel "
                                  f"{ch.name} (allowed: {', '.join(ch.filters)})")
                if plan.exposure_s > ch.max_exposure_s:
                    errors.append(f"{pp}.exposure_s: must be ≤ {ch.max_exposure_s:g} "
                                  f"({ch.name} maximum exposure)")
                elif plan.exposure_s < ch.min_exposure_s:
                    errors.append(f"{pp}.exposure_s: must be ≥ {ch.min_exposure_s:g} "
                                  f"({ch.name} minimum exposure)")
                elif plan.filter in ch.filters:
                    full = sky_fill_s(config, ch.name, plan.filter, seq.max_airmass)
                    if full is not None and plan.exposure_s >= full:
                        errors.append(
                            f"{pp}.exposure_s: the {plan.filter} sky alone saturates the "
                            f"{ch.name} detector in {full:.0f} s at airmass "
                            f"{seq.max_airmass:g}; take more, shorter exposures "
                            f"(≤ {full / 2:.0f} s keeps half the well for the stars)")
    return errors


def shifted(seq: SequenceSpec, days: int) -> SequenceSpec:
    """A copy of ``seq`` with its window moved by ``days`` days (for "repeat over N days")."""
    if seq.window_start is None or seq.window_end is None:
        raise ValueError("a repeated sequence needs its window")
    d = timedelta(days=days)
    return seq.model_copy(update={"window_start": seq.window_start + d,
                                  "window_end": seq.window_end + d,
                                  "name": f"{seq.name} (day +{days})", "repeat_days": 0})

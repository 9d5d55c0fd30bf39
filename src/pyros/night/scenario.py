"""Night scenarios: a timeline of what happens to the observatory (pure, no Django).

A scenario file (YAML or JSON)::

    name: benchmark night
    night_of: "2026-02-24"    # evening date (default: the coming night)
    start: night-30m          # ISO instant, or night[+-]OFFSET (night = evening twilight)
    hours: 10
    speed: 100
    routine_requests: {count: 50, programmes: [stars, galaxies, transients], seed: 7}
    events:
      - {at: "+01:10", kind: weather, values: {rainrate: 2.0}}      # offset from start
      - {at: "+01:40", kind: weather, values: {rainrate: 0.0}}
      - {at: "+02:30", kind: fault, device: camera_nir, mode: disconnected, duration_s: 3600}
      - {at: "+03:00", kind: alert, afterglow: true,
         notices: [{file: voevent/svom/eclairs_299.xml, after_s: 63}]}
      - {at: "+05:00", kind: pause, reason: "maintenance"}
      - {at: "+05:20", kind: resume}
      - {at: "+06:00", kind: submit, count: 3, programme: stars}
      - {at: "+06:30", kind: restart, service: postgresql}   # production services (root)

Offsets are ``+HH:MM`` (or seconds) of simulated time after the start.  Notice files are
relative to the shared notices folder (or absolute); their times are shifted so that the
burst triggers at the event time and each notice arrives ``after_s`` later (its real
delay after the trigger).  ``afterglow: true`` injects the burst's afterglow into the
simulated sky at the best notice position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pyros.clock import parse_utc

EventKind = Literal["weather", "fault", "alert", "submit", "pause", "resume", "restart"]


class ScenarioError(ValueError):
    """The scenario file is invalid; the message names the field."""


def parse_offset(text: str | float | int) -> timedelta:
    """``+HH:MM[:SS]``, ``-HH:MM``, ``90m``, ``30s``, ``2h`` or plain seconds."""
    if isinstance(text, int | float):
        return timedelta(seconds=float(text))
    raw = str(text).strip()
    m = re.fullmatch(r"([+-]?)(\d+):(\d{2})(?::(\d{2}))?", raw)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        seconds = int(m.group(2)) * 3600 + int(m.group(3)) * 60 + int(m.group(4) or 0)
        return timedelta(seconds=sign * seconds)
    m = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)([smh])", raw)
    if m:
        unit = {"s": 1, "m": 60, "h": 3600}[m.group(2)]
        return timedelta(seconds=float(m.group(1)) * unit)
    try:
        return timedelta(seconds=float(raw))
    except ValueError:
        raise ValueError(f"not a time offset: {raw!r} (use +HH:MM, 90m, 30s or seconds)")\
            from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoticeRef(_Strict):
    file: str
    #: Seconds between the burst trigger and this notice (its real delay).
    after_s: float = Field(default=0.0, ge=0)


class Event(_Strict):
    at: str
    kind: EventKind
    values: dict[str, float] = Field(default_factory=dict)      # weather
    device: str | None = None                                    # fault
    mode: str | None = None                                      # fault
    duration_s: float | None = Field(default=None, gt=0)         # fault
    notices: list[NoticeRef] = Field(default_factory=list)       # alert
    afterglow: bool = False                                      # alert: inject one
    afterglow_mag: float = 15.5                                  # alert: r at +60 s
    afterglow_alpha: float = 1.0                                 # alert: decay index
    count: int = Field(default=1, ge=1, le=1000)                 # submit
    programme: str | None = None                                 # submit
    reason: str = ""                                             # pause
    service: Literal["postgresql", "redis"] | None = None        # restart

    @field_validator("at")
    @classmethod
    def _offset(cls, value: str) -> str:
        parse_offset(value)
        return value

    @property
    def offset(self) -> timedelta:
        return parse_offset(self.at)


class RoutineRequests(_Strict):
    count: int = Field(default=50, ge=0, le=10000)
    programmes: list[str] = Field(default_factory=lambda: ["stars", "galaxies", "transients"])
    seed: int = 7


class Scenario(_Strict):
    name: str = "night"
    #: The evening date of the night (YYYY-MM-DD); default: the coming night.
    night_of: str | None = None
    start: str = "night-30m"
    hours: float = Field(default=10.0, gt=0, le=24)
    speed: float = Field(default=100.0, gt=0, le=10000)
    #: Detectors wider than 2048 px divided by N (same field of view): a night's worth of
    #: 4k frames is heavy.  A pixel then stands for N² summed ones (well, gain, dark
    #: current and read noise scaled with it).
    detector_downscale: int = Field(default=1, ge=1, le=16)
    routine_requests: RoutineRequests = RoutineRequests()
    events: list[Event] = Field(default_factory=list)

    def start_instant(self, night_start: datetime) -> datetime:
        text = self.start.strip()
        if text.startswith("night"):
            rest = text[len("night"):]
            return night_start + (parse_offset(rest) if rest else timedelta(0))
        return parse_utc(text)

    def timeline(self, start: datetime) -> list[tuple[datetime, Event]]:
        return sorted(((start + e.offset, e) for e in self.events), key=lambda p: p[0])


def load_scenario(path: str | Path | None = None, text: str | None = None) -> Scenario:
    """From a YAML/JSON file (default: the packaged benchmark night)."""
    if text is None:
        p = Path(path) if path else Path(__file__).with_name("benchmark.yaml")
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario {p}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"scenario is not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a mapping")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ScenarioError(f"invalid scenario: {problems}") from None


_ISO = re.compile(rb"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?")


def shift_notice_times(raw: bytes, delta: timedelta) -> bytes:
    """Every ISO-8601 instant in a notice moved by ``delta`` (the burst relived tonight).

    Works on VOEvent XML and GCN JSON alike; the format of each instant is kept.
    """
    def repl(m: re.Match[bytes]) -> bytes:
        body = m.group(1).decode()
        sep = "T" if "T" in body else " "
        frac = body.split(".")[1] if "." in body else ""
        base = datetime.fromisoformat(body.replace(" ", "T").split(".")[0])
        if frac:
            base += timedelta(microseconds=int(frac[:6].ljust(6, "0")))
        moved = base + delta
        text = moved.strftime(f"%Y-%m-%d{sep}%H:%M:%S")
        if frac:
            text += "." + f"{moved.microsecond:06d}"[:len(frac)].ljust(len(frac), "0")
        return text.encode() + (m.group(2) or b"")
    return _ISO.sub(repl, raw)


def notice_trigger_time(raw: bytes) -> datetime | None:
    """The trigger time a notice states (parsed with pyros.notices)."""
    from pyros.notices import NoticeRejected, parse_notice

    try:
        return parse_notice(raw).trigger_time
    except NoticeRejected:
        return None


@dataclass
class ShiftedNotice:
    path: Path
    raw: bytes
    publish_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)

"""The morning report of a night: time usage, sequences, alerts, closures, quotas, frames,
and the invariant checks (each PASS or FAIL) — ``night.json`` and ``index.html``.

Every figure is computed from the database and the archive after the processes stopped;
the keys of ``night.json`` are documented in the README.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum

from pyros.astro.night import Night
from pyros.config import load_config

FINAL = {"rejected", "executed", "partial", "failed", "cancelled", "expired"}


@dataclass
class NightResult:
    data: dict[str, Any]
    checks: list[dict[str, str]] = field(default_factory=list)

    @property
    def all_pass(self) -> bool:
        return all(c["status"] == "PASS" for c in self.checks)

    def summary(self) -> str:
        t = self.data["time_usage"]
        lines = [
            f"night report: {self.data['report_dir']}",
            f"  usable night {t['usable_s'] / 3600:.2f} h: science {t['fractions']['science']:.1%}"
            f", slewing {t['fractions']['slewing']:.1%}, closed {t['fractions']['closed']:.1%}"
            f", paused {t['fractions']['paused']:.1%}, idle {t['fractions']['idle']:.1%}; "
            f"shutter open {t['shutter_open_fraction']:.1%}",
            f"  sequences: {self.data['sequences']['by_status']}",
            f"  frames: {self.data['frames']['total']} ({self.data['frames']['by_kind']})",
        ]
        for a in self.data["alerts"]:
            lat = a["latency_s"]
            lines.append(f"  alert {a['name']}: {a['status']}; notice→slew "
                         f"{lat.get('slew_commanded', 'n/a')} s, →on target "
                         f"{lat.get('on_target', 'n/a')} s, →first exposure "
                         f"{lat.get('first_exposure', 'n/a')} s")
        for c in self.data["weather_closures"]:
            lines.append(f"  closure at {c['unsafe_at'][11:19]}: reaction "
                         f"{c['reaction_s']} s, closed for {c['duration_s']:.0f} s "
                         f"({'; '.join(c['reasons'])[:60]})")
        lines.append(f"  wall time {self.data['run']['wall_s']:.0f} s")
        lines += [f"  {c['status']} {c['name']}: {c['detail']}" for c in self.checks]
        return "\n".join(lines)


def _iso(x: datetime | None) -> str | None:
    return x.isoformat() if x else None


def _clip(a: datetime, b: datetime, lo: datetime, hi: datetime) -> float:
    return max(0.0, (min(b, hi) - max(a, lo)).total_seconds())


def _mode_intervals(start: datetime, end: datetime) -> list[tuple[datetime, datetime, str,
                                                                list[str]]]:
    from pyros.monitoring.models import ModeChange

    changes = list(ModeChange.objects.filter(at__lte=end).order_by("at", "id"))
    out = []
    for i, ch in enumerate(changes):
        stop = changes[i + 1].at if i + 1 < len(changes) else end
        if stop > start:
            out.append((max(ch.at, start), min(stop, end), ch.mode, list(ch.reasons)))
    return out


def time_usage(night: Night, start: datetime, end: datetime) -> dict[str, Any]:
    from pyros.execution.models import Frame, SequenceRun

    lo, hi = max(start, night.start), min(end, night.end)
    usable = max(0.0, (hi - lo).total_seconds())
    science = slewing = 0.0
    for run in SequenceRun.objects.exclude(ended_at=None):
        on = run.on_target_at or run.ended_at
        slewing += _clip(run.started_at, on, lo, hi)
        science += _clip(on, run.ended_at, lo, hi)
    modes = _mode_intervals(lo, hi)
    closed = sum((b - a).total_seconds() for a, b, m, _ in modes if m == "unsafe")
    paused = sum((b - a).total_seconds() for a, b, m, _ in modes if m == "paused")
    calibration = float(Frame.objects.filter(kind__in=("bias", "dark", "flat", "focus"))
                        .aggregate(s=Sum("exposure_s"))["s"] or 0.0)
    idle = max(0.0, usable - science - slewing - closed - paused)
    parts = {"science": science, "slewing": slewing, "closed": closed, "paused": paused,
             "idle": idle}
    return {
        "usable_s": usable, **{f"{k}_s": round(v, 1) for k, v in parts.items()},
        "calibration_s": round(calibration, 1),
        "fractions": {k: (v / usable if usable else 0.0) for k, v in parts.items()},
        "shutter_open_fraction": (science + slewing) / usable if usable else 0.0,
        "modes": [{"from": _iso(a), "to": _iso(b), "mode": m, "reasons": r}
                  for a, b, m, r in modes],
    }


def sequences_section(night: Night) -> dict[str, Any]:
    from pyros.routines.models import Sequence
    from pyros.scheduler.models import Schedule

    by_status = dict(Sequence.objects.values_list("status").annotate(n=Count("id")))
    last = Schedule.objects.filter(night_start=night.start).first()
    refused = []
    if last is not None:
        refused = [{"sequence": r.sequence_id, "name": r.sequence.name, "reason": r.reason}
                   for r in last.rejections.select_related("sequence")]
    rejected = [{"sequence": s.pk, "name": s.name, "reason": s.status_reason}
                for s in Sequence.objects.filter(status="rejected")]
    return {
        "by_status": by_status, "total": sum(by_status.values()),
        "schedules": Schedule.objects.filter(night_start=night.start).count(),
        "refused_in_last_plan": refused, "rejected_at_submission": rejected,
    }


#: Wall seconds within which the execution agent aborts a running exposure once the
#: observatory is UNSAFE (its guard runs every 50 ms; an abort is one device call).
UNSAFE_REACTION_WALL_S = 0.25


def _speed() -> float:
    from pyros.clock import get_clock

    speed = get_clock().speed
    return speed if speed and speed != float("inf") else 1.0


def alerts_section() -> list[dict[str, Any]]:
    from pyros.alerts.models import Alert, LatencyChain

    out = []
    for alert in Alert.objects.order_by("trigger_time", "id"):
        lat = LatencyChain.objects.filter(alert=alert).first()
        chain: dict[str, Any] = {}
        if lat is not None and lat.notice_received:
            for stage in LatencyChain.STAGES:
                at = getattr(lat, stage)
                chain[stage] = round((at - lat.notice_received).total_seconds(), 3) if at \
                    else None
        seqs = alert.request.sequences.all() if alert.request_id else []
        speed = _speed()
        out.append({
            "name": alert.name, "status": alert.status, "reason": alert.status_reason,
            "latency_wall_s": {k: (round(v / speed, 3) if v is not None else None)
                               for k, v in chain.items()},
            "trigger_time": _iso(alert.trigger_time), "missions": alert.missions,
            "notices": alert.notices.count(), "repoints": alert.repoints,
            "positions": alert.positions.count(), "latency_s": chain,
            "sequences": {s.name: s.status for s in seqs},
        })
    return out


def closures_section(start: datetime, end: datetime,
                     events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each UNSAFE period: what triggered it, how fast the software reacted."""
    weather_events = [datetime.fromisoformat(e["at"]) for e in events if e["kind"] == "weather"]
    out = []
    for a, b, mode, reasons in _mode_intervals(start, end):
        if mode != "unsafe":
            continue
        cause = max((t for t in weather_events if t <= a), default=None)
        out.append({"unsafe_at": _iso(a), "safe_again_at": _iso(b),
                    "duration_s": (b - a).total_seconds(), "reasons": reasons,
                    "weather_event_at": _iso(cause),
                    "reaction_s": round((a - cause).total_seconds(), 2) if cause else None})
    return out


def quotas_section() -> list[dict[str, Any]]:
    from pyros.accounts.ledger import quota_balance
    from pyros.accounts.models import Quota

    out = []
    for q in Quota.objects.select_related("programme", "period"):
        bal = quota_balance(q.programme, q.period)
        rows = float(q.entries.aggregate(s=Sum("amount_s"))["s"] or 0.0)
        out.append({"programme": q.programme.code, "allocated_s": q.allocated_s,
                    "reserved_s": round(bal.reserved_s, 1), "debited_s": round(bal.debited_s, 1),
                    "remaining_s": round(bal.remaining_s, 1), "ledger_rows_s": round(rows, 1),
                    "entries": q.entries.count()})
    return out


def frames_section() -> dict[str, Any]:
    from pyros.execution.models import Frame

    by_kind = {f"{k}/{c}": n for k, c, n in
               Frame.objects.values_list("kind", "channel").annotate(n=Count("id"))}
    out: dict[str, Any] = {"total": Frame.objects.count(), "by_kind": by_kind}
    try:
        from pyros.pipeline.models import BurstResult, MasterCalibration, ReducedFrame
    except ImportError:
        return out
    out["pipeline"] = {
        "reduced": dict(ReducedFrame.objects.values_list("status").annotate(n=Count("id"))),
        "masters": MasterCalibration.objects.count(),
        "bursts": [{"found": b.found, "ra_deg": b.ra_deg, "dec_deg": b.dec_deg,
                    "mag": getattr(b, "mag", None)} for b in BurstResult.objects.all()],
    }
    return out


# --- invariants --------------------------------------------------------------------------------

def _check(name: str, ok: bool, detail: str) -> dict[str, str]:
    return {"name": name, "status": "PASS" if ok else "FAIL", "detail": detail}


def invariants(night: Night, start: datetime, end: datetime,
               events: list[dict[str, Any]]) -> list[dict[str, str]]:
    from pyros.accounts.ledger import sequence_rows
    from pyros.accounts.models import Quota
    from pyros.alerts.models import StoredNotice
    from pyros.execution.models import Frame
    from pyros.routines.models import Sequence

    checks = []
    root = Path(settings.DATA_DIR)
    # 1. every frame archived and in the database
    bad = []
    for f in Frame.objects.all():
        path = root / f.path
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != f.sha256:
            bad.append(f.path)
    rows = set(Frame.objects.values_list("path", flat=True))
    files = {str(p.relative_to(root)) for p in (root / "raw").rglob("*.fits")} \
        if (root / "raw").exists() else set()
    orphans = files - rows
    checks.append(_check("every frame archived and in the database",
                         not bad and not orphans,
                         f"{len(rows)} frames; {len(bad)} missing or altered, "
                         f"{len(orphans)} files without a record"))
    # 2. every sequence in exactly one state, final when its window is over
    executing = Sequence.objects.filter(status="executing").count()
    overdue = Sequence.objects.exclude(status__in=FINAL).filter(window_end__lte=end).count()
    checks.append(_check("every sequence in one final state (or still pending in its window)",
                         executing == 0 and overdue == 0,
                         f"{executing} left executing, {overdue} past their window not final"))
    # 3. the ledger: sums equal balances, per quota and per sequence
    wrong = []
    for q in Quota.objects.all():
        total = float(q.entries.aggregate(s=Sum("amount_s"))["s"] or 0.0)
        if abs(q.allocated_s - total - q.remaining_s()) > 1e-6:
            wrong.append(q.programme.code)
    for s in Sequence.objects.select_related("request__programme"):
        if not s.request.programme.quotas.exists():
            continue  # a programme without quota (alert follow-up) books nothing
        r = sequence_rows(s)
        holds = s.status in ("validated", "planned", "executing")
        if (r["reserved"] > 1e-6) != holds or \
                (s.status in ("executed", "partial") and abs(r["debited"] - s.executed_s) > 1e-3):
            wrong.append(f"sequence {s.pk} ({s.status})")
    checks.append(_check("quota ledger sums equal balances", not wrong,
                         "all consistent" if not wrong else ", ".join(wrong[:10])))
    # 4. nothing executed outside the night or while unsafe
    cfg = load_config()
    margin = timedelta(seconds=cfg.site.execution_margin_s)
    lights = Frame.objects.filter(kind="light")
    outside = [f.path for f in lights
               if not (night.start + margin <= f.date_obs <= night.end - margin)]
    unsafe = [(a, b) for a, b, m, _ in _mode_intervals(start, end) if m == "unsafe"]
    # The reaction: exposures are aborted within 2 s of UNSAFE, or within the execution
    # guard's wall-time reaction (UNSAFE_REACTION_WALL_S) at the run's speed, whichever is
    # longer: at 200x a 50 ms guard period is 10 s of clock, and an exposure that ends in
    # it is complete before the guard can abort it.
    grace = timedelta(seconds=max(2.0, UNSAFE_REACTION_WALL_S * _speed()))
    during = [(f.path, (f.date_obs + timedelta(seconds=f.exposure_s) - a).total_seconds())
              for f in lights for a, b in unsafe
              if f.date_obs < b and f.date_obs + timedelta(seconds=f.exposure_s) > a + grace]
    checks.append(_check("nothing executed outside the night", not outside,
                         f"{len(outside)} of {lights.count()} light frames outside"))
    checks.append(_check(
        "nothing executed while unsafe", not during,
        f"{len(during)} light frames overlap {len(unsafe)} unsafe periods by more than "
        f"{grace.total_seconds():g} s" + (f" (ended {max(t for _, t in during):.1f} s after "
                                           "UNSAFE)" if during else "")))
    # 5. every notice stored once
    published = [e for e in events if e["kind"] == "notice"]
    stored = StoredNotice.objects.count()
    dupes = (StoredNotice.objects.exclude(ivorn=None).values("ivorn").annotate(n=Count("id"))
             .filter(n__gt=1).count())
    checks.append(_check("every notice stored once", stored == len(published) and not dupes,
                         f"{len(published)} published, {stored} stored, {dupes} stored twice"))
    return checks


def build_report(report_dir: Path, scenario, night: Night, start: datetime, end: datetime,
                 speed: float, events: list[dict[str, Any]], wall_s: float,
                 submitted: dict[str, int]) -> NightResult:
    data = {
        "report_dir": str(report_dir),
        "scenario": scenario.model_dump(mode="json"),
        "run": {"start": _iso(start), "end": _iso(end), "speed": speed, "wall_s": round(wall_s, 1),
                "hours": (end - start).total_seconds() / 3600},
        "night": night.as_dict(),
        "requests_submitted": submitted,
        "time_usage": time_usage(night, start, end),
        "sequences": sequences_section(night),
        "alerts": alerts_section(),
        "weather_closures": closures_section(start, end, events),
        "quotas": quotas_section(),
        "frames": frames_section(),
        "events": events,
    }
    result = NightResult(data, invariants(night, start, end, events))
    data["invariants"] = result.checks
    data["all_pass"] = result.all_pass
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "night.json").write_text(json.dumps(data, indent=1, default=str))
    from pyros.night.html import render_report

    (report_dir / "index.html").write_text(render_report(data), encoding="utf-8")
    return result

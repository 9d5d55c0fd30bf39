"""What the pages and the API show about the observatory now, read from every component.

Agents and their heartbeats (``system``), the mode and why (``monitoring``), the
current and next sequence (``execution``, ``scheduler``), the pipeline's workload
(``pipeline``) and the alert in progress (``alerts``).  Read-only; every function is
cheap enough to be called by a page polled every second.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.db.models import Count, Max

from pyros.clock import get_clock
from pyros.system.models import AgentRun

#: A process whose last beat is older than this many clock seconds is shown as stale.
STALE_AFTER_S = 30.0

__all__ = ["STALE_AFTER_S", "active_alert", "agents_status", "mode_status", "pipeline_status",
           "sequences_status", "system_status"]


def agents_status() -> list[dict[str, object]]:
    """Latest run of each supervised process, with alive / stale / ended."""
    clock = get_clock()
    now = clock.now()
    # A fast simulated clock stretches the limit (beats come every wall half-second);
    # a manual clock (infinite speed) does not.
    stale_s = STALE_AFTER_S * (max(1.0, clock.speed / 10) if math.isfinite(clock.speed)
                               else 1.0)
    latest = AgentRun.objects.values("name").annotate(last=Max("started_at"), runs=Count("id"))
    rows = []
    for item in latest.order_by("name"):
        run = AgentRun.objects.filter(name=item["name"], started_at=item["last"]).first()
        if run is None:
            continue
        if run.ended_at is not None:
            state = "ended"
        elif run.is_stale(now, stale_s):
            state = "stale"
        else:
            state = "alive"
        rows.append({
            "name": run.name, "host": run.host, "pid": run.pid, "state": state,
            "started_at": run.started_at.isoformat(),
            "last_beat_at": run.last_beat_at.isoformat(),
            "age_s": round((now - run.last_beat_at).total_seconds(), 1),
            "ended_at": run.ended_at.isoformat() if run.ended_at else None,
            "exit_reason": run.exit_reason,
            "restarts": item["runs"] - 1,
            "info": run.info,
        })
    return rows


def mode_status() -> dict[str, Any]:
    """The observatory mode as the pages show it (see monitoring.state.observatory_mode)."""
    from pyros.monitoring.models import ObservatoryState
    from pyros.monitoring.state import observatory_mode

    info = observatory_mode()
    row = ObservatoryState.objects.filter(pk=1).only(
        "admin_paused_by", "admin_pause_reason", "admin_changed_at").first()
    return {
        "mode": info.mode.value, "reasons": info.reasons, "since": info.since,
        "safe_to_observe": info.safe_to_observe, "sky_safe": info.sky_safe,
        "unavailable_devices": info.unavailable_devices, "admin_paused": info.admin_paused,
        "paused_by": row.admin_paused_by if row and info.admin_paused else "",
        "pause_reason": row.admin_pause_reason if row and info.admin_paused else "",
    }


def running_run():
    """The sequence run in progress (the execution agent's), or None."""
    from pyros.execution.models import SequenceRun

    return (SequenceRun.objects.filter(outcome=SequenceRun.Outcome.RUNNING, ended_at=None)
            .select_related("sequence", "sequence__request").first())


def sequences_status(now: datetime | None = None) -> dict[str, Any]:
    """The sequence executing now (with its run) and the next one planned."""
    from pyros.routines.lifecycle import Status
    from pyros.scheduler.actions import current_schedule

    now = now or get_clock().now()
    run = running_run()
    schedule = current_schedule(now)
    upcoming = None
    if schedule is not None:
        qs = schedule.entries.filter(end__gt=now, sequence__status=Status.PLANNED.value)
        if run is not None:
            qs = qs.exclude(sequence_id=run.sequence_id)
        upcoming = qs.select_related("sequence", "sequence__request").order_by("start").first()
    return {"run": run, "current": run.sequence if run else None, "next": upcoming,
            "schedule": schedule}


def pipeline_status() -> dict[str, Any]:
    """The pipeline's workload: light frames waiting, reductions running/done/failed,
    burst analyses, masters, and the latest reductions."""
    from django.apps import apps

    if not apps.is_installed("pyros.pipeline"):
        return {"installed": False}
    from pyros.execution.models import Frame
    from pyros.pipeline.models import BurstResult, MasterCalibration, ReducedFrame

    by_status = dict(ReducedFrame.objects.values_list("status").annotate(n=Count("id")))
    queued = Frame.objects.filter(kind=Frame.Kind.LIGHT, reduced__isnull=True).count()
    return {
        "installed": True,
        "queued": queued,
        "running": by_status.get(ReducedFrame.Status.RUNNING, 0),
        "done": by_status.get(ReducedFrame.Status.DONE, 0),
        "failed": by_status.get(ReducedFrame.Status.FAILED, 0),
        "masters": MasterCalibration.objects.count(),
        "bursts": BurstResult.objects.count(),
        "bursts_found": BurstResult.objects.filter(found=True).count(),
        "recent": list(ReducedFrame.objects.select_related("frame")
                       .order_by("-updated_at", "-id")[:8]),
    }


#: Alert states that put the banner on every page.
IN_PROGRESS = ("active", "preliminary", "observing")


def active_alert():
    """The most recent alert being followed (the banner's), or None."""
    from pyros.alerts.models import Alert

    return (Alert.objects.filter(status__in=IN_PROGRESS, disabled=False)
            .order_by("-first_received_at", "-id").first())


def system_status() -> dict[str, object]:
    """The JSON of ``/api/status/``: clock, agents, mode, current and next sequence."""
    mode = mode_status()
    seqs = sequences_status()
    nxt = seqs["next"]
    clock = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in get_clock().describe().items()}  # JSON has no infinity
    return {
        "clock": clock,
        "agents": agents_status(),
        "mode": {**mode, "since": mode["since"].isoformat()},
        "current_sequence": ({"id": seqs["current"].pk, "name": seqs["current"].name}
                             if seqs["current"] else None),
        "next_sequence": ({"id": nxt.sequence_id, "name": nxt.sequence.name,
                           "start": nxt.start.isoformat()} if nxt else None),
    }

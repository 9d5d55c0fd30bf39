"""The system status every page and the API show: agents, their heartbeats, the clock."""

from __future__ import annotations

from django.db.models import Max

from pyros.clock import get_clock
from pyros.system.models import AgentRun

#: A process whose last beat is older than this many clock seconds is shown as stale.
STALE_AFTER_S = 30.0


def agents_status() -> list[dict[str, object]]:
    """Latest run of each supervised process, with alive / stale / ended."""
    now = get_clock().now()
    latest = AgentRun.objects.values("name").annotate(last=Max("started_at"))
    rows = []
    for item in latest.order_by("name"):
        run = AgentRun.objects.filter(name=item["name"], started_at=item["last"]).first()
        if run is None:
            continue
        if run.ended_at is not None:
            state = "ended"
        elif run.is_stale(now, STALE_AFTER_S * max(1.0, get_clock().speed / 10)):
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
            "restarts": AgentRun.objects.filter(name=run.name).count() - 1,
            "info": run.info,
        })
    return rows


def system_status() -> dict[str, object]:
    return {"clock": get_clock().describe(), "agents": agents_status()}

"""Read-only views of programmes and quotas, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from pyros.accounts.ledger import member_usage, quota_balance, quota_history
from pyros.accounts.models import Quota, ScientificProgramme


def programme_summary(programme: ScientificProgramme) -> dict[str, Any]:
    return {
        "code": programme.code, "title": programme.title, "priority": programme.priority,
        "members": list(programme.members.order_by("username")
                        .values_list("username", flat=True)),
        "balances": [quota_balance(programme, q.period).as_dict()
                     for q in programme.quotas.select_related("period")],
    }


def quota_report(quota: Quota) -> dict[str, Any]:
    usage = member_usage(quota.programme, quota.period)
    return {
        "balance": quota_balance(quota.programme, quota.period).as_dict(),
        "members": [{"username": m.username, "allocated_s": m.allocated_s, "used_s": m.used_s,
                     "remaining_s": m.remaining_s} for m in usage],
        "ledger": quota_history(quota),
    }


def evolution_svg_points(quota: Quota, history: list[dict[str, Any]], width: float = 600,
                         height: float = 160) -> str:
    """Polyline points (SVG user units) of the remaining time over the period, for the
    quota page's chart: x is time within the period, y the remaining fraction."""
    start, end = quota.period.start, quota.period.end
    span = (end - start).total_seconds() or 1.0
    alloc = float(quota.allocated_s) or 1.0

    def pt(at, remaining: float) -> str:
        x = min(max((at - start).total_seconds() / span, 0.0), 1.0) * width
        y = height - min(max(remaining / alloc, 0.0), 1.0) * height
        return f"{x:.1f},{y:.1f}"

    points = [pt(start, alloc)]
    remaining = alloc
    for row in history:
        points.append(pt(row["at"], remaining))  # step: flat until the movement
        remaining = float(row["remaining_s"])
        points.append(pt(row["at"], remaining))
    return " ".join(points)

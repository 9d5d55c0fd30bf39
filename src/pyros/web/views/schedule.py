"""Schedule: tonight's plan as a timeline with the targets' altitude curves, the refused
sequences with their reasons, and previous schedules by night."""

from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from pyros.clock import get_clock
from pyros.config import load_config
from pyros.routines.access import visible_requests
from pyros.web import svg
from pyros.web.sky import altitude_curves
from pyros.web.views.common import render_live


def _chart(schedule, now) -> str:
    cfg = load_config()
    entries = list(schedule.entries.select_related("sequence"))
    curves = altitude_curves([(e.sequence.ra_deg, e.sequence.dec_deg) for e in entries],
                             schedule.night_start, schedule.night_end,
                             cfg.site.location_tuple())
    bars = [svg.Bar(label=f"{e.sequence.name} ({e.sequence.target_name})", start=e.start,
                    end=e.end, href=reverse("routines:request-detail",
                                            args=[e.sequence.request_id]),
                    curve=curve)
            for e, curve in zip(entries, curves, strict=True)]
    min_alt = math.degrees(math.asin(1.0 / cfg.telescope.max_airmass))
    return svg.night_chart(bars, schedule.night_start, schedule.night_end,
                           title=f"Plan of the night of {schedule.night_start:%Y-%m-%d}",
                           now=now, min_alt_deg=max(min_alt, cfg.site.horizon_deg))


def _context(request: HttpRequest, schedule) -> dict[str, object]:
    now = get_clock().now()
    visible = set(visible_requests(request.user).values_list("pk", flat=True))
    context: dict[str, object] = {"schedule": schedule, "now": now, "visible": visible}
    if schedule is not None:
        context["chart"] = _chart(schedule, now)
        context["entries"] = list(schedule.entries.select_related("sequence",
                                                                  "sequence__request"))
        context["rejections"] = list(schedule.rejections.select_related(
            "sequence", "sequence__request"))
        context["night_versions"] = list(schedule.__class__.objects.filter(
            night_start=schedule.night_start).only(
            "pk", "created_at", "reason", "solver", "end_of_night")[:50])
    return context


@login_required
def schedule_tonight(request: HttpRequest) -> HttpResponse:
    from pyros.scheduler.actions import current_night, current_schedule

    now = get_clock().now()
    schedule = current_schedule(now)
    context = _context(request, schedule)
    context["night"] = current_night(now)
    context["tonight"] = True
    return render_live(request, "web/schedule.html", context,
                       {"plan": "web/parts/schedule_plan.html"})


@login_required
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from pyros.scheduler.models import Schedule

    schedule = get_object_or_404(Schedule, pk=pk)
    context = _context(request, schedule)
    context["night"] = None
    return render(request, "web/schedule.html", context)


@login_required
def schedule_history(request: HttpRequest) -> HttpResponse:
    """Every night with a schedule: its number of versions, latest and end-of-night one."""
    from pyros.scheduler.models import Schedule

    nights = (Schedule.objects.values("night_start").annotate(
        versions=Count("id"), last=Max("created_at")).order_by("-night_start")[:90])
    rows = []
    for n in nights:
        versions = Schedule.objects.filter(night_start=n["night_start"])
        final = versions.filter(end_of_night=True).first()
        latest = versions.first()
        rows.append({"night_start": n["night_start"], "versions": n["versions"],
                     "final": final, "latest": latest,
                     "planned": (final or latest).entries.count(),
                     "refused": (final or latest).rejections.count()})
    return render(request, "web/schedule_history.html", {"nights": rows})

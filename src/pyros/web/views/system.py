"""Home, the system dashboard (agents, mode, sequences, pipeline, logs), pause/resume,
the live header, health and the status API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from pyros.system.models import LogEntry
from pyros.web.serializers import SystemStatusSerializer
from pyros.web.status import (
    agents_status,
    mode_status,
    pipeline_status,
    sequences_status,
    system_status,
)
from pyros.web.views.common import admin_required, render_live

#: Log levels offered by the filter (minimum level).
LOG_LEVELS = (("", "all"), ("20", "info"), ("30", "warning"), ("40", "error"),
              ("50", "critical"))
#: At most this many log lines are shown (newest first).
LOG_LIMIT = 200


def home(request: HttpRequest) -> HttpResponse:
    context = {"status": {"agents": agents_status()}, "mode": mode_status(),
               "seqs": sequences_status()}
    return render_live(request, "web/home.html", context, {
        "mode": "web/parts/mode.html", "sequences": "web/parts/sequences.html",
        "agents": "web/_agents.html"})


def _logs(request: HttpRequest) -> dict[str, object]:
    level = request.GET.get("level", "")
    process = request.GET.get("process", "")
    text = request.GET.get("q", "").strip()
    logs = LogEntry.objects.all()
    if level.isdigit():
        logs = logs.filter(level__gte=int(level))
    if process:
        logs = logs.filter(process=process)
    if text:
        logs = logs.filter(message__icontains=text)
    return {"logs": logs[:LOG_LIMIT], "level": level, "process": process, "q": text,
            "levels": LOG_LEVELS,
            "processes": LogEntry.objects.order_by("process").values_list(
                "process", flat=True).distinct()}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    part = request.GET.get("part", "")
    context: dict[str, object] = {}
    if part in ("", "agents"):
        context["status"] = {"agents": agents_status()}
    if part in ("", "mode"):
        context["mode"] = mode_status()
    if part in ("", "sequences"):
        context["seqs"] = sequences_status()
    if part in ("", "pipeline"):
        context["pipeline"] = pipeline_status()
    if part in ("", "logs"):
        context.update(_logs(request))
    return render_live(request, "web/dashboard.html", context, {
        "agents": "web/_agents.html", "mode": "web/parts/mode.html",
        "sequences": "web/parts/sequences.html", "pipeline": "web/parts/pipeline.html",
        "logs": "web/parts/logs.html"})


@require_POST
@admin_required
def pause(request: HttpRequest) -> HttpResponse:
    from pyros.monitoring.actions import pause_observatory

    reason = request.POST.get("reason", "").strip()
    pause_observatory(request.user, reason)
    messages.warning(request, f"Observatory paused ({reason or 'no reason given'}).")
    return redirect("dashboard")


@require_POST
@admin_required
def resume(request: HttpRequest) -> HttpResponse:
    from pyros.monitoring.actions import resume_observatory

    resume_observatory(request.user)
    messages.success(request, "Pause lifted: the monitoring agent decides the mode again.")
    return redirect("dashboard")


def live_top(request: HttpRequest) -> HttpResponse:
    """The header's live strip (clock, mode badge, alert banner), polled by every page."""
    response = render(request, "web/parts/top.html")  # context processor: mode, alert
    response["Cache-Control"] = "no-store"
    return response


def health(_request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the process runs and the database answers."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"ok": True})


@extend_schema(responses=SystemStatusSerializer)
@api_view(["GET"])
@permission_classes([AllowAny])
def api_status(_request: Request) -> Response:
    """Clock, the heartbeat of every supervised process, the mode, current and next
    sequence."""
    return Response(system_status())

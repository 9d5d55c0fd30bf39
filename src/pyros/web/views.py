"""Pages (thin: data comes from status and domain modules)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from pyros.system.models import LogEntry
from pyros.web.serializers import SystemStatusSerializer
from pyros.web.status import system_status


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"status": system_status()})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    logs = LogEntry.objects.all()
    if level.isdigit():
        logs = logs.filter(level__gte=int(level))
    return render(request, "web/dashboard.html",
                  {"status": system_status(), "logs": logs[:200], "level": level})


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
    """Clock and the heartbeat of every supervised process."""
    return Response(system_status())

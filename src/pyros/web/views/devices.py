"""Devices: live status and availability of each, history plots, and the telescope page
for manual operation (experts and admins)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pyros.clock import get_clock
from pyros.config import load_config
from pyros.config.devices import DeviceKind
from pyros.web import svg
from pyros.web.operate import Action, ActionError, Command, perform, refusal
from pyros.web.status import mode_status, running_run
from pyros.web.views.common import operator_required, render_live, span_of

#: At most this many points per plotted series (older history is averaged in buckets).
MAX_POINTS = 360


def summary(kind: str, status: dict[str, Any]) -> list[tuple[str, str]]:
    """The few fields of a device status worth a glance, as (label, text)."""
    if not status:
        return []

    def deg(key: str, digits: int = 2) -> str:
        v = status.get(key)
        return "—" if v is None else f"{v:.{digits}f}°"

    if kind == DeviceKind.TELESCOPE.value:
        state = ("parked" if status.get("at_park") else "slewing" if status.get("slewing")
                 else "tracking" if status.get("tracking") else "stopped")
        return [("RA", deg("ra_deg", 4)), ("Dec", deg("dec_deg", 4)), ("Alt", deg("alt_deg", 1)),
                ("Az", deg("az_deg", 1)), ("state", state)]
    if kind == DeviceKind.DOME.value:
        return [("shutter", str(status.get("shutter", "—")).lower()),
                ("azimuth", deg("azimuth_deg", 1)),
                ("state", "parked" if status.get("at_park") else
                 "moving" if status.get("slewing") else "still"),
                ("slaved", "yes" if status.get("slaved") else "no")]
    if kind == DeviceKind.CAMERA.value:
        t = status.get("ccd_temperature_c")
        return [("state", str(status.get("state", "—")).lower()),
                ("CCD", "—" if t is None else f"{t:.1f} °C"),
                ("cooler", "on" if status.get("cooler_on") else "off")]
    if kind == DeviceKind.FILTERWHEEL.value:
        return [("filter", str(status.get("filter") or "—"))]
    if kind == DeviceKind.FOCUSER.value:
        return [("position", str(status.get("position", "—"))),
                ("moving", "yes" if status.get("moving") else "no")]
    if kind == DeviceKind.SAFETYMONITOR.value:
        return [("verdict", "safe" if status.get("is_safe") else "UNSAFE")]
    if kind == DeviceKind.OBSERVINGCONDITIONS.value:
        values = status.get("values") or {}
        return [(k, "—" if v is None else f"{v:g}") for k, v in sorted(values.items())
                if k in ("windspeed", "humidity", "rainrate", "cloudcover", "temperature")]
    if kind == DeviceKind.SWITCH.value:
        switches = status.get("switches") or {}
        items = switches.items() if isinstance(switches, dict) else []
        return [(str(k), str(v)) for k, v in list(items)[:6]]
    return []


def _rows() -> list[dict[str, Any]]:
    from pyros.monitoring.state import device_statuses

    return [{**d, "summary": summary(d["kind"], d["status"])} for d in device_statuses()]


@login_required
def devices(request: HttpRequest) -> HttpResponse:
    context = {"devices": _rows(), "mode": mode_status()}
    return render_live(request, "web/devices.html", context,
                       {"cards": "web/parts/device_cards.html"})


def bucketed(points: list[tuple[datetime, float | None]], max_points: int = MAX_POINTS
             ) -> list[tuple[datetime, float | None]]:
    """At most ``max_points`` points: consecutive readings averaged in equal-count buckets
    (a bucket without any valid reading stays a gap)."""
    if len(points) <= max_points:
        return points
    size = math.ceil(len(points) / max_points)
    out: list[tuple[datetime, float | None]] = []
    for i in range(0, len(points), size):
        chunk = points[i:i + size]
        vals = [v for _, v in chunk if v is not None]
        out.append((chunk[len(chunk) // 2][0], sum(vals) / len(vals) if vals else None))
    return out


def numeric_fields(statuses: list[dict[str, Any]]) -> list[str]:
    """Top-level numeric (not boolean) fields found in a device's status history."""
    keys: dict[str, None] = {}
    for s in statuses:
        for k, v in s.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                keys[k] = None
    return sorted(keys)


@login_required
def device_detail(request: HttpRequest, name: str) -> HttpResponse:
    from pyros.monitoring.models import DeviceStatus, StatusSample

    device = DeviceStatus.objects.filter(name=name).first()
    if device is None:
        raise Http404("no such device")
    span_name, span = span_of(request)
    now = get_clock().now()
    t0 = now - span
    samples = list(StatusSample.objects.filter(device=name, at__gte=t0)
                   .order_by("at", "id").values_list("at", "available", "status"))
    previous = (StatusSample.objects.filter(device=name, at__lt=t0).order_by("-at", "-id")
                .values_list("available", flat=True).first())
    changes = ([(t0, previous)] if previous is not None else []) + [
        (at, ok) for at, ok, _ in samples]
    strip = svg.availability_strip(changes, t0, now, title=f"{name}: availability")
    statuses = [s or {} for _, _, s in samples]
    plots = []
    for key in numeric_fields(statuses):
        points = bucketed([(at, s.get(key) if isinstance(s.get(key), int | float) else None)
                           for (at, _, _), s in zip(samples, statuses, strict=True)])
        plots.append(svg.time_series([svg.Series(key, points)], t0, now,
                                     title=f"{name}: {key}", unit=key.rsplit("_", 1)[-1]
                                     if "_" in key else ""))
    context = {"device": device, "summary": summary(device.kind, device.status),
               "strip": strip, "plots": plots, "span": span_name,
               "events": samples[-20:][::-1]}
    return render_live(request, "web/device_detail.html", context,
                       {"now": "web/parts/device_now.html"})


# --- manual operation ------------------------------------------------------------------

def _situation() -> dict[str, Any]:
    mode = mode_status()
    run = running_run()
    return {"mode": mode, "executing": run.sequence.name if run else None, "run": run}


def _refusals(situation: dict[str, Any]) -> dict[str, str | None]:
    m = situation["mode"]
    return {a.name.lower(): refusal(a, mode=m["mode"], reasons=m["reasons"],
                             executing=situation["executing"], admin_paused=m["admin_paused"])
            for a in Action}


def _telescope_devices() -> list[dict[str, Any]]:
    kinds = {DeviceKind.TELESCOPE.value, DeviceKind.DOME.value, DeviceKind.CAMERA.value}
    return [d for d in _rows() if d["kind"] in kinds]


@operator_required
def telescope(request: HttpRequest) -> HttpResponse:
    situation = _situation()
    cfg = load_config()
    context = {**situation, "refusals": _refusals(situation), "devices": _telescope_devices(),
               "cameras": [d.name for d in cfg.devices if d.kind is DeviceKind.CAMERA],
               "actions": list(Action)}
    return render_live(request, "web/telescope.html", context,
                       {"state": "web/parts/telescope_state.html"})


class _BadInput(ValueError):
    pass


def _command(action: Action, data: Any) -> Command:
    """The command from the form; raises _BadInput with a message."""
    def number(key: str, lo: float, hi: float, what: str) -> float:
        try:
            value = float(data.get(key, ""))
        except ValueError:
            raise _BadInput(f"{what}: a number is needed") from None
        if not (lo <= value <= hi) or not math.isfinite(value):
            raise _BadInput(f"{what} must be between {lo:g} and {hi:g}")
        return value

    if action is Action.SLEW:
        return Command(action, ra_deg=number("ra_deg", 0.0, 360.0, "RA (deg)"),
                       dec_deg=number("dec_deg", -90.0, 90.0, "Dec (deg)"))
    if action is Action.EXPOSE:
        cfg = load_config()
        cameras = [d.name for d in cfg.devices if d.kind is DeviceKind.CAMERA]
        camera = data.get("camera", "")
        if camera not in cameras:
            raise _BadInput(f"camera must be one of {', '.join(cameras)}")
        return Command(action, camera=camera,
                       exposure_s=number("exposure_s", 0.0, 3600.0, "Exposure (s)"))
    return Command(action)


@require_POST
@operator_required
def telescope_action(request: HttpRequest, action: str) -> HttpResponse:
    """First POST: the confirmation page; POST with ``confirm=yes``: checked again, sent."""
    try:
        act = Action(action)
    except ValueError:
        raise Http404("no such action") from None
    try:
        command = _command(act, request.POST)
    except _BadInput as exc:
        messages.error(request, f"{act.label}: {exc}")
        return redirect("telescope")
    situation = _situation()
    why = _refusals(situation)[act.name.lower()]
    if why is not None:
        messages.error(request, f"{command.describe()}: {why}")
        return redirect("telescope")
    if request.POST.get("confirm") != "yes":
        return render(request, "web/telescope_confirm.html",
                      {**situation, "command": command, "action": act,
                       "fields": {k: v for k, v in request.POST.items()
                                  if k in ("ra_deg", "dec_deg", "camera", "exposure_s")}})
    try:
        done = perform(command, load_config(), request.user.get_username())
    except ActionError as exc:
        messages.error(request, f"{command.describe()}: failed: {exc}")
    else:
        messages.success(request, done)
    return redirect("telescope")

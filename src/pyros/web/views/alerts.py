"""Alerts: list, detail (notices, positions with their error circles, status, observations,
latency chain, results) and "simulate an alert" for administrators."""

from __future__ import annotations

import os
from pathlib import Path

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from pyros.web import svg
from pyros.web.views.common import admin_required, render_live

#: Sample notices offered by "simulate an alert": the shared real notices folder.
SAMPLE_SUFFIXES = (".xml", ".json")
#: Pasted notices larger than this are refused (a real notice is a few kB).
MAX_PASTE_BYTES = 512 * 1024


def samples_dir() -> Path | None:
    """The folder of sample notices: ``PYROS_SAMPLE_NOTICES``, else the shared data beside
    the repository (as the tests find it); None when there is none."""
    configured = os.environ.get("PYROS_SAMPLE_NOTICES", "")
    candidates = [Path(configured)] if configured else []
    repo = Path(__file__).resolve().parents[4]
    candidates += [repo.parent / "shared" / "data" / "notices",
                   Path("/work/shared/data/notices")]
    return next((c for c in candidates if c.is_dir()), None)


def sample_notices() -> list[str]:
    """Relative paths of the sample notices (VOEvents and JSON examples), sorted."""
    root = samples_dir()
    if root is None:
        return []
    out = []
    for path in root.rglob("*"):
        if path.suffix not in SAMPLE_SUFFIXES or not path.is_file():
            continue
        if path.suffix == ".json" and not (path.name.endswith(".example.json")
                                           or "einstein_probe" in path.parts):
            continue  # schemas are not notices
        out.append(path.relative_to(root).as_posix())
    return sorted(out)


class SimulateForm(forms.Form):
    sample = forms.ChoiceField(required=False, label="Sample notice")
    notice = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}),
                             label="Or paste a notice (VOEvent XML or GCN JSON)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sample"].choices = [("", "—")] + [(s, s) for s in sample_notices()]

    def clean(self):
        data = super().clean()
        if bool(data.get("sample")) == bool((data.get("notice") or "").strip()):
            raise forms.ValidationError("Choose a sample or paste a notice (one of them).")
        if len((data.get("notice") or "").encode()) > MAX_PASTE_BYTES:
            raise forms.ValidationError("The notice is too large.")
        return data

    def raw(self) -> tuple[bytes, str]:
        """The notice's bytes and a label for messages."""
        if self.cleaned_data.get("sample"):
            root = samples_dir()
            rel = self.cleaned_data["sample"]
            assert root is not None  # the choice exists only when the folder does
            return (root / rel).read_bytes(), rel
        return self.cleaned_data["notice"].encode("utf-8"), "pasted notice"


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    from pyros.alerts.models import Alert, StoredNotice

    status = request.GET.get("status", "")
    alerts = Alert.objects.prefetch_related("event_ids")
    if status:
        alerts = alerts.filter(status=status)
    context = {"alerts": alerts[:200], "status": status,
               "statuses": [s for s, _ in Alert._meta.get_field("status").choices],
               "notices": StoredNotice.objects.defer("raw").order_by("-received_at", "-id")[:20]}
    return render_live(request, "web/alert_list.html", context,
                       {"list": "web/parts/alert_rows.html"})


def _observations(alert) -> list[dict[str, object]]:
    if alert.request_id is None:
        return []
    rows = []
    for seq in alert.request.sequences.prefetch_related("runs"):
        rows.append({"sequence": seq, "runs": list(seq.runs.all()),
                     "frames": seq.frames.filter(kind="light").count()})
    return rows


def _results(alert) -> list[dict[str, object]]:
    if not apps.is_installed("pyros.pipeline"):
        return []
    from pyros.pipeline.models import BurstResult
    from pyros.web.views.results import burst_view

    return [burst_view(b) for b in BurstResult.objects.filter(alert_id=alert.pk)]


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from pyros.alerts.models import Alert, LatencyChain

    alert = get_object_or_404(Alert.objects.select_related("strategy", "request"), pk=pk)
    positions = list(alert.positions.order_by("at", "id"))
    chart = ""
    if positions:
        centre = ((alert.ra_deg, alert.dec_deg) if alert.has_position
                  else (positions[-1].ra_deg, positions[-1].dec_deg))
        pointed = ((alert.pointed_ra_deg, alert.pointed_dec_deg)
                   if alert.pointed_ra_deg is not None else None)
        chart = svg.error_circles(
            [svg.Circle(f"{p.mission} {p.instrument} {p.at:%H:%M:%S}".strip(), p.ra_deg,
                        p.dec_deg, p.error90_deg or p.error_radius_deg, p.adopted)
             for p in positions],
            title=f"Error circles of {alert.name}", centre=centre, pointed=pointed,
            fov_deg=_fov_deg())
    latency = LatencyChain.objects.filter(alert=alert).first()
    stages = []
    if latency is not None:
        delays = latency.seconds_since_receipt()
        stages = [(s.replace("_", " "), getattr(latency, s), delays[s])
                  for s in LatencyChain.STAGES]
    context = {"alert": alert, "positions": positions, "chart": chart, "stages": stages,
               "notices": alert.notices.defer("raw").order_by("received_at", "id"),
               "observations": _observations(alert), "results": _results(alert)}
    return render_live(request, "web/alert_detail.html", context,
                       {"status": "web/parts/alert_status.html"})


def _fov_deg() -> float | None:
    """The VIS channel's field of view (deg), drawn on the error-circle plot."""
    from pyros.config import load_config

    cfg = load_config()
    if not cfg.channels:
        return None
    ch = cfg.channels[0]
    return ch.width_px * ch.pixel_scale_arcsec / 3600.0


@admin_required
def alert_simulate(request: HttpRequest) -> HttpResponse:
    """Feed a notice to the alert manager as if a listener had received it (source "web")."""
    from pyros.alerts.actions import ingest_notice

    form = SimulateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        raw, label = form.raw()
        result = ingest_notice(raw, source="web")
        text = f"{label}: {result.outcome}" + (f" ({result.reason})" if result.reason else "")
        if result.rejected:
            messages.error(request, text)
        else:
            messages.success(request, text)
        if result.alert_id is not None:
            return redirect("alert-detail", pk=result.alert_id)
        return redirect("alerts")
    return render(request, "web/alert_simulate.html",
                  {"form": form, "samples_dir": samples_dir()})

"""The user's data: their sequences' runs, frames and pipeline results, with a visibility
plot of the target.  Who sees what follows :mod:`pyros.routines.access`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from pyros.accounts.roles import sees_all
from pyros.astro.night import next_night
from pyros.clock import get_clock
from pyros.config import load_config
from pyros.routines.access import visible_sequences
from pyros.web import svg
from pyros.web.sky import altitude_curves

#: At most this many sequences listed on "My data".
LIST_LIMIT = 200


def _pipeline() -> bool:
    return apps.is_installed("pyros.pipeline")


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    seqs = (visible_sequences(request.user)
            .annotate(n_runs=Count("runs", distinct=True),
                      n_frames=Count("frames", distinct=True,
                                     filter=Q(frames__kind="light")))
            .order_by("-window_start", "-id"))
    mine = request.GET.get("all") != "1"
    if mine:
        seqs = seqs.filter(Q(request__owner=request.user) | Q(n_runs__gt=0))
    return render(request, "web/my_data.html",
                  {"sequences": seqs[:LIST_LIMIT], "mine": mine})


def visibility_plot(seq, now) -> tuple[str, list[tuple]]:
    """Altitude of the sequence's target over the night (the one in progress, else the
    window's first), with the lowest allowed altitude; and the observable intervals."""
    from pyros.routines.visibility import Constraints, observable_intervals

    cfg = load_config()
    site = cfg.site.location_tuple()
    anchor = now if seq.window_start <= now <= seq.window_end else seq.window_start
    night = next_night(site, anchor, cfg.site.twilight_deg)
    curve = altitude_curves([(seq.ra_deg, seq.dec_deg)], night.start - timedelta(hours=1),
                            night.end + timedelta(hours=1), site)[0]
    constraints = Constraints(max_airmass=seq.max_airmass,
                              min_moon_separation_deg=seq.min_moon_separation_deg,
                              max_moon_illumination=seq.max_moon_illumination,
                              twilight_deg=cfg.site.twilight_deg, horizon_deg=cfg.site.horizon_deg)
    a, b = max(night.start, seq.window_start), min(night.end, seq.window_end)
    intervals = observable_intervals(seq.ra_deg, seq.dec_deg, a, b, site, constraints) \
        if b > a else []
    min_alt = constraints.min_altitude_deg
    chart = svg.time_series(
        [svg.Series(seq.target_name, curve)], night.start - timedelta(hours=1),
        night.end + timedelta(hours=1), unit="alt °", y_range=(0.0, 90.0),
        limits=[(min_alt, f"airmass {seq.max_airmass:g}")],
        title=f"Altitude of {seq.target_name} on the night of {night.start:%Y-%m-%d}",
        desc=("observable (all constraints) " + ", ".join(
            f"{x:%H:%M}–{y:%H:%M}" for x, y in intervals) + " UTC") if intervals
        else "not observable this night within its window")
    return chart, intervals


def light_curve_points(rows: object) -> list[tuple[float, float, float | None, str]]:
    """(t_s, mag, mag_err, filter) of the detections in a BurstResult's light curve."""
    out = []
    for p in rows if isinstance(rows, list) else []:
        if not isinstance(p, dict) or not p.get("detected") or p.get("mag") is None:
            continue
        try:
            out.append((float(p["t_s"]), float(p["mag"]),
                        None if p.get("mag_err") is None else float(p["mag_err"]),
                        str(p.get("filter_name") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    return out


def burst_view(result) -> dict[str, object]:
    return {"result": result, "chart": svg.light_curve(
        light_curve_points(result.light_curve), title=f"Light curve of {result.key}")}


@login_required
def sequence_data(request: HttpRequest, pk: int) -> HttpResponse:
    seq = get_object_or_404(visible_sequences(request.user), pk=pk)
    now = get_clock().now()
    frames = list(seq.frames.order_by("date_obs", "id").select_related(
        *(["reduced"] if _pipeline() else [])))
    if _pipeline():
        for f in frames:
            f.red = getattr(f, "reduced", None)  # None until the pipeline reduced it
    bursts = []
    if _pipeline():
        for b in seq.burst_results.all() | seq.request.burst_results.all():
            bursts.append(burst_view(b))
    chart, intervals = visibility_plot(seq, now)
    return render(request, "web/sequence_data.html", {
        "seq": seq, "runs": seq.runs.all(), "frames": frames, "bursts": bursts,
        "chart": chart, "intervals": intervals, "pipeline": _pipeline()})


@login_required
def preview(request: HttpRequest, pk: int) -> FileResponse:
    """The PNG preview of a reduced frame, for those who may see its sequence."""
    if not _pipeline():
        raise Http404("no pipeline")
    from pyros.pipeline.models import ReducedFrame

    red = get_object_or_404(ReducedFrame.objects.select_related("frame"), pk=pk)
    seq_id = red.frame.sequence_id
    visible = seq_id is not None and visible_sequences(request.user).filter(pk=seq_id).exists()
    if not visible and not sees_all(request.user):
        raise Http404("no such preview")
    return _data_file(red.preview_path, "image/png")


def _data_file(relative: str, content_type: str) -> FileResponse:
    if not relative:
        raise Http404("no file")
    root = Path(settings.DATA_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404("no such file")
    return FileResponse(path.open("rb"), content_type=content_type)

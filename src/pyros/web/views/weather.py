"""Site and weather: live values against their limits, the safety verdict and its reasons,
history plots over 24 hours or 7 days."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from pyros.clock import get_clock
from pyros.config import load_config
from pyros.devices import WEATHER_SENSORS
from pyros.web import svg
from pyros.web.status import mode_status
from pyros.web.views.common import render_live, span_of
from pyros.web.views.devices import bucketed


def limit_text(rule: Any) -> str:
    if rule is None:
        return "no limit"
    if rule.min is not None and rule.max is not None:
        return f"{rule.min:g} to {rule.max:g}"
    return f"≤ {rule.max:g}" if rule.max is not None else f"≥ {rule.min:g}"


def sensor_rows() -> dict[str, Any]:
    """The latest reading of every sensor with its limit and the agent's verdict."""
    from pyros.monitoring.models import ObservatoryState, WeatherSample

    cfg = load_config()
    rules = cfg.safety.sensors
    last = WeatherSample.objects.order_by("-at", "-id").first()
    state = ObservatoryState.objects.filter(pk=1).only("weather").first()
    verdict = state.weather if state else {}
    sensors = verdict.get("sensors") or {}
    values = last.values if last else {}
    names = list(rules) + sorted(k for k in values if k not in rules)
    rows = []
    for name in names:
        value = values.get(name)
        judged = sensors.get(name) or {}
        rule = rules.get(name)
        out_of_range = value is not None and rule is not None and (
            (rule.max is not None and value > rule.max)
            or (rule.min is not None and value < rule.min))
        rows.append({"name": name, "unit": WEATHER_SENSORS.get(name, ""), "value": value,
                     "limit": limit_text(rule), "has_rule": rule is not None,
                     "safe": judged.get("safe", not out_of_range),
                     "reason": judged.get("reason") or "", "pending": judged.get("pending") or "",
                     "out_of_range": out_of_range})
    return {"sensors": rows, "sample_at": last.at if last else None,
            "verdict": verdict, "mode": mode_status()}


def weather(request: HttpRequest) -> HttpResponse:
    from pyros.monitoring.models import WeatherSample

    span_name, span = span_of(request)
    context: dict[str, Any] = {"span": span_name, **sensor_rows()}
    if request.GET.get("part") != "now":
        cfg = load_config()
        now = get_clock().now()
        t0 = now - span
        rows = list(WeatherSample.objects.filter(at__gte=t0).order_by("at", "id")
                    .values_list("at", "values", "safe"))
        plots = []
        for row in context["sensors"]:
            name = row["name"]
            points = [(at, v.get(name)) for at, v, _ in rows]
            if not any(p[1] is not None for p in points) and not row["has_rule"]:
                continue
            rule = cfg.safety.sensors.get(name)
            limits = []
            if rule is not None and rule.max is not None:
                limits.append((rule.max, f"max {rule.max:g}"))
            if rule is not None and rule.min is not None:
                limits.append((rule.min, f"min {rule.min:g}"))
            plots.append(svg.time_series(
                [svg.Series(name, bucketed(points))], t0, now, unit=row["unit"],
                title=f"{name} ({row['unit']}) over the last {span_name}", limits=limits,
                height=170))
        safe_changes = [(at, ok) for at, _, ok in rows]
        context["safety_strip"] = svg.availability_strip(
            safe_changes, t0, now, title=f"sky safe (green) or unsafe (red), last {span_name}")
        context["plots"] = plots
    return render_live(request, "web/weather.html", context, {"now": "web/parts/weather_now.html"})

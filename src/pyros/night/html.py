"""``index.html`` of a night report: tables and inline SVG plots (no script, no CDN)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

COLOURS = {"science": "#1b7837", "slewing": "#5aae61", "closed": "#b2182b",
           "paused": "#ef8a62", "idle": "#bdbdbd", "operational": "#1b7837",
           "unsafe": "#b2182b", "day": "#fdb863"}


def _bar(parts: dict[str, float], width: int = 720) -> str:
    total = sum(parts.values()) or 1.0
    x = 0.0
    rects = []
    for name, value in parts.items():
        w = width * value / total
        rects.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="28" '
                     f'fill="{COLOURS.get(name, "#888")}"><title>{name}: {value / 3600:.2f} h'
                     f'</title></rect>')
        x += w
    legend = " ".join(f'<span class="key" style="background:{COLOURS.get(k, "#888")}"></span>'
                      f'{k} {v / total:.1%}' for k, v in parts.items())
    return (f'<svg role="img" aria-label="time usage" width="{width}" height="28" '
            f'viewBox="0 0 {width} 28">{"".join(rects)}</svg><p>{legend}</p>')


def _timeline(modes: list[dict[str, Any]], start: str, end: str, width: int = 720) -> str:
    t0, t1 = datetime.fromisoformat(start), datetime.fromisoformat(end)
    span = (t1 - t0).total_seconds() or 1.0
    rects = []
    for m in modes:
        a = (datetime.fromisoformat(m["from"]) - t0).total_seconds() / span * width
        b = (datetime.fromisoformat(m["to"]) - t0).total_seconds() / span * width
        rects.append(f'<rect x="{a:.1f}" y="0" width="{max(0.5, b - a):.1f}" height="20" '
                     f'fill="{COLOURS.get(m["mode"], "#888")}"><title>{escape(m["mode"])} '
                     f'{m["from"][11:19]}–{m["to"][11:19]}: {escape("; ".join(m["reasons"]))}'
                     f'</title></rect>')
    return (f'<svg role="img" aria-label="observatory mode over the night" width="{width}" '
            f'height="20">{"".join(rects)}</svg>')


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th scope='col'>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(data: dict[str, Any]) -> str:
    t = data["time_usage"]
    parts = {k: t[f"{k}_s"] for k in ("science", "slewing", "closed", "paused", "idle")}
    checks = "".join(f"<li class='{c['status'].lower()}'><strong>{c['status']}</strong> "
                     f"{escape(c['name'])}: {escape(c['detail'])}</li>"
                     for c in data["invariants"])
    alerts = [{"name": a["name"], "status": a["status"], "missions": ", ".join(a["missions"]),
               "notices": a["notices"], **{k: v for k, v in a["latency_s"].items()}}
              for a in data["alerts"]]
    stages = ["notice_stored", "request_created", "abort_sent", "slew_commanded", "on_target",
              "first_exposure"]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>PyROS night report — {escape(data['scenario']['name'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;max-width:60rem;color:#111}}
table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border-bottom:1px solid #ccc;
padding:.2rem .5rem;text-align:left}}.pass{{color:#1b7837}}.fail{{color:#b2182b}}
.key{{display:inline-block;width:.8rem;height:.8rem;margin:0 .2rem 0 .8rem}}</style></head>
<body><h1>Night report: {escape(data['scenario']['name'])}</h1>
<p>Run {data['run']['start']} → {data['run']['end']} at {data['run']['speed']:g}× in
{data['run']['wall_s']:.0f} s of wall time; night {data['night']['start']} →
{data['night']['end']}.</p>
<h2>Invariants</h2><ul>{checks}</ul>
<h2>Time usage (usable night {t['usable_s'] / 3600:.2f} h)</h2>{_bar(parts)}
<p>Shutter open {t['shutter_open_fraction']:.1%} of the usable night; calibrations
{t['calibration_s']:.0f} s of exposure.</p>
<h3>Observatory mode</h3>{_timeline(t['modes'], data['run']['start'], data['run']['end'])}
<h2>Sequences</h2>{_table([{"status": k, "count": v} for k, v in
                            data['sequences']['by_status'].items()], ["status", "count"])}
<h3>Refused in the last plan</h3>{_table(data['sequences']['refused_in_last_plan'],
                                       ["sequence", "name", "reason"])}
<h2>Alerts (latencies in seconds after the notice was received)</h2>
{_table(alerts, ["name", "status", "missions", "notices", *stages])}
<h2>Weather closures</h2>{_table(data['weather_closures'],
                               ["unsafe_at", "safe_again_at", "duration_s", "reaction_s",
                                "reasons"])}
<h2>Quota ledger</h2>{_table(data['quotas'], ["programme", "allocated_s", "reserved_s",
                                             "debited_s", "remaining_s", "entries"])}
<h2>Frames</h2>{_table([{"kind/channel": k, "count": v} for k, v in
                         data['frames']['by_kind'].items()], ["kind/channel", "count"])}
<p>Pipeline: {escape(str(data['frames'].get('pipeline', 'not installed')))}</p>
</body></html>"""

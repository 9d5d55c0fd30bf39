"""Plots as inline SVG, drawn on the server (pure: no Django, no JavaScript).

People look at trends, timelines and sky positions rather than read them, so these few
chart kinds cover the site: time series with limits, a night timeline with altitude
curves, availability strips, error circles on the sky and light curves.  Every chart is
an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (what a screen reader says)
and is styled by classes from ``pyros.css`` so that colours follow the page's contrast.

Inputs are plain values (datetimes must be timezone-aware); outputs are strings of SVG
markup, safe to insert in a page (every text is escaped here).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

__all__ = ["Bar", "Circle", "Series", "availability_strip", "error_circles", "light_curve",
           "night_chart", "time_series"]

_ids = itertools.count(1)

#: Candidate time-axis steps (s): at most about eight ticks are drawn.
_TIME_STEPS_S = (60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800)


@dataclass(frozen=True)
class Series:
    """One line: ``points`` are (time, value or None for a gap)."""

    name: str
    points: Sequence[tuple[datetime, float | None]]
    css: str = "s1"


@dataclass(frozen=True)
class Bar:
    """A labelled interval on a timeline (a scheduled sequence); ``href`` links it."""

    label: str
    start: datetime
    end: datetime
    href: str = ""
    css: str = "bar"
    curve: Sequence[tuple[datetime, float]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Circle:
    """An error circle on the sky (deg), ``adopted`` drawn bold."""

    label: str
    ra_deg: float
    dec_deg: float
    radius_deg: float | None
    adopted: bool = False


def _f(x: float) -> str:
    return f"{x:.1f}"


def _open(width: int, height: int, title: str, desc: str, css: str) -> tuple[str, str]:
    uid = f"svg{next(_ids)}"
    head = (f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMidYMid meet" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')
    return uid, head


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (about ``n`` of them)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def time_ticks(t0: datetime, t1: datetime, max_ticks: int = 8) -> tuple[list[datetime], str]:
    """Tick instants on whole steps of UTC time, and their strftime format."""
    span_s = max((t1 - t0).total_seconds(), 1.0)
    step = next((s for s in _TIME_STEPS_S if span_s / s <= max_ticks), _TIME_STEPS_S[-1])
    epoch = t0.replace(hour=0, minute=0, second=0, microsecond=0)
    k = math.ceil((t0 - epoch).total_seconds() / step)
    ticks = []
    t = epoch + timedelta(seconds=k * step)
    while t <= t1:
        ticks.append(t)
        t += timedelta(seconds=step)
    return ticks, ("%H:%M" if step < 86400 else "%m-%d")


class _Frame:
    """Maps data to the plotting area of a chart."""

    def __init__(self, width: int, height: int, left: int = 48, right: int = 12,
                 top: int = 12, bottom: int = 28):
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = top, height - bottom

    def sx(self, frac: float) -> float:
        return self.x0 + frac * (self.x1 - self.x0)

    def sy(self, frac: float) -> float:
        return self.y1 - frac * (self.y1 - self.y0)


def _time_axis(fr: _Frame, t0: datetime, t1: datetime, span: float) -> list[str]:
    out = []
    ticks, fmt = time_ticks(t0, t1)
    for t in ticks:
        x = fr.sx((t - t0).total_seconds() / span)
        out.append(f'<line class="grid" x1="{_f(x)}" y1="{fr.y0}" x2="{_f(x)}" y2="{fr.y1}"/>'
                   f'<text class="tick" x="{_f(x)}" y="{fr.y1 + 16}" text-anchor="middle">'
                   f'{t.strftime(fmt)}</text>')
    return out


def _value_axis(fr: _Frame, lo: float, hi: float, ticks: Iterable[float], unit: str) -> list[str]:
    out = []
    for v in ticks:
        y = fr.sy((v - lo) / (hi - lo))
        out.append(f'<line class="grid" x1="{fr.x0}" y1="{_f(y)}" x2="{fr.x1}" y2="{_f(y)}"/>'
                   f'<text class="tick" x="{fr.x0 - 4}" y="{_f(y + 4)}" text-anchor="end">'
                   f'{v:g}</text>')
    if unit:
        out.append(f'<text class="unit" x="4" y="{fr.y0 + 4}">{escape(unit)}</text>')
    return out


def time_series(series: Sequence[Series], t0: datetime, t1: datetime, *, title: str,
                desc: str = "", unit: str = "", limits: Sequence[tuple[float, str]] = (),
                y_range: tuple[float, float] | None = None, width: int = 640,
                height: int = 200) -> str:
    """Lines over [t0, t1] with horizontal limit lines (e.g. a wind speed maximum).

    Missing values (None) break the line.  The y range covers the data and the limits
    unless ``y_range`` is given.  Without any value the chart says "no data".
    """
    span = max((t1 - t0).total_seconds(), 1.0)
    values = [v for s in series for _, v in s.points if v is not None and math.isfinite(v)]
    if y_range is not None:
        lo, hi = y_range
    elif values:
        lo = min([*values, *(lim for lim, _ in limits)])
        hi = max([*values, *(lim for lim, _ in limits)])
        pad = (hi - lo) * 0.08 or max(abs(hi) * 0.1, 1.0)
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = 0.0, 1.0
    n_points = sum(len(s.points) for s in series)
    auto_desc = desc or (f"{n_points} readings from {t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M}"
                         " UTC" + (f"; latest {values[-1]:g} {unit}" if values else ""))
    _, out = _open(width, height, title, auto_desc, "timeseries")
    parts = [out]
    fr = _Frame(width, height)
    parts += _value_axis(fr, lo, hi, nice_ticks(lo, hi, 4), unit)
    parts += _time_axis(fr, t0, t1, span)
    parts.append(f'<rect class="frame" x="{fr.x0}" y="{fr.y0}" width="{fr.x1 - fr.x0}" '
                 f'height="{fr.y1 - fr.y0}"/>')
    for value, label in limits:
        if lo <= value <= hi:
            y = fr.sy((value - lo) / (hi - lo))
            parts.append(f'<line class="limit" x1="{fr.x0}" y1="{_f(y)}" x2="{fr.x1}" '
                         f'y2="{_f(y)}"/><text class="limit-label" x="{fr.x1 - 2}" '
                         f'y="{_f(y - 3)}" text-anchor="end">{escape(label)}</text>')
    for s in series:
        runs: list[list[str]] = [[]]
        for t, v in s.points:
            if v is None or not math.isfinite(v) or t < t0 or t > t1:
                if runs[-1]:
                    runs.append([])
                continue
            x = fr.sx((t - t0).total_seconds() / span)
            y = fr.sy((min(max(v, lo), hi) - lo) / (hi - lo))
            runs[-1].append(f"{_f(x)},{_f(y)}")
        for run in runs:
            if len(run) == 1:
                x, y = run[0].split(",")
                parts.append(f'<circle class="line {s.css}" cx="{x}" cy="{y}" r="2"/>')
            elif run:
                parts.append(f'<polyline class="line {s.css}" points="{" ".join(run)}">'
                             f'<title>{escape(s.name)}</title></polyline>')
    if not values:
        parts.append(f'<text class="empty" x="{_f((fr.x0 + fr.x1) / 2)}" '
                     f'y="{_f((fr.y0 + fr.y1) / 2)}" text-anchor="middle">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def availability_strip(changes: Sequence[tuple[datetime, bool]], t0: datetime, t1: datetime,
                       *, title: str, width: int = 1000, height: int = 40) -> str:
    """A strip coloured by availability: ``changes`` are (instant, available) in time order;
    each state holds until the next change; before the first one the state is unknown."""
    span = max((t1 - t0).total_seconds(), 1.0)
    fr = _Frame(width, height, top=2, bottom=18)
    up_s = 0.0
    rects = []
    for i, (t, ok) in enumerate(changes):
        end = changes[i + 1][0] if i + 1 < len(changes) else t1
        a, b = max(t, t0), min(end, t1)
        if b <= a:
            continue
        up_s += (b - a).total_seconds() if ok else 0.0
        x = fr.sx((a - t0).total_seconds() / span)
        w = fr.sx((b - t0).total_seconds() / span) - x
        rects.append(f'<rect class="{"up" if ok else "down"}" x="{_f(x)}" y="{fr.y0}" '
                     f'width="{_f(max(w, 0.5))}" height="{fr.y1 - fr.y0}"/>')
    desc = f"available {100 * up_s / span:.0f} % of the time shown"
    _, head = _open(width, height, title, desc, "strip")
    parts = [head, f'<rect class="unknown" x="{fr.x0}" y="{fr.y0}" width="{fr.x1 - fr.x0}" '
             f'height="{fr.y1 - fr.y0}"/>', *rects]
    ticks, fmt = time_ticks(t0, t1)
    for t in ticks:
        x = fr.sx((t - t0).total_seconds() / span)
        parts.append(f'<text class="tick" x="{_f(x)}" y="{height - 4}" '
                     f'text-anchor="middle">{t.strftime(fmt)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def night_chart(bars: Sequence[Bar], t0: datetime, t1: datetime, *, title: str,
                now: datetime | None = None, min_alt_deg: float | None = None,
                width: int = 720, lane_h: int = 22) -> str:
    """The night's plan: one lane per scheduled sequence above the targets' altitude curves.

    Each bar's ``curve`` (time, altitude in degrees) is drawn over the whole night, thick
    during its scheduled interval; ``min_alt_deg`` draws the lowest allowed altitude and
    ``now`` a vertical line.
    """
    span = max((t1 - t0).total_seconds(), 1.0)
    lanes_h = max(len(bars), 1) * lane_h
    alt_h = 200
    height = 12 + lanes_h + 16 + alt_h + 28
    desc = "; ".join(f"{b.label} {b.start:%H:%M}–{b.end:%H:%M} UTC" for b in bars) \
        or "nothing scheduled"
    _, head = _open(width, height, title, desc, "night")
    parts = [head]
    left, right = 48, width - 12

    def sx(t: datetime) -> float:
        return left + (t - t0).total_seconds() / span * (right - left)

    for i, b in enumerate(bars):
        y = 12 + i * lane_h
        x, x_end = sx(max(b.start, t0)), sx(min(b.end, t1))
        rect = (f'<rect class="{b.css} c{i % 6}" x="{_f(x)}" y="{y + 2}" '
                f'width="{_f(max(x_end - x, 2))}" height="{lane_h - 4}"/>')
        label = (f'<text class="bar-label" x="{_f(min(x_end + 4, right - 4))}" '
                 f'y="{y + lane_h - 7}" text-anchor="{"start" if x_end < right - 120 else "end"}"'
                 f'>{escape(b.label)}</text>')
        item = f"<title>{escape(b.label)} {b.start:%H:%M}–{b.end:%H:%M} UTC</title>{rect}{label}"
        if b.href:
            parts.append(f'<a href="{escape(b.href)}">{item}</a>')
        else:
            parts.append(f"<g>{item}</g>")
    fr = _Frame(width, height, top=12 + lanes_h + 16, bottom=28)
    parts += _value_axis(fr, 0.0, 90.0, (0, 30, 60, 90), "alt °")
    parts += _time_axis(fr, t0, t1, span)
    parts.append(f'<rect class="frame" x="{fr.x0}" y="{fr.y0}" width="{fr.x1 - fr.x0}" '
                 f'height="{fr.y1 - fr.y0}"/>')
    if min_alt_deg is not None and 0 < min_alt_deg < 90:
        y = fr.sy(min_alt_deg / 90.0)
        parts.append(f'<line class="limit" x1="{fr.x0}" y1="{_f(y)}" x2="{fr.x1}" y2="{_f(y)}"/>'
                     f'<text class="limit-label" x="{fr.x1 - 2}" y="{_f(y - 3)}" '
                     f'text-anchor="end">lowest allowed</text>')
    for i, b in enumerate(bars):
        pts, thick = [], []
        for t, alt in b.curve:
            if t < t0 or t > t1:
                continue
            p = f"{_f(sx(t))},{_f(fr.sy(max(alt, 0.0) / 90.0))}"
            pts.append(p)
            if b.start <= t <= b.end:
                thick.append(p)
        if len(pts) > 1:
            parts.append(f'<polyline class="alt c{i % 6}" points="{" ".join(pts)}"/>')
        if len(thick) > 1:
            parts.append(f'<polyline class="alt-on c{i % 6}" points="{" ".join(thick)}">'
                         f'<title>{escape(b.label)}</title></polyline>')
    if now is not None and t0 <= now <= t1:
        x = sx(now)
        parts.append(f'<line class="now" x1="{_f(x)}" y1="8" x2="{_f(x)}" y2="{fr.y1}"/>'
                     f'<text class="now-label" x="{_f(x + 3)}" y="10">now</text>')
    parts.append("</svg>")
    return "".join(parts)


def _tangent(ra: float, dec: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Gnomonic projection (deg) of (ra, dec) about (ra0, dec0): east left, north up."""
    a, d, a0, d0 = map(math.radians, (ra, dec, ra0, dec0))
    cos_c = math.sin(d0) * math.sin(d) + math.cos(d0) * math.cos(d) * math.cos(a - a0)
    cos_c = max(cos_c, 1e-6)
    xi = math.cos(d) * math.sin(a - a0) / cos_c
    eta = (math.cos(d0) * math.sin(d) - math.sin(d0) * math.cos(d) * math.cos(a - a0)) / cos_c
    return math.degrees(xi), math.degrees(eta)


def error_circles(circles: Sequence[Circle], *, title: str, centre: tuple[float, float],
                  pointed: tuple[float, float] | None = None, fov_deg: float | None = None,
                  size: int = 320) -> str:
    """Error circles around ``centre`` (ra, dec deg) on a tangent plane, east to the left.

    ``pointed`` marks where the telescope pointed, ``fov_deg`` draws its field of view as
    a square.  The scale fits the largest circle (or field) with a margin.
    """
    ra0, dec0 = centre
    extent = max([c.radius_deg or 0.0 for c in circles] + [fov_deg or 0.0, 1e-3]) * 1.15
    for c in circles:
        x, y = _tangent(c.ra_deg, c.dec_deg, ra0, dec0)
        extent = max(extent, (abs(x) + (c.radius_deg or 0.0)) * 1.1,
                     (abs(y) + (c.radius_deg or 0.0)) * 1.1)
    half = size / 2
    scale = (half - 24) / extent

    def px(x_deg: float, y_deg: float) -> tuple[float, float]:
        return half - x_deg * scale, half - y_deg * scale

    desc = "; ".join(
        f"{c.label}: RA {c.ra_deg:.4f}°, Dec {c.dec_deg:+.4f}°, radius "
        f"{'unknown' if c.radius_deg is None else f'{c.radius_deg * 60:.2f} arcmin'}"
        f"{' (adopted)' if c.adopted else ''}" for c in circles) or "no position"
    _, head = _open(size, size, title, desc, "sky")
    parts = [head, f'<rect class="frame" x="1" y="1" width="{size - 2}" height="{size - 2}"/>']
    unit, factor = ("arcmin", 60.0) if extent < 2 else ("deg", 1.0)
    bar = nice_ticks(0, extent * factor, 2)
    bar_len = bar[1] if len(bar) > 1 else extent * factor / 2
    x_end = 12 + bar_len / factor * scale
    parts.append(f'<line class="scale" x1="12" y1="{size - 12}" x2="{_f(x_end)}"'
                 f' y2="{size - 12}"/><text class="tick" x="12" y="{size - 16}">'
                 f"{bar_len:g} {unit}</text>")
    parts.append(f'<text class="tick" x="{half}" y="14" text-anchor="middle">N</text>'
                 f'<text class="tick" x="8" y="{half + 4}">E</text>')
    for i, c in enumerate(circles):
        x, y = px(*_tangent(c.ra_deg, c.dec_deg, ra0, dec0))
        cls = f"circle{' adopted' if c.adopted else ''} c{i % 6}"
        r = (c.radius_deg or 0.0) * scale
        shape = (f'<circle class="{cls}" cx="{_f(x)}" cy="{_f(y)}" r="{_f(max(r, 2))}"/>'
                 if c.radius_deg else f'<circle class="{cls} point" cx="{_f(x)}" '
                 f'cy="{_f(y)}" r="3"/>')
        parts.append(f"<g><title>{escape(c.label)}</title>{shape}</g>")
    if fov_deg:
        cx, cy = px(*_tangent(*(pointed or centre), ra0, dec0))
        w = fov_deg * scale
        parts.append(f'<rect class="fov" x="{_f(cx - w / 2)}" y="{_f(cy - w / 2)}" '
                     f'width="{_f(w)}" height="{_f(w)}"><title>field of view</title></rect>')
    if pointed is not None:
        x, y = px(*_tangent(pointed[0], pointed[1], ra0, dec0))
        parts.append(f'<path class="pointed" d="M{_f(x - 6)},{_f(y)}h12M{_f(x)},{_f(y - 6)}v12">'
                     f"<title>pointed</title></path>")
    parts.append("</svg>")
    return "".join(parts)


def light_curve(points: Sequence[tuple[float, float, float | None, str]], *, title: str,
                width: int = 560, height: int = 240) -> str:
    """Magnitude against time since trigger (log axis); ``points``: (t_s, mag, err, filter).

    Brighter is up (magnitudes inverted).  Points with t ≤ 0 are dropped.
    """
    pts = [p for p in points if p[0] > 0 and math.isfinite(p[1])]
    desc = (f"{len(pts)} measurements from {min(p[0] for p in pts):.0f} s to "
            f"{max(p[0] for p in pts):.0f} s after the trigger, magnitude "
            f"{min(p[1] for p in pts):.2f} to {max(p[1] for p in pts):.2f}") if pts \
        else "no measurement"
    _, head = _open(width, height, title, desc, "lightcurve")
    parts = [head]
    fr = _Frame(width, height, left=48, bottom=32)
    if not pts:
        parts.append(f'<text class="empty" x="{width / 2}" y="{height / 2}" '
                     f'text-anchor="middle">no data</text></svg>')
        return "".join(parts)
    lt = [math.log10(p[0]) for p in pts]
    t_lo, t_hi = math.floor(min(lt) * 2) / 2, math.ceil(max(lt) * 2) / 2 + 1e-9
    if t_hi - t_lo < 0.5:
        t_hi = t_lo + 0.5
    mags = [p[1] for p in pts]
    m_lo, m_hi = min(mags) - 0.5, max(mags) + 0.5
    parts.append(f'<rect class="frame" x="{fr.x0}" y="{fr.y0}" width="{fr.x1 - fr.x0}" '
                 f'height="{fr.y1 - fr.y0}"/>')
    for v in nice_ticks(m_lo, m_hi, 4):
        y = fr.sy((m_hi - v) / (m_hi - m_lo))
        parts.append(f'<line class="grid" x1="{fr.x0}" y1="{_f(y)}" x2="{fr.x1}" y2="{_f(y)}"/>'
                     f'<text class="tick" x="{fr.x0 - 4}" y="{_f(y + 4)}" text-anchor="end">'
                     f"{v:g}</text>")
    decade = math.ceil(t_lo)
    while decade <= t_hi:
        x = fr.sx((decade - t_lo) / (t_hi - t_lo))
        parts.append(f'<line class="grid" x1="{_f(x)}" y1="{fr.y0}" x2="{_f(x)}" y2="{fr.y1}"/>'
                     f'<text class="tick" x="{_f(x)}" y="{fr.y1 + 16}" text-anchor="middle">'
                     f"{10 ** decade:g} s</text>")
        decade += 1
    parts.append(f'<text class="unit" x="4" y="{fr.y0 + 4}">mag</text>'
                 f'<text class="unit" x="{fr.x1}" y="{height - 2}" text-anchor="end">'
                 "time since trigger</text>")
    filters = sorted({p[3] for p in pts})
    for t_s, mag, err, band in pts:
        x = fr.sx((math.log10(t_s) - t_lo) / (t_hi - t_lo))
        y = fr.sy((m_hi - mag) / (m_hi - m_lo))
        cls = f"c{filters.index(band) % 6}"
        if err:
            dy = err / (m_hi - m_lo) * (fr.y1 - fr.y0)
            parts.append(f'<line class="err {cls}" x1="{_f(x)}" y1="{_f(y - dy)}" '
                         f'x2="{_f(x)}" y2="{_f(y + dy)}"/>')
        parts.append(f'<circle class="pt {cls}" cx="{_f(x)}" cy="{_f(y)}" r="3.5">'
                     f"<title>{escape(band)} {mag:.2f} at {t_s:.0f} s</title></circle>")
    for i, band in enumerate(filters):
        parts.append(f'<text class="legend c{i % 6}" x="{fr.x1 - 4}" y="{fr.y0 + 14 + 14 * i}" '
                     f'text-anchor="end">● {escape(band)}</text>')
    parts.append("</svg>")
    return "".join(parts)

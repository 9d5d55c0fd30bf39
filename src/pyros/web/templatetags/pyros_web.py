"""Template helpers of the web pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.safestring import SafeString, mark_safe

from pyros.clock import get_clock

register = template.Library()


@register.simple_tag(takes_context=True)
def part_url(context: template.Context, name: str) -> str:
    """The current page's URL (its query kept) asking only for fragment ``name``."""
    request = context["request"]
    query = request.GET.copy()
    query["part"] = name
    return f"{request.path}?{query.urlencode()}"


@register.filter
def svg(markup: str) -> SafeString:
    """Mark a chart from :mod:`pyros.web.svg` safe (it escapes every text itself)."""
    return mark_safe(markup)


@register.filter
def ago(instant: datetime | None) -> str:
    """"12 s ago", "3 min ago", "2 h ago" against the observatory clock."""
    if instant is None:
        return "never"
    s = (get_clock().now() - instant).total_seconds()
    if s < 0:
        return "in the future"
    if s < 120:
        return f"{s:.0f} s ago"
    if s < 7200:
        return f"{s / 60:.0f} min ago"
    if s < 172800:
        return f"{s / 3600:.1f} h ago"
    return f"{s / 86400:.1f} d ago"


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def num(value, digits: int = 2) -> str:
    """A number with ``digits`` decimals, "—" when missing."""
    if value is None or isinstance(value, bool):
        return "—"
    try:
        return f"{float(value):.{int(digits)}f}"
    except (TypeError, ValueError):
        return str(value)

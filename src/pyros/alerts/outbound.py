"""Alert status to the science centre: a drop folder and, optionally, an HTTP POST.

One JSON file per alert in the drop folder (``<DATA_DIR>/exchange/FSC/TO/`` by default),
rewritten at each status change: written to a temporary file in the same folder, flushed,
then renamed, so a reader never sees half a file.  The same document is POSTed to
``fsc.url`` when configured (on the outbound thread).
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from pyros.alerts import dispatch
from pyros.alerts.models import Alert
from pyros.atomicfile import write_atomically
from pyros.config.alerts import AlertsSettings

log = logging.getLogger("pyros.alerts.outbound")

__all__ = ["alert_document", "drop_dir", "publish_alert"]


def drop_dir(settings: AlertsSettings) -> Path:
    if settings.fsc.drop_dir is not None:
        return settings.fsc.drop_dir
    from django.conf import settings as django_settings

    return Path(django_settings.DATA_DIR) / "exchange" / "FSC" / "TO"


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def alert_document(alert: Alert) -> dict[str, Any]:
    """The alert's state as the science centre receives it (JSON-ready)."""
    seqs = []
    if alert.request_id is not None:
        seqs = [{"name": s.name, "status": s.status, "ra_deg": s.ra_deg, "dec_deg": s.dec_deg,
                 "window_start": _iso(s.window_start), "window_end": _iso(s.window_end)}
                for s in alert.request.sequences.order_by("id")]
    latency = getattr(alert, "latency", None)
    return {
        "schema": "pyros.alert/1",
        "alert_id": alert.pk,
        "name": alert.name,
        "status": alert.status,
        "reason": alert.status_reason,
        "missions": alert.missions,
        "event_ids": sorted(str(e) for e in alert.event_ids.all()),
        "trigger_time": _iso(alert.trigger_time),
        "position": None if not alert.has_position else {
            "ra_deg": alert.ra_deg, "dec_deg": alert.dec_deg,
            "error_radius_deg": alert.error_radius_deg, "error90_deg": alert.error90_deg,
            "source": alert.position_source},
        "priority": alert.priority,
        "preliminary": alert.is_preliminary,
        "expires_at": _iso(alert.expires_at),
        "strategy": alert.strategy.name if alert.strategy_id else None,
        "recipe": alert.recipe,
        "sequences": seqs,
        "latency_s": latency.seconds_since_receipt() if latency else None,
        "updated_at": _iso(alert.updated_at),
    }


def _file_name(alert: Alert) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", alert.name).strip("_") or "alert"
    return f"pyros_alert_{alert.pk}_{slug}.json"


def publish_alert(alert: Alert, settings: AlertsSettings) -> Path | None:
    """Drop the alert's document (and queue the POST).  Never raises: logs failures."""
    if not settings.fsc.enabled:
        return None
    doc = alert_document(alert)
    path = drop_dir(settings) / _file_name(alert)
    try:
        write_atomically(path, json.dumps(doc, indent=2).encode("utf-8"))
    except OSError as exc:
        log.warning("alerts: cannot write %s for the science centre: %s", path, exc)
        path = None
    if settings.fsc.url:
        url, timeout = settings.fsc.url, settings.fsc.timeout_s
        dispatch.submit(f"FSC POST {alert.name}", lambda: dispatch.post_json(url, doc, timeout))
    return path

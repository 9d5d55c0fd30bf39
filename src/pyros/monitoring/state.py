"""What other components read from monitoring (the contract; keep it stable).

* :func:`observatory_mode` — the mode, why, since when, and whether to observe;
* :func:`device_statuses` — every configured device, available or not and why;
* :func:`weather_history` — one sensor's stored readings.

All read the database (the monitoring agent writes it), so any process can call them.
A mode the agent has not refreshed for a while is not trusted: an OPERATIONAL mode
nobody is watching any more reads as PAUSED ("monitoring silent").
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pyros.clock import get_clock
from pyros.monitoring.mode import Mode, ModeInfo

__all__ = ["STALE_AFTER_S", "Mode", "ModeInfo", "device_statuses", "observatory_mode",
           "weather_history"]

#: The agent's state older than this (clock s) is not trusted ...
STALE_AFTER_S = 30.0
#: ... nor older than this in wall seconds at a fast simulated clock.
STALE_AFTER_WALL_S = 10.0


def _stale_limit_s() -> float:
    speed = get_clock().speed
    return max(STALE_AFTER_S, STALE_AFTER_WALL_S * speed) if math.isfinite(speed) else \
        STALE_AFTER_S


def observatory_mode() -> ModeInfo:
    """The current mode (one row written by the monitoring agent).

    Without a row (the agent never ran) or with a row older than the staleness limit the
    mode is PAUSED with the reason; ``safe_to_observe`` is then False.
    """
    from pyros.monitoring.models import ObservatoryState

    now = get_clock().now()
    row = ObservatoryState.objects.filter(pk=1).first()
    if row is None:
        return ModeInfo(Mode.PAUSED, ["monitoring has not run yet"], now, False, [], False)
    mode = Mode(row.mode)
    reasons = list(row.reasons)
    since = row.since
    age_s = (now - row.updated_at).total_seconds()
    if age_s > _stale_limit_s() and mode is not Mode.UNSAFE:
        reasons = [f"monitoring silent for {age_s:.0f} s", *reasons]
        if mode is not Mode.PAUSED:
            mode, since = Mode.PAUSED, row.updated_at
    sky_safe = bool(row.weather.get("safe", False)) and mode is not Mode.UNSAFE
    return ModeInfo(mode=mode, reasons=reasons, since=since,
                    safe_to_observe=mode is Mode.OPERATIONAL,
                    unavailable_devices=list(row.unavailable_devices),
                    admin_paused=row.admin_paused, sky_safe=sky_safe)


def device_statuses() -> list[dict[str, Any]]:
    """Every device monitoring knows, in name order: name, kind, blocking, available,
    reason, status (the driver's JSON snapshot), updated_at, seen_at, since, restarts."""
    from pyros.monitoring.models import DeviceStatus

    return [{"name": d.name, "kind": d.kind, "blocking": d.blocking, "available": d.available,
             "reason": d.reason, "status": d.status, "updated_at": d.updated_at,
             "seen_at": d.seen_at, "since": d.since, "restarts": d.restarts}
            for d in DeviceStatus.objects.order_by("name")]


def weather_history(sensor: str, since: datetime, until: datetime | None = None
                    ) -> list[tuple[datetime, float | None]]:
    """Stored readings of ``sensor`` (lower-case ASCOM name) from ``since``, oldest first;
    None where the reading was missing or invalid."""
    from pyros.monitoring.models import WeatherSample

    qs = WeatherSample.objects.filter(at__gte=since).order_by("at", "id")
    if until is not None:
        qs = qs.filter(at__lte=until)
    key = sensor.lower()
    return [(at, values.get(key)) for at, values in qs.values_list("at", "values")]

"""Every write of the monitoring component, named ``verb_noun``.

Two are for people (administrators, through the web or the API):
:func:`pause_observatory` and :func:`resume_observatory`.  The rest are the agent's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from pyros.clock import get_clock
from pyros.config.devices import DeviceConfig
from pyros.monitoring.mode import Mode, ModeInfo
from pyros.monitoring.models import (
    DeviceStatus,
    ModeChange,
    ObservatoryState,
    StatusSample,
    WeatherSample,
)

log = logging.getLogger("pyros.monitoring")

__all__ = [
    "ensure_state",
    "pause_observatory",
    "purge_history",
    "record_mode",
    "register_devices",
    "request_replan",
    "resume_observatory",
]


def _who(by: Any) -> str:
    return str(getattr(by, "username", None) or by or "unknown")[:150]


def ensure_state(now: datetime | None = None) -> ObservatoryState:
    """The state row, created (PAUSED until the agent decides) if missing."""
    now = now or get_clock().now()
    state, _ = ObservatoryState.objects.get_or_create(
        pk=1, defaults={"mode": Mode.PAUSED.value, "since": now, "updated_at": now,
                        "reasons": ["monitoring starting"]})
    return state


def request_replan(reason: str) -> None:
    """Ask the scheduler for a new plan (source "monitoring"); never raises."""
    try:
        from pyros.scheduler.actions import request_replan as _request
    except ImportError:  # pragma: no cover - the scheduler ships with PyROS
        log.warning("monitoring: no scheduler to ask for a re-plan (%s)", reason)
        return
    try:
        _request(reason, source="monitoring")
    except Exception:  # a failed request must not stop monitoring
        log.exception("monitoring: re-plan request failed (%s)", reason)


def _info(state: ObservatoryState) -> ModeInfo:
    mode = Mode(state.mode)
    return ModeInfo(mode, list(state.reasons), state.since, mode is Mode.OPERATIONAL,
                    list(state.unavailable_devices), state.admin_paused,
                    bool(state.weather.get("safe")) and mode is not Mode.UNSAFE)


def pause_observatory(by: Any, reason: str = "") -> ModeInfo:
    """Pause observing now (``by``: a user or a name).

    The mode turns PAUSED at once unless it is UNSAFE (the weather shutdown keeps
    precedence; the pause then holds after the weather clears).  The execution agent stops
    on seeing it; the monitoring agent aborts exposures and slews on its next step.
    """
    now = get_clock().now()
    who = _who(by)
    with transaction.atomic():
        ensure_state(now)
        state = ObservatoryState.objects.select_for_update().get(pk=1)
        state.admin_paused = True
        state.admin_paused_by = who
        state.admin_pause_reason = reason[:255]
        state.admin_changed_at = now
        why = f"paused by an administrator: {reason or 'no reason given'}"
        if state.mode in (Mode.OPERATIONAL.value, Mode.DAY.value):
            ModeChange.objects.create(at=now, mode=Mode.PAUSED.value, previous=state.mode,
                                      reasons=[why], by=who)
            state.mode, state.since = Mode.PAUSED.value, now
        state.reasons = [r for r in state.reasons if not r.startswith("paused by")] + [why]
        state.save()
    log.warning("monitoring: observatory paused by %s: %s", who, reason or "no reason given")
    return _info(state)


def resume_observatory(by: Any) -> ModeInfo:
    """Lift an administrator's pause and ask for a new plan.

    The mode itself is decided again by the monitoring agent on its next step (it knows
    the devices and the sky); this only removes the pause.
    """
    now = get_clock().now()
    who = _who(by)
    with transaction.atomic():
        ensure_state(now)
        state = ObservatoryState.objects.select_for_update().get(pk=1)
        was = state.admin_paused
        state.admin_paused = False
        state.admin_paused_by = who
        state.admin_pause_reason = ""
        state.admin_changed_at = now
        state.reasons = [r for r in state.reasons if not r.startswith("paused by")]
        state.save()
    if was:
        log.warning("monitoring: observatory resumed by %s", who)
        request_replan(f"observatory resumed by {who}")
    return _info(state)


def record_mode(mode: Mode, reasons: Iterable[str], now: datetime, *, unavailable: list[str],
                weather: dict[str, Any], night: tuple[datetime, datetime] | None,
                by: str = "monitoring") -> bool:
    """Store the mode decided by the agent; True when the mode changed (history row)."""
    reasons = list(reasons)
    with transaction.atomic():
        ensure_state(now)
        state = ObservatoryState.objects.select_for_update().get(pk=1)
        changed = state.mode != mode.value
        if changed:
            ModeChange.objects.create(at=now, mode=mode.value, previous=state.mode,
                                      reasons=reasons, by=by)
            state.mode, state.since = mode.value, now
        state.reasons = reasons
        state.safe_to_observe = mode is Mode.OPERATIONAL
        state.unavailable_devices = unavailable
        state.weather = weather
        if night is not None:
            state.night_start, state.night_end = night
        state.updated_at = now
        state.save()
    return changed


def touch_state(now: datetime) -> None:
    """Say the agent is still watching (see :data:`pyros.monitoring.state.STALE_AFTER_S`)."""
    ObservatoryState.objects.filter(pk=1).update(updated_at=now)


def register_devices(devices: Iterable[DeviceConfig], now: datetime) -> None:
    """One status row per configured device; rows of devices no longer configured go."""
    devices = list(devices)
    names = [d.name for d in devices]
    with transaction.atomic():
        DeviceStatus.objects.exclude(name__in=names).delete()
        for d in devices:
            DeviceStatus.objects.update_or_create(
                name=d.name, defaults={"kind": d.kind.value, "blocking": d.blocking},
                create_defaults={"kind": d.kind.value, "blocking": d.blocking,
                                 "available": False, "reason": "not polled yet",
                                 "since": now, "updated_at": now})


def save_device_status(name: str, *, available: bool, reason: str, status: dict[str, Any],
                       since: datetime | None, seen_at: datetime | None, now: datetime,
                       restarts: int, sample: bool) -> None:
    """Update the device's row, and store a history sample when ``sample``."""
    DeviceStatus.objects.filter(name=name).update(
        available=available, reason=reason[:255], status=status, since=since or now,
        seen_at=seen_at, updated_at=now, restarts=restarts)
    if sample:
        StatusSample.objects.create(device=name, at=now, available=available,
                                    reason=reason[:255], status=status)


def add_weather_sample(now: datetime, values: dict[str, float | None], safe: bool,
                       reasons: list[str]) -> None:
    WeatherSample.objects.create(at=now, values=values, safe=safe, reasons=reasons)


def purge_history(now: datetime, retention_days: float, mode_retention_days: float = 365.0
                  ) -> int:
    """Delete status and weather samples older than ``retention_days`` and mode changes
    older than ``mode_retention_days``; returns the rows deleted."""
    before = now - timedelta(days=retention_days)
    n = StatusSample.objects.filter(at__lt=before).delete()[0]
    n += WeatherSample.objects.filter(at__lt=before).delete()[0]
    n += ModeChange.objects.filter(at__lt=now - timedelta(days=mode_retention_days)
                                   ).delete()[0]
    return n

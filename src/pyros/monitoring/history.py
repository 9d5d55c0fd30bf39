"""What to keep of the status stream (pure): changes at once, otherwise periodic samples.

Polling the safety-critical devices every second yields 86 400 statuses a day each;
keeping them all would bury the few that matter.  A status is stored when availability
changes, when one of its *state* fields changes (a shutter starting to close, a camera
starting to expose), or when the last stored sample is older than the sample period.
Continuous fields (coordinates, temperatures) only ride along in those samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["STATE_KEYS", "HistoryPolicy", "state_part"]

#: Per device kind, the status fields whose change is recorded at once.
STATE_KEYS: dict[str, tuple[str, ...]] = {
    "telescope": ("slewing", "tracking", "at_park"),
    "dome": ("shutter", "slewing", "at_park", "slaved"),
    "camera": ("state", "cooler_on", "image_ready"),
    "filterwheel": ("position",),
    "focuser": ("position", "moving"),
    "safetymonitor": ("is_safe",),
    "switch": ("switches",),
    "observingconditions": (),
}


def state_part(kind: str, status: Mapping[str, Any] | None) -> dict[str, Any]:
    """The fields of ``status`` whose change is an event."""
    if not status:
        return {}
    return {k: status.get(k) for k in STATE_KEYS.get(kind, ())}


@dataclass(frozen=True)
class HistoryPolicy:
    """How much history to keep (clock seconds; retention in days)."""

    #: A device status is sampled at least this often even when nothing changes.
    device_sample_s: float = 300.0
    #: The weather is sampled this often (and at once when the verdict changes).
    weather_sample_s: float = 60.0
    #: Samples older than this are deleted.
    retention_days: float = 30.0
    #: How often the retention purge runs.
    purge_every_s: float = 3600.0

    def record_device(self, kind: str, previous: Mapping[str, Any] | None,
                      previous_available: bool | None, status: Mapping[str, Any] | None,
                      available: bool, last_sample_at: datetime | None,
                      now: datetime) -> bool:
        """Whether this device status is to be stored."""
        if last_sample_at is None or previous_available is None:
            return True
        if available != previous_available:
            return True
        if available and state_part(kind, previous) != state_part(kind, status):
            return True
        return (now - last_sample_at).total_seconds() >= self.device_sample_s

    def record_weather(self, previous_key: object, key: object,
                       last_sample_at: datetime | None, now: datetime) -> bool:
        """Whether to store a weather reading; ``key`` sums up the verdict (safe and the
        reasons, without their running counts): a change is stored at once."""
        if last_sample_at is None or previous_key is None or previous_key != key:
            return True
        return (now - last_sample_at).total_seconds() >= self.weather_sample_s

"""The observatory mode (one row), its history, device statuses and their history.

Written by the monitoring agent (and the admin pause/resume actions); read by everyone
through :mod:`pyros.monitoring.state`.  History is kept compact (see
:mod:`pyros.monitoring.history`) and purged after the retention period.
"""

from __future__ import annotations

from django.db import models

from pyros.clock import now
from pyros.monitoring.mode import Mode

MODE_CHOICES = [(m.value, m.name.lower()) for m in Mode]


class ObservatoryState(models.Model):
    """The single current state of the observatory (pk 1)."""

    mode = models.CharField(max_length=16, choices=MODE_CHOICES, default=Mode.PAUSED.value)
    reasons = models.JSONField(default=list, blank=True)
    since = models.DateTimeField(default=now)
    safe_to_observe = models.BooleanField(default=False)
    unavailable_devices = models.JSONField(default=list, blank=True)
    admin_paused = models.BooleanField(default=False)
    admin_paused_by = models.CharField(max_length=150, blank=True)
    admin_pause_reason = models.CharField(max_length=255, blank=True)
    admin_changed_at = models.DateTimeField(null=True, blank=True)
    night_start = models.DateTimeField(null=True, blank=True)
    night_end = models.DateTimeField(null=True, blank=True)
    #: The last weather verdict (safe, reasons, age, per-sensor states).
    weather = models.JSONField(default=dict, blank=True)
    #: Refreshed by the agent while it runs: an old value means nobody is watching.
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name = "observatory state"

    def __str__(self) -> str:
        return f"{self.mode} since {self.since:%Y-%m-%d %H:%M:%S}"


class ModeChange(models.Model):
    """One change of mode, with why and by whom."""

    at = models.DateTimeField(default=now, db_index=True)
    mode = models.CharField(max_length=16, choices=MODE_CHOICES)
    previous = models.CharField(max_length=16, choices=MODE_CHOICES, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    #: "monitoring" for the agent, else the administrator's user name.
    by = models.CharField(max_length=150, default="monitoring")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.previous or '?'} -> {self.mode}"


class DeviceStatus(models.Model):
    """The latest known status of one configured device."""

    name = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=32)
    blocking = models.BooleanField(default=True)
    available = models.BooleanField(default=False)
    reason = models.CharField(max_length=255, blank=True)
    status = models.JSONField(default=dict, blank=True)
    #: When ``available`` last changed.
    since = models.DateTimeField(default=now)
    #: When the device last answered.
    seen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)
    restarts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "device statuses"

    def __str__(self) -> str:
        return f"{self.name}: {'available' if self.available else self.reason}"


class StatusSample(models.Model):
    """A stored point of a device's status history (changes and periodic samples)."""

    device = models.CharField(max_length=64)
    at = models.DateTimeField(default=now)
    available = models.BooleanField()
    reason = models.CharField(max_length=255, blank=True)
    status = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["device", "at"]), models.Index(fields=["at"])]


class WeatherSample(models.Model):
    """A stored weather reading with the safety verdict of the moment."""

    at = models.DateTimeField(default=now, db_index=True)
    values = models.JSONField(default=dict)
    safe = models.BooleanField()
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "id"]

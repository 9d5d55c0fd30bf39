"""Schedules (every version kept), their entries and refusals, and re-plan requests."""

from __future__ import annotations

from django.db import models

from pyros.clock import now


class Schedule(models.Model):
    """One version of the night's plan.  The newest of a night is the current one."""

    night_start = models.DateTimeField(db_index=True)
    night_end = models.DateTimeField()
    #: The part of the night this version planned (from "now" to the end of the night).
    plan_start = models.DateTimeField()
    created_at = models.DateTimeField(default=now, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    solver = models.CharField(max_length=16)
    objective = models.FloatField(default=0.0)
    bound = models.FloatField(null=True, blank=True)
    runtime_s = models.FloatField(default=0.0)
    #: The last version of its night, frozen when the night ended.
    end_of_night = models.BooleanField(default=False, db_index=True)
    sent_to_ic = models.BooleanField(default=False)
    stats = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"schedule {self.pk} for night {self.night_start:%Y-%m-%d} ({self.reason})"

    @property
    def gap(self) -> float | None:
        if self.bound is None or self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.objective) / self.bound)


class ScheduleEntry(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="entries")
    sequence = models.ForeignKey("routines.Sequence", on_delete=models.CASCADE,
                                 related_name="schedule_entries")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "schedule entries"


class ScheduleRejection(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rejections")
    sequence = models.ForeignKey("routines.Sequence", on_delete=models.CASCADE,
                                 related_name="schedule_rejections")
    reason = models.CharField(max_length=500)


class ReplanRequest(models.Model):
    """Something changed (submission, alert, weather, device, sequence end): plan again.

    Any component writes one with :func:`pyros.scheduler.actions.request_replan`; the
    scheduler agent consumes all pending requests in one re-plan.
    """

    at = models.DateTimeField(default=now, db_index=True)
    reason = models.CharField(max_length=255)
    source = models.CharField(max_length=32, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="triggers")

    class Meta:
        ordering = ["at", "id"]

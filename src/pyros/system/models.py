"""Agent runs and heartbeats, and the log shown on the dashboard.

Every agent process writes one :class:`AgentRun` when it starts and refreshes its
``last_beat_at`` while alive; when it ends (or the supervisor sees it die) ``ended_at`` and
``exit_reason`` are filled.  A crash therefore leaves a visible gap: the dead run's last beat,
then the next run's start.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from pyros.clock import now


class AgentRun(models.Model):
    """One lifetime of one supervised process (agent, worker, web server, simulators)."""

    name = models.CharField(max_length=64, db_index=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=now)
    last_beat_at = models.DateTimeField(default=now, db_index=True)
    beats = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=255, blank=True)
    #: Free-form state the agent wants shown (e.g. last step, work done).
    info = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.name}@{self.host}:{self.pid}"

    @property
    def alive(self) -> bool:
        return self.ended_at is None

    def is_stale(self, at, max_age_s: float) -> bool:
        """Whether the last beat is older than ``max_age_s`` (clock seconds) at ``at``."""
        return self.ended_at is None and at - self.last_beat_at > timedelta(seconds=max_age_s)


class LogEntry(models.Model):
    """A log record from any PyROS process (INFO and above), for the dashboard."""

    at = models.DateTimeField(default=now, db_index=True)
    level = models.PositiveSmallIntegerField(db_index=True)
    level_name = models.CharField(max_length=16)
    logger = models.CharField(max_length=128, db_index=True)
    process = models.CharField(max_length=64, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.level_name} {self.logger}: {self.message[:80]}"

"""What the execution agent did: sequence runs, every frame archived, focus runs.

A frame is recorded in the database in the same step that its FITS file is written (file
first, then the row, then the run's counter), so a crash leaves at worst a file without a
row, which the agent's start-up check adopts: nothing is ever silently dropped.
"""

from __future__ import annotations

from django.db import models

from pyros.clock import now


class SequenceRun(models.Model):
    """One attempt at executing a sequence."""

    class Outcome(models.TextChoices):
        RUNNING = "running"
        EXECUTED = "executed"
        PARTIAL = "partial"
        FAILED = "failed"
        ABORTED = "aborted"          # preempted (alert) or stopped (weather, pause)
        INTERRUPTED = "interrupted"  # the agent died; closed at its next start

    sequence = models.ForeignKey("routines.Sequence", on_delete=models.CASCADE,
                                 related_name="runs")
    attempt = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(default=now)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices,
                               default=Outcome.RUNNING, db_index=True)
    reason = models.CharField(max_length=255, blank=True)
    frames_expected = models.PositiveIntegerField(default=0)
    frames_taken = models.PositiveIntegerField(default=0)
    #: Seconds of telescope time used (debited from the programme's quota).
    executed_s = models.FloatField(default=0.0)
    #: Mount and dome on target (the slew took ``on_target_at - started_at``).
    on_target_at = models.DateTimeField(null=True, blank=True)
    #: Channels skipped because their (non-blocking) camera was unavailable.
    skipped_channels = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"run {self.attempt} of {self.sequence} ({self.outcome})"


class Frame(models.Model):
    """One image written to the archive (``<data dir>/raw/<night>/…``)."""

    class Kind(models.TextChoices):
        LIGHT = "light"
        BIAS = "bias"
        DARK = "dark"
        FLAT = "flat"
        FOCUS = "focus"

    run = models.ForeignKey(SequenceRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="frames")
    sequence = models.ForeignKey("routines.Sequence", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="frames")
    night = models.CharField(max_length=8, db_index=True, help_text="YYYYMMDD of the evening")
    channel = models.CharField(max_length=16)
    camera = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=Kind.choices, db_index=True)
    filter_name = models.CharField(max_length=16, blank=True)
    exposure_s = models.FloatField()
    date_obs = models.DateTimeField(db_index=True)
    ra_deg = models.FloatField(null=True, blank=True)
    dec_deg = models.FloatField(null=True, blank=True)
    airmass = models.FloatField(null=True, blank=True)
    #: Relative to the data directory.
    path = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    #: False when the exposure was cut short (stopped early for an alert).
    complete = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["date_obs", "id"]
        indexes = [models.Index(fields=["night", "channel", "kind", "filter_name"])]

    def __str__(self) -> str:
        return self.path


class FocusRun(models.Model):
    """An autofocus sweep: positions tried, star sizes measured, the fitted best focus."""

    at = models.DateTimeField(default=now)
    channel = models.CharField(max_length=16)
    filter_name = models.CharField(max_length=16)
    temperature_c = models.FloatField(null=True, blank=True)
    positions = models.JSONField(default=list)
    fwhm_arcsec = models.JSONField(default=list)
    best_position = models.IntegerField(null=True, blank=True)
    best_fwhm_arcsec = models.FloatField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-at"]

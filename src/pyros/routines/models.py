"""Requests, sequences, albums and plans (the request language), and their transitions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pyros.clock import now
from pyros.routines.lifecycle import Status


class Request(models.Model):
    """What a user (or an alert strategy) submits: sequences under one programme."""

    name = models.CharField(max_length=200)
    programme = models.ForeignKey("accounts.ScientificProgramme", on_delete=models.PROTECT,
                                  related_name="requests")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="requests")
    created_at = models.DateTimeField(default=now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    #: Made by an alert strategy rather than a person.
    from_alert = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Sequence(models.Model):
    """One target, one window, constraints and albums: scheduled and executed whole."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=200)
    target_name = models.CharField(max_length=100)
    ra_deg = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(360.0)])
    dec_deg = models.FloatField(validators=[MinValueValidator(-90.0), MaxValueValidator(90.0)])
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    max_airmass = models.FloatField(default=2.0, validators=[MinValueValidator(1.0)])
    min_moon_separation_deg = models.FloatField(default=30.0)
    max_seeing_arcsec = models.FloatField(null=True, blank=True)
    #: Brightest Moon allowed, as the illuminated fraction (0 new … 1 full); None = any.
    max_moon_illumination = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    priority = models.PositiveSmallIntegerField(default=5)
    #: Not observed by the end of its window: move it to the following night (see
    #: actions.expire_sequences) instead of expiring, at most MAX_POSTPONEMENTS times.
    allow_postpone = models.BooleanField(default=False)
    postponed_count = models.PositiveSmallIntegerField(default=0)
    #: The sequence this one repeats ("repeat over N days" makes day-shifted copies).
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="repeats")
    #: Computed from the plans plus overheads when submitted.
    duration_s = models.FloatField(default=0.0)
    #: Open-shutter plus overhead time actually used, reported by the execution agent.
    executed_s = models.FloatField(default=0.0)
    status = models.CharField(max_length=12, choices=[(s.value, s.value) for s in Status],
                              default=Status.DRAFT.value, db_index=True)
    status_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["window_start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")),
                                   name="sequence_window_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target_name})"


class Album(models.Model):
    """What one instrument channel (VIS, NIR) does during a sequence."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="albums")
    channel = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sequence", "channel"], name="one_album_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} / {self.channel}"


class Plan(models.Model):
    """Inside an album: a filter, an exposure time and a number of exposures."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="plans")
    order = models.PositiveSmallIntegerField(default=0)
    filter_name = models.CharField(max_length=16)
    exposure_s = models.FloatField(validators=[MinValueValidator(0.0)])
    count = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    dither_arcsec = models.FloatField(default=0.0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.count}×{self.exposure_s:g} s {self.filter_name}"


class Transition(models.Model):
    """Every status change of a sequence, with its reason: the lifecycle's history."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE,
                                 related_name="transitions")
    at = models.DateTimeField(default=now)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    reason = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL)

    class Meta:
        ordering = ["at", "id"]

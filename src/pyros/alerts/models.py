"""Alerts: notices as received, one alert per astrophysical event, strategies, latencies.

Writes go through :mod:`pyros.alerts.actions`; these models hold state and invariants only.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from pyros.alerts.rules import StrategyRules
from pyros.clock import now


class Strategy(models.Model):
    """How alerts are observed: the recipe by age and error, channels, limits, priorities.

    ``rules`` is JSON validated by :class:`pyros.alerts.rules.StrategyRules` (on ``clean``
    in the admin and on every save).  Exactly one strategy is the default
    (``set_default_strategy`` switches it; a partial unique constraint forbids two).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    rules = models.JSONField()
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "strategies"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="one_default_strategy"),
        ]

    def __str__(self) -> str:
        return f"{self.name}{' (default)' if self.is_default else ''}"

    def parsed_rules(self) -> StrategyRules:
        return StrategyRules.from_json(self.rules)

    def clean(self) -> None:
        try:
            rules = self.parsed_rules()
        except ValueError as exc:
            raise ValidationError({"rules": str(exc)}) from exc
        from pyros.alerts.strategies import check_rules_against_instrument

        problems = check_rules_against_instrument(rules)
        if problems:
            raise ValidationError({"rules": "; ".join(problems)})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.rules = self.parsed_rules().to_json()  # raises on invalid rules
        self.updated_at = now()
        super().save(*args, **kwargs)


class AlertStatus(models.TextChoices):
    ACTIVE = "active"  # accepted (observable), follow-up requested or awaiting a position
    PRELIMINARY = "preliminary"  # accepted as preliminary (short expiry)
    OBSERVING = "observing"  # the execution agent is on it
    DONE = "done"  # follow-up executed
    RETRACTED = "retracted"  # withdrawn by the mission
    EXPIRED = "expired"  # too old to follow
    REFUSED = "refused"  # failed an acceptance check (or disabled: catalogue source)


#: An alert in these states never changes again (except refused, which a better notice
#: may reverse unless the alert is disabled).
FINAL_ALERT_STATUSES = frozenset({AlertStatus.DONE, AlertStatus.RETRACTED, AlertStatus.EXPIRED})


class Alert(models.Model):
    """One astrophysical event, whatever the number of notices and missions about it."""

    name = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=AlertStatus.choices,
                              default=AlertStatus.ACTIVE, db_index=True)
    status_reason = models.CharField(max_length=255, blank=True)
    #: Disabled for good (catalogue source): later notices never re-enable it.
    disabled = models.BooleanField(default=False)
    is_preliminary = models.BooleanField(default=False)
    #: Earliest trigger time among its notices [UTC].
    trigger_time = models.DateTimeField(null=True, blank=True, db_index=True)
    first_received_at = models.DateTimeField()
    #: Best position (smallest 90 % error) so far, ICRS [deg].
    ra_deg = models.FloatField(null=True, blank=True)
    dec_deg = models.FloatField(null=True, blank=True)
    #: Its error radius as published [deg], and as a 90 % radius incl. systematics [deg].
    error_radius_deg = models.FloatField(null=True, blank=True)
    error90_deg = models.FloatField(null=True, blank=True)
    position_source = models.CharField(max_length=60, blank=True)
    #: Where the current follow-up points, and the 90 % error it was made for [deg].
    pointed_ra_deg = models.FloatField(null=True, blank=True)
    pointed_dec_deg = models.FloatField(null=True, blank=True)
    pointed_error90_deg = models.FloatField(null=True, blank=True)
    repoints = models.PositiveIntegerField(default=0)
    #: Higher is more important (PyROS scale, see pyros.alerts.rules).
    priority = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    strategy = models.ForeignKey(Strategy, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="alerts")
    #: The recipe row used for the current follow-up (JSON of a RecipeStep).
    recipe = models.JSONField(null=True, blank=True)
    request = models.OneToOneField("routines.Request", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="alert")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-first_received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} [{self.status}]"

    @property
    def missions(self) -> list[str]:
        return sorted({e.mission for e in self.event_ids.all()})

    @property
    def has_position(self) -> bool:
        return self.ra_deg is not None and self.dec_deg is not None


class AlertEventId(models.Model):
    """A mission's id of the event (SVOM burst id, GCN TrigID...): unique across alerts.

    The unique constraint is what makes concurrent ingestion of one event by two listeners
    end with one alert.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="event_ids")
    mission = models.CharField(max_length=30)
    event_id = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mission", "event_id"], name="one_alert_per_event_id"),
        ]

    def __str__(self) -> str:
        return f"{self.mission}:{self.event_id}"


class NoticeOutcome(models.TextChoices):
    NEW_ALERT = "new_alert"
    UPDATED = "updated"  # merged into an existing alert
    RETRACTED = "retracted"  # retracted a known alert
    RETRACTION_UNKNOWN = "retraction_unknown"  # retraction of an event never seen
    TEST = "test"  # role=test: stored, never observed
    REJECTED = "rejected"  # the parser refused it
    ERROR = "error"  # stored, but processing failed (logged; retried on redelivery)
    PENDING = "pending"  # stored, not processed yet


class StoredNotice(models.Model):
    """Every notice received, exactly once (``dedupe_key``), kept raw with its outcome."""

    #: sha256 of the IVORN when it has one, else of the raw bytes.
    dedupe_key = models.CharField(max_length=64, unique=True)
    ivorn = models.CharField(max_length=400, null=True, blank=True, db_index=True)
    raw = models.BinaryField()
    size_bytes = models.PositiveIntegerField(default=0)
    #: ``kafka:<topic>``, ``vtp:<host>:<port>``, ``inject:<file>``, ``web``...
    source = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    stored_at = models.DateTimeField(default=now)
    #: ``Notice.to_dict()``, None when rejected.
    parsed = models.JSONField(null=True, blank=True)
    mission = models.CharField(max_length=30, blank=True)
    event_id = models.CharField(max_length=120, blank=True, db_index=True)
    notice_type = models.CharField(max_length=20, blank=True)
    trigger_time = models.DateTimeField(null=True, blank=True, db_index=True)
    is_test = models.BooleanField(default=False)
    outcome = models.CharField(max_length=20, choices=NoticeOutcome.choices,
                               default=NoticeOutcome.PENDING, db_index=True)
    reason = models.CharField(max_length=500, blank=True)
    #: Times the same notice came again (another listener, a redelivery).
    duplicates = models.PositiveIntegerField(default=0)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="notices")

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        what = f"{self.mission} {self.event_id} {self.notice_type}".strip() or "notice"
        return f"{what} from {self.source} [{self.outcome}]"

    def raw_text(self, limit: int = 200_000) -> str:
        return bytes(self.raw[:limit]).decode("utf-8", errors="replace")


class AlertPosition(models.Model):
    """Every position an alert was given, in order of receipt; ``adopted`` = best then."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="positions")
    notice = models.ForeignKey(StoredNotice, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=now)
    mission = models.CharField(max_length=30)
    instrument = models.CharField(max_length=30, blank=True)
    ra_deg = models.FloatField()
    dec_deg = models.FloatField()
    error_radius_deg = models.FloatField(null=True, blank=True)
    error90_deg = models.FloatField(null=True, blank=True)
    adopted = models.BooleanField(default=False)
    #: The follow-up was re-pointed on this position.
    repointed = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.mission}/{self.instrument} {self.ra_deg:.4f} {self.dec_deg:+.4f}"


class LatencyChain(models.Model):
    """How fast an alert went from notice to first exposure (one row per alert).

    The alert manager fills the first three stages; the execution agent the rest, through
    :func:`pyros.alerts.actions.record_latency`.  Each stage keeps its first time.
    """

    STAGES = ("notice_received", "notice_stored", "request_created", "abort_sent",
              "slew_commanded", "on_target", "first_exposure")

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="latency")
    notice_received = models.DateTimeField(null=True, blank=True)
    notice_stored = models.DateTimeField(null=True, blank=True)
    request_created = models.DateTimeField(null=True, blank=True)
    abort_sent = models.DateTimeField(null=True, blank=True)
    slew_commanded = models.DateTimeField(null=True, blank=True)
    on_target = models.DateTimeField(null=True, blank=True)
    first_exposure = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"latency of {self.alert_id}"

    def seconds_since_receipt(self) -> dict[str, float | None]:
        """Each stage's delay after the notice was received [s] (None: not reached)."""
        t0 = self.notice_received
        return {s: (None if t0 is None or getattr(self, s) is None
                    else (getattr(self, s) - t0).total_seconds()) for s in self.STAGES}

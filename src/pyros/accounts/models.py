"""Users' profiles, scientific programmes, observing periods and quotas.

Roles are Django groups (``admin``, ``expert``, ``user``) so permissions are managed in one
place; :class:`Profile` keeps what Django's user lacks (validation state, first visit).
Quota movements are rows of :class:`QuotaEntry`; a quota's balance is their sum.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Sum

from pyros.clock import now

ROLES = ("admin", "expert", "user")


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    institute = models.CharField(max_length=200, blank=True)
    #: Registration awaits validation by an admin (or the programme committee).
    validated = models.BooleanField(default=False)
    validated_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    first_visit_done = models.BooleanField(default=False)

    class Meta:
        # Capabilities that are not "change model X": granted to groups by roles.py.
        permissions = [
            ("view_all", "See every programme's requests, data and quotas"),
            ("operate_devices", "Operate the devices manually"),
            ("validate_user", "Validate registrations (admin or programme committee)"),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"

    @property
    def role(self) -> str:
        names = set(self.user.groups.values_list("name", flat=True))
        if self.user.is_superuser:
            return "admin"
        return next((r for r in ROLES if r in names), "user")


class Period(models.Model):
    """An allocation period (e.g. a semester): quotas are given per period."""

    name = models.CharField(max_length=50, unique=True)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="period_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.name


class ScientificProgramme(models.Model):
    code = models.SlugField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    #: Higher is more important; the scheduler weights time by it.
    priority = models.PositiveSmallIntegerField(default=5)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="programmes",
                                     blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["code"]
        verbose_name = "scientific programme"

    def __str__(self) -> str:
        return self.code


class Quota(models.Model):
    """Observing time (seconds) allocated to a programme for a period."""

    programme = models.ForeignKey(ScientificProgramme, on_delete=models.CASCADE,
                                  related_name="quotas")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="quotas")
    allocated_s = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "period"], name="one_quota_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.period}: {self.allocated_s} s"

    def used_s(self) -> float:
        """Time reserved or debited, net of refunds (sum of the ledger)."""
        return float(self.entries.aggregate(s=Sum("amount_s"))["s"] or 0.0)

    def remaining_s(self) -> float:
        return self.allocated_s - self.used_s()


class MemberQuota(models.Model):
    """A member's share of a programme's quota for a period (seconds).

    Optional: a member without a share may use whatever the programme has left.
    """

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="quota_shares")
    allocated_s = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quota", "user"], name="one_share_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.quota}: {self.allocated_s} s"


class QuotaEntry(models.Model):
    """One movement of quota: a reservation, a debit of executed time, or a refund."""

    class Kind(models.TextChoices):
        RESERVE = "reserve"
        RELEASE = "release"
        DEBIT = "debit"
        REFUND = "refund"

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(default=now, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: Positive consumes quota, negative gives it back.
    amount_s = models.FloatField()
    reason = models.CharField(max_length=255, blank=True)
    sequence = models.ForeignKey("routines.Sequence", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="quota_entries")
    #: The member whose share this movement counts against (the request's owner).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="quota_entries")

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "quota entries"

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_s:+.0f} s ({self.reason})"

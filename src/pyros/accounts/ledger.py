"""The quota ledger: every reservation, release, debit and refund is one QuotaEntry row.

A quota's state is the sum of its rows, never a counter updated in place, so the balance
can be audited and its evolution over the period plotted.  Signs: positive consumes quota,
negative gives it back.  The life of one sequence's time:

- ``reserve``  + duration when the sequence is validated;
- ``release``  − the outstanding reservation when it is unsubmitted, cancelled, expired,
  or when its execution ends (the reservation is replaced by the actual debit);
- ``debit``    + the executed time when its execution ends;
- ``refund``   − that debit when the execution failed or was cancelled (the time is given
  back, as the programme did not get its data).

So after a sequence is over the rows of that sequence sum to the time it really cost.
Writers are called by ``pyros.routines.actions.transition_sequence`` (the one place of
the lifecycle); readers (``quota_balance``, ``member_usage``, ``quota_history``) by the
pages, the API and the scheduler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, Sum

from pyros.accounts.models import MemberQuota, Period, Quota, QuotaEntry, ScientificProgramme
from pyros.clock import get_clock

Kind = QuotaEntry.Kind


class QuotaError(ValueError):
    """Not enough quota left (or no quota at all) for what was asked."""


@dataclass(frozen=True)
class QuotaBalance:
    """A quota's state, computed from its ledger rows (seconds)."""

    programme: str
    period: str
    allocated_s: float
    reserved_s: float  # outstanding reservations (reserve + release rows)
    debited_s: float  # executed time kept (debit + refund rows)
    remaining_s: float

    @property
    def used_s(self) -> float:
        return self.reserved_s + self.debited_s

    def as_dict(self) -> dict[str, float | str]:
        return {"programme": self.programme, "period": self.period,
                "allocated_s": self.allocated_s, "reserved_s": self.reserved_s,
                "debited_s": self.debited_s, "used_s": self.used_s,
                "remaining_s": self.remaining_s}


@dataclass(frozen=True)
class MemberUsage:
    username: str
    allocated_s: float | None  # None: no personal share, the programme's rest applies
    used_s: float

    @property
    def remaining_s(self) -> float | None:
        return None if self.allocated_s is None else self.allocated_s - self.used_s


def _sum(rows) -> float:
    return float(rows.aggregate(s=Sum("amount_s"))["s"] or 0.0)


# --- readers -------------------------------------------------------------------------------

def quota_for(programme: ScientificProgramme, at: datetime) -> Quota | None:
    """The programme's quota for the period containing instant ``at`` (None if none)."""
    return (Quota.objects.filter(programme=programme, period__start__lte=at, period__end__gt=at)
            .select_related("period", "programme").first())


def quota_balance(programme: ScientificProgramme, period: Period) -> QuotaBalance:
    """Allocated, reserved, debited and remaining time of a programme in a period.

    Raises ``Quota.DoesNotExist`` if the programme has no quota for that period.
    """
    quota = Quota.objects.get(programme=programme, period=period)
    rows = quota.entries.all()
    reserved = _sum(rows.filter(kind__in=(Kind.RESERVE, Kind.RELEASE)))
    debited = _sum(rows.filter(kind__in=(Kind.DEBIT, Kind.REFUND)))
    return QuotaBalance(programme.code, period.name, float(quota.allocated_s), reserved,
                        debited, quota.allocated_s - reserved - debited)


def member_usage(programme: ScientificProgramme, period: Period) -> list[MemberUsage]:
    """Per-member time used (reserved + debited) and personal share, by username."""
    quota = Quota.objects.get(programme=programme, period=period)
    shares = {s.user_id: s.allocated_s for s in quota.shares.all()}
    used = dict(quota.entries.filter(user__isnull=False).values_list("user")
                .annotate(s=Sum("amount_s")).values_list("user", "s"))
    out = []
    for member in programme.members.order_by("username"):
        share = shares.get(member.pk)
        out.append(MemberUsage(member.username, None if share is None else float(share),
                               float(used.get(member.pk, 0.0) or 0.0)))
    return out


def quota_history(quota: Quota) -> list[dict[str, object]]:
    """Ledger rows in time order with the running used and remaining time after each."""
    used = 0.0
    out = []
    for e in quota.entries.select_related("sequence", "user"):
        used += e.amount_s
        out.append({"at": e.at, "kind": e.kind, "amount_s": e.amount_s, "reason": e.reason,
                    "sequence_id": e.sequence_id,
                    "user": e.user.username if e.user else None,
                    "used_s": used, "remaining_s": quota.allocated_s - used})
    return out


def check_quota(programme: ScientificProgramme, at: datetime, needed_s: float,
                user=None, already_s: float = 0.0) -> Quota:
    """The quota that can pay ``needed_s`` (seconds) for a sequence starting at ``at``.

    ``already_s`` is time that other sequences of the same submission will take first.
    Raises :class:`QuotaError` naming what is missing.
    """
    quota = quota_for(programme, at)
    if quota is None:
        raise QuotaError(f"programme {programme.code} has no quota for the period "
                         f"containing {at:%Y-%m-%d %H:%M} UTC")
    check_room(quota, needed_s, user, already_s)
    return quota


def check_room(quota: Quota, needed_s: float, user=None, already_s: float = 0.0) -> None:
    """Raise :class:`QuotaError` unless ``quota`` (and ``user``'s share) has ``needed_s``."""
    programme = quota.programme
    left = quota.remaining_s() - already_s
    if needed_s > left + 1e-6:
        raise QuotaError(f"quota exceeded: needs {needed_s:.0f} s, programme {programme.code} "
                         f"has {max(left, 0):.0f} s left in period {quota.period.name}")
    if user is not None:
        share = MemberQuota.objects.filter(quota=quota, user=user).first()
        if share is not None:
            mine = share.allocated_s - _sum(quota.entries.filter(user=user)) - already_s
            if needed_s > mine + 1e-6:
                raise QuotaError(f"quota exceeded: needs {needed_s:.0f} s, {user.username} has "
                                 f"{max(mine, 0):.0f} s left of their share in "
                                 f"{programme.code}/{quota.period.name}")


def sequence_rows(sequence) -> dict[str, float]:
    """Net seconds per kind group for one sequence: ``reserved`` and ``debited``."""
    rows = QuotaEntry.objects.filter(sequence=sequence)
    return {"reserved": _sum(rows.filter(kind__in=(Kind.RESERVE, Kind.RELEASE))),
            "debited": _sum(rows.filter(kind__in=(Kind.DEBIT, Kind.REFUND)))}


# --- writers (called from routines.actions.transition_sequence) ----------------------------

def _entry(quota: Quota, kind: str, amount_s: float, reason: str, sequence,
           user) -> QuotaEntry:
    return QuotaEntry.objects.create(quota=quota, at=get_clock().now(), kind=kind,
                                     amount_s=amount_s, reason=reason[:255], sequence=sequence,
                                     user=user)


def _sequence_quota(sequence) -> Quota | None:
    """The quota this sequence's rows live in, else the one of its window's period."""
    first = QuotaEntry.objects.filter(sequence=sequence).select_related("quota").first()
    if first is not None:
        return first.quota
    return quota_for(sequence.request.programme, sequence.window_start)


@transaction.atomic
def reserve_quota(sequence, reason: str = "validated", enforce: bool = True
                  ) -> QuotaEntry | None:
    """Reserve the sequence's ``duration_s``; None if its programme has no quota then.

    Raises :class:`QuotaError` when the programme (or the owner's share) lacks the time,
    unless ``enforce`` is false (alert follow-ups book time even past the quota).
    """
    quota = _sequence_quota(sequence)
    if quota is None:
        return None
    Quota.objects.select_for_update().filter(pk=quota.pk).first()  # serialise reservations
    owner = sequence.request.owner
    if enforce:
        check_room(quota, sequence.duration_s, owner)
    return _entry(quota, Kind.RESERVE, float(sequence.duration_s), reason, sequence, owner)



@transaction.atomic
def reserve_quota_many(sequences, reason: str = "validated", enforce: bool = True
                       ) -> list[QuotaEntry]:
    """:func:`reserve_quota` for new sequences (no rows yet), in a few queries whatever
    their number: one look-up, lock and room check per quota, one insert for every row."""
    quotas: list[Quota] = []
    rows: list[QuotaEntry] = []
    now = get_clock().now()
    for seq in sequences:
        programme, at = seq.request.programme, seq.window_start
        quota = next((q for q in quotas if q.programme_id == programme.pk
                      and q.period.start <= at < q.period.end), None)
        if quota is None:
            quota = quota_for(programme, at)
            if quota is None:
                continue
            Quota.objects.select_for_update().filter(pk=quota.pk).first()
            quotas.append(quota)
        rows.append(QuotaEntry(quota=quota, at=now, kind=Kind.RESERVE,
                               amount_s=float(seq.duration_s), reason=reason[:255],
                               sequence=seq, user=seq.request.owner))
    if enforce:
        needed: dict[tuple[int, int | None], list[QuotaEntry]] = {}
        for row in rows:
            needed.setdefault((row.quota.pk, row.user_id), []).append(row)
        for group in needed.values():
            check_room(group[0].quota, sum(r.amount_s for r in group), group[0].user)
    return QuotaEntry.objects.bulk_create(rows)

@transaction.atomic
def release_quota(sequence, reason: str) -> QuotaEntry | None:
    """Give back the sequence's outstanding reservation (None if it holds none)."""
    held = sequence_rows(sequence)["reserved"]
    if held <= 0:
        return None
    return _entry(_sequence_quota(sequence), Kind.RELEASE, -held, reason, sequence,
                  sequence.request.owner)


@transaction.atomic
def debit_quota(sequence, executed_s: float, reason: str) -> QuotaEntry | None:
    """Charge the time the sequence really used (after releasing its reservation)."""
    quota = _sequence_quota(sequence)
    if quota is None or executed_s <= 0:
        return None
    return _entry(quota, Kind.DEBIT, float(executed_s), reason, sequence,
                  sequence.request.owner)


@transaction.atomic
def refund_quota(sequence, reason: str) -> QuotaEntry | None:
    """Give back everything debited to the sequence (failed or cancelled execution)."""
    debited = sequence_rows(sequence)["debited"]
    if debited <= 0:
        return None
    return _entry(_sequence_quota(sequence), Kind.REFUND, -debited, reason, sequence,
                  sequence.request.owner)


def programmes_of(user):
    """Programmes the user may see: all for experts and admins, else their own."""
    from pyros.accounts.roles import sees_all

    if sees_all(user):
        return ScientificProgramme.objects.all()
    return ScientificProgramme.objects.filter(Q(members=user)).distinct()

"""Every write of the Routine Manager, named ``verb_noun``; web pages, the REST API, import
and other components (alerts, scheduler, execution agent) all call these.

The lifecycle has one writer, :func:`transition_sequence`: it checks the move against
``lifecycle.ALLOWED``, records a :class:`Transition` row and books the quota movement the
move implies (reserve on validation; release on unsubmit, cancel, reject or expiry; debit
of executed time, refunded on failure or cancellation — see ``accounts.ledger``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from pyros.accounts import ledger
from pyros.accounts.models import ScientificProgramme
from pyros.accounts.roles import is_admin
from pyros.clock import get_clock
from pyros.config import load_config
from pyros.routines.exchange import load_document
from pyros.routines.lifecycle import FINAL, OUTCOMES, Status, check_transition
from pyros.routines.models import Album, Plan, Request, Sequence, Transition
from pyros.routines.spec import (
    RequestSpec,
    SequenceSpec,
    SpecError,
    check_against_config,
    parse_request,
    shifted,
)
from pyros.routines.validation import (
    SequenceInvalid,
    check_period,
    constraints_of,
    sequence_duration,
    spec_duration_s,
    validate_for_submission,
)
from pyros.routines.visibility import auto_window

log = logging.getLogger(__name__)

#: How many times an "allow postponing" sequence may move to a following night.
MAX_POSTPONEMENTS = 3
#: How far ahead (days) a window computed from visibility is searched.
AUTO_WINDOW_DAYS = 2.0


# --- the lifecycle ----------------------------------------------------------------------------

@transaction.atomic
def transition_sequence(sequence: Sequence, to: Status | str, reason: str = "", by=None,
                        executed_s: float | None = None, enforce_quota: bool = True
                        ) -> Sequence:
    """Move ``sequence`` to status ``to``, record it and book its quota movement.

    ``executed_s`` (outcomes of an execution only): the time really used; by default the
    sequence's ``executed_s`` field, or its duration for EXECUTED.  Raises
    ``TransitionError`` if the lifecycle forbids the move and ``accounts.ledger.QuotaError``
    if a validation finds no room (unless ``enforce_quota`` is false, as for alerts).
    """
    locked = Sequence.objects.select_for_update(of=("self",)).select_related(
        "request", "request__programme", "request__owner").get(pk=sequence.pk)
    cur, tgt = Status(locked.status), Status(to)
    check_transition(cur, tgt)
    reason = reason[:255]
    Transition.objects.create(sequence=locked, at=get_clock().now(), from_status=cur.value,
                              to_status=tgt.value, reason=reason, by=by)
    if tgt is Status.VALIDATED and cur is Status.SUBMITTED:
        if locked.duration_s <= 0:  # made outside create_request (e.g. by an alert strategy)
            locked.duration_s = sequence_duration(locked, load_config())
            locked.save(update_fields=["duration_s"])
        ledger.reserve_quota(locked, reason or "validated", enforce=enforce_quota)
    elif tgt in OUTCOMES:
        if executed_s is None:
            executed_s = locked.duration_s if tgt is Status.EXECUTED else locked.executed_s
        locked.executed_s = max(0.0, float(executed_s))
        ledger.release_quota(locked, f"execution ended ({tgt.value})")
        ledger.debit_quota(locked, locked.executed_s, reason or f"executed ({tgt.value})")
        if tgt is Status.FAILED:
            ledger.refund_quota(locked, reason or "execution failed: time given back")
    elif tgt in (Status.DRAFT, Status.CANCELLED, Status.EXPIRED, Status.REJECTED):
        ledger.release_quota(locked, reason or tgt.value)
        if tgt is Status.CANCELLED and executed_s:
            locked.executed_s = float(executed_s)
            ledger.debit_quota(locked, locked.executed_s, "executed before cancellation")
            ledger.refund_quota(locked, "cancelled: time given back")
    if tgt is Status.SUBMITTED and locked.request.submitted_at is None:
        locked.request.submitted_at = get_clock().now()
        locked.request.save(update_fields=["submitted_at"])
    locked.status = tgt.value
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason", "executed_s"])
    sequence.status, sequence.status_reason = locked.status, locked.status_reason
    sequence.executed_s = locked.executed_s
    return sequence



@dataclass
class SequenceDraft:
    """A sequence to create with its plans per channel (unsaved model instances)."""

    sequence: Sequence
    plans: dict[str, list[Plan]]


@transaction.atomic
def create_validated_sequences(request: Request, drafts: list[SequenceDraft], reason: str,
                               enforce_quota: bool = True) -> list[Sequence]:
    """Create sequences straight into VALIDATED, as submitted then validated one by one
    would: both transitions recorded, the quota reserved, ``request.submitted_at`` set.

    A fixed dozen queries whatever their number (an insert per table, the quota's look-up,
    lock and room check): an alert's follow-up is on the path from the notice to the slew,
    where two :func:`transition_sequence` per sequence cost ~15 queries each sequence.
    ``duration_s`` must be set.
    """
    for d in drafts:
        if d.sequence.duration_s <= 0:
            raise ValueError(f"sequence {d.sequence.name!r}: duration_s must be set")
    now = get_clock().now()
    reason = reason[:255]
    seqs = [d.sequence for d in drafts]
    for seq in seqs:
        seq.request = request
        seq.status, seq.status_reason = Status.VALIDATED.value, reason
    Sequence.objects.bulk_create(seqs)
    albums = [(Album(sequence=d.sequence, channel=ch), plans)
              for d in drafts for ch, plans in d.plans.items()]
    Album.objects.bulk_create([a for a, _ in albums])
    for album, plans in albums:
        for i, plan in enumerate(plans):
            plan.album, plan.order = album, i
    Plan.objects.bulk_create([plan for _, plans in albums for plan in plans])
    check_transition(Status.DRAFT, Status.SUBMITTED)
    check_transition(Status.SUBMITTED, Status.VALIDATED)
    Transition.objects.bulk_create(
        [Transition(sequence=seq, at=now, from_status=a.value, to_status=b.value,
                    reason=reason)
         for seq in seqs for a, b in ((Status.DRAFT, Status.SUBMITTED),
                                      (Status.SUBMITTED, Status.VALIDATED))])
    if seqs and request.submitted_at is None:
        request.submitted_at = now
        request.save(update_fields=["submitted_at"])
    ledger.reserve_quota_many(seqs, reason or "validated", enforce=enforce_quota)
    return seqs

@transaction.atomic
def record_execution(sequence: Sequence, executed_s: float, outcome: Status | str,
                     reason: str = "") -> Sequence:
    """Called by the execution agent when a sequence's execution ends.

    ``outcome`` is EXECUTED, PARTIAL or FAILED; ``executed_s`` the time the telescope
    spent on it (s).  The reservation is released and the executed time debited (refunded
    on failure).  A sequence cancelled while it executed stays CANCELLED: its executed time
    is recorded, debited and refunded (a cancelled sequence gives its time back).
    """
    out = Status(outcome)
    if out not in OUTCOMES:
        raise ValueError(f"an execution ends executed, partial or failed, not {out.value}")
    if executed_s < 0:
        raise ValueError("executed_s must be ≥ 0")
    current = Sequence.objects.select_for_update().get(pk=sequence.pk)
    if current.status == Status.CANCELLED:
        current.executed_s = float(executed_s)
        current.save(update_fields=["executed_s"])
        ledger.debit_quota(current, executed_s, "executed before cancellation")
        ledger.refund_quota(current, "cancelled: time given back")
        sequence.executed_s = current.executed_s
        return sequence
    return transition_sequence(sequence, out, reason, executed_s=executed_s)


# --- re-planning hook -------------------------------------------------------------------------

def request_replan(reason: str, by=None) -> None:
    """Ask the scheduler for a re-plan (its queue: :func:`pyros.scheduler.actions.request_replan`).

    Written whenever the set of schedulable sequences changes under a plan: submission,
    unsubmission or cancellation of planned/executing sequences, postponement.
    """
    from pyros.scheduler.actions import request_replan as enqueue

    who = f" by {by.get_username()}" if by is not None else ""
    enqueue(f"{reason}{who}"[:255], source="routines")


# --- creating requests ------------------------------------------------------------------------

def _programme_for(user, code: str, path: str) -> ScientificProgramme:
    programme = ScientificProgramme.objects.filter(code=code).first()
    if programme is None:
        raise SpecError([f"{path}: unknown programme {code!r}"])
    if not is_admin(user) and not programme.members.filter(pk=user.pk).exists():
        raise SpecError([f"{path}: you are not a member of programme {code!r}"])
    return programme


def _resolve_windows(spec: RequestSpec, config, now: datetime, prefix: str
                     ) -> tuple[RequestSpec, list[int | None], list[str]]:
    """Fill windows left empty from the target's visibility; expand repeats.

    Returns the new spec, for each of its sequences the index of the sequence it repeats
    (None for originals), and errors."""
    errors: list[str] = []
    out: list[SequenceSpec] = []
    origins: list[int | None] = []
    for i, seq in enumerate(spec.sequences):
        if seq.window_start is None:
            try:
                start, end = auto_window(seq.ra, seq.dec, now, config.site.location_tuple(),
                                         constraints_of(seq, config),
                                         spec_duration_s(seq, config), AUTO_WINDOW_DAYS)
            except ValueError as exc:
                errors.append(f"{prefix}sequences[{i}].window_start: cannot compute the "
                              f"window: {exc}")
                continue
            seq = seq.model_copy(update={"window_start": start, "window_end": end})
        first = len(out)
        out.append(seq)
        origins.append(None)
        for d in range(1, seq.repeat_days + 1):
            out.append(shifted(seq, d))
            origins.append(first)
    return spec.model_copy(update={"sequences": out}), origins, errors


def check_request(user, spec: RequestSpec, config=None, now: datetime | None = None,
                  prefix: str = "") -> tuple[ScientificProgramme, RequestSpec,
                                             list[int | None]]:
    """Every check that does not need the sky at each instant: programme membership,
    channels, filters, exposure bounds, windows in the future and inside a period with a
    quota, and the total duration within the quota.  Returns the programme, the spec with
    its windows computed and repeats expanded, and which sequence each one repeats; raises
    :class:`SpecError`."""
    config = config or load_config()
    now = now or get_clock().now()
    pre = f"{prefix}." if prefix else ""
    programme = _programme_for(user, spec.programme, f"{pre}programme")
    errors = check_against_config(spec, config, now, prefix)
    if errors:
        raise SpecError(errors)
    spec, origins, errors = _resolve_windows(spec, config, now, pre)
    if errors:
        raise SpecError(errors)
    needed: dict[int, float] = {}
    quotas = {}
    for i, seq in enumerate(spec.sequences):
        try:
            quota = check_period(programme, seq.window_start, seq.window_end)
        except SequenceInvalid as exc:
            errors.append(f"{pre}sequences[{i}].window_end: {exc}")
            continue
        quotas[quota.pk] = quota
        needed[quota.pk] = needed.get(quota.pk, 0.0) + spec_duration_s(seq, config)
    for pk, seconds in needed.items():
        try:
            ledger.check_room(quotas[pk], seconds, None if is_admin(user) else user)
        except ledger.QuotaError as exc:
            errors.append(f"{pre}sequences: {exc}")
    if errors:
        raise SpecError(errors)
    return programme, spec, origins


def _save_sequence(request: Request, seq: SequenceSpec, config,
                   repeat_of: Sequence | None = None) -> Sequence:
    obj = Sequence.objects.create(
        request=request, name=seq.name, target_name=seq.target_name, ra_deg=seq.ra,
        dec_deg=seq.dec, window_start=seq.window_start, window_end=seq.window_end,
        max_airmass=seq.max_airmass, min_moon_separation_deg=seq.min_moon_separation_deg,
        max_seeing_arcsec=seq.max_seeing_arcsec,
        max_moon_illumination=seq.max_moon_illumination, priority=seq.priority,
        allow_postpone=seq.allow_postpone, repeat_of=repeat_of,
        duration_s=spec_duration_s(seq, config))
    for album_spec in seq.albums:
        album = Album.objects.create(sequence=obj, channel=album_spec.channel)
        Plan.objects.bulk_create(
            Plan(album=album, order=k, filter_name=p.filter, exposure_s=p.exposure_s,
                 count=p.count, dither_arcsec=p.dither_arcsec)
            for k, p in enumerate(album_spec.plans))
    return obj


def _save_sequences(request: Request, spec: RequestSpec, origins: list[int | None],
                    config) -> list[Sequence]:
    saved: list[Sequence] = []
    for seq, origin in zip(spec.sequences, origins, strict=True):
        saved.append(_save_sequence(request, seq, config,
                                    None if origin is None else saved[origin]))
    return saved


def _save_request(user, programme: ScientificProgramme, spec: RequestSpec,
                  origins: list[int | None], config) -> Request:
    request = Request.objects.create(name=spec.name, programme=programme,
                                     owner=user if user and user.is_authenticated else None,
                                     created_at=get_clock().now())
    _save_sequences(request, spec, origins, config)
    return request


@transaction.atomic
def create_request(user, data: dict | RequestSpec, submit: bool = False) -> Request:
    """Validate request data (a dict as in JSON import, or a parsed spec) and save it as
    DRAFT sequences; with ``submit`` also submit it.  Nothing is saved on any error
    (:class:`SpecError` lists them all)."""
    config = load_config()
    spec = data if isinstance(data, RequestSpec) else parse_request(data)
    programme, spec, origins = check_request(user, spec, config)
    request = _save_request(user, programme, spec, origins, config)
    if submit:
        submit_request(request, by=user)
    return request


@transaction.atomic
def add_sequence(request: Request, user, data: dict | SequenceSpec) -> list[Sequence]:
    """Add a sequence (and its repeats) to a request; the same checks as creation."""
    if isinstance(data, SequenceSpec):
        spec = RequestSpec(name=request.name, programme=request.programme.code,
                           sequences=[data])
    else:
        spec = parse_request({"name": request.name, "programme": request.programme.code,
                              "sequences": [data]})
    config = load_config()
    _, spec, origins = check_request(user, spec, config)
    return _save_sequences(request, spec, origins, config)


@transaction.atomic
def import_requests(user, data: bytes, content_type: str = "", submit: bool = False
                    ) -> list[Request]:
    """Import one request or ``{"requests": [...]}`` from JSON or XML, all or nothing.

    Raises ``exchange.DocumentError`` (unreadable document) or :class:`SpecError` with
    every problem as ``path: message``.
    """
    doc = load_document(data, content_type)
    if isinstance(doc, dict) and set(doc) <= {"requests", "format"} and "requests" in doc:
        items = doc["requests"]
        if not isinstance(items, list) or not items:
            raise SpecError(["requests: must be a non-empty list of requests"])
        prefixes = [f"requests[{i}]" for i in range(len(items))]
    else:
        items, prefixes = [doc], [""]
    config, now = load_config(), get_clock().now()
    checked, errors = [], []
    for item, prefix in zip(items, prefixes, strict=True):
        try:
            checked.append(check_request(user, parse_request(item, prefix), config, now,
                                         prefix))
        except SpecError as exc:
            errors.extend(exc.errors)
    if errors:
        raise SpecError(errors)
    made = [_save_request(user, programme, spec, origins, config)
            for programme, spec, origins in checked]
    if submit:
        for request in made:
            submit_request(request, by=user)
    return made


# --- submitting, unsubmitting, cancelling -----------------------------------------------------

def submit_request(request: Request, by=None) -> list[tuple[Sequence, str]]:
    """Submit every DRAFT sequence: SUBMITTED, then VALIDATED (quota reserved) or
    REJECTED with the reason.  Returns ``(sequence, new status)`` pairs; asks for a re-plan
    when something became schedulable."""
    config, now = load_config(), get_clock().now()
    results = []
    for seq in request.sequences.filter(status=Status.DRAFT):
        with transaction.atomic():
            transition_sequence(seq, Status.SUBMITTED, "submitted", by=by)
            try:
                # earlier sequences of this submission already booked their reservation
                duration = validate_for_submission(seq, config, now)
                seq.duration_s = duration
                seq.save(update_fields=["duration_s"])
                transition_sequence(seq, Status.VALIDATED, "validated", by=by)
            except (SequenceInvalid, ledger.QuotaError) as exc:
                transition_sequence(seq, Status.REJECTED, str(exc), by=by)
        results.append((seq, seq.status))
    if any(status == Status.VALIDATED for _, status in results):
        request_replan(f"request {request.pk} submitted", by=by)
    return results


@transaction.atomic
def unsubmit_request(request: Request, by=None) -> dict[str, int]:
    """Take a request back: submitted, validated and planned sequences return to DRAFT
    (their reservation released); executing ones are cancelled (the execution agent aborts
    them; their time is given back); executed, partial, failed, expired, rejected and
    cancelled ones stay as they are.  Asks for a re-plan if the plan was affected.
    Returns counts by what happened."""
    counts = {"to_draft": 0, "cancelled": 0, "kept": 0}
    replan = False
    for seq in request.sequences.all():
        status = Status(seq.status)
        if status in (Status.SUBMITTED, Status.VALIDATED, Status.PLANNED):
            replan |= status is Status.PLANNED
            transition_sequence(seq, Status.DRAFT, "unsubmitted", by=by)
            counts["to_draft"] += 1
        elif status is Status.EXECUTING:
            transition_sequence(seq, Status.CANCELLED, "unsubmitted while executing: aborted",
                                by=by)
            counts["cancelled"] += 1
            replan = True
        elif status is not Status.DRAFT:
            counts["kept"] += 1
    if replan:
        request_replan(f"request {request.pk} unsubmitted", by=by)
    return counts


@transaction.atomic
def cancel_sequence(sequence: Sequence, by=None, reason: str = "cancelled") -> Sequence:
    """Cancel a sequence that is not final (its reservation is given back)."""
    was = Status(sequence.status)
    transition_sequence(sequence, Status.CANCELLED, reason, by=by)
    if was in (Status.PLANNED, Status.EXECUTING):
        request_replan(f"sequence {sequence.pk} cancelled", by=by)
    return sequence


@transaction.atomic
def cancel_request(request: Request, by=None) -> int:
    """Cancel every sequence of the request that is not final; returns how many."""
    n = 0
    for seq in request.sequences.exclude(status__in=[s.value for s in FINAL]):
        cancel_sequence(seq, by=by)
        n += 1
    return n


class RequestLocked(ValueError):
    """The request has sequences past DRAFT: it can be cancelled, not deleted."""


@transaction.atomic
def delete_request(request: Request) -> None:
    """Delete a request whose sequences are all drafts (nothing booked, nothing done)."""
    if request.sequences.exclude(status=Status.DRAFT).exists():
        raise RequestLocked("only a request whose sequences are all drafts can be deleted; "
                            "unsubmit or cancel it instead")
    request.delete()


@transaction.atomic
def delete_sequence(sequence: Sequence) -> None:
    if sequence.status != Status.DRAFT:
        raise RequestLocked("only a draft sequence can be deleted")
    sequence.delete()


@transaction.atomic
def expire_sequences(now: datetime | None = None) -> dict[str, int]:
    """Sequences still waiting when their window has ended: postponed to the following
    night if allowed (at most :data:`MAX_POSTPONEMENTS` times, within the period), else
    EXPIRED (reservation released).  For the scheduler to call before each plan."""
    now = now or get_clock().now()
    counts = {"postponed": 0, "expired": 0}
    due = Sequence.objects.select_related("request__programme").filter(
        status__in=[Status.VALIDATED, Status.PLANNED], window_end__lte=now)
    for seq in due:
        shift = timedelta(days=1)
        while seq.window_end + shift <= now:
            shift += timedelta(days=1)
        if seq.allow_postpone and seq.postponed_count < MAX_POSTPONEMENTS:
            quota = ledger.quota_for(seq.request.programme, seq.window_start + shift)
            if quota is not None and seq.window_end + shift <= quota.period.end:
                if seq.status == Status.PLANNED:
                    transition_sequence(seq, Status.VALIDATED, "postponed to a following night")
                seq.window_start += shift
                seq.window_end += shift
                seq.postponed_count += 1
                seq.save(update_fields=["window_start", "window_end", "postponed_count"])
                counts["postponed"] += 1
                continue
        transition_sequence(seq, Status.EXPIRED, "window ended before execution")
        counts["expired"] += 1
    if counts["postponed"]:
        request_replan(f"{counts['postponed']} sequence(s) postponed")
    return counts

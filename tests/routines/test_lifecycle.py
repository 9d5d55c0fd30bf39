"""The lifecycle: the one table, every transition recorded, unsubmission, execution ends,
expiry and postponement, and the quota ledger each one writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum

from pyros.accounts.ledger import quota_balance, sequence_rows
from pyros.accounts.models import QuotaEntry
from pyros.accounts.testing import request_doc
from pyros.routines import actions
from pyros.routines.lifecycle import ALLOWED, FINAL, Status, TransitionError, check_transition
from pyros.routines.models import Sequence, Transition
from pyros.scheduler.models import ReplanRequest


def test_final_statuses_go_nowhere_and_every_status_is_reachable():
    for final in FINAL:
        for target in Status:
            with pytest.raises(TransitionError):
                check_transition(final, target)
    reachable = {Status.DRAFT} | {t for targets in ALLOWED.values() for t in targets}
    assert reachable == set(Status)


@pytest.mark.parametrize(("cur", "tgt"), [("draft", "validated"), ("draft", "executing"),
                                          ("validated", "executed"), ("planned", "submitted")])
def test_forbidden_moves(cur, tgt):
    with pytest.raises(TransitionError, match=f"a {cur} sequence cannot become {tgt}"):
        check_transition(cur, tgt)


def _validated(world, **kw) -> Sequence:
    req = actions.create_request(world.user, request_doc(**kw))
    actions.submit_request(req, by=world.user)
    seq = req.sequences.get()
    assert seq.status == "validated"
    return seq


def _assert_ledger_is_the_state(world):
    """The balance is the sum of the rows, per quota and per sequence."""
    quota = world.stars.quotas.get()
    total = QuotaEntry.objects.filter(quota=quota).aggregate(s=Sum("amount_s"))["s"] or 0.0
    bal = quota_balance(world.stars, world.period)
    assert bal.used_s == pytest.approx(total)
    assert bal.remaining_s == pytest.approx(quota.allocated_s - total)
    assert quota.remaining_s() == pytest.approx(bal.remaining_s)
    return bal




@pytest.mark.django_db
def test_forbidden_transition_writes_nothing(world):
    seq = actions.create_request(world.user, request_doc()).sequences.get()
    with pytest.raises(TransitionError):
        actions.transition_sequence(seq, Status.EXECUTED)
    seq.refresh_from_db()
    assert seq.status == "draft" and not Transition.objects.exists()


@pytest.mark.django_db
def test_full_execution_debits_the_executed_time(world):
    seq = _validated(world)
    actions.transition_sequence(seq, Status.PLANNED, "night plan")
    actions.transition_sequence(seq, Status.EXECUTING)
    actions.record_execution(seq, 650.0, Status.EXECUTED)
    seq.refresh_from_db()
    assert seq.status == "executed" and seq.executed_s == 650.0
    kinds = list(QuotaEntry.objects.filter(sequence=seq).values_list("kind", "amount_s"))
    assert kinds == [("reserve", seq.duration_s), ("release", -seq.duration_s),
                     ("debit", 650.0)]
    bal = _assert_ledger_is_the_state(world)
    assert bal.reserved_s == 0 and bal.debited_s == 650.0
    assert [t.to_status for t in seq.transitions.all()] == [
        "submitted", "validated", "planned", "executing", "executed"]


@pytest.mark.django_db
def test_partial_debits_what_was_done_and_failure_gives_time_back(world):
    a, b = _validated(world), _validated(world)
    for s in (a, b):
        actions.transition_sequence(s, Status.PLANNED)
        actions.transition_sequence(s, Status.EXECUTING)
    actions.record_execution(a, 300.0, "partial")
    actions.record_execution(b, 200.0, "failed", "camera timeout")
    assert sequence_rows(a) == {"reserved": 0.0, "debited": 300.0}
    assert sequence_rows(b) == {"reserved": 0.0, "debited": 0.0}
    assert QuotaEntry.objects.filter(sequence=b, kind="refund").get().amount_s == -200.0
    bal = _assert_ledger_is_the_state(world)
    assert bal.debited_s == 300.0 and bal.reserved_s == 0.0


@pytest.mark.django_db
def test_cancel_releases_and_cancel_while_executing_refunds(world):
    a, b = _validated(world), _validated(world)
    actions.cancel_sequence(a, by=world.user)
    actions.transition_sequence(b, Status.PLANNED)
    actions.transition_sequence(b, Status.EXECUTING)
    actions.cancel_sequence(b, by=world.user)
    # the execution agent reports the time spent before it aborted
    actions.record_execution(b, 120.0, Status.PARTIAL)
    b.refresh_from_db()
    assert b.status == "cancelled" and b.executed_s == 120.0
    bal = _assert_ledger_is_the_state(world)
    assert bal.used_s == 0.0
    assert ReplanRequest.objects.filter(reason__contains="cancelled").count() == 1


@pytest.mark.django_db
def test_unsubmit_handles_each_status(world):
    req = actions.create_request(world.user, request_doc(repeat_days=3))
    actions.submit_request(req)
    _s0, s1, s2, s3 = req.sequences.order_by("window_start")
    actions.transition_sequence(s1, Status.PLANNED)
    actions.transition_sequence(s2, Status.PLANNED)
    actions.transition_sequence(s2, Status.EXECUTING)
    actions.transition_sequence(s3, Status.PLANNED)
    actions.transition_sequence(s3, Status.EXECUTING)
    actions.record_execution(s3, 700.0, Status.EXECUTED)
    ReplanRequest.objects.all().delete()
    counts = actions.unsubmit_request(req, by=world.user)
    assert counts == {"to_draft": 2, "cancelled": 1, "kept": 1}
    statuses = [s.status for s in req.sequences.order_by("window_start")]
    assert statuses == ["draft", "draft", "cancelled", "executed"]
    bal = _assert_ledger_is_the_state(world)
    assert bal.reserved_s == 0.0 and bal.debited_s == 700.0  # the executed one stays paid
    assert ReplanRequest.objects.get().reason.startswith(f"request {req.pk} unsubmitted")
    # submitted again: the drafts are validated anew, with fresh reservations
    results = actions.submit_request(req)
    assert [st for _, st in results] == ["validated", "validated"]
    _assert_ledger_is_the_state(world)


@pytest.mark.django_db
def test_expiry_and_postponement(world):
    keep = _validated(world, allow_postpone=True)
    drop = _validated(world)
    actions.transition_sequence(keep, Status.PLANNED)
    world.clock.advance(86400 + 60)
    counts = actions.expire_sequences()
    assert counts == {"postponed": 1, "expired": 1}
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert drop.status == "expired" and sequence_rows(drop)["reserved"] == 0.0
    assert keep.status == "validated" and keep.postponed_count == 1
    assert keep.window_end > world.clock.now()
    assert sequence_rows(keep)["reserved"] == pytest.approx(keep.duration_s)
    for _ in range(actions.MAX_POSTPONEMENTS):
        world.clock.advance(86400)
        actions.expire_sequences()
    keep.refresh_from_db()
    assert keep.status == "expired" and keep.postponed_count == actions.MAX_POSTPONEMENTS
    _assert_ledger_is_the_state(world)


@pytest.mark.django_db
def test_alert_requests_may_book_past_the_quota(world):
    """The Alert Manager validates with enforce_quota=False (GRBs do not wait)."""
    req = actions.create_request(world.other, request_doc("grb"))
    seq = req.sequences.get()
    quota = world.grb.quotas.get()
    quota.allocated_s = 10
    quota.save()
    actions.transition_sequence(seq, Status.SUBMITTED, "alert")
    actions.transition_sequence(seq, Status.VALIDATED, "alert", enforce_quota=False)
    assert quota_balance(world.grb, world.period).remaining_s < 0


@pytest.mark.django_db
def test_member_share_limits_one_member(world):
    from pyros.accounts.models import MemberQuota

    MemberQuota.objects.create(quota=world.stars.quotas.get(), user=world.user,
                               allocated_s=1000)
    first = _validated(world)
    assert first.duration_s < 1000
    req = actions.create_request(world.admin, request_doc())  # admin: no share limit
    req.owner = world.user
    req.save()
    (seq, status), = actions.submit_request(req)
    assert status == "rejected" and "of their share" in seq.status_reason


@pytest.mark.django_db
def test_sequences_made_directly_get_their_duration_on_validation(world):
    """Alert strategies create models directly: validation computes the duration."""
    from pyros.routines.models import Album, Plan, Request

    req = Request.objects.create(name="GRB 261201A", programme=world.grb, from_alert=True)
    seq = Sequence.objects.create(request=req, name="GRB", target_name="GRB 261201A",
                                  ra_deg=10.0, dec_deg=20.0, window_start=world.clock.now(),
                                  window_end=world.clock.now() + timedelta(hours=12))
    album = Album.objects.create(sequence=seq, channel="NIR")
    Plan.objects.create(album=album, filter_name="J", exposure_s=30, count=4)
    actions.transition_sequence(seq, Status.SUBMITTED, "alert")
    actions.transition_sequence(seq, Status.VALIDATED, "alert", enforce_quota=False)
    seq.refresh_from_db()
    assert seq.duration_s == pytest.approx(20 + 4 * (30 + 1.3))
    assert sequence_rows(seq)["reserved"] == pytest.approx(seq.duration_s)


def _drafts(world, n: int, duration_s: float = 900.0):
    from pyros.routines.models import Plan

    start = world.clock.now() + timedelta(hours=1)
    return [actions.SequenceDraft(
        Sequence(name=f"burst epoch {i + 1}", target_name="GRB", ra_deg=10.0, dec_deg=20.0,
                 window_start=start + timedelta(hours=i), window_end=start + timedelta(hours=9),
                 priority=9, duration_s=duration_s),
        {"VIS": [Plan(filter_name="r", exposure_s=60, count=3),
                 Plan(filter_name="i", exposure_s=60, count=3)],
         "NIR": [Plan(filter_name="J", exposure_s=30, count=6)]}) for i in range(n)]


def test_sequences_created_validated_as_submitting_one_by_one_would(world):
    """The alert path's bulk creation: the rows a submission then a validation per sequence
    would write, in the same number of queries for one sequence or six."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pyros.routines.models import Request

    counts = []
    for n in (1, 6):
        req = Request.objects.create(name=f"alert {n}", programme=world.grb, owner=world.other)
        with CaptureQueriesContext(connection) as queries:
            made = actions.create_validated_sequences(req, _drafts(world, n), "alert GRB")
        counts.append(len(queries))
        req.refresh_from_db()
        assert req.submitted_at == world.clock.now()
        for seq in made:
            seq.refresh_from_db()
            assert seq.status == "validated" and seq.status_reason == "alert GRB"
            assert [(t.from_status, t.to_status) for t in seq.transitions.all()] == [
                ("draft", "submitted"), ("submitted", "validated")]
            assert {a.channel: [(p.order, p.filter_name, p.count) for p in a.plans.all()]
                    for a in seq.albums.all()} == {
                "VIS": [(0, "r", 3), (1, "i", 3)], "NIR": [(0, "J", 6)]}
            assert sequence_rows(seq) == {"reserved": 900.0, "debited": 0.0}
            assert QuotaEntry.objects.get(sequence=seq).user == world.other
    assert counts[0] == counts[1] <= 14, counts  # savepoints included
    balance = quota_balance(world.grb, world.period)
    assert balance.reserved_s == 7 * 900.0


def test_bulk_created_sequences_respect_the_quota_or_create_nothing(world):
    from pyros.accounts.ledger import QuotaError
    from pyros.routines.models import Request

    req = Request.objects.create(name="too much", programme=world.stars, owner=world.user)
    # 36 000 s allocated: 4 × 10 000 s do not fit, and the fourth must not leave three behind
    with pytest.raises(QuotaError, match="quota exceeded"):
        actions.create_validated_sequences(req, _drafts(world, 4, 10_000.0), "too much")
    assert not req.sequences.exists() and not QuotaEntry.objects.exists()
    made = actions.create_validated_sequences(req, _drafts(world, 4, 10_000.0), "alert",
                                              enforce_quota=False)
    assert len(made) == 4 and quota_balance(world.stars, world.period).remaining_s < 0
    with pytest.raises(ValueError, match="duration_s must be set"):
        actions.create_validated_sequences(req, _drafts(world, 1, 0.0), "no duration")

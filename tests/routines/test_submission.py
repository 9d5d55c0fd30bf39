"""Creating and submitting requests: validation, reservation, rejection with reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pyros.accounts.ledger import quota_balance
from pyros.accounts.models import QuotaEntry
from pyros.accounts.testing import T0, request_doc
from pyros.routines import actions
from pyros.routines.models import Sequence, Transition
from pyros.routines.spec import SpecError
from pyros.scheduler.actions import consume_replan_requests
from pyros.scheduler.models import ReplanRequest

pytestmark = pytest.mark.django_db


def test_submit_validates_reserves_and_asks_for_a_replan(world):
    req = actions.create_request(world.user, request_doc())
    seq = req.sequences.get()
    assert seq.status == "draft"
    # 20 s slew + 5×(60+6) r + 8 s filter change + 5×(60+6) i
    assert seq.duration_s == pytest.approx(20 + 10 * 66 + 8)
    results = actions.submit_request(req, by=world.user)
    assert [st for _, st in results] == ["validated"]
    seq.refresh_from_db()
    assert [(t.from_status, t.to_status) for t in seq.transitions.all()] == [
        ("draft", "submitted"), ("submitted", "validated")]
    bal = quota_balance(world.stars, world.period)
    assert bal.reserved_s == pytest.approx(seq.duration_s)
    assert bal.remaining_s == pytest.approx(36_000 - seq.duration_s)
    assert ReplanRequest.objects.filter(consumed_at__isnull=True).count() == 1
    assert ReplanRequest.objects.get().source == "routines"
    assert len(consume_replan_requests()) == 1
    assert consume_replan_requests() == []
    req.refresh_from_db()
    assert req.submitted_at == T0


def test_target_never_up_is_rejected_with_the_reason(world):
    # Dec −80° never rises above the 20° horizon at latitude +31°
    req = actions.create_request(world.user, request_doc(dec="-80:00:00"))
    (seq, status), = actions.submit_request(req)
    assert status == "rejected"
    assert "never observable" in seq.status_reason
    assert not QuotaEntry.objects.exists()


def test_moon_phase_constraint_can_make_a_target_unobservable(world):
    # 2026-12-01 is a few days before full Moon (illumination > 0.5 all night)
    req = actions.create_request(world.user, request_doc(max_moon_illumination=0.1))
    (seq, status), = actions.submit_request(req)
    assert status == "rejected" and "Moon illumination" in seq.status_reason


def test_quota_exceeded_at_submission_rejects(world):
    req = actions.create_request(world.user, request_doc())
    QuotaEntry.objects.create(quota=world.stars.quotas.get(), kind="debit",
                              amount_s=35_900, reason="used elsewhere")
    (seq, status), = actions.submit_request(req)
    assert status == "rejected" and "quota exceeded" in seq.status_reason


def test_window_in_the_past_at_submission_rejects(world):
    req = actions.create_request(world.user, request_doc())
    world.clock.advance(2 * 86400)
    (seq, status), = actions.submit_request(req)
    assert status == "rejected" and "past" in seq.status_reason


def test_repeat_over_days_makes_shifted_copies(world):
    req = actions.create_request(world.user, request_doc(repeat_days=2))
    seqs = list(req.sequences.order_by("window_start"))
    assert len(seqs) == 3
    assert [s.window_start - seqs[0].window_start for s in seqs] == [
        timedelta(0), timedelta(days=1), timedelta(days=2)]
    assert seqs[1].repeat_of_id == seqs[0].pk and seqs[2].repeat_of_id == seqs[0].pk
    results = actions.submit_request(req)
    assert [st for _, st in results] == ["validated"] * 3
    assert quota_balance(world.stars, world.period).reserved_s == pytest.approx(
        3 * seqs[0].duration_s)


def test_window_from_visibility(world):
    doc = request_doc()
    del doc["sequences"][0]["window_start"], doc["sequences"][0]["window_end"]
    seq = actions.create_request(world.user, doc).sequences.get()
    # M31 from San Pedro Mártir on 2026-12-01: from evening twilight to its 2-airmass set
    assert T0 < seq.window_start < T0 + timedelta(hours=3)
    assert seq.window_start + timedelta(hours=4) < seq.window_end < T0 + timedelta(hours=12)
    (_, status), = actions.submit_request(seq.request)
    assert status == "validated"


def test_window_outside_the_period_is_refused_on_creation(world):
    with pytest.raises(SpecError) as exc:
        actions.create_request(world.user, request_doc(start=T0 + timedelta(days=119),
                                                       days=3))
    assert exc.value.errors == [
        "sequences[0].window_end: the window ends after the end of period 2026B "
        "(2027-03-31 00:00 UTC)"]
    assert not Sequence.objects.exists() and not Transition.objects.exists()

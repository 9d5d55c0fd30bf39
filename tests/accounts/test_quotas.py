"""Quota reports: balance = sum of the ledger, per-member usage, evolution over the period."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts.ledger import member_usage, quota_balance
from pyros.accounts.models import MemberQuota
from pyros.accounts.testing import request_doc
from pyros.routines import actions
from pyros.routines.lifecycle import Status

pytestmark = pytest.mark.django_db


def _history(world):
    """One sequence executed (650 s), one failed, one still reserved."""
    seqs = []
    for _ in range(3):
        req = actions.create_request(world.user, request_doc())
        actions.submit_request(req)
        seqs.append(req.sequences.get())
    for seq, (used, outcome) in zip(seqs[:2], [(650.0, "executed"), (90.0, "failed")],
                                    strict=True):
        world.clock.advance(3600)
        actions.transition_sequence(seq, Status.PLANNED)
        actions.transition_sequence(seq, Status.EXECUTING)
        actions.record_execution(seq, used, outcome)
    return seqs


def test_report_api_and_member_usage(world):
    seqs = _history(world)
    MemberQuota.objects.create(quota=world.stars.quotas.get(), user=world.user,
                               allocated_s=5000)
    client = APIClient()
    client.force_login(world.user)
    report = client.get("/users/api/programmes/stars/quota/").json()
    d = seqs[2].duration_s
    assert report["balance"] == {"programme": "stars", "period": "2026B", "allocated_s": 36000,
                                 "reserved_s": d, "debited_s": 650.0, "used_s": 650.0 + d,
                                 "remaining_s": 36000 - 650.0 - d}
    assert sum(r["amount_s"] for r in report["ledger"]) == pytest.approx(650.0 + d)
    assert report["ledger"][-1]["remaining_s"] == pytest.approx(36000 - 650.0 - d)
    assert [r["kind"] for r in report["ledger"]] == [
        "reserve", "reserve", "reserve", "release", "debit", "release", "debit", "refund"]
    assert report["members"] == [{"username": "ursula", "allocated_s": 5000.0,
                                  "used_s": 650.0 + d, "remaining_s": 5000 - 650.0 - d}]
    assert member_usage(world.stars, world.period)[0].used_s == pytest.approx(650.0 + d)
    listing = client.get("/users/api/programmes/").json()
    assert [p["code"] for p in listing] == ["stars"]
    assert listing[0]["balances"][0] == report["balance"]


def test_quota_page_shows_the_evolution(world):
    _history(world)
    client = Client()
    client.force_login(world.user)
    page = client.get("/users/programmes/stars/").content.decode()
    bal = quota_balance(world.stars, world.period)
    assert f"{bal.remaining_s:.0f} s" in page
    points = page.split('<polyline points="')[1].split('"')[0].split()
    assert len(points) == 1 + 2 * 8  # the start, then a step per ledger row
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] == 0.0 and ys[-1] > 0.0  # full at the start, less at the end
    xs = [float(p.split(",")[0]) for p in points]
    assert xs == sorted(xs)

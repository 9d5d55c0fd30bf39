"""The Django side of the scheduler: versions kept, statuses moved, reasons stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.conf import settings

from pyros.routines.models import Sequence
from pyros.scheduler import actions
from pyros.scheduler.models import Schedule

MIDNIGHT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # as in conftest.py



def test_plan_places_visible_sequences_and_explains_the_rest(make_sequence):
    orion = make_sequence("M42", ra=83.82, dec=-5.39)          # high in the sky at 07 UTC
    south = make_sequence("Far south", ra=90.0, dec=-80.0)     # never above airmass 2
    schedule = actions.plan_night("test")
    assert [e.sequence_id for e in schedule.entries.all()] == [orion.pk]
    orion.refresh_from_db()
    south.refresh_from_db()
    assert orion.status == "planned"
    assert south.status == "validated"
    rejection = schedule.rejections.get()
    assert rejection.sequence_id == south.pk
    assert "airmass" in rejection.reason and south.status_reason == rejection.reason[:255]
    # the plan lies inside the night minus the execution margin, after "now"
    entry = schedule.entries.get()
    assert entry.start >= MIDNIGHT
    assert entry.end <= schedule.night_end - timedelta(seconds=120)
    # duration from the plans: 5 x (60 s + 6 s VIS readout) + 20 s overhead
    assert (entry.end - entry.start).total_seconds() == 5 * 66 + 20
    assert orion.transitions.last().reason == f"in schedule {schedule.pk}"


def test_every_version_is_kept_and_dropped_sequences_return_to_validated(make_sequence, clock):
    first = make_sequence("A", ra=83.82, dec=-5.39, priority=2, hours=0.5,
                          window_start=MIDNIGHT)
    v1 = actions.plan_night("first")
    first.refresh_from_db()
    assert first.status == "planned"
    # an alert sequence takes the only possible slot
    make_sequence("GRB", ra=83.82, dec=-5.39, priority=9, hours=0.5, exposure_s=300, count=5,
                  from_alert=True, window_start=MIDNIGHT)
    v2 = actions.plan_night("alert")
    first.refresh_from_db()
    assert Schedule.objects.count() == 2 and v2.pk != v1.pk
    assert next(e.sequence.name for e in v2.entries.all()) == "GRB"
    assert first.status == "validated"
    assert first.status_reason.startswith(f"not in schedule {v2.pk}")


def test_plan_is_sent_to_the_instrument_centre(make_sequence):
    seq = make_sequence("M42", ra=83.82, dec=-5.39)
    schedule = actions.plan_night("ic")
    files = sorted((settings.DATA_DIR / "exchange" / "GIC" / "TO").glob("schedule-*.json"))
    sent = [json.loads(f.read_text()) for f in files]
    mine = [m for m in sent if m["payload"]["id"] == schedule.pk]
    assert len(mine) == 1
    assert mine[0]["payload"]["scheduled"][0]["sequence"] == seq.pk
    schedule.refresh_from_db()
    assert schedule.sent_to_ic


def test_quota_limits_the_plan(make_sequence, programme):
    from pyros.accounts.models import QuotaEntry

    quota = programme.quotas.get()
    QuotaEntry.objects.create(quota=quota, kind="debit", amount_s=36000 - 400,
                              reason="used earlier")
    make_sequence("A", ra=83.82, dec=-5.39)  # needs 350 s
    make_sequence("B", ra=120.0, dec=-10.0)  # needs 350 s too: only one fits in 400 s
    schedule = actions.plan_night("quota")
    assert schedule.entries.count() == 1
    assert "quota" in schedule.rejections.get().reason


def test_expired_sequences(make_sequence, clock):
    seq = make_sequence("Old", window_start=MIDNIGHT - timedelta(hours=3), hours=1)
    from pyros.routines.actions import expire_sequences

    assert expire_sequences(clock.now()) == {"postponed": 0, "expired": 1}
    seq.refresh_from_db()
    assert seq.status == "expired"


def test_executing_sequence_blocks_the_telescope(make_sequence):
    busy = make_sequence("Busy", ra=83.82, dec=-5.39, status="executing")
    make_sequence("Next", ra=83.82, dec=-5.39)
    schedule = actions.plan_night("busy")
    entry = schedule.entries.get()
    assert entry.sequence.name == "Next"
    assert entry.start >= MIDNIGHT + timedelta(seconds=actions.estimate_duration_s(
        Sequence.objects.get(pk=busy.pk), actions.load_config()))

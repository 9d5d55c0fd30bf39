"""A real SVOM burst, notice by notice: one alert, position refined, re-point decided."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pyros.alerts.actions import ingest_notice
from pyros.alerts.models import Alert, AlertPosition, AlertStatus, StoredNotice
from pyros.routines.models import Sequence

pytestmark = pytest.mark.django_db


def test_wakeup_slewing_mxt_make_one_alert_refined_and_repointed(clock, settings_alerts, data):
    SVOM, SVOM_TRIGGER, raw = data.svom, data.svom_trigger, data.raw
    # wakeup arrives 63 s after the trigger (its Date), slewing at +192 s, MXT at +86 min
    clock.set(SVOM_TRIGGER + timedelta(seconds=63))
    first = ingest_notice(raw(SVOM / "eclairs_299.xml"), "kafka:gcn.notices.svom.voevent.eclairs",
                          settings=settings_alerts)
    assert first.outcome == "new_alert" and first.request_created
    alert = Alert.objects.get(pk=first.alert_id)
    assert alert.status == AlertStatus.ACTIVE and alert.name == "SVOM sb26022501"
    assert alert.missions == ["SVOM"] and alert.priority == 15
    assert alert.recipe["exposure_s"] == 10  # young (63 s) and 5.9' < 13'
    assert alert.expires_at == alert.trigger_time + timedelta(hours=48)
    seqs = list(alert.request.sequences.order_by("id"))
    assert [s.status for s in seqs] == ["validated", "validated"]  # two epochs
    first_seq = seqs[0]
    assert first_seq.priority == 15 and first_seq.window_start == clock.now()
    plans = {a.channel: [(p.filter_name, p.count, p.exposure_s) for p in a.plans.all()]
             for a in first_seq.albums.all()}
    assert plans == {"VIS": [("r", 8, 10.0), ("z", 8, 10.0)],
                     "NIR": [("J", 8, 10.0), ("H", 8, 10.0)]}
    assert alert.request.from_alert and alert.request.programme.code == "alerts"
    lat = alert.latency
    assert lat.notice_received and lat.notice_stored and lat.request_created

    clock.set(SVOM_TRIGGER + timedelta(seconds=192))
    second = ingest_notice(raw(SVOM / "eclairs_300.xml"), "kafka:x", settings=settings_alerts)
    assert second.outcome == "updated" and second.alert_id == alert.pk
    assert not second.repointed  # 2' away, error 5.9' -> 5.1': same pointing
    alert.refresh_from_db()
    assert alert.error_radius_deg == pytest.approx(0.0854)  # refined
    assert alert.request.sequences.filter(status="validated").count() == 2

    clock.set(SVOM_TRIGGER + timedelta(minutes=86))
    third = ingest_notice(raw(SVOM / "mxt_40.xml"), "kafka:x", settings=settings_alerts)
    assert third.outcome == "updated" and third.repointed
    alert.refresh_from_db()
    assert (alert.ra_deg, alert.dec_deg) == (pytest.approx(204.8665), pytest.approx(45.1204))
    assert "from the field centre" in alert.status_reason  # 29' away: left the 26' field
    assert alert.repoints == 1
    statuses = sorted(alert.request.sequences.values_list("status", flat=True))
    assert statuses == ["cancelled", "cancelled", "validated", "validated"]
    new = alert.request.sequences.filter(status="validated").order_by("id").first()
    assert new.ra_deg == pytest.approx(204.8665)
    assert alert.recipe["exposure_s"] == 60  # 86 min old now
    plans = {(a.channel, p.filter_name): (p.count, p.exposure_s)
             for a in new.albums.all() for p in a.plans.all()}
    assert plans[("VIS", "r")] == (8, 60.0) and plans[("VIS", "z")] == (8, 60.0)
    assert plans[("NIR", "J")] == (8, 60.0)
    count, exposure = plans[("NIR", "H")]  # 60 s would saturate on the H sky: split
    assert exposure < 30 and count * exposure == pytest.approx(8 * 60)
    positions = list(AlertPosition.objects.filter(alert=alert).order_by("id"))
    assert [p.instrument for p in positions] == ["ECLAIRs", "ECLAIRs", "MXT"]
    assert [p.adopted for p in positions] == [True, True, True]
    assert positions[-1].repointed
    assert Alert.objects.count() == 1 and StoredNotice.objects.count() == 3
    assert Sequence.objects.filter(request=alert.request).count() == 4

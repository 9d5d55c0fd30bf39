"""Ingestion edge cases: duplicates, order, tests, retractions, catalogue, hostile input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pyros.alerts.actions import ingest_notice
from pyros.alerts.models import Alert, AlertStatus, NoticeOutcome, StoredNotice

pytestmark = pytest.mark.django_db


def _ingest(data, path, settings, source="inject"):
    return ingest_notice(data.raw(path), source, settings=settings)


def test_same_notice_twice_is_stored_once_and_flagged(clock, settings_alerts, data):
    clock.set(data.svom_trigger + timedelta(seconds=63))
    first = _ingest(data, data.svom / "eclairs_299.xml", settings_alerts, "kafka:a")
    again = _ingest(data, data.svom / "eclairs_299.xml", settings_alerts, "vtp:b")
    assert not first.duplicate and again.duplicate and again.outcome == "duplicate"
    assert again.alert_id == first.alert_id
    stored = StoredNotice.objects.get()
    assert stored.duplicates == 1 and stored.source == "kafka:a"
    assert Alert.objects.count() == 1
    assert Alert.objects.get().request.sequences.count() == 2  # not requested twice


def test_update_before_first_notice_creates_the_alert(clock, settings_alerts, data):
    clock.set(data.svom_trigger + timedelta(minutes=86))
    mxt = _ingest(data, data.svom / "mxt_40.xml", settings_alerts)
    assert mxt.outcome == "new_alert" and mxt.request_created
    wakeup = _ingest(data, data.svom / "eclairs_299.xml", settings_alerts)  # arrives late
    assert wakeup.outcome == "updated" and not wakeup.repointed
    alert = Alert.objects.get()
    # the late, worse ECLAIRs position is recorded but not adopted
    assert alert.ra_deg == pytest.approx(204.8665)
    assert alert.trigger_time == data.svom_trigger  # earliest trigger kept
    assert [p.adopted for p in alert.positions.order_by("id")] == [True, False]


def test_test_role_is_stored_flagged_and_never_observed(clock, settings_alerts, data):
    result = _ingest(data, data.notices / "voevent/swift/swift_bat_grb_pos_test_9264.xml",
                     settings_alerts)
    assert result.outcome == NoticeOutcome.TEST and result.alert_id is None
    stored = StoredNotice.objects.get()
    assert stored.is_test and stored.outcome == "test" and stored.mission == "Swift"
    assert Alert.objects.count() == 0


def test_retraction_cancels_pending_sequences(clock, settings_alerts, data):
    clock.set(data.svom_trigger.replace(day=4, month=3, hour=10, minute=4, second=30))
    wakeup = _ingest(data, data.svom / "eclairs_303.xml", settings_alerts)
    alert = Alert.objects.get(pk=wakeup.alert_id)
    if alert.status == AlertStatus.REFUSED:  # the sb26030408 field must be observable
        pytest.fail(f"precondition: {alert.status_reason}")
    assert alert.request.sequences.filter(status="validated").count() >= 1
    clock.advance(600)
    retraction = _ingest(data, data.svom / "eclairs_304.xml", settings_alerts)
    assert retraction.outcome == "retracted" and retraction.alert_id == alert.pk
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RETRACTED and "retracted by SVOM" in alert.status_reason
    seqs = list(alert.request.sequences.all())
    assert seqs and all(s.status == "cancelled" for s in seqs)
    assert all(s.transitions.filter(to_status="cancelled").exists() for s in seqs)


def test_a_burst_below_the_horizon_is_observed_once_it_has_risen(clock, settings_alerts, data):
    """sb26030408 triggered with its field set at the site: the sequences wait for it."""
    from astropy import units as u
    from astropy.coordinates import AltAz, SkyCoord
    from astropy.time import Time

    from pyros.astro.night import location
    from pyros.config import load_config

    now = data.svom_trigger.replace(day=4, month=3, hour=10, minute=4, second=30)
    clock.set(now)
    result = _ingest(data, data.svom / "eclairs_303.xml", settings_alerts)
    alert = Alert.objects.get(pk=result.alert_id)
    assert alert.status == AlertStatus.ACTIVE
    seqs = list(alert.request.sequences.order_by("window_start"))
    assert seqs and all(s.window_start > now + timedelta(hours=1) for s in seqs)
    site = location(*load_config().site.location_tuple())
    target = SkyCoord(alert.ra_deg, alert.dec_deg, unit="deg")

    def altitude(at):
        return target.transform_to(AltAz(obstime=Time(at), location=site)).alt.to_value(u.deg)

    assert altitude(now) < 0  # set when the notice came
    for s in seqs:  # up (airmass <= 2.5 is 23.6 deg) when each window opens
        assert altitude(s.window_start) >= 23.0


def test_retraction_of_unknown_event_is_stored_and_does_nothing(clock, settings_alerts, data):
    result = _ingest(data, data.svom / "grm_286.xml", settings_alerts)
    assert result.outcome == NoticeOutcome.RETRACTION_UNKNOWN and result.alert_id is None
    assert StoredNotice.objects.get().outcome == "retraction_unknown"
    assert Alert.objects.count() == 0


def test_catalogue_source_disables_the_alert(clock, settings_alerts, data):
    clock.set(data.svom_trigger.replace(year=2025, month=8, day=24, hour=17, minute=5))
    result = _ingest(data, data.svom / "svom_voevent_sb25082402_eclairs-catalog.xml",
                     settings_alerts)
    alert = Alert.objects.get(pk=result.alert_id)
    assert alert.status == AlertStatus.REFUSED and alert.disabled
    assert "catalogue source" in alert.status_reason and alert.request is None


def test_grm_trigger_without_position_waits(clock, settings_alerts, data):
    clock.set(data.svom_trigger.replace(month=2, day=4, hour=10, minute=12))
    result = _ingest(data, data.svom / "grm_284.xml", settings_alerts)
    alert = Alert.objects.get(pk=result.alert_id)
    assert alert.status == AlertStatus.ACTIVE and alert.status_reason == "waiting for a position"
    assert alert.request is None


@pytest.mark.parametrize("payload, why", [
    (b"", "empty"),
    (b"<not-a-voevent/>", "VOEvent"),
    (b'<?xml version="1.0"?><!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<voe:VOEvent>&x;</voe:VOEvent>", "DOCTYPE"),
    (b"\xff\xfe<\x00V\x00", "UTF-8"),
    (b'{"mission": "SVOM", "ra": NaN}', ""),
    (b"A" * (5 * 1024 * 1024), "limit"),
])
def test_hostile_notices_are_stored_as_rejected(clock, settings_alerts, payload, why):
    result = ingest_notice(payload, "web", settings=settings_alerts)
    assert result.rejected and result.notice_id is not None and why in result.reason
    stored = StoredNotice.objects.get(pk=result.notice_id)
    assert stored.outcome == "rejected" and stored.reason == result.reason
    assert bytes(stored.raw) == payload and stored.parsed is None
    assert Alert.objects.count() == 0

"""Grouping notices into alerts: one mission's sequence, and coincidences across missions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from pyros.alerts.actions import ingest_notice
from pyros.alerts.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db

FERMI_797587480 = ["fermi_gbm_alert_3950.xml", "fermi_gbm_flt_pos_8479.xml",
                   "fermi_gbm_gnd_pos_1834.xml", "fermi_gbm_gnd_pos_1838.xml",
                   "fermi_gbm_fin_pos_1035.xml"]


def test_fermi_sequence_merges_into_one_alert_refused_for_its_error(clock, settings_alerts,
                                                                     data):
    clock.set(datetime(2026, 4, 11, 8, 4, 41, tzinfo=UTC))
    results = []
    for name in FERMI_797587480:
        results.append(ingest_notice(data.raw(data.fermi / name), "kafka:fermi",
                                     settings=settings_alerts))
        clock.advance(30)
    assert [r.outcome for r in results] == ["new_alert"] + ["updated"] * 4
    alert = Alert.objects.get()
    assert {r.alert_id for r in results} == {alert.pk} and alert.missions == ["Fermi"]
    assert alert.priority == 14
    # GBM circles (8.6 deg -> 1 deg) all exceed COLIBRI's 45' limit
    assert alert.status == AlertStatus.REFUSED and "exceeds 45'" in alert.status_reason
    assert alert.error_radius_deg == pytest.approx(1.0) and alert.request is None
    assert alert.positions.count() == 4


def _gbm_near_svom(data, dt_s: float, ra: float = 204.70, dec: float = 44.60) -> bytes:
    """The real GBM ground position 1838 moved onto the SVOM sb26022501 burst."""
    text = data.raw(data.fermi / "fermi_gbm_gnd_pos_1838.xml").decode()
    when = (data.svom_trigger + timedelta(seconds=dt_s)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4]
    text = re.sub(r"<ISOTime>[^<]*</ISOTime>", f"<ISOTime>{when}</ISOTime>", text)
    text = re.sub(r"<C1>[^<]*</C1>", f"<C1>{ra}</C1>", text)
    text = re.sub(r"<C2>[^<]*</C2>", f"<C2>{dec}</C2>", text)
    return text.replace("797587480", "797587999").encode()


def test_svom_and_fermi_coincidence_is_one_alert_with_coincidence_priority(
        clock, settings_alerts, data):
    clock.set(data.svom_trigger + timedelta(seconds=63))
    svom = ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "kafka:svom",
                         settings=settings_alerts)
    gbm = ingest_notice(_gbm_near_svom(data, dt_s=12), "kafka:fermi", settings=settings_alerts)
    assert gbm.outcome == "updated" and gbm.alert_id == svom.alert_id
    alert = Alert.objects.get()
    assert alert.missions == ["Fermi", "SVOM"] and alert.priority == 18
    assert set(alert.request.sequences.values_list("priority", flat=True)) == {18}
    assert alert.ra_deg == pytest.approx(204.65)  # SVOM's 5.9' beats GBM's 1 deg
    assert alert.status == AlertStatus.ACTIVE


@pytest.mark.parametrize("dt_s, ra, why", [(200, 204.70, "too late"),
                                           (12, 150.0, "too far")])
def test_non_coincident_fermi_event_is_another_alert(clock, settings_alerts, data, dt_s, ra,
                                                     why):
    clock.set(data.svom_trigger + timedelta(seconds=63))
    svom = ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "x", settings=settings_alerts)
    gbm = ingest_notice(_gbm_near_svom(data, dt_s=dt_s, ra=ra), "y", settings=settings_alerts)
    assert gbm.outcome == "new_alert" and gbm.alert_id != svom.alert_id, why
    assert Alert.objects.count() == 2


def _svom_retraction_of_sb26022501(data) -> bytes:
    """SVOM's real retraction notice (sb26030408) renamed onto the sb26022501 burst."""
    text = data.raw(data.svom / "eclairs_304.xml").decode().replace("sb26030408",
                                                                    "sb26022501")
    when = data.svom_trigger.strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = re.sub(r"<ISOTime>[^<]*</ISOTime>", f"<ISOTime>{when}</ISOTime>", text)
    text = re.sub(r"<C1>[^<]*</C1>", "<C1>204.6500</C1>", text)
    return re.sub(r"<C2>[^<]*</C2>", "<C2>44.6257</C2>", text).encode()


def _coincidence(clock, settings_alerts, data, gbm: bytes) -> Alert:
    clock.set(data.svom_trigger + timedelta(seconds=63))
    ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "kafka:svom",
                  settings=settings_alerts)
    assert ingest_notice(gbm, "kafka:fermi", settings=settings_alerts).outcome == "updated"
    clock.advance(120)
    result = ingest_notice(_svom_retraction_of_sb26022501(data), "kafka:svom",
                           settings=settings_alerts)
    assert result.outcome == "retracted"
    return Alert.objects.get(pk=result.alert_id)


def test_a_retraction_by_one_mission_of_a_coincidence_falls_back_on_the_other(
        clock, settings_alerts, data):
    alert = _coincidence(clock, settings_alerts, data, _gbm_near_svom(data, dt_s=12))
    # GBM's 1 deg circle alone is too large to follow: refused, not retracted
    assert alert.status == AlertStatus.REFUSED
    assert "SVOM retracted its detection" in alert.status_reason
    assert "exceeds 45'" in alert.status_reason
    assert alert.priority == 14 and alert.position_source.startswith("Fermi")
    assert alert.ra_deg == pytest.approx(204.70) and alert.error_radius_deg == pytest.approx(1.0)
    assert set(alert.request.sequences.values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.parametrize("dec, repointed", [(44.6257, False), (44.95, True)])
def test_a_precise_enough_other_mission_keeps_the_alert_alive(clock, settings_alerts, data,
                                                              dec, repointed):
    gbm = _gbm_near_svom(data, dt_s=12, ra=204.65, dec=dec).replace(
        b"<Error2Radius>1.0000</Error2Radius>", b"<Error2Radius>0.1000</Error2Radius>")
    alert = _coincidence(clock, settings_alerts, data, gbm)
    assert alert.status == AlertStatus.ACTIVE and "SVOM retracted" in alert.status_reason
    assert alert.dec_deg == pytest.approx(dec) and alert.priority == 14
    assert alert.repoints == int(repointed)
    live = alert.request.sequences.filter(status="validated")
    assert live.exists() and all(s.dec_deg == pytest.approx(dec, abs=0.3) for s in live)
    if repointed:  # 19.5' away, out of the field: the old pointing's work is cancelled
        assert alert.request.sequences.filter(status="cancelled").exists()
        assert all(s.dec_deg == pytest.approx(44.95, abs=0.01) for s in live
                   if "tile" not in s.name)


def test_a_retraction_of_another_mission_never_received_leaves_the_alert_alone(
        clock, settings_alerts, data):
    """A Swift retraction coinciding in time only: Swift never reported this burst."""
    import json

    clock.set(data.svom_trigger + timedelta(seconds=63))
    svom = ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "kafka:svom",
                         settings=settings_alerts)
    guano = json.loads(data.raw(data.notices / "json/gcn-schema/gcn/notices/swift/bat/"
                                "Guano.Retraction.example.json"))
    guano["trigger_time"] = (data.svom_trigger + timedelta(seconds=5)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    result = ingest_notice(json.dumps(guano).encode(), "kafka:swift",
                           settings=settings_alerts)
    assert result.outcome == "retraction_unknown" and result.alert_id is None
    alert = Alert.objects.get(pk=svom.alert_id)
    assert alert.status == AlertStatus.ACTIVE and alert.missions == ["SVOM"]
    assert alert.request.sequences.filter(status="validated").exists()


def test_with_no_position_left_the_alert_waits_and_its_pointing_is_withdrawn(
        clock, settings_alerts, data):
    """GBM's first alert notice (no position) coincides; SVOM retracts: nothing to point."""
    text = data.raw(data.fermi / "fermi_gbm_alert_3950.xml").decode()
    when = (data.svom_trigger + timedelta(seconds=12)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4]
    gbm = re.sub(r"<ISOTime>[^<]*</ISOTime>", f"<ISOTime>{when}</ISOTime>", text)
    alert = _coincidence(clock, settings_alerts, data,
                         gbm.replace("797587480", "797587999").encode())
    assert alert.status == AlertStatus.ACTIVE and not alert.has_position
    assert "waiting for a position from Fermi" in alert.status_reason
    assert alert.repoints == 1  # what a running observation of it watches: it stops
    assert set(alert.request.sequences.values_list("status", flat=True)) == {"cancelled"}

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

"""Load: a flood of notices is absorbed; two listeners racing on one notice make one alert."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from pyros.alerts.actions import ingest_notice
from pyros.alerts.models import Alert, StoredNotice
from pyros.alerts.testing import renamed_svom_notice


@pytest.mark.django_db
def test_flood_of_100_notices_in_10_seconds(clock, settings_alerts, data):
    """20 bursts x (wake-up, slewing, MXT) + 20 duplicates + 20 garbage, 0.1 s apart."""
    clock.set(data.svom_trigger + timedelta(seconds=63))
    bursts = [f"sb{40000000 + i}" for i in range(20)]
    stream: list[bytes] = []
    for name in ("eclairs_299.xml", "eclairs_300.xml", "mxt_40.xml"):
        stream += [renamed_svom_notice(data.svom / name, b) for b in bursts]
    stream += stream[:20]  # the same 20 wake-ups again (a second listener)
    stream += [b"<VOEvent>" + bytes([65 + i % 26]) * i for i in range(20)]
    assert len(stream) == 100
    outcomes = []
    for raw in stream:
        outcomes.append(ingest_notice(raw, "flood", settings=settings_alerts).outcome)
        clock.advance(0.1)
    assert outcomes.count("new_alert") == 20 and outcomes.count("updated") == 40
    assert outcomes.count("duplicate") == 20 and outcomes.count("rejected") == 20
    assert StoredNotice.objects.count() == 80  # every distinct notice, once
    assert Alert.objects.count() == 20
    assert sorted(Alert.objects.values_list("name", flat=True)) == sorted(
        f"SVOM {b}" for b in bursts)
    assert all(a.repoints == 1 for a in Alert.objects.all())


@pytest.mark.django_db(transaction=True)
def test_two_listeners_racing_on_one_notice_make_one_alert(clock, settings_alerts, data):
    clock.set(data.svom_trigger + timedelta(seconds=63))
    raw = data.raw(data.svom / "eclairs_299.xml")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def listen(name: str) -> None:
        try:
            barrier.wait(5)
            results.append(ingest_notice(raw, name, settings=settings_alerts))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=listen, args=(n,)) for n in ("kafka", "vtp")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(r.duplicate for r in results) == [False, True]
    assert StoredNotice.objects.count() == 1 and StoredNotice.objects.get().duplicates == 1
    assert Alert.objects.count() == 1
    assert Alert.objects.get().request.sequences.count() == 2

"""The GCN Kafka listener against librdkafka's mock cluster: commit only after storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pyros.alerts.actions import ingest_notice
from pyros.alerts.agent import AlertsAgent
from pyros.alerts.listeners import ListenerUnavailable
from pyros.alerts.listeners.kafka import KafkaListener, consumer_config
from pyros.alerts.models import Alert, StoredNotice
from pyros.alerts.testing import MockKafka
from pyros.config.alerts import AlertsSettings, FscConfig, KafkaListenerConfig

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(120)]
TOPIC = "gcn.notices.svom.voevent.eclairs"


def _drain(listener, want: int, tries: int = 200) -> list:
    got: list = []
    for _ in range(tries):
        if len(got) >= want:
            break
        got += listener.fetch(want - len(got))
    return got


def test_restart_mid_stream_loses_nothing_and_repeats_nothing(clock, tmp_path, data):
    clock.set(datetime(2026, 4, 11, 8, 10, tzinfo=UTC))
    files = sorted((data.notices / "voevent" / "svom").glob("*.xml")) + sorted(
        (data.notices / "voevent" / "fermi").glob("*.xml"))
    kafka = MockKafka()
    kafka.publish_many(TOPIC, [f.read_bytes() for f in files])
    cfg = KafkaListenerConfig(enabled=True, topics=(TOPIC,), poll_timeout_s=0.2,
                              config=kafka.consumer_config())
    settings = AlertsSettings(kafka=cfg, fsc=FscConfig(drop_dir=tmp_path / "FSC"))

    # first run: 8 notices stored and committed, 2 stored but the process dies before the
    # commit, 1 polled and never stored
    first = KafkaListener(cfg)
    batch = _drain(first, 11)
    assert len(batch) == 11
    for item in batch[:8]:
        ingest_notice(item.raw, item.source, item.received_at, settings=settings)
        item.ack()
    for item in batch[8:10]:
        ingest_notice(item.raw, item.source, item.received_at, settings=settings)
    first.close()  # "crash": batch[8:] never committed
    assert StoredNotice.objects.count() == 10

    # restart with the same fixed group: resumes after the last commit
    second = KafkaListener(cfg)
    agent = AlertsAgent(clock=clock, settings=settings, listeners=[second])
    for _ in range(200):
        if agent.ingested >= len(files) - 8:
            break
        agent.run_once()
    assert agent.ingested == len(files) - 8  # the 8 committed ones are not redelivered
    assert second.committed == len(files) - 8
    assert StoredNotice.objects.count() == len(files)  # nothing lost...
    dupes = dict(StoredNotice.objects.filter(duplicates__gt=0)
                 .values_list("dedupe_key", "duplicates"))
    assert list(dupes.values()) == [1, 1]  # ...the two stored-not-committed recognised
    assert Alert.objects.filter(name="SVOM sb26022501").count() == 1
    assert Alert.objects.filter(name="Fermi 797587480").count() == 1
    agent.teardown()

    # a third consumer of the group finds nothing left
    third = KafkaListener(cfg)
    assert _drain(third, 1, tries=12) == []
    third.close()


def test_consumer_config_forces_fixed_group_and_manual_commit():
    cfg = KafkaListenerConfig(group_id="pyros-colibri", config={"bootstrap.servers": "x:1"})
    conf = consumer_config(cfg)
    assert conf["group.id"] == "pyros-colibri" and conf["enable.auto.commit"] is False
    with pytest.raises(ValueError, match=r"enable\.auto\.commit"):
        KafkaListenerConfig(config={"enable.auto.commit": True})


def test_unreachable_broker_backs_off_and_never_raises_out_of_the_agent(clock, tmp_path):
    def broken_factory(cfg):
        raise OSError("no route to broker")

    listener = KafkaListener(KafkaListenerConfig(enabled=True), consumer_factory=broken_factory)
    with pytest.raises(ListenerUnavailable, match="no route"):
        listener.fetch(5)
    with pytest.raises(ListenerUnavailable, match="retrying"):
        listener.fetch(5)  # inside the back-off: no new attempt
    assert listener.backoff.failures == 1
    agent = AlertsAgent(clock=clock, settings=AlertsSettings(), listeners=[listener])
    assert agent.run_once() is False and agent.errors == 0


def test_the_agent_waits_in_the_broker_poll_not_in_a_sleep(tmp_path, data):
    """An empty poll is the wait (the next notice is taken as it arrives); with every
    listener backing off the agent sleeps its idle interval instead of spinning."""
    import threading

    from pyros.clock import SimClock

    kafka = MockKafka()
    cfg = KafkaListenerConfig(enabled=True, topics=(TOPIC,), poll_timeout_s=0.05,
                              config=kafka.consumer_config())
    clock = SimClock(data.svom_trigger, speed=1.0)
    settings = AlertsSettings(kafka=cfg, fsc=FscConfig(drop_dir=tmp_path / "FSC"))
    polling = AlertsAgent(clock=clock, settings=settings, listeners=[KafkaListener(cfg)])
    polling.idle_interval_s = 3600.0
    assert polling.run_once() is False  # an empty poll of the topic
    waiter = threading.Thread(target=polling.idle_wait, daemon=True)
    waiter.start()
    waiter.join(5)
    assert not waiter.is_alive()
    polling.teardown()

    def broken_factory(cfg):
        raise OSError("no route to broker")

    down = AlertsAgent(clock=clock, settings=settings, listeners=[
        KafkaListener(KafkaListenerConfig(enabled=True), consumer_factory=broken_factory)])
    down.idle_interval_s = 3600.0
    assert down.run_once() is False
    sleeper = threading.Thread(target=down.idle_wait, daemon=True)
    sleeper.start()
    sleeper.join(0.5)
    assert sleeper.is_alive()  # sleeping, not spinning on the back-off
    down.stopping.set()
    sleeper.join(5)
    assert not sleeper.is_alive()

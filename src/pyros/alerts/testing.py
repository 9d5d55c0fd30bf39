"""Helpers for tests, demos and the benchmark: a mock Kafka cluster and synthetic notices.

``MockKafka`` starts librdkafka's in-process mock cluster (``test.mock.num.brokers``) and
publishes bytes to it; any consumer can join it through :attr:`MockKafka.bootstrap`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["MockKafka", "renamed_svom_notice"]


class MockKafka:
    """librdkafka's mock cluster, owned by a producer (lives as long as this object)."""

    def __init__(self, brokers: int = 1):
        import confluent_kafka

        self._producer = confluent_kafka.Producer({"test.mock.num.brokers": brokers,
                                                   "log_level": 3})
        metadata = self._producer.list_topics(timeout=10)
        self.bootstrap = ",".join(f"{b.host}:{b.port}" for b in metadata.brokers.values())

    def create_topics(self, topics: tuple[str, ...] | list[str]) -> None:
        """Create topics before a consumer subscribes: a topic that appears later is only
        picked up after a metadata refresh and a group rebalance, seconds of wall time.
        (The mock cluster creates a topic when its metadata is first asked for.)"""
        for topic in topics:
            meta = self._producer.list_topics(topic=topic, timeout=10)
            if meta.topics[topic].error is not None:
                raise RuntimeError(f"kafka topic {topic}: {meta.topics[topic].error}")

    def publish(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        """Publish one message to partition 0 (GCN topics keep order) and wait for it."""
        self._producer.produce(topic, value=value, key=key, partition=0)
        self._producer.flush(10)

    def publish_many(self, topic: str, values: list[bytes]) -> None:
        for value in values:
            self._producer.produce(topic, value=value, partition=0)
        self._producer.flush(30)

    def consumer_config(self, **extra: Any) -> dict[str, Any]:
        """librdkafka settings for a consumer of this cluster (fast group rejoin)."""
        return {"bootstrap.servers": self.bootstrap, "session.timeout.ms": 6000,
                "heartbeat.interval.ms": 500, "log_level": 3, **extra}


def renamed_svom_notice(template: Path | bytes, burst_id: str,
                        old_id: str = "sb26022501") -> bytes:
    """A copy of a real SVOM VOEvent for another burst (IVORN and Burst_Id renamed)."""
    data = template.read_bytes() if isinstance(template, Path) else template
    return data.replace(old_id.encode(), burst_id.encode())

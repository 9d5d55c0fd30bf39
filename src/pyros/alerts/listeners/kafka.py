"""GCN Kafka listener: a fixed consumer group, offsets committed only after storage.

Auto-commit is off.  Each message's offset is committed synchronously by its ``ack``, which
the agent calls after ``ingest_notice`` stored it, so a crash between the poll and the
storage replays the message on restart (storage is idempotent) and a crash after it replays
nothing that was committed.  With GCN credentials the consumer is ``gcn_kafka.Consumer``
(OIDC to GCN); without them a plain ``confluent_kafka.Consumer`` configured by
``config`` alone (a local broker, librdkafka's mock cluster in tests).  A factory can be
injected instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pyros.alerts.listeners.base import Backoff, Incoming, ListenerUnavailable
from pyros.clock import monotonic
from pyros.clock import now as clock_now
from pyros.config.alerts import KafkaListenerConfig

log = logging.getLogger("pyros.alerts.kafka")

__all__ = ["KafkaListener", "consumer_config"]

#: librdkafka errors that only mean "nothing more for now" or are retried by librdkafka.
_BENIGN = {"_PARTITION_EOF", "UNKNOWN_TOPIC_OR_PART", "_UNKNOWN_TOPIC", "_UNKNOWN_PARTITION"}
_DOWN = {"_TRANSPORT", "_ALL_BROKERS_DOWN", "_RESOLVE", "_AUTHENTICATION",
         "_MAX_POLL_EXCEEDED"}


def consumer_config(cfg: KafkaListenerConfig) -> dict[str, Any]:
    """The librdkafka settings: the user's, then the ones PyROS insists on."""
    # a short fetch wait: a broker that does not wake long polls (librdkafka's mock does
    # not) would otherwise hold each notice up to the 500 ms default
    conf: dict[str, Any] = {"auto.offset.reset": "earliest", "fetch.wait.max.ms": 50,
                            **cfg.config}
    conf.update({"group.id": cfg.group_id, "enable.auto.commit": False,
                 "enable.auto.offset.store": False})
    return conf


def _default_factory(cfg: KafkaListenerConfig) -> Any:
    conf = consumer_config(cfg)
    if cfg.client_id:
        import gcn_kafka

        return gcn_kafka.Consumer(config=conf, client_id=cfg.client_id,
                                  client_secret=cfg.client_secret.get_secret_value(),
                                  domain=cfg.domain)
    import confluent_kafka

    if "bootstrap.servers" not in conf:
        raise ListenerUnavailable("kafka: no GCN credentials and no bootstrap.servers")
    return confluent_kafka.Consumer(conf)


class KafkaListener:
    """Polls the configured topics; see the module docstring for the commit discipline."""

    name = "kafka"

    def __init__(self, cfg: KafkaListenerConfig,
                 consumer_factory: Callable[[KafkaListenerConfig], Any] | None = None):
        self.cfg = cfg
        self._factory = consumer_factory or _default_factory
        self._consumer: Any = None
        self.received = 0
        self.committed = 0
        self.last_error = ""
        self.backoff = Backoff(1.0, 60.0)

    # -- connection ----------------------------------------------------------------------
    def _ensure(self) -> Any:
        if self._consumer is None:
            if not self.backoff.ready():
                raise ListenerUnavailable(f"kafka: retrying in "
                                          f"{self.backoff.not_before - monotonic():.1f} s")
            try:
                consumer = self._factory(self.cfg)
                consumer.subscribe(list(self.cfg.topics))
            except Exception as exc:
                wait = self.backoff.failed()
                self.last_error = str(exc)
                raise ListenerUnavailable(f"kafka: cannot create the consumer ({exc}); "
                                          f"next try in {wait:.0f} s") from exc
            self.backoff.succeeded()
            self._consumer = consumer
            log.info("alerts: kafka consumer (group %s) subscribed to %s", self.cfg.group_id,
                     ", ".join(self.cfg.topics))
        return self._consumer

    def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception as exc:  # noqa: BLE001 (closing a broken consumer)
                log.warning("alerts: kafka close failed: %s", exc)

    # -- polling ---------------------------------------------------------------------------
    def fetch(self, max_items: int) -> list[Incoming]:
        consumer = self._ensure()
        try:
            # poll() returns on the first message; consume() would wait for a full batch
            first = consumer.poll(self.cfg.poll_timeout_s)
            messages = [] if first is None else [first]
            if first is not None and max_items > 1:
                messages += consumer.consume(num_messages=max_items - 1, timeout=0)
        except Exception as exc:
            self.close()
            raise ListenerUnavailable(f"kafka: consume failed: {exc}") from exc
        out: list[Incoming] = []
        for msg in messages:
            err = msg.error()
            if err is not None:
                name = err.name() if hasattr(err, "name") else str(err)
                self.last_error = f"{name}: {err}"
                if getattr(err, "fatal", lambda: False)():
                    self.close()
                    raise ListenerUnavailable(f"kafka: fatal error {err}")
                if name in _DOWN:
                    log.warning("alerts: kafka: %s (librdkafka retries)", err)
                elif name not in _BENIGN:
                    log.warning("alerts: kafka error on %s: %s", msg.topic(), err)
                continue
            value = msg.value()
            if value is None:  # a tombstone: nothing to store, nothing to lose
                self._commit(msg)
                continue
            self.received += 1
            out.append(Incoming(raw=bytes(value), source=f"kafka:{msg.topic()}",
                                received_at=clock_now(),
                                ack=lambda m=msg: self._commit(m)))
        return out

    def _commit(self, msg: Any) -> None:
        """Commit past ``msg`` (synchronous: the notice is stored, make it durable)."""
        if self._consumer is None:
            raise ListenerUnavailable("kafka: consumer closed before the commit")
        self._consumer.commit(message=msg, asynchronous=False)
        self.committed += 1

    def status(self) -> dict[str, object]:
        return {"connected": self._consumer is not None, "received": self.received,
                "committed": self.committed, "last_error": self.last_error,
                "topics": len(self.cfg.topics), "group": self.cfg.group_id}

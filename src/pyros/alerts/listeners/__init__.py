"""Notice listeners: GCN Kafka and the VOEvent Transport Protocol."""

from __future__ import annotations

from pyros.alerts.listeners.base import Backoff, Incoming, Listener, ListenerUnavailable
from pyros.config.alerts import AlertsSettings

__all__ = ["Backoff", "Incoming", "Listener", "ListenerUnavailable", "build_listeners"]


def build_listeners(settings: AlertsSettings) -> list[Listener]:
    """The listeners the settings enable (none by default)."""
    out: list[Listener] = []
    if settings.kafka.enabled:
        from pyros.alerts.listeners.kafka import KafkaListener

        out.append(KafkaListener(settings.kafka))
    if settings.vtp.enabled:
        from pyros.alerts.listeners.vtp import VtpListener

        out.append(VtpListener(settings.vtp))
    return out

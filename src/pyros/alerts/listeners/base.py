"""What the alerts agent needs from a listener, and reconnection back-off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pyros.clock import monotonic

__all__ = ["Backoff", "Incoming", "Listener", "ListenerUnavailable"]


class ListenerUnavailable(ConnectionError):
    """The broker cannot be reached now; the agent backs off and tries again."""


@dataclass
class Incoming:
    """One notice as a listener got it; ``ack`` must be called once it is stored."""

    raw: bytes
    source: str
    received_at: datetime
    #: Acknowledge (Kafka: commit the offset; VTP: send ``ack``).
    ack: Callable[[], None]
    #: Refuse (VTP: send ``nak``); Kafka has none (not committing is the refusal).
    nak: Callable[[str], None] | None = None


class Listener(Protocol):
    name: str

    def fetch(self, max_items: int) -> list[Incoming]:
        """Up to ``max_items`` notices, waiting at most the listener's poll timeout.

        Raises :class:`ListenerUnavailable` when the broker is unreachable.
        """

    def close(self) -> None:
        """Disconnect (idempotent)."""

    def status(self) -> dict[str, object]:
        """State for the agent's heartbeat."""


class Backoff:
    """Exponential back-off in wall seconds (network time is wall time)."""

    def __init__(self, initial_s: float = 1.0, maximum_s: float = 60.0):
        self.initial_s, self.maximum_s = initial_s, maximum_s
        self.delay_s = 0.0
        self.not_before = 0.0
        self.failures = 0

    def ready(self) -> bool:
        return monotonic() >= self.not_before

    def failed(self) -> float:
        """Record a failure; returns the wait before the next attempt [s]."""
        self.failures += 1
        self.delay_s = min(self.maximum_s, self.initial_s if self.delay_s == 0
                           else self.delay_s * 2)
        self.not_before = monotonic() + self.delay_s
        return self.delay_s

    def succeeded(self) -> None:
        self.delay_s, self.not_before, self.failures = 0.0, 0.0, 0

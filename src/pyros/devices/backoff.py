"""Exponential back-off between reconnection attempts (wall-clock, not simulated time:
a device does not come back faster because the night runs faster)."""

from __future__ import annotations

import threading

from pyros.clock import monotonic

__all__ = ["Backoff"]


class Backoff:
    """Tracks failures of one device and says when the next attempt may be made.

    After the n-th consecutive failure the device is left alone for
    ``min_s * 2**(n-1)`` seconds, capped at ``max_s``.  A success resets it.
    """

    def __init__(self, min_s: float = 1.0, max_s: float = 60.0):
        if not 0 < min_s <= max_s:
            raise ValueError("back-off needs 0 < min_s <= max_s")
        self.min_s = min_s
        self.max_s = max_s
        self.failures = 0
        self._next_try = 0.0
        self._lock = threading.Lock()

    def failed(self) -> float:
        """Record a failure; returns the delay (s) before the next attempt."""
        with self._lock:
            self.failures += 1
            delay = min(self.max_s, self.min_s * 2 ** (self.failures - 1))
            self._next_try = monotonic() + delay
            return delay

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0
            self._next_try = 0.0

    def wait_left_s(self) -> float:
        """Seconds until the next attempt is allowed (0 if allowed now)."""
        with self._lock:
            return max(0.0, self._next_try - monotonic())

"""Dithering: the mount offset between exposures, shared by the channels that expose at once.

The VIS and NIR albums of a sequence expose simultaneously through one telescope, so a
dither move must never happen while either camera's shutter is open.  :class:`MountShare`
is a small readers-writer lock around the mount: each exposure holds it shared, a dither
move holds it alone.  A channel that wants to move first waits for the exposures in flight
(new ones wait behind it, so it is not starved) but no longer than ``timeout_s``: a
channel whose partner takes much longer exposures observes at the current position rather
than idle, and moves at its next chance.  One move serves every channel that asked for it
since its last exposure (a generation counter), so two channels finishing together cause
one move, not two.

Dither positions follow a fixed pattern (:func:`dither_offset_arcsec`): the target, then
the eight points of a square of half-side ``step``, then twice as far, and so on, so a
detector defect never falls twice on the same sky position and the target stays near the
middle.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pyros.clock import monotonic

__all__ = ["MountShare", "dither_offset_arcsec"]

_RING = ((1, 1), (-1, -1), (1, -1), (-1, 1), (1, 0), (-1, 0), (0, 1), (0, -1))


def dither_offset_arcsec(index: int, step_arcsec: float) -> tuple[float, float]:
    """(east, north) offset of dither position ``index`` (0 = the target itself)."""
    if index <= 0 or step_arcsec <= 0:
        return 0.0, 0.0
    ring, k = divmod(index - 1, len(_RING))
    east, north = _RING[k]
    scale = step_arcsec * (ring + 1)
    return east * scale, north * scale


class MountShare:
    """Exposures share the mount; a dither move has it alone (see the module docstring)."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._exposing = 0
        self._waiting_movers = 0
        self._moving = False
        #: How many dither moves were made (the pattern index of the current position).
        self.generation = 0

    @contextmanager
    def exposure(self, abort: threading.Event | None = None) -> Iterator[None]:
        """Hold the mount still for one exposure (waits while a move is pending)."""
        with self._cv:
            while self._moving or self._waiting_movers:
                if abort is not None and abort.is_set():
                    break
                self._cv.wait(0.05)
            self._exposing += 1
        try:
            yield
        finally:
            with self._cv:
                self._exposing -= 1
                self._cv.notify_all()

    def dither(self, seen_generation: int, move: Callable[[int], None],
               timeout_s: float) -> bool:
        """Move to the next dither position unless someone did since ``seen_generation``;
        ``move(index)`` does the move.  False when exposures in flight did not end within
        ``timeout_s`` wall seconds (the caller then exposes where the mount is)."""
        with self._cv:
            if self.generation > seen_generation:
                return True
            self._waiting_movers += 1
            try:
                deadline = monotonic() + timeout_s
                while (self._exposing or self._moving) and monotonic() < deadline:
                    self._cv.wait(min(0.05, max(0.0, deadline - monotonic())))
                if self.generation > seen_generation:
                    return True
                if self._exposing or self._moving:
                    return False
                self._moving = True
            finally:
                self._waiting_movers -= 1
                self._cv.notify_all()
        try:
            move(self.generation + 1)
            with self._cv:
                self.generation += 1
        finally:
            with self._cv:
                self._moving = False
                self._cv.notify_all()
        return True

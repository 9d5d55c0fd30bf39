"""The telescope's night as a sorted list of busy intervals, with the slew overhead.

Two sequences ``a`` then ``b`` are compatible when ``b.start >= a.end + overhead``.  The
timeline answers: which start seconds are still free for a sequence of a given length,
inside a given set of allowed starts?  Intervals are in seconds after night start.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator

from pyros.planning.feasibility import Intervals

__all__ = ["Timeline"]


class Timeline:
    """Busy intervals ``[start, end)`` in time order, each owned by a sequence id."""

    def __init__(self, overhead_s: int, horizon_s: int):
        self.overhead_s = overhead_s
        self.horizon_s = horizon_s
        self._starts: list[float] = []
        self._items: list[tuple[float, float, str]] = []

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[tuple[float, float, str]]:
        return iter(self._items)

    def add(self, start: float, end: float, owner: str) -> None:
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._items.insert(i, (start, end, owner))

    def remove(self, owner: str) -> None:
        for i, item in enumerate(self._items):
            if item[2] == owner:
                del self._items[i]
                del self._starts[i]
                return
        raise KeyError(owner)

    def conflicts(self, start: float, end: float) -> list[str]:
        """Owners of the busy intervals that a sequence on ``[start, end)`` would violate."""
        o = self.overhead_s
        i = max(0, bisect.bisect_left(self._starts, start) - 1)
        out = []
        for s, e, owner in self._items[i:]:
            if s >= end + o:
                break
            if not (start >= e + o or end + o <= s):
                out.append(owner)
        return out

    def free_starts(self, span_s: int, allowed: Intervals) -> Intervals:
        """Integer starts inside ``allowed`` at which ``span_s`` seconds fit between the
        busy intervals (overhead included), as sorted inclusive intervals."""
        if not allowed:
            return []
        o = self.overhead_s
        out: Intervals = []
        lo_all, hi_all = allowed[0][0], allowed[-1][1]
        i = max(0, bisect.bisect_left(self._starts, lo_all) - 1)
        prev_end = -math.inf
        if i > 0:
            prev_end = self._items[i - 1][1]
        j = 0
        items = self._items
        n = len(items)
        while True:
            nxt = items[i][0] if i < n else math.inf
            g_lo = -10**12 if prev_end == -math.inf else math.ceil(prev_end + o - 1e-9)
            g_hi = 10**12 if nxt == math.inf else math.floor(nxt - o - span_s + 1e-9)
            if g_lo <= g_hi and g_hi >= lo_all:
                while j < len(allowed) and allowed[j][1] < g_lo:
                    j += 1
                k = j
                while k < len(allowed) and allowed[k][0] <= g_hi:
                    a, b = max(allowed[k][0], g_lo), min(allowed[k][1], g_hi)
                    if a <= b:
                        out.append((a, b))
                    k += 1
            if i >= n or nxt > hi_all + span_s + o:
                break
            prev_end = items[i][1]
            i += 1
        return out

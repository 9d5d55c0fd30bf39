"""A filter wheel: the channel's filters, ``Position`` -1 while turning, focus offsets."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pyros.simulators.device import SimDevice
from pyros.simulators.protocol import AlpacaError, Params

__all__ = ["FilterWheelSim"]


class FilterWheelSim(SimDevice):
    """Turns the shortest way round at ``filter_slot_time_s`` per slot."""

    device_type = "filterwheel"
    interface_version = 3
    state_members = ("Position",)

    def power_on(self) -> None:
        super().power_on()
        channel = next((c for c in self.obs.config.channels if c.filterwheel == self.name),
                       None)
        self.filters: list[str] = list(channel.filters) if channel else ["clear"]
        offsets = channel.focus_offsets if channel else {}
        self.offsets = [int(offsets.get(f, 0)) for f in self.filters]
        self._slot = 0  # a power cycle homes the wheel to slot 0
        self._target = 0
        self._arrive: datetime | None = None

    def position(self, now: datetime | None = None) -> int:
        """Current slot, or -1 while the wheel turns."""
        now = now or self.now()
        if self._arrive is not None:
            if now < self._arrive:
                return -1
            self._slot, self._arrive = self._target, None
        return self._slot

    def filter_name(self) -> str | None:
        pos = self.position()
        return None if pos < 0 else self.filters[pos]

    def get_names(self, p: Params) -> list[str]:
        return list(self.filters)

    def get_focusoffsets(self, p: Params) -> list[int]:
        return list(self.offsets)

    def get_position(self, p: Params) -> int:
        return self.position()

    def put_position(self, p: Params) -> None:
        target = p.int_("Position")
        n = len(self.filters)
        if not 0 <= target < n:
            raise AlpacaError.invalid_value(f"filter position {target} outside 0..{n - 1}")
        now = self.now()
        current = self.position(now)
        if current < 0:
            # Real wheels finish the current move first; the new one starts from there.
            current, start = self._target, self._arrive or now
        else:
            start = now
        steps = abs(target - current)
        steps = min(steps, n - steps)
        self._slot = current
        self._target = target
        self._arrive = start + timedelta(seconds=steps * self.sim.filter_slot_time_s)
        if self._arrive <= now:
            self._slot, self._arrive = target, None

    def status(self) -> dict[str, Any]:
        pos = self.position()
        return {**super().status(), "position": pos,
                "filter": self.filters[pos] if pos >= 0 else None, "target": self._target}

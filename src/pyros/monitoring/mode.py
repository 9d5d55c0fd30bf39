"""The observatory mode from the conditions of the moment (pure: no Django, no I/O).

Four modes, most severe first, because the most severe one decides what must be done:

* ``UNSAFE``: the sky (or missing weather data) forbids an open dome; the monitoring agent
  closes the dome, parks the mount and aborts exposures at once;
* ``PAUSED``: a blocking device is missing or an administrator paused the observatory:
  nothing is executed, only monitoring, alerts and the web stay active;
* ``DAY``: outside the night (shrunk by the execution margin);
* ``OPERATIONAL``: the execution agent may observe.

Every condition that holds is listed in the reasons, not only the deciding one, so the
dashboard shows what is left to clear after the current problem goes away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["Mode", "ModeDecision", "ModeInfo", "ModeInputs", "decide_mode"]


class Mode(StrEnum):
    OPERATIONAL = "operational"
    PAUSED = "paused"
    UNSAFE = "unsafe"
    DAY = "day"


@dataclass(frozen=True)
class ModeInfo:
    """The observatory mode as other components read it (see :mod:`pyros.monitoring.state`).

    ``safe_to_observe`` is true exactly when the mode is OPERATIONAL: the execution agent
    may run the plan.  ``sky_safe`` says whether the sky alone allows an open dome (no
    UNSAFE condition) whatever the mode, e.g. for twilight flats in DAY mode.
    """

    mode: Mode
    reasons: list[str]
    since: datetime
    safe_to_observe: bool
    unavailable_devices: list[str] = field(default_factory=list)
    admin_paused: bool = False
    sky_safe: bool = False

    @property
    def operational(self) -> bool:
        return self.mode is Mode.OPERATIONAL


@dataclass(frozen=True)
class ModeInputs:
    """The conditions a mode is decided from.

    ``missing_blocking`` maps each unavailable blocking device to the reason;
    ``unsafe_reasons`` are the weather/safety reasons (empty when the sky is safe).
    """

    in_night: bool
    night_reason: str = ""
    unsafe_reasons: Sequence[str] = ()
    missing_blocking: Mapping[str, str] = field(default_factory=dict)
    admin_paused: bool = False
    admin_reason: str = ""


@dataclass(frozen=True)
class ModeDecision:
    mode: Mode
    reasons: tuple[str, ...]


def decide_mode(inputs: ModeInputs) -> ModeDecision:
    """The mode for ``inputs``: UNSAFE, then PAUSED, then DAY, else OPERATIONAL."""
    reasons: list[str] = [f"unsafe: {r}" for r in inputs.unsafe_reasons]
    reasons += [f"{name} unavailable: {why}" for name, why in sorted(
        inputs.missing_blocking.items())]
    if inputs.admin_paused:
        reasons.append(f"paused by an administrator: {inputs.admin_reason or 'no reason given'}")
    if not inputs.in_night:
        reasons.append(inputs.night_reason or "day")
    if inputs.unsafe_reasons:
        mode = Mode.UNSAFE
    elif inputs.missing_blocking or inputs.admin_paused:
        mode = Mode.PAUSED
    elif not inputs.in_night:
        mode = Mode.DAY
    else:
        mode = Mode.OPERATIONAL
    return ModeDecision(mode, tuple(reasons))

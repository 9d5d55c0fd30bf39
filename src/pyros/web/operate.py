"""Manual operation of the telescope from the web (experts and admins), with its safety rules.

The rules (:func:`refusal`, pure) are checked twice: when the confirmation is shown and
again when it is confirmed, with the state of that moment:

* opening the dome and slewing are refused while the mode is UNSAFE (the reasons are
  shown): the monitoring agent would close and park at once anyway;
* every manual command is refused while a sequence is executing, unless an administrator
  paused the observatory (the execution agent then stops and the operator has the
  telescope).

Commands are started, not waited for (slews, shutters and exposures take seconds to
minutes); the devices page shows their progress through the monitoring agent's polling.
A manual exposure is a test exposure: it is not archived (the execution agent archives).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pyros.config import ObservatoryConfig
from pyros.config.devices import DeviceKind

log = logging.getLogger("pyros.web.operate")

__all__ = ["Action", "ActionError", "Command", "perform", "refusal"]


class Action(StrEnum):
    SLEW = "slew"
    PARK = "park"
    OPEN_DOME = "open-dome"
    CLOSE_DOME = "close-dome"
    EXPOSE = "expose"

    @property
    def label(self) -> str:
        return {"slew": "Slew to coordinates", "park": "Park the mount",
                "open-dome": "Open the dome", "close-dome": "Close the dome",
                "expose": "Take a test exposure"}[self.value]


#: Actions that point the telescope at the sky: refused while UNSAFE.
SKY_ACTIONS = frozenset({Action.SLEW, Action.OPEN_DOME})


class ActionError(Exception):
    """The command could not be sent (device unavailable, rejected, bad parameters)."""


@dataclass(frozen=True)
class Command:
    """An action with its parameters: ra/dec (deg) for a slew; camera, exposure (s) for an
    exposure."""

    action: Action
    ra_deg: float | None = None
    dec_deg: float | None = None
    camera: str = ""
    exposure_s: float | None = None

    def describe(self) -> str:
        if self.action is Action.SLEW:
            return f"slew to RA {self.ra_deg:.4f}°, Dec {self.dec_deg:+.4f}°"
        if self.action is Action.EXPOSE:
            return f"{self.exposure_s:g} s test exposure on {self.camera}"
        return self.action.label.lower()


def refusal(action: Action, *, mode: str, reasons: list[str], executing: str | None,
            admin_paused: bool) -> str | None:
    """Why ``action`` is refused now, or None when it is allowed.

    ``mode`` is the observatory mode value, ``executing`` the name of the sequence being
    executed (None when idle).
    """
    if action in SKY_ACTIONS and mode == "unsafe":
        why = "; ".join(reasons) or "unsafe conditions"
        return f"refused: the observatory is UNSAFE ({why})"
    if executing and not admin_paused:
        return (f"refused: sequence {executing!r} is executing; an administrator must pause "
                "the observatory first")
    return None


def _device(cfg: ObservatoryConfig, kind: DeviceKind, name: str = "") -> Any:
    from pyros.devices import connect

    for d in cfg.devices:
        if d.kind is kind and (not name or d.name == name):
            return connect(d, cfg.site.location_tuple())
    raise ActionError(f"no {kind.value} device{f' named {name!r}' if name else ''} configured")


def perform(command: Command, cfg: ObservatoryConfig, by: str) -> str:
    """Send ``command`` to the device; returns what was done.  Raises ActionError."""
    from pyros.devices import DeviceError, FrameType

    action = command.action
    try:
        if action in (Action.SLEW, Action.PARK):
            driver = _device(cfg, DeviceKind.TELESCOPE)
        elif action in (Action.OPEN_DOME, Action.CLOSE_DOME):
            driver = _device(cfg, DeviceKind.DOME)
        else:
            driver = _device(cfg, DeviceKind.CAMERA, command.camera)
        try:
            if action is Action.SLEW:
                if driver.at_park():
                    driver.unpark()
                driver.slew_radec(float(command.ra_deg), float(command.dec_deg), wait=False)
            elif action is Action.PARK:
                driver.park(wait=False)
            elif action is Action.OPEN_DOME:
                driver.open_shutter(wait=False)
            elif action is Action.CLOSE_DOME:
                driver.close_shutter(wait=False)
            else:
                driver.start_exposure(float(command.exposure_s), FrameType.LIGHT)
        finally:
            driver.close()
    except DeviceError as exc:
        log.error("manual %s by %s failed: %s", command.describe(), by, exc)
        raise ActionError(str(exc)) from exc
    log.warning("manual command by %s: %s", by, command.describe())
    return f"{command.describe()}: command sent"

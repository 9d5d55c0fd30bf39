"""The few Routine Manager calls the alert manager makes, in one place.

The Routine Manager grows in parallel (quota booking, re-plan requests); these wrappers use
its newer options when present so alert follow-ups are never refused for lack of quota.
"""

from __future__ import annotations

import inspect
import logging
from functools import cache

log = logging.getLogger("pyros.alerts")

__all__ = ["request_replan", "transition"]


@cache
def _transition_accepts_quota_flag() -> bool:
    from pyros.routines.actions import transition_sequence

    return "enforce_quota" in inspect.signature(transition_sequence).parameters


def transition(sequence, to: str, reason: str):
    """``transition_sequence`` for an alert sequence (quota booked but never enforced)."""
    from pyros.routines.actions import transition_sequence

    if _transition_accepts_quota_flag():
        return transition_sequence(sequence, to, reason, enforce_quota=False)
    return transition_sequence(sequence, to, reason)


def request_replan(reason: str) -> None:
    """Ask the scheduler to re-plan now (no-op where routines has no such hook yet)."""
    from pyros.routines import actions

    hook = getattr(actions, "request_replan", None)
    if hook is not None:
        hook(f"alert: {reason}"[:255])

"""The few Routine Manager calls the alert manager makes, in one place."""

from __future__ import annotations

__all__ = ["request_replan", "transition"]


def transition(sequence, to: str, reason: str):
    """``transition_sequence`` for an alert sequence (quota booked but never enforced)."""
    from pyros.routines.actions import transition_sequence

    return transition_sequence(sequence, to, reason, enforce_quota=False)


def request_replan(reason: str) -> None:
    """Ask the scheduler to re-plan now."""
    from pyros.routines.actions import request_replan as replan

    replan(f"alert: {reason}"[:255])

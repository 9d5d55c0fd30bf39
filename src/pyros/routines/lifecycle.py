"""The sequence lifecycle: the one table of allowed transitions (pure, no Django)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    REJECTED = "rejected"
    PLANNED = "planned"
    EXECUTING = "executing"
    EXECUTED = "executed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


FINAL = frozenset({Status.REJECTED, Status.EXECUTED, Status.PARTIAL, Status.FAILED,
                   Status.CANCELLED, Status.EXPIRED})

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.VALIDATED, Status.REJECTED, Status.CANCELLED,
                                 Status.DRAFT}),
    Status.VALIDATED: frozenset({Status.PLANNED, Status.CANCELLED, Status.EXPIRED,
                                 Status.DRAFT}),
    # A planned sequence may fall out of the plan (back to validated) at a re-plan.
    Status.PLANNED: frozenset({Status.EXECUTING, Status.VALIDATED, Status.CANCELLED,
                               Status.EXPIRED}),
    # Aborted by an alert or the weather: back to validated to be planned again.
    Status.EXECUTING: frozenset({Status.EXECUTED, Status.PARTIAL, Status.FAILED,
                                 Status.VALIDATED, Status.CANCELLED}),
}


class TransitionError(ValueError):
    """A sequence was asked to move where its lifecycle does not allow."""


def check_transition(current: Status | str, target: Status | str) -> None:
    cur, tgt = Status(current), Status(target)
    if tgt not in ALLOWED.get(cur, frozenset()):
        raise TransitionError(f"a {cur.value} sequence cannot become {tgt.value}")

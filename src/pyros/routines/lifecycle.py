"""The sequence lifecycle: the one table of allowed transitions (pure, no Django).

DRAFT → SUBMITTED → VALIDATED or REJECTED (with the reason) → PLANNED → EXECUTING →
EXECUTED, PARTIAL, FAILED, CANCELLED or EXPIRED.  Unsubmitting sends a submitted, validated
or planned sequence back to DRAFT; an executing one can only be cancelled (aborted); final
ones stay as they are.  ``actions.transition_sequence`` is the only writer of a status and
books the quota movements each transition implies (:data:`RESERVING`, :data:`HOLDS_QUOTA`).
"""

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
    # A planned sequence may fall out of the plan (back to validated) at a re-plan, or be
    # unsubmitted by its owner (back to draft).
    Status.PLANNED: frozenset({Status.EXECUTING, Status.VALIDATED, Status.CANCELLED,
                               Status.EXPIRED, Status.DRAFT}),
    # Aborted by an alert or the weather: back to validated to be planned again.
    Status.EXECUTING: frozenset({Status.EXECUTED, Status.PARTIAL, Status.FAILED,
                                 Status.VALIDATED, Status.CANCELLED}),
}


#: Statuses in which a sequence holds a quota reservation.
HOLDS_QUOTA = frozenset({Status.VALIDATED, Status.PLANNED, Status.EXECUTING})

#: Outcomes of an execution (reported through ``actions.record_execution``).
OUTCOMES = frozenset({Status.EXECUTED, Status.PARTIAL, Status.FAILED})

#: Statuses whose sequences count as "done with the telescope" for unsubmission: they are
#: left alone (their data and debited time stay).
DONE = FINAL - {Status.REJECTED}


class TransitionError(ValueError):
    """A sequence was asked to move where its lifecycle does not allow."""


def check_transition(current: Status | str, target: Status | str) -> None:
    cur, tgt = Status(current), Status(target)
    if tgt not in ALLOWED.get(cur, frozenset()):
        raise TransitionError(f"a {cur.value} sequence cannot become {tgt.value}")

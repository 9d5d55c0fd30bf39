"""Every write to a sequence's status goes through here, so each one is recorded."""

from __future__ import annotations

from django.db import transaction

from pyros.clock import now
from pyros.routines.lifecycle import Status, check_transition
from pyros.routines.models import Sequence, Transition


@transaction.atomic
def transition_sequence(sequence: Sequence, to: Status | str, reason: str = "",
                        by=None) -> Sequence:
    """Move ``sequence`` to status ``to``; raises ``TransitionError`` if not allowed."""
    locked = Sequence.objects.select_for_update().get(pk=sequence.pk)
    check_transition(locked.status, to)
    Transition.objects.create(sequence=locked, at=now(), from_status=locked.status,
                              to_status=Status(to).value, reason=reason[:255], by=by)
    locked.status = Status(to).value
    locked.status_reason = reason[:255]
    locked.save(update_fields=["status", "status_reason"])
    sequence.status, sequence.status_reason = locked.status, locked.status_reason
    return sequence

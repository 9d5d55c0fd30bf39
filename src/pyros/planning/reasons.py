"""Why each refused sequence was refused, in words an astronomer can act on.

Reasons are decided after the final plan is known, from the most fundamental to the
most circumstantial: the night and the sky (static, from feasibility), a fixed start
that cannot be honoured, the programme's quota, and finally competition for time —
naming the sequences that took its only slot.
"""

from __future__ import annotations

from pyros.planning.greedy import Draft
from pyros.planning.model import Rejection, Sequence

__all__ = ["explain"]

_NAMES_SHOWN = 5


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:_NAMES_SHOWN])
    more = len(ids) - _NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _blockers(draft: Draft, seq: Sequence) -> list[str]:
    """Placed sequences that stand in the way of at least one of its allowed starts."""
    o = draft.timeline.overhead_s
    out = []
    for lo, hi in draft.feas[seq.id].starts:
        for a, b, owner in draft.timeline:
            if a < hi + seq.span_s + o and b + o > lo and owner not in out:
                out.append(owner)
    return out


def reason_for(draft: Draft, seq: Sequence) -> str:
    feas = draft.feas[seq.id]
    if seq.id in draft.notes:
        return draft.notes[seq.id]
    if feas.reason is not None:
        return feas.reason
    if not draft.fits_quota(seq):
        left = max(0.0, draft.quota_left_s(seq.program))
        return (f"quota exhausted for programme {seq.program} "
                f"(needs {seq.duration_s:g} s, {left:.0f} s left)")
    if seq.fixed_start is not None:
        t = draft.problem.offset_s(seq.fixed_start)
        clash = draft.timeline.conflicts(t, t + seq.span_s)
        return f"fixed start conflicts with {_names(clash)}"
    if draft.free(seq):
        return "left out by the solver although a slot is free (time budget too short)"
    blockers = _blockers(draft, seq)
    by_id = draft.problem.by_id()
    higher = [b for b in blockers if by_id[b].priority > seq.priority]
    only_slot = feas.latest - feas.earliest < seq.span_s
    if only_slot and blockers and len(higher) == len(blockers):
        return f"lower priority than {_names(blockers)} for the only possible slot"
    if blockers:
        return f"no free slot left in its window (taken by {_names(blockers)})"
    return "no free slot left in its window"


def explain(draft: Draft) -> list[Rejection]:
    """A rejection with its reason for every sequence the draft did not place."""
    return [Rejection(s.id, reason_for(draft, s))
            for s in draft.problem.sequences if s.id not in draft.starts]

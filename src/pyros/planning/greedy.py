"""The fast scheduler: a few passes of list scheduling, for instant re-plans.

1. *Rapid response first*: alerts and fixed-time sequences, by priority (an alert before
   a fixed-time sequence of equal priority).  A fixed-time one takes its exact start or is
   refused; an alert takes its earliest free start.
2. *The queue*, by priority density — priority × duration per second of telescope time,
   slew included — with the least flexible first among equals.  Each sequence goes where
   the remaining *demand* is lowest: the start, among the free ones that touch a
   neighbour or a visibility edge, whose time is least wanted by the sequences still
   waiting (a profile of their value spread over the times they could use).
3. *Blank-space filling*: slide every movable sequence as early as it can go, retry the
   waiting ones in the gaps that opened, then the same sliding everything late.
4. *Swaps*: a waiting sequence may take the place of a less valuable placed one when
   the exchange raises the objective (the displaced one is re-placed elsewhere if it can
   be).  Bounded to the ``SWAP_CANDIDATES`` most valuable waiting sequences.

Cost is about O(N · P) for N sequences and P placed ones (P ≤ a few hundred a night).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pyros.planning.feasibility import Feasibility, Intervals, fixed_start_problem
from pyros.planning.model import Placement, Problem, Sequence
from pyros.planning.timeline import Timeline
from pyros.planning.visibility import NightGrid

__all__ = ["Draft", "greedy_best", "greedy_draft"]


@dataclass
class Draft:
    """A plan under construction: who starts when, the busy timeline, quota used."""

    problem: Problem
    grid: NightGrid
    feas: dict[str, Feasibility]
    timeline: Timeline
    starts: dict[str, float] = field(default_factory=dict)
    used_s: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # reasons settled while placing
    pinned: set[str] = field(default_factory=set)        # placed in the rapid-response pass

    @classmethod
    def empty(cls, problem: Problem, grid: NightGrid, feas: dict[str, Feasibility]) -> Draft:
        return cls(problem, grid, feas, Timeline(problem.overhead_span_s, problem.horizon_s),
                   used_s={p: 0.0 for p in problem.programmes})

    def quota_left_s(self, program: str) -> float:
        return self.problem.programmes[program].quota_s - self.used_s[program]

    def fits_quota(self, seq: Sequence) -> bool:
        return seq.duration_s <= self.quota_left_s(seq.program) + 1e-6

    def place(self, seq: Sequence, start: float) -> None:
        self.starts[seq.id] = start
        self.used_s[seq.program] += seq.duration_s
        self.timeline.add(start, start + seq.span_s, seq.id)

    def unplace(self, seq: Sequence) -> None:
        del self.starts[seq.id]
        self.used_s[seq.program] -= seq.duration_s
        self.timeline.remove(seq.id)

    def free(self, seq: Sequence) -> Intervals:
        return self.timeline.free_starts(seq.span_s, self.feas[seq.id].starts)

    def placements(self) -> list[Placement]:
        by_id = self.problem.by_id()
        return sorted(Placement(s, i, s + by_id[i].duration_s) for i, s in self.starts.items())

    def objective(self) -> float:
        by_id = self.problem.by_id()
        return float(sum(by_id[i].value for i in self.starts))


def _rapid_response(draft: Draft) -> None:
    """Place alerts and fixed-time sequences before anything else."""
    urgent = [f.seq for f in draft.feas.values()
              if f.seq.alert or f.seq.fixed_start is not None]
    urgent.sort(key=lambda s: (-s.priority, not s.alert, draft.problem.offset_s(
        s.fixed_start) if s.fixed_start else 0.0))
    for seq in urgent:
        feas = draft.feas[seq.id]
        if seq.fixed_start is not None:
            problem = fixed_start_problem(draft.problem, draft.grid, feas)
            if problem is not None:
                draft.notes[seq.id] = problem
                continue
            t = draft.problem.offset_s(seq.fixed_start)
            clash = draft.timeline.conflicts(t, t + seq.span_s)
            if clash:
                draft.notes[seq.id] = (f"fixed start conflicts with {', '.join(clash)} "
                                       f"(placed first: higher priority or an alert)")
                continue
            if draft.fits_quota(seq):
                draft.place(seq, t)
                draft.pinned.add(seq.id)
            continue
        if not feas.feasible or not draft.fits_quota(seq):
            continue
        free = draft.free(seq)
        if free:
            draft.place(seq, free[0][0])
            draft.pinned.add(seq.id)


class _Demand:
    """Value per grid sample still wanted by the sequences waiting to be placed."""

    def __init__(self, draft: Draft, waiting: list[Sequence]):
        self.step = draft.grid.step_s
        self.n = draft.grid.size
        self.profile = np.zeros(self.n)
        self.share: dict[str, tuple[np.ndarray, float]] = {}
        for seq in waiting:
            mask = np.zeros(self.n, dtype=bool)
            for lo, hi in draft.feas[seq.id].starts:
                mask[lo // self.step:min(self.n, math.ceil((hi + seq.span_s) / self.step) + 1)] \
                    = True
            w = seq.value / max(1, int(mask.sum()))
            self.profile[mask] += w
            self.share[seq.id] = (mask, w)
        self._cum = None

    def withdraw(self, seq_id: str) -> None:
        mask, w = self.share.pop(seq_id, (None, 0.0))
        if mask is not None:
            self.profile[mask] -= w
            self._cum = None

    def cost(self, start: float, span_s: int) -> float:
        if self._cum is None:
            self._cum = np.concatenate([[0.0], np.cumsum(self.profile)])
        a = int(start // self.step)
        b = min(self.n - 1, math.ceil((start + span_s) / self.step))
        return float(self._cum[b + 1] - self._cum[a])


def _best_start(seq: Sequence, free: Intervals, demand: _Demand | None) -> int:
    if demand is None:
        return free[0][0]
    best, best_cost = free[0][0], math.inf
    for lo, hi in free[:64]:
        for t in (lo, hi) if hi > lo else (lo,):
            c = demand.cost(t, seq.span_s)
            if c < best_cost - 1e-9:
                best, best_cost = t, c
    return best


def _queue_order(draft: Draft, seqs: list[Sequence], jitter: dict[str, float] | None = None
                 ) -> list[Sequence]:
    """Priority density first (optionally jittered), least flexible first among equals."""
    o = draft.problem.overhead_span_s

    def key(s: Sequence) -> tuple[float, int, float]:
        density = s.value / (s.span_s + o) * (jitter[s.id] if jitter else 1.0)
        return (-density, draft.feas[s.id].freedom_s, -s.duration_s)

    return sorted(seqs, key=key)


def _slide(draft: Draft, early: bool) -> None:
    """Move every sequence of the queue as early (or late) as its constraints allow."""
    order = sorted(draft.starts.items(), key=lambda kv: kv[1], reverse=not early)
    by_id = draft.problem.by_id()
    for sid, start in order:
        if sid in draft.pinned:
            continue
        seq = by_id[sid]
        draft.unplace(seq)
        free = draft.free(seq)
        # the old start is still free, so ``free`` is never empty
        new = free[0][0] if early else free[-1][1]
        if (early and new > start) or (not early and new < start):
            new = int(start)
        draft.place(seq, new)


def _fill(draft: Draft, waiting: list[Sequence]) -> list[Sequence]:
    left = []
    for seq in waiting:
        if draft.fits_quota(seq):
            free = draft.free(seq)
            if free:
                draft.place(seq, free[0][0])
                continue
        left.append(seq)
    return left


#: how many waiting sequences (most valuable first) the swap pass examines
SWAP_CANDIDATES = 300


def _movable_blockers(draft: Draft, seq: Sequence) -> list[str]:
    """Placed, movable sequences in the way of any allowed start of ``seq``."""
    o = draft.timeline.overhead_s
    feas = draft.feas[seq.id]
    lo, hi = feas.earliest - seq.span_s - o, feas.latest + seq.span_s + o
    return [owner for a, b, owner in draft.timeline
            if a < hi and b > lo and owner not in draft.pinned]


def _swap(draft: Draft, waiting: list[Sequence]) -> list[Sequence]:
    """Exchange a waiting sequence for a less valuable placed one where that pays."""
    by_id = draft.problem.by_id()
    waiting = sorted(waiting, key=lambda s: -s.value)
    left: list[Sequence] = []
    for k, seq in enumerate(waiting):
        if k >= SWAP_CANDIDATES:
            left.extend(waiting[k:])
            break
        done = False
        blockers = sorted((by_id[b] for b in _movable_blockers(draft, seq)),
                          key=lambda b: b.value)
        for victim in blockers:
            if victim.value >= seq.value:
                break
            old = draft.starts[victim.id]
            draft.unplace(victim)
            free = draft.free(seq) if draft.fits_quota(seq) else []
            if not free:
                draft.place(victim, old)
                continue
            draft.place(seq, free[0][0])
            again = draft.free(victim) if draft.fits_quota(victim) else []
            if again:
                draft.place(victim, again[0][0])
            else:
                left.append(victim)
            done = True
            break
        if not done:
            left.append(seq)
    return left


def greedy_draft(problem: Problem, grid: NightGrid, feas: dict[str, Feasibility],
                 *, demand_aware: bool = True, jitter: dict[str, float] | None = None
                 ) -> Draft:
    """Build one complete greedy plan (see the module docstring)."""
    draft = Draft.empty(problem, grid, feas)
    _rapid_response(draft)
    queue = [f.seq for f in feas.values()
             if f.feasible and not f.seq.alert and f.seq.fixed_start is None]
    queue = _queue_order(draft, queue, jitter)
    demand = _Demand(draft, queue) if demand_aware else None
    waiting = []
    for seq in queue:
        if demand is not None:
            demand.withdraw(seq.id)
        if not draft.fits_quota(seq):
            waiting.append(seq)
            continue
        free = draft.free(seq)
        if not free:
            waiting.append(seq)
            continue
        draft.place(seq, _best_start(seq, free, demand))
    if waiting:
        _slide(draft, early=True)
        waiting = _fill(draft, waiting)
    if waiting:
        _slide(draft, early=False)
        waiting = _fill(draft, waiting)
    if waiting:
        waiting = _swap(draft, waiting)
        waiting = _fill(draft, waiting)
    return draft


#: total sequence-passes the multi-start may spend (runs = budget / sequences, 2..16)
MULTISTART_BUDGET = 16_000


def greedy_best(problem: Problem, grid: NightGrid, feas: dict[str, Feasibility],
                runs: int | None = None, seed: int = 0) -> Draft:
    """The best of several greedy passes: with and without the demand profile, then with
    priority densities jittered by up to 30 % (seeded: the result is deterministic).

    List scheduling is sensitive to ties and near-ties in its order; a handful of
    perturbed passes recovers most of what a single order loses, for a few ms each.
    """
    n = max(1, len(problem.sequences))
    if runs is None:
        runs = min(16, max(2, MULTISTART_BUDGET // n))
    rng = np.random.default_rng(seed)
    best = greedy_draft(problem, grid, feas, demand_aware=True)
    for k in range(1, runs):
        jitter = None
        if k >= 2:
            jitter = {s.id: 1.0 + 0.3 * float(r)
                      for s, r in zip(problem.sequences, rng.random(n), strict=False)}
        draft = greedy_draft(problem, grid, feas, demand_aware=k % 2 == 0, jitter=jitter)
        if draft.objective() > best.objective() + 1e-9:
            best = draft
    return best

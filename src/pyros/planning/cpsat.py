"""The optimising scheduler: OR-Tools CP-SAT over integer seconds, warm-started by greedy.

Model (one night, times in whole seconds after night start):

* per queued sequence: a presence literal and a start variable whose domain is exactly
  its allowed starts (visibility for the whole sequence, window, night — see
  feasibility.py), joined in an optional interval of length ``duration + overhead``;
* the rapid-response placements of the greedy pass (alerts, fixed times) as fixed
  intervals: the optimiser works around them, never moves them;
* one NoOverlap over all intervals (the overhead appended to each interval guarantees
  ``next.start >= previous.end + overhead``);
* per programme, Σ duration × presence ≤ quota left;
* a redundant capacity cut Σ (duration + overhead) × presence ≤ night + overhead, which
  tightens the LP relaxation and so the proven bound;
* maximise Σ priority × duration × presence, with the greedy plan as a hint.

Time slices are one second, so the model is exact with respect to the start domains —
no rounding of durations to coarse slots.  The caller still verifies and repairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyros.planning.greedy import Draft

__all__ = ["CpSatResult", "cpsat_draft"]

#: objective coefficients are priority × duration × SCALE, rounded (priorities may be
#: decimal numbers; CP-SAT needs integers)
SCALE = 100


@dataclass
class CpSatResult:
    draft: Draft | None      # None when CP-SAT found no solution in time
    bound: float | None      # proven upper bound of the objective (original units)
    status: str
    wall_s: float
    branches: int


def cpsat_draft(greedy: Draft, time_limit_s: float, workers: int = 2,
                relative_gap: float = 0.002, seed: int = 0) -> CpSatResult:
    """Optimise the queue around the greedy plan's rapid-response placements."""
    from ortools.sat.python import cp_model

    problem = greedy.problem
    by_id = problem.by_id()
    o = problem.overhead_span_s
    model = cp_model.CpModel()
    intervals = []
    pinned_value = 0.0
    quota_left = {p: problem.programmes[p].quota_s for p in problem.programmes}
    occupied = 0
    for sid in greedy.pinned:
        seq = by_id[sid]
        start = greedy.starts[sid]
        a = math.floor(start)
        b = math.ceil(start + seq.span_s - 1e-9)
        intervals.append(model.new_fixed_size_interval_var(a, b - a + o, f"pin_{sid}"))
        pinned_value += seq.value
        quota_left[seq.program] -= seq.duration_s
        occupied += b - a + o

    queue = [f.seq for f in greedy.feas.values()
             if f.feasible and f.seq.id not in greedy.pinned
             and not f.seq.alert and f.seq.fixed_start is None]
    present: dict[str, cp_model.IntVar] = {}
    starts: dict[str, cp_model.IntVar] = {}
    by_prog: dict[str, list[tuple[int, cp_model.IntVar]]] = {}
    objective = []
    capacity = []
    for seq in queue:
        if seq.duration_s > quota_left[seq.program] + 1e-6:
            continue
        dom = cp_model.Domain.from_intervals([[lo, hi] for lo, hi in greedy.feas[seq.id].starts])
        x = model.new_bool_var(f"x_{seq.id}")
        s = model.new_int_var_from_domain(dom, f"s_{seq.id}")
        intervals.append(model.new_optional_fixed_size_interval_var(
            s, seq.span_s + o, x, f"i_{seq.id}"))
        present[seq.id], starts[seq.id] = x, s
        by_prog.setdefault(seq.program, []).append((round(seq.duration_s * 1000), x))
        objective.append((round(seq.value * SCALE), x))
        capacity.append((seq.span_s + o, x))
        if seq.id in greedy.starts:
            model.add_hint(x, 1)
            model.add_hint(s, int(greedy.starts[seq.id]))
        else:
            model.add_hint(x, 0)
            model.add_hint(s, greedy.feas[seq.id].earliest)
    model.add_no_overlap(intervals)
    for prog, terms in by_prog.items():
        model.add(sum(c * x for c, x in terms) <= math.floor(quota_left[prog] * 1000 + 1e-6))
    if capacity:
        model.add(sum(c * x for c, x in capacity) <= problem.horizon_s + o - occupied)
    model.maximize(sum(c * x for c, x in objective))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit_s))
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.relative_gap_limit = relative_gap
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpSatResult(None, None, name, solver.wall_time, solver.num_branches)
    draft = Draft.empty(problem, greedy.grid, greedy.feas)
    for sid in greedy.pinned:
        draft.place(by_id[sid], greedy.starts[sid])
        draft.pinned.add(sid)
    draft.notes = dict(greedy.notes)
    for sid, x in present.items():
        if solver.boolean_value(x):
            draft.place(by_id[sid], int(solver.value(starts[sid])))
    bound = pinned_value + solver.best_objective_bound / SCALE if objective else pinned_value
    return CpSatResult(draft, bound, name, solver.wall_time, solver.num_branches)

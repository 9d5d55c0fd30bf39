"""One entry point for planning a night: :func:`solve`.

``greedy`` — the fast list scheduler only (re-plans in well under a second).
``cpsat``  — greedy, then CP-SAT warm-started from it within ``time_limit_s``; the better
             of the two plans is kept (the greedy one when CP-SAT finds nothing better).
``auto``   — as ``cpsat``, but skips CP-SAT when greedy already placed every sequence the
             sky allows (then greedy is optimal and the bound is its own objective).

Whatever the solver, the plan is verified at full resolution before it is returned: any
placement that breaks a constraint is dropped (with the reason), remaining gaps are
filled, and every refused sequence gets its specific reason.
"""

from __future__ import annotations

from pyros.clock import monotonic
from pyros.planning.cpsat import cpsat_draft
from pyros.planning.feasibility import analyse
from pyros.planning.greedy import Draft, _fill, greedy_best
from pyros.planning.model import Plan, Problem, Rejection
from pyros.planning.reasons import explain
from pyros.planning.verify import structural_violations, violations_fast
from pyros.planning.visibility import NightGrid

__all__ = ["SOLVERS", "solve"]

SOLVERS = ("greedy", "cpsat", "auto")


def _repair(draft: Draft) -> dict[str, str]:
    """Drop placements that break a constraint at full resolution; returns their reasons."""
    problem = draft.problem
    by_id = problem.by_id()
    dropped: dict[str, str] = {}
    items = [(sid, float(s), s + by_id[sid].duration_s) for sid, s in draft.starts.items()]
    for sid, why in violations_fast(problem, draft.grid, items).items():
        dropped[sid] = f"dropped at verification: {why}"
    for line in structural_violations(problem, items):
        sid = line.split(":", 1)[0]
        if sid in by_id and sid not in dropped and sid in draft.starts:
            dropped[sid] = f"dropped at verification: {line.split(':', 1)[1].strip()}"
    for sid in dropped:
        draft.unplace(by_id[sid])
        draft.pinned.discard(sid)
        draft.notes[sid] = dropped[sid]
    return dropped


def _finish(draft: Draft, solver: str, started: float, bound: float | None,
            stats: dict[str, object]) -> Plan:
    dropped = _repair(draft)
    if dropped:
        stats["dropped_at_verification"] = sorted(dropped)
    # fill what the optimiser (or a repair) left free; never moves anything placed
    waiting = [f.seq for f in draft.feas.values()
               if f.feasible and f.seq.id not in draft.starts and f.seq.id not in draft.notes
               and f.seq.fixed_start is None]
    waiting.sort(key=lambda s: -s.value)
    _fill(draft, waiting)
    rejections: list[Rejection] = explain(draft)
    objective = draft.objective()
    if bound is not None:
        bound = max(bound, objective)
    return Plan(draft.placements(), rejections, solver, objective, bound,
                monotonic() - started, stats)


def solve(problem: Problem, solver: str = "auto", time_limit_s: float = 10.0,
          workers: int = 2, grid: NightGrid | None = None) -> Plan:
    """Plan the night (see the module docstring).

    ``time_limit_s`` bounds the CP-SAT search (the greedy pass and checks come on top).
    Raises ``ValueError`` for an unknown solver name.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}")
    started = monotonic()
    grid, feas = analyse(problem, grid)
    t_analysis = monotonic() - started
    greedy = greedy_best(problem, grid, feas)
    stats: dict[str, object] = {
        "sequences": len(problem.sequences),
        "observable": sum(f.feasible for f in feas.values()),
        "analysis_s": round(t_analysis, 4),
        "greedy_s": round(monotonic() - started - t_analysis, 4),
        "greedy_objective": greedy.objective(),
    }
    feasible_value = sum(f.seq.value for f in feas.values() if f.feasible)
    all_placed = all(sid in greedy.starts for sid, f in feas.items() if f.feasible)
    if solver == "greedy" or (solver == "auto" and (all_placed or time_limit_s <= 0)):
        bound = feasible_value if all_placed else None
        return _finish(greedy, "greedy", started, bound, stats)
    result = cpsat_draft(greedy, time_limit_s, workers=workers)
    stats.update(cpsat_status=result.status, cpsat_s=round(result.wall_s, 3),
                 cpsat_branches=result.branches)
    if result.draft is not None and result.draft.objective() > greedy.objective() + 1e-9:
        stats["kept"] = "cpsat"
        return _finish(result.draft, "cpsat", started, result.bound, stats)
    stats["kept"] = "greedy"
    return _finish(greedy, "cpsat", started, result.bound, stats)

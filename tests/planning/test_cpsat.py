"""The optimiser: never worse than greedy, proves its bound, and the gap is reported."""

from __future__ import annotations

from pyros.planning import plan_to_dict, solve, validate_plan
from pyros.planning.instances import generate


def test_cpsat_beats_or_matches_greedy_and_proves_a_tight_bound():
    problem = generate(40, seed=40)
    greedy = solve(problem, solver="greedy")
    best = solve(problem, solver="cpsat", time_limit_s=20.0)
    assert best.objective >= greedy.objective
    assert best.bound is not None and best.bound >= best.objective
    if best.stats["cpsat_status"] == "OPTIMAL":
        assert best.gap is not None and best.gap <= 0.01
    assert validate_plan(problem, best) == []
    answer = plan_to_dict(problem, best)
    assert answer["solver"] == "cpsat" and answer["bound"] >= answer["objective"]


def test_tiny_time_budget_falls_back_to_a_valid_plan():
    problem = generate(120, seed=5)
    greedy = solve(problem, solver="greedy")
    plan = solve(problem, solver="cpsat", time_limit_s=0.01)
    assert plan.objective >= greedy.objective
    assert validate_plan(problem, plan) == []


def test_auto_skips_the_optimiser_when_everything_fits(make_problem):
    plan = solve(make_problem([{}, {"ra_deg": 150.0}]), solver="auto")
    assert plan.solver == "greedy"
    assert plan.gap == 0.0
    assert len(plan.placements) == 2

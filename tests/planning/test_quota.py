"""Programme quotas bound the time each programme gets, whatever the solver."""

from __future__ import annotations

import pytest

from pyros.planning import solve, validate_plan
from pyros.planning.instances import generate

SOLVERS = ["greedy", "cpsat"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_quotas_hold_on_a_crowded_night(solver):
    problem = generate(60, seed=11, quota_fraction=0.35)
    plan = solve(problem, solver=solver, time_limit_s=3.0)
    seqs = problem.by_id()
    used: dict[str, float] = {}
    for x in plan.placements:
        used[seqs[x.id].program] = used.get(seqs[x.id].program, 0.0) + seqs[x.id].duration_s
    for prog, total in used.items():
        assert total <= problem.programmes[prog].quota_s
    # quotas were what bound this night: somebody was refused for quota
    assert any(r.reason.startswith("quota exhausted") for r in plan.rejections)
    assert validate_plan(problem, plan) == []


@pytest.mark.parametrize("solver", SOLVERS)
def test_zero_quota_refuses_everything_of_that_programme(make_problem, solver):
    p = make_problem([{"program": "P"}, {"program": "Q", "ra_deg": 150.0}],
                     quotas={"P": 1e6, "Q": 0})
    plan = solve(p, solver=solver, time_limit_s=2.0)
    assert [x.id for x in plan.placements] == ["S0"]
    assert plan.rejections[0].reason == \
        "quota exhausted for programme Q (needs 1800 s, 0 s left)"


def test_quota_applies_to_alerts_too(make_problem):
    p = make_problem([{"alert": True, "duration_s": 1200.0}], quotas={"P": 600})
    plan = solve(p, solver="greedy")
    assert plan.placements == []
    assert plan.rejections[0].reason.startswith("quota exhausted for programme P")

"""Alerts and fixed-time sequences are placed before the queue, and never moved."""

from __future__ import annotations

import pytest

from pyros.planning import solve
from pyros.planning.feasibility import analyse

SOLVERS = ["greedy", "cpsat"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_alert_takes_its_earliest_start_despite_lower_priority(make_problem, solver):
    # the queue sequence is worth 10× more per second and wants the same evening hours
    p = make_problem([{"priority": 10.0, "ra_deg": 150.0, "duration_s": 3600.0},
                      {"priority": 1.0, "ra_deg": 150.0, "alert": True}])
    _, feas = analyse(p)
    plan = solve(p, solver=solver, time_limit_s=2.0)
    starts = {x.id: x.start_s for x in plan.placements}
    assert starts["S1"] == feas["S1"].earliest
    assert "S0" in starts


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_start_is_honoured_exactly_and_the_queue_works_around_it(
        make_problem, sky, solver):
    window = (sky.at(4), sky.at(4.6))
    p = make_problem([{"priority": 9.0, "window": window},        # queue: only slot 4h-4.6h
                      {"priority": 2.0, "fixed_start": sky.at(4.1)},
                      {"priority": 5.0}])
    plan = solve(p, solver=solver, time_limit_s=2.0)
    starts = {x.id: x.start_s for x in plan.placements}
    assert starts["S1"] == p.offset_s(sky.at(4.1))
    assert "S0" not in starts
    assert "S2" in starts
    why = {r.id: r.reason for r in plan.rejections}
    assert why["S0"] == "no free slot left in its window (taken by S1)"


@pytest.mark.parametrize("solver", SOLVERS)
def test_alert_goes_before_fixed_time_work_of_equal_priority(make_problem, sky, solver):
    # the alert's only slot is where the fixed-time sequence wants to be
    window = (sky.at(4), sky.at(4.55))
    p = make_problem([{"priority": 5.0, "fixed_start": sky.at(4.05)},
                      {"priority": 5.0, "alert": True, "window": window}])
    plan = solve(p, solver=solver, time_limit_s=2.0)
    assert [x.id for x in plan.placements] == ["S1"]
    assert {r.id: r.reason for r in plan.rejections}["S0"].startswith(
        "fixed start conflicts with S1")


def test_more_important_fixed_time_work_goes_before_an_alert(make_problem, sky):
    window = (sky.at(4), sky.at(4.55))
    p = make_problem([{"priority": 8.0, "fixed_start": sky.at(4.05)},
                      {"priority": 5.0, "alert": True, "window": window}])
    plan = solve(p, solver="greedy")
    assert [x.id for x in plan.placements] == ["S0"]

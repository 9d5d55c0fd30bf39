"""Property: every plan from both solvers satisfies every constraint, checked by an
independent checker that recomputes visibility with astropy (conftest.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyros.planning import Problem, Programme, Sequence, TimeRange, plan_to_dict, solve
from pyros.planning import validate_plan as referee
from pyros.planning.instances import SPM, generate, spm_night

NIGHT = spm_night("2026-04-01")
HOURS = NIGHT.duration_s / 3600


@st.composite
def sequences(draw, i: int, programmes: list[str]) -> Sequence:
    w0 = draw(st.floats(-1.0, HOURS))
    w1 = w0 + draw(st.floats(0.2, HOURS + 1))
    duration = draw(st.integers(5, 90)) * 60.0 + draw(st.sampled_from([0.0, 0.5, 17.0]))
    fixed = None
    kind = draw(st.sampled_from(["queue"] * 6 + ["alert", "fixed"]))
    if kind == "fixed":
        fixed = NIGHT.start + timedelta(hours=draw(st.floats(0.0, HOURS - 0.2)))
    return Sequence(
        id=f"S{i}",
        program=draw(st.sampled_from(programmes)),
        priority=float(draw(st.integers(1, 10))),
        duration_s=duration,
        ra_deg=draw(st.floats(100.0, 300.0)),
        dec_deg=draw(st.floats(-40.0, 75.0)),
        window=TimeRange(NIGHT.start + timedelta(hours=w0), NIGHT.start + timedelta(hours=w1)),
        max_airmass=draw(st.sampled_from([1.2, 1.5, 2.0, 3.0])),
        min_moon_separation_deg=float(draw(st.integers(0, 60))),
        fixed_start=fixed,
        alert=kind == "alert",
    )


@st.composite
def problems(draw) -> Problem:
    progs = draw(st.sampled_from([["A"], ["A", "B"]]))
    n = draw(st.integers(1, 9))
    seqs = tuple(draw(sequences(i, progs)) for i in range(n))
    quotas = {p: Programme(p, float(draw(st.integers(0, 8)) * 1800)) for p in progs}
    overhead = float(draw(st.sampled_from([0, 20, 60, 300])))
    return Problem(SPM, NIGHT, overhead, quotas, seqs)


@pytest.mark.parametrize("solver", ["greedy", "cpsat"])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems())
def test_every_plan_meets_every_constraint(check, solver, problem):
    plan = solve(problem, solver=solver, time_limit_s=1.0)
    answer = plan_to_dict(problem, plan)
    assert check(problem, answer) == []
    assert referee(problem, answer) == []


@pytest.mark.parametrize("solver", ["greedy", "cpsat"])
def test_a_realistic_crowded_night_meets_every_constraint(check, solver):
    problem = generate(150, seed=3, night=NIGHT, alerts=3, fixed=4, slew_overhead_s=90)
    plan = solve(problem, solver=solver, time_limit_s=3.0)
    assert len(plan.placements) > 5
    assert check(problem, plan_to_dict(problem, plan)) == []

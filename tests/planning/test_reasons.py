"""Every refusal reason, one case each, with both solvers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pyros.planning import solve

SOLVERS = ["greedy", "cpsat"]


def reasons(problem, solver):
    plan = solve(problem, solver=solver, time_limit_s=2.0)
    return plan, {r.id: r.reason for r in plan.rejections}


@pytest.mark.parametrize("solver", SOLVERS)
def test_window_outside_the_night(make_problem, night, solver):
    p = make_problem([{"window": (night.start - timedelta(hours=5),
                                  night.start - timedelta(hours=1))}])
    assert reasons(p, solver)[1] == {"S0": "window outside the night"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_never_above_the_airmass_limit(make_problem, solver):
    p = make_problem([{"dec_deg": -80.0}])
    assert reasons(p, solver)[1] == {
        "S0": "never observable in its window (airmass > 2 throughout)"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_moon_too_close_all_night(make_problem, sky, solver):
    p = make_problem([{"ra_deg": sky.moon[0], "dec_deg": sky.moon[1],
                       "min_moon_separation_deg": 30.0}])
    assert reasons(p, solver)[1] == {"S0": "moon closer than 30° throughout"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_longer_than_any_observable_interval(make_problem, solver):
    # RA 215°, Dec −5° (30° from the Moon) culminates at 54°: above airmass 1.5 (41.8°)
    # for a few hours only
    p = make_problem([{"ra_deg": 215.0, "dec_deg": -5.0, "max_airmass": 1.5,
                       "duration_s": 6 * 3600.0}])
    reason = reasons(p, solver)[1]["S0"]
    m = re.fullmatch(r"longer than any observable interval "
                     r"\(needs 21600 s, longest (\d+) s\)", reason)
    assert m, reason
    assert 3600 < int(m.group(1)) < 21600


@pytest.mark.parametrize("solver", SOLVERS)
def test_window_shorter_than_the_sequence(make_problem, sky, night, solver):
    p = make_problem([{"window": (sky.at(4), sky.at(4) + timedelta(minutes=20))}])
    assert reasons(p, solver)[1] == {"S0": "window shorter than the sequence inside the "
                                           "night (needs 1800 s, window has 1200 s)"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_quota_exhausted(make_problem, solver):
    p = make_problem([{"priority": 9.0}, {"priority": 2.0}], quotas={"P": 3000})
    plan, why = reasons(p, solver)
    assert [x.id for x in plan.placements] == ["S0"]
    assert why == {"S1": "quota exhausted for programme P (needs 1800 s, 1200 s left)"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_lower_priority_for_the_only_slot(make_problem, sky, night, solver):
    window = (sky.at(4), sky.at(4) + timedelta(minutes=35))
    p = make_problem([{"priority": 8.0, "window": window},
                      {"priority": 3.0, "window": window}])
    plan, why = reasons(p, solver)
    assert [x.id for x in plan.placements] == ["S0"]
    assert why == {"S1": "lower priority than S0 for the only possible slot"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_free_slot_left_in_its_window(make_problem, sky, night, solver):
    window = (sky.at(3), sky.at(5))
    p = make_problem([{"duration_s": 3300.0, "window": window},
                      {"duration_s": 3300.0, "window": window, "ra_deg": 180.0},
                      {"priority": 1.0, "window": window, "ra_deg": 200.0}])
    plan, why = reasons(p, solver)
    assert sorted(x.id for x in plan.placements) == ["S0", "S1"]
    assert why["S2"] in ("no free slot left in its window (taken by S0, S1)",
                         "no free slot left in its window (taken by S1, S0)")


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_start_not_observable(make_problem, night, solver):
    # at night start the target (transiting at mid-night, Dec −5°) is far below 41.8°
    p = make_problem([{"ra_deg": 215.0, "dec_deg": -5.0, "max_airmass": 1.5,
                       "fixed_start": night.start}])
    reason = reasons(p, solver)[1]["S0"]
    stamp = night.start.isoformat().replace("+00:00", "Z")
    assert reason.startswith(f"not observable at its fixed start {stamp} "), reason


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_start_outside_its_window(make_problem, sky, night, solver):
    p = make_problem([{"fixed_start": sky.at(1),
                       "window": (sky.at(3), sky.at(6))}])
    assert reasons(p, solver)[1]["S0"].endswith("does not fit inside its window")


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_start_conflicts_with_a_more_important_one(make_problem, sky, night, solver):
    p = make_problem([{"priority": 8.0, "fixed_start": sky.at(4)},
                      {"priority": 3.0, "fixed_start": sky.at(4.25)}])
    plan, why = reasons(p, solver)
    assert [x.id for x in plan.placements] == ["S0"]
    assert why["S1"].startswith("fixed start conflicts with S0")

"""validate_plan finds each kind of broken plan (and passes a good one)."""

from __future__ import annotations

import copy

import pytest

from pyros.planning import plan_to_dict, solve, validate_plan
from pyros.planning.schema import iso


@pytest.fixture(scope="module")
def planned(make_problem, sky):
    p = make_problem([{"ra_deg": 150.0}, {"ra_deg": 200.0, "priority": 7.0},
                      {"ra_deg": 240.0, "duration_s": 2400.0, "program": "Q"}],
                     quotas={"P": 1e6, "Q": 1e6})
    answer = plan_to_dict(p, solve(p, solver="greedy"))
    assert len(answer["scheduled"]) == 3
    return p, answer


def _shift(answer, k, seconds, problem):
    from datetime import timedelta

    from pyros.clock import parse_utc
    e = answer["scheduled"][k]
    e["start"] = iso(parse_utc(e["start"]) + timedelta(seconds=seconds))
    e["end"] = iso(parse_utc(e["end"]) + timedelta(seconds=seconds))


def test_a_solver_plan_is_valid(planned):
    p, answer = planned
    assert validate_plan(p, answer) == []


def test_overlap_and_overhead(planned):
    p, answer = planned
    bad = copy.deepcopy(answer)
    first, second = bad["scheduled"][0], bad["scheduled"][1]
    second_len = None  # move the second to start 10 s after the first ends
    from pyros.clock import parse_utc
    second_len = parse_utc(second["end"]) - parse_utc(second["start"])
    from datetime import timedelta
    second["start"] = iso(parse_utc(first["end"]) + timedelta(seconds=10))
    second["end"] = iso(parse_utc(second["start"]) + second_len)
    errors = validate_plan(p, bad)
    assert any("slew overhead 60 s" in e for e in errors), errors


def test_duration_cut_short(planned):
    p, answer = planned
    bad = copy.deepcopy(answer)
    from datetime import timedelta

    from pyros.clock import parse_utc
    bad["scheduled"][0]["end"] = iso(parse_utc(bad["scheduled"][0]["end"])
                                     - timedelta(seconds=300))
    assert any("instead of" in e for e in validate_plan(p, bad))


def test_outside_window_and_night(planned, sky):
    p, answer = planned
    bad = copy.deepcopy(answer)
    _shift(bad, -1, 12 * 3600, p)
    errors = validate_plan(p, bad)
    assert any("outside the night" in e for e in errors)
    assert any("outside its window" in e for e in errors)


def test_airmass_broken_when_moved_to_the_evening(make_problem, sky):
    # RA 240° is far below airmass 2 at night start
    p = make_problem([{"ra_deg": 240.0}])
    answer = {"scheduled": [{"id": "S0", "start": iso(p.night.start),
                             "end": iso(sky.at(0.5))}], "rejected": []}
    errors = validate_plan(p, answer)
    assert len(errors) == 1 and "airmass reaches" in errors[0], errors


def test_moon_broken(make_problem, sky):
    p = make_problem([{"ra_deg": sky.moon[0] + 5, "dec_deg": sky.moon[1],
                       "min_moon_separation_deg": 20.0}])
    answer = {"scheduled": [{"id": "S0", "start": iso(sky.at(4)),
                             "end": iso(sky.at(4.5))}], "rejected": []}
    errors = validate_plan(p, answer)
    assert len(errors) == 1 and "moon at" in errors[0], errors


def test_bookkeeping_errors(planned):
    p, answer = planned
    bad = copy.deepcopy(answer)
    bad["rejected"].append({"id": bad["scheduled"][0]["id"], "reason": "x"})
    bad["rejected"].append({"id": "nobody", "reason": ""})
    bad["scheduled"].pop()
    errors = validate_plan(p, bad)
    assert any("answered 2 times" in e for e in errors)
    assert any("nobody: not a sequence" in e for e in errors)
    assert any("rejected without a reason" in e for e in errors)
    assert any("neither scheduled nor rejected" in e for e in errors)


def test_quota_and_fixed_start(make_problem, sky):
    p = make_problem([{"fixed_start": sky.at(4)}], quotas={"P": 600})
    answer = {"scheduled": [{"id": "S0", "start": iso(sky.at(4.1)),
                             "end": iso(sky.at(4.6))}], "rejected": []}
    errors = validate_plan(p, answer)
    assert any("fixed start" in e for e in errors)
    assert any("quota 600 s" in e for e in errors)

"""Strict validation where a problem enters: each error names the field."""

from __future__ import annotations

import json

import pytest

from pyros.planning import ProblemError, parse_problem, problem_to_dict
from pyros.planning.instances import generate


@pytest.fixture(scope="module")
def good() -> dict:
    return problem_to_dict(generate(3, seed=2, alerts=1, fixed=1))


def test_round_trip(good):
    problem = parse_problem(json.dumps(good))
    assert problem_to_dict(problem) == good
    assert problem.sequences[0].alert and problem.sequences[1].fixed_start is not None


def _error(data) -> str:
    with pytest.raises(ProblemError) as info:
        parse_problem(data)
    return str(info.value)


def _edit(good, path, value=None, delete=False):
    data = json.loads(json.dumps(good))
    node = data
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "delete", "expected"), [
    (["sequences", 0, "duration_s"], None, True, "sequences[0].duration_s: missing field"),
    (["night"], None, True, "night: missing field"),
    (["sequences", 1, "duration_s"], -60, False,
     "sequences[1].duration_s: Input should be greater than 0"),
    (["sequences", 2, "window", "start"], "2026-13-45T99:00:00Z", False,
     "sequences[2].window.start: not an ISO-8601 instant"),
    (["night", "end"], 12, False, "night.end: must be an ISO-8601 UTC string"),
    (["sequences", 0, "program"], "ZZ", False,
     "sequences[0].program: unknown programme 'ZZ'"),
    (["sequences", 2, "max_airmass"], 0.5, False, "sequences[2].max_airmass"),
    (["sequences", 0, "dec_deg"], 91, False, "sequences[0].dec_deg"),
    (["sequences", 0, "max_airmas"], 2.0, False, "sequences[0].max_airmas: unknown field"),
    (["slew_overhead_s"], -1, False, "slew_overhead_s"),
    (["programs", "A", "quota_s"], "lots", False, "programs.A.quota_s"),
    (["site"], [], False, "site: must be a JSON object"),
])
def test_each_bad_field_is_named(good, path, value, delete, expected):
    assert expected in _error(_edit(good, path, value, delete))


def test_window_end_before_start(good):
    data = _edit(good, ["sequences", 1, "window", "end"], good["sequences"][1]["window"]["start"])
    data["sequences"][1]["window"]["start"] = "2026-03-21T09:00:00Z"
    data["sequences"][1]["window"]["end"] = "2026-03-21T08:00:00Z"
    msg = _error(data)
    assert msg.startswith("sequences[1].window: end (2026-03-21T08:00:00+00:00) must be after")


def test_duplicate_ids(good):
    data = _edit(good, ["sequences", 2, "id"], good["sequences"][0]["id"])
    assert "sequences[2].id: duplicate id 'S00000'" in _error(data)


def test_not_json_and_not_an_object():
    assert _error("{not json").startswith("not valid JSON")
    assert _error("[1, 2]") == "problem must be a JSON object"


def test_a_night_must_last_a_minute(good):
    data = _edit(good, ["night", "end"], good["night"]["start"][:17] + "59Z")
    assert "night: must last at least 60 s" in _error(data)

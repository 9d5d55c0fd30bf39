"""The command-line contract: ``pyros schedule solve PROBLEM.json``, as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyros.planning import parse_problem, problem_to_dict
from pyros.planning.instances import generate


def _pyros(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyros.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def problem_json() -> dict:
    return problem_to_dict(generate(25, seed=9, alerts=1, fixed=2))


@pytest.mark.parametrize("solver", ["greedy", "cpsat", "auto"])
def test_good_problem_gives_a_valid_plan(tmp_path: Path, problem_json, check, solver):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_json))
    out = _pyros("schedule", "solve", str(path), "--solver", solver, "--time-limit", "1")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    ids = [e["id"] for e in answer["scheduled"]] + [e["id"] for e in answer["rejected"]]
    assert sorted(ids) == sorted(s["id"] for s in problem_json["sequences"])
    assert answer["scheduled"] and answer["objective"] > 0
    assert check(parse_problem(problem_json), answer) == []


def test_problem_on_standard_input(problem_json):
    out = _pyros("schedule", "solve", "-", "--solver", "greedy", stdin=json.dumps(problem_json))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["solver"] == "greedy"


def _bad(problem_json, edit):
    data = json.loads(json.dumps(problem_json))
    edit(data)
    return json.dumps(data)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["sequences"][0].pop("ra_deg"), "sequences[0].ra_deg: missing field"),
    (lambda d: d["night"].update(start="yesterday"), "night.start: not an ISO-8601 instant"),
    (lambda d: d["sequences"][3].update(duration_s=-5), "sequences[3].duration_s"),
    (lambda d: d["sequences"][1].update(program="nope"),
     "sequences[1].program: unknown programme 'nope'"),
    (lambda d: d["sequences"][4].update(id=d["sequences"][0]["id"]),
     "sequences[4].id: duplicate id"),
    (lambda d: d["sequences"][2]["window"].update(end=d["sequences"][2]["window"]["start"]),
     "sequences[2].window: end"),
])
def test_bad_problem_exits_2_naming_the_field(problem_json, edit, message):
    out = _pyros("schedule", "solve", "-", stdin=_bad(problem_json, edit))
    assert out.returncode == 2
    assert message in out.stderr
    assert out.stdout == ""


def test_not_json_and_missing_file(tmp_path: Path):
    out = _pyros("schedule", "solve", "-", stdin="{oops")
    assert out.returncode == 2 and "not valid JSON" in out.stderr
    out = _pyros("schedule", "solve", str(tmp_path / "absent.json"))
    assert out.returncode == 2 and "cannot read" in out.stderr

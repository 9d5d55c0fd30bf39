"""The scheduling core of PyROS (pure: no Django).

It decides what the telescope does with every minute of the night: given candidate
sequences (target, window, airmass and Moon limits, priority, programme), programme
quotas, the night and the site, it returns a plan — when each chosen sequence runs — and
a specific reason for each refused one.

    >>> from pyros.planning import parse_problem, solve, validate_plan
    >>> plan = solve(parse_problem(text), solver="auto", time_limit_s=10)
    >>> assert validate_plan(problem, plan) == []

See docs/scheduler.md for the model, the solvers and their limits.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyros.planning.model import (
        Placement,
        Plan,
        Problem,
        Programme,
        Rejection,
        Sequence,
        Site,
        TimeRange,
    )
    from pyros.planning.schema import (
        ProblemError,
        parse_problem,
        plan_to_dict,
        problem_to_dict,
    )
    from pyros.planning.solver import SOLVERS, solve
    from pyros.planning.verify import validate_plan

# Imported on first use, so that validating a problem does not pay for astropy/OR-Tools.
_WHERE = {
    **dict.fromkeys(["Placement", "Plan", "Problem", "Programme", "Rejection", "Sequence",
                     "Site", "TimeRange"], "pyros.planning.model"),
    **dict.fromkeys(["ProblemError", "parse_problem", "plan_to_dict", "problem_to_dict"],
                    "pyros.planning.schema"),
    "SOLVERS": "pyros.planning.solver",
    "solve": "pyros.planning.solver",
    "validate_plan": "pyros.planning.verify",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'pyros.planning' has no attribute {name!r}")


__all__ = [
    "SOLVERS",
    "Placement",
    "Plan",
    "Problem",
    "ProblemError",
    "Programme",
    "Rejection",
    "Sequence",
    "Site",
    "TimeRange",
    "parse_problem",
    "plan_to_dict",
    "problem_to_dict",
    "solve",
    "validate_plan",
]

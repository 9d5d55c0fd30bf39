"""``pyros schedule solve PROBLEM.json``: plan a night from a JSON problem.

Prints the plan as JSON on stdout (see docs/scheduler.md for the contract).  Exit codes:
0 planned, 2 invalid problem or unreadable file (the message names the field).
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schedule", help="plan a night: sequences in, timed plan out")
    ssub = p.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    solve = ssub.add_parser("solve", help="solve a scheduling problem given as JSON")
    solve.add_argument("problem", help="problem JSON file ('-' reads standard input)")
    solve.add_argument("--solver", choices=("greedy", "cpsat", "auto"), default="auto",
                       help="greedy (instant), cpsat (optimise), auto (cpsat when useful)")
    solve.add_argument("--time-limit", type=float, default=10.0, metavar="S",
                       help="CP-SAT time budget in seconds (default 10)")
    solve.add_argument("--workers", type=int, default=2, help="CP-SAT worker threads")
    solve.add_argument("--indent", type=int, default=2, help="JSON indentation (0: compact)")
    solve.set_defaults(func=_solve)


def _fail(message: str) -> int:
    print(f"pyros schedule solve: {message}", file=sys.stderr)
    return 2


def _solve(args: argparse.Namespace) -> int:
    from pyros.planning.schema import ProblemError, parse_problem, plan_to_dict
    from pyros.planning.solver import solve

    if args.time_limit < 0:
        return _fail("--time-limit must be >= 0")
    try:
        if args.problem == "-":
            text = sys.stdin.read()
        else:
            with open(args.problem, encoding="utf-8") as fh:
                text = fh.read()
    except OSError as exc:
        return _fail(f"cannot read {args.problem}: {exc.strerror or exc}")
    try:
        problem = parse_problem(text)
    except ProblemError as exc:
        return _fail(f"invalid problem: {exc}")
    plan = solve(problem, solver=args.solver, time_limit_s=args.time_limit,
                 workers=args.workers)
    print(json.dumps(plan_to_dict(problem, plan), indent=args.indent or None,
                     ensure_ascii=False))
    return 0

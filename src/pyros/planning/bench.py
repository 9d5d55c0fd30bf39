"""``pyros bench scheduler``: our two solvers against astroplan's PriorityScheduler.

Generated instances of 40, 200, 1,000 and 10,000 sequences over a real night at San Pedro
Mártir (see instances.py).  For each: objective (Σ priority × duration), fraction of the
night spent observing, runtime and CP-SAT's proven gap; on 40 and 200 sequences the same
instance also goes through astroplan (its constraints, its Schedule, a Transitioner
charging the slew overhead between blocks), and the ratios are printed.  ``--quick``: 40
and 200 only, astroplan on 40 only.

astroplan knows no quotas; its plan is checked by :func:`validate_plan` like ours and the
number of constraints it breaks is printed beside its objective.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import warnings
from typing import Any

from pyros.clock import monotonic
from pyros.planning.model import Plan, Problem

SIZES = (40, 200, 1000, 10000)
QUICK_SIZES = (40, 200)
TIME_LIMIT_S = {40: 10.0, 200: 20.0, 1000: 30.0, 10000: 60.0}
QUICK_TIME_LIMIT_S = {40: 5.0, 200: 10.0}


def _fraction_used(problem: Problem, plan: Plan) -> float:
    seqs = problem.by_id()
    return sum(seqs[p.id].duration_s for p in plan.placements) / problem.night.duration_s


def _astroplan(problem: Problem) -> tuple[Plan, float]:
    """Run astroplan's PriorityScheduler on ``problem``; the plan in our terms, seconds."""
    import astropy.units as u
    from astroplan import FixedTarget, Observer
    from astroplan.constraints import (
        AirmassConstraint,
        MoonSeparationConstraint,
        TimeConstraint,
    )
    from astroplan.scheduling import (
        ObservingBlock,
        PriorityScheduler,
        Schedule,
        Transitioner,
    )
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

    from pyros.astro.night import location
    from pyros.planning.model import Placement, Rejection

    site = problem.site
    observer = Observer(location=location(site.latitude_deg, site.longitude_deg,
                                          site.elevation_m))
    max_p = max(s.priority for s in problem.sequences)
    blocks = []
    for s in problem.sequences:
        target = FixedTarget(SkyCoord(s.ra_deg * u.deg, s.dec_deg * u.deg), name=s.id)
        constraints = [
            AirmassConstraint(max=s.max_airmass, boolean_constraint=True),
            MoonSeparationConstraint(min=s.min_moon_separation_deg * u.deg),
            TimeConstraint(Time(s.window.start), Time(s.window.end)),
        ]
        # astroplan: 1 is the highest priority
        blocks.append(ObservingBlock(target, s.duration_s * u.s, max_p + 1 - s.priority,
                                     configuration={"target": s.id}, constraints=constraints))
    transitioner = Transitioner(
        instrument_reconfig_times={"target": {"default": problem.slew_overhead_s * u.s}})
    scheduler = PriorityScheduler(constraints=[], observer=observer, transitioner=transitioner)
    schedule = Schedule(Time(problem.night.start), Time(problem.night.end))
    t0 = monotonic()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        scheduler(blocks, schedule)
    elapsed = monotonic() - t0
    seqs = problem.by_id()
    placements = []
    for b in schedule.observing_blocks:
        sid = b.target.name
        start = round(problem.offset_s(b.start_time.to_datetime(timezone=problem.night.start
                                                                 .tzinfo)), 3)
        placements.append(Placement(start, sid, start + seqs[sid].duration_s))
    placed = {p.id for p in placements}
    rejections = [Rejection(s.id, "not scheduled by astroplan")
                  for s in problem.sequences if s.id not in placed]
    plan = Plan(sorted(placements), rejections, "astroplan",
                Plan.value_of(problem, placements), runtime_s=elapsed)
    return plan, elapsed


def _valid_part(problem: Problem, plan: Plan, violations: list[str]) -> Plan:
    """A foreign plan with what breaks a constraint removed: sequences named in a
    violation go, then the least valuable of any programme over its quota."""
    seqs = problem.by_id()
    bad = {line.split(":", 1)[0] for line in violations}
    kept = [p for p in plan.placements if p.id not in bad]
    for prog in problem.programmes.values():
        mine = sorted((p for p in kept if seqs[p.id].program == prog.id),
                      key=lambda p: seqs[p.id].value)
        total = sum(seqs[p.id].duration_s for p in mine)
        while mine and total > prog.quota_s + 1e-6:
            drop = mine.pop(0)
            total -= seqs[drop.id].duration_s
            kept.remove(drop)
    from pyros.planning.model import Rejection

    placed = {p.id for p in kept}
    rejected = [Rejection(s.id, "not in the valid part") for s in problem.sequences
                if s.id not in placed]
    return Plan(kept, rejected, f"{plan.solver} (valid part)",
                Plan.value_of(problem, kept), runtime_s=plan.runtime_s)


def _row(problem: Problem, plan: Plan, runtime_s: float, violations: int | None = None
         ) -> dict[str, Any]:
    return {
        "solver": plan.solver,
        "objective": round(plan.objective, 1),
        "bound": None if plan.bound is None else round(plan.bound, 1),
        "gap": None if plan.gap is None else round(plan.gap, 5),
        "night_used": round(_fraction_used(problem, plan), 4),
        "scheduled": len(plan.placements),
        "runtime_s": round(runtime_s, 4),
        "violations": violations,
    }


def bench_one(n: int, time_limit_s: float, with_astroplan: bool) -> dict[str, Any]:
    from pyros.planning.instances import generate, spm_night
    from pyros.planning.solver import solve
    from pyros.planning.verify import validate_plan
    from pyros.planning.visibility import clear_grid_cache

    night = spm_night()
    problem = generate(n, seed=n, night=night)
    clear_grid_cache()
    t0 = monotonic()
    cold = solve(problem, "greedy")
    cold_s = monotonic() - t0
    t0 = monotonic()
    greedy = solve(problem, "greedy")        # re-plan: grid and targets cached
    greedy_s = monotonic() - t0
    t0 = monotonic()
    cpsat = solve(problem, "cpsat", time_limit_s=time_limit_s)
    cpsat_s = monotonic() - t0
    rows = [
        {**_row(problem, cold, cold_s), "solver": "greedy (cold)"},
        _row(problem, greedy, greedy_s, len(validate_plan(problem, greedy))),
        _row(problem, cpsat, cpsat_s, len(validate_plan(problem, cpsat))),
    ]
    out: dict[str, Any] = {"sequences": n, "observable": greedy.stats.get("observable"),
                           "cpsat_time_limit_s": time_limit_s, "rows": rows}
    if with_astroplan:
        import dataclasses

        from pyros.planning.model import Programme

        ref, ref_s = _astroplan(problem)
        ref_violations = validate_plan(problem, ref)
        valid = _valid_part(problem, ref, ref_violations)
        rows.append(_row(problem, ref, ref_s, len(ref_violations)))
        rows.append(_row(problem, valid, ref_s, len(validate_plan(problem, valid))))
        # astroplan has no quotas: compare on equal terms with quotas lifted as well
        free = dataclasses.replace(problem, programmes={
            k: Programme(k, 1e9) for k in problem.programmes})
        t0 = monotonic()
        free_greedy = solve(free, "greedy")
        free_greedy_s = monotonic() - t0
        t0 = monotonic()
        free_cpsat = solve(free, "cpsat", time_limit_s=time_limit_s)
        free_cpsat_s = monotonic() - t0
        rows.append({**_row(free, free_greedy, free_greedy_s,
                            len(validate_plan(free, free_greedy))),
                     "solver": "greedy, no quota"})
        rows.append({**_row(free, free_cpsat, free_cpsat_s,
                            len(validate_plan(free, free_cpsat))),
                     "solver": "cpsat, no quota"})
        out["astroplan_violations"] = ref_violations

        def ratio(a: float, b: float) -> float | None:
            return round(a / b, 4) if b else None

        out["ratios"] = {
            "greedy_objective_vs_astroplan_valid_part": ratio(greedy.objective,
                                                              valid.objective),
            "cpsat_objective_vs_astroplan_valid_part": ratio(cpsat.objective,
                                                             valid.objective),
            "no_quota_greedy_vs_astroplan": ratio(free_greedy.objective, ref.objective),
            "no_quota_cpsat_vs_astroplan": ratio(free_cpsat.objective, ref.objective),
            "greedy_speedup_vs_astroplan": round(ref_s / greedy_s, 1),
            "greedy_cold_speedup_vs_astroplan": round(ref_s / cold_s, 1),
            "cpsat_speedup_vs_astroplan": round(ref_s / cpsat_s, 1),
        }
    return out


def _print(result: dict[str, Any]) -> None:
    print(f"\n== {result['sequences']} sequences ({result['observable']} observable tonight), "
          f"CP-SAT budget {result['cpsat_time_limit_s']:g} s")
    print(f"{'solver':<26}{'objective':>12}{'bound':>12}{'gap':>9}{'night used':>12}"
          f"{'placed':>8}{'runtime s':>11}{'violations':>12}")
    for r in result["rows"]:
        gap = "" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
        bound = "" if r["bound"] is None else f"{r['bound']:.0f}"
        viol = "" if r["violations"] is None else str(r["violations"])
        print(f"{r['solver']:<26}{r['objective']:>12.0f}{bound:>12}{gap:>9}"
              f"{100 * r['night_used']:>11.1f}%{r['scheduled']:>8}{r['runtime_s']:>11.3f}"
              f"{viol:>12}")
    for line in result.get("astroplan_violations", [])[:5]:
        print(f"  astroplan breaks: {line}")
    for k, v in result.get("ratios", {}).items():
        print(f"  {k}: {v}")


def run(args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    sizes = QUICK_SIZES if quick else SIZES
    limits = QUICK_TIME_LIMIT_S if quick else TIME_LIMIT_S
    results = []
    for n in sizes:
        with_astroplan = n == 40 or (n == 200 and not quick)
        result = bench_one(n, limits[n], with_astroplan)
        results.append(result)
        if not getattr(args, "json", False):
            _print(result)
    if getattr(args, "json", False):
        print(json.dumps(results, indent=2))
    return 0

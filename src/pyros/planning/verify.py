"""Checking a plan against every constraint, at full time resolution.

:func:`validate_plan` is the independent referee (tests, the web side): it recomputes
airmass and Moon distance with astropy's own ICRS → AltAz transform at the start, the
end and every 30 s of each scheduled sequence, and checks windows, night, overlaps with
the slew overhead, fixed starts, quotas, and that every sequence is answered once.

:func:`violations_fast` checks the same things with the fast grid model evaluated at
exact instants; the solvers use it to repair (drop) anything the slot model let through,
so that what leaves the scheduler always passes :func:`validate_plan`.

Tolerances: 1 ms on times; 0.01° on altitude and Moon distance (the accuracy to which
the fast model is validated against astropy; it is in fact ~1″).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from pyros import astro  # noqa: F401  (offline IERS configuration)
from pyros.clock import parse_utc
from pyros.planning.model import Plan, Problem, Sequence
from pyros.planning.visibility import NightGrid, alt_limit_deg

__all__ = ["ANGLE_TOL_DEG", "validate_plan", "violations_fast"]

ANGLE_TOL_DEG = 0.01
TIME_TOL_S = 1e-3
SAMPLE_S = 30.0

# (sequence, start offsets) -> (alt_deg, moon_sep_deg) at the sample offsets
Evaluator = Callable[[list[tuple[Sequence, np.ndarray]]], list[tuple[np.ndarray, np.ndarray]]]


def sample_offsets(start_s: float, end_s: float) -> np.ndarray:
    """Start, end and every ``SAMPLE_S`` seconds between (seconds after night start)."""
    n = max(1, math.ceil((end_s - start_s) / SAMPLE_S))
    return np.linspace(start_s, end_s, n + 1)


def _structural(problem: Problem, items: list[tuple[str, float, float]],
                rejected: list[tuple[str, str]]) -> list[str]:
    """Everything but visibility; ``items`` are (id, start_s, end_s) after night start."""
    out: list[str] = []
    seqs = problem.by_id()
    answered: dict[str, int] = {}
    for sid, *_ in items:
        answered[sid] = answered.get(sid, 0) + 1
    for sid, reason in rejected:
        answered[sid] = answered.get(sid, 0) + 1
        if not reason.strip():
            out.append(f"{sid}: rejected without a reason")
    for sid, count in answered.items():
        if sid not in seqs:
            out.append(f"{sid}: not a sequence of the problem")
        elif count > 1:
            out.append(f"{sid}: answered {count} times")
    out.extend(f"{sid}: neither scheduled nor rejected" for sid in seqs if sid not in answered)
    horizon = problem.night.duration_s
    used: dict[str, float] = {}
    ordered = sorted((i for i in items if i[0] in seqs), key=lambda i: i[1])
    for sid, start, end in ordered:
        seq = seqs[sid]
        used[seq.program] = used.get(seq.program, 0.0) + seq.duration_s
        if abs((end - start) - seq.duration_s) > TIME_TOL_S:
            out.append(f"{sid}: runs {end - start:g} s instead of {seq.duration_s:g} s")
        if start < -TIME_TOL_S or end > horizon + TIME_TOL_S:
            out.append(f"{sid}: outside the night")
        if start < problem.offset_s(seq.window.start) - TIME_TOL_S \
                or end > problem.offset_s(seq.window.end) + TIME_TOL_S:
            out.append(f"{sid}: outside its window")
        if seq.fixed_start is not None \
                and abs(start - problem.offset_s(seq.fixed_start)) > TIME_TOL_S:
            out.append(f"{sid}: does not start at its fixed start")
    for (a, _, a_end), (b, b_start, _) in itertools.pairwise(ordered):
        gap = b_start - a_end
        if gap < problem.slew_overhead_s - TIME_TOL_S:
            out.append(f"{b}: starts {gap:g} s after {a} ends "
                       f"(slew overhead {problem.slew_overhead_s:g} s)")
    for prog, total in used.items():
        quota = problem.programmes[prog].quota_s
        if total > quota + TIME_TOL_S:
            out.append(f"programme {prog}: {total:g} s scheduled, quota {quota:g} s")
    return out


def _visibility(problem: Problem, items: list[tuple[str, float, float]],
                evaluate: Evaluator) -> dict[str, str]:
    seqs = problem.by_id()
    todo = [(seqs[sid], sample_offsets(s, e)) for sid, s, e in items if sid in seqs]
    bad: dict[str, str] = {}
    for (seq, _), (alt, sep) in zip(todo, evaluate(todo), strict=True):
        limit = alt_limit_deg(seq.max_airmass)
        if np.min(alt) < limit - ANGLE_TOL_DEG:
            worst = 1.0 / max(math.sin(math.radians(float(np.min(alt)))), 1e-9)
            bad[seq.id] = (f"airmass reaches {worst:.3f} > {seq.max_airmass:g} "
                           f"during the sequence")
        elif np.min(sep) < seq.min_moon_separation_deg - ANGLE_TOL_DEG:
            bad[seq.id] = (f"moon at {float(np.min(sep)):.2f}° < "
                           f"{seq.min_moon_separation_deg:g}° during the sequence")
    return bad


def _astropy_evaluator(problem: Problem) -> Evaluator:
    def evaluate(todo: list[tuple[Sequence, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
        if not todo:
            return []
        import astropy.units as u
        from astropy.coordinates import AltAz, SkyCoord, get_body
        from astropy.time import Time

        from pyros.astro.night import location

        site = location(problem.site.latitude_deg, problem.site.longitude_deg,
                        problem.site.elevation_m)
        offsets = np.concatenate([o for _, o in todo])
        ra = np.concatenate([np.full(len(o), s.ra_deg) for s, o in todo])
        dec = np.concatenate([np.full(len(o), s.dec_deg) for s, o in todo])
        times = Time(problem.night.start) + offsets * u.s
        frame = AltAz(obstime=times, location=site)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degraded IERS / dubious year: sub-arcsecond
            target = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame="icrs").transform_to(frame)
            moon = get_body("moon", times, location=site).transform_to(frame)
        alt = target.alt.to_value(u.deg)
        sep = target.separation(moon).to_value(u.deg)
        out, i = [], 0
        for _, o in todo:
            out.append((alt[i:i + len(o)], sep[i:i + len(o)]))
            i += len(o)
        return out

    return evaluate


def grid_evaluator(grid: NightGrid) -> Evaluator:
    """The fast model at exact instants (used to repair solver output)."""
    def evaluate(todo: list[tuple[Sequence, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [grid.evaluate(s.ra_deg, s.dec_deg, np.clip(o, 0, grid.horizon_s))
                for s, o in todo]

    return evaluate


def violations_fast(problem: Problem, grid: NightGrid,
                    items: list[tuple[str, float, float]]) -> dict[str, str]:
    """Per scheduled id, the first visibility violation found with the fast model."""
    return _visibility(problem, items, grid_evaluator(grid))


def _items_from(problem: Problem, plan: Plan | dict[str, Any]
                ) -> tuple[list[tuple[str, float, float]], list[tuple[str, str]], list[str]]:
    if isinstance(plan, Plan):
        items = [(p.id, float(p.start_s), float(p.end_s)) for p in plan.placements]
        return items, [(r.id, r.reason) for r in plan.rejections], []
    errors: list[str] = []
    items, rejected = [], []

    def instant(value: Any) -> datetime:
        return parse_utc(str(value))

    for k, entry in enumerate(plan.get("scheduled", [])):
        try:
            items.append((str(entry["id"]), problem.offset_s(instant(entry["start"])),
                          problem.offset_s(instant(entry["end"]))))
        except (KeyError, TypeError, ValueError) as exc:
            errors.append(f"scheduled[{k}]: malformed ({exc})")
    for k, entry in enumerate(plan.get("rejected", [])):
        try:
            rejected.append((str(entry["id"]), str(entry["reason"])))
        except (KeyError, TypeError) as exc:
            errors.append(f"rejected[{k}]: malformed ({exc})")
    return items, rejected, errors


def validate_plan(problem: Problem, plan: Plan | dict[str, Any]) -> list[str]:
    """Every constraint the plan breaks, as readable lines (empty: the plan is valid).

    ``plan`` is a :class:`Plan` or its JSON form (``{"scheduled": [...], "rejected": [...]}``).
    Visibility is recomputed with astropy directly, independently of the solvers' model.
    """
    items, rejected, errors = _items_from(problem, plan)
    errors += _structural(problem, items, rejected)
    bad = _visibility(problem, items, _astropy_evaluator(problem))
    errors += [f"{sid}: {why}" for sid, why in bad.items()]
    return errors


def structural_violations(problem: Problem, items: list[tuple[str, float, float]]
                          ) -> list[str]:
    """Structural checks of scheduled items only (no answered-once bookkeeping)."""
    return [e for e in _structural(problem, items, [])
            if "neither scheduled nor rejected" not in e]

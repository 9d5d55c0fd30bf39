"""Where each sequence may start, from visibility, its window and the night.

A sequence started at integer second ``t`` (after night start) and lasting ``d`` is
*observable* when every grid sample that brackets ``[t, t + d]`` — indices
``floor(t / step)`` to ``ceil((t + d) / step)`` — meets its airmass and Moon limits.
Checking the bracketing samples (not only those inside) makes the grid model safe: with
60 s samples the altitude and Moon distance move < 0.25° between two samples, and
monotonically except at culmination, where the altitude is at its best.

For each sequence this gives a set of allowed start seconds, kept as sorted disjoint
inclusive integer intervals ``[(lo, hi), ...]`` — the start domains of both solvers — and,
when the set is empty, the specific reason why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pyros.planning.model import Problem, Sequence
from pyros.planning.visibility import NightGrid, alt_limit_deg, night_grid

__all__ = ["Feasibility", "Intervals", "analyse", "fixed_start_problem", "observable_at"]

Intervals = list[tuple[int, int]]


@dataclass
class Feasibility:
    """What the night allows for one sequence, before any competition for time."""

    seq: Sequence
    starts: Intervals          # allowed starts (inclusive integer seconds), may be empty
    reason: str | None         # why ``starts`` is empty (None when it is not)
    ok: np.ndarray             # per grid sample: airmass and Moon limits both met

    @property
    def feasible(self) -> bool:
        return bool(self.starts)

    @property
    def earliest(self) -> int:
        return self.starts[0][0]

    @property
    def latest(self) -> int:
        return self.starts[-1][1]

    @property
    def freedom_s(self) -> int:
        """How many distinct start seconds are allowed (a measure of flexibility)."""
        return sum(hi - lo + 1 for lo, hi in self.starts)


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive index runs where ``mask`` is true."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _window_bounds(problem: Problem, seq: Sequence) -> tuple[int, float]:
    """Earliest start second and latest end (s) allowed by the window and the night."""
    lo = max(0, math.ceil(problem.offset_s(seq.window.start) - 1e-9))
    end = min(float(problem.horizon_s), problem.offset_s(seq.window.end))
    return lo, end


def _sample_tests(grid: NightGrid, ok: np.ndarray, span_s: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For each (sequence, sample k): may it start exactly on sample k, and anywhere
    strictly between samples k and k + 1?  ``ok`` is (sequences, samples)."""
    n = grid.size
    bad_cum = np.zeros((ok.shape[0], n + 1), dtype=np.int32)
    np.cumsum(~ok, axis=1, out=bad_cum[:, 1:])
    k = np.arange(n)[None, :]
    c = np.ceil(span_s / grid.step_s).astype(np.int64)[:, None]
    e_exact = np.minimum(k + c, n - 1)
    e_inside = np.minimum(k + 1 + c, n - 1)
    base = bad_cum[:, :-1]
    at_sample = np.take_along_axis(bad_cum, e_exact + 1, axis=1) == base
    inside = np.take_along_axis(bad_cum, e_inside + 1, axis=1) == base
    return at_sample, inside


def _starts(grid: NightGrid, at_sample: np.ndarray, inside: np.ndarray, lo: int, hi: int
            ) -> Intervals:
    """Merge one sequence's per-sample tests into start intervals clipped to [lo, hi]."""
    if hi < lo:
        return []
    sel = np.flatnonzero(at_sample)
    if not len(sel):
        return []
    t = grid.offsets_s[sel].astype(np.int64)
    a = np.maximum(t, lo)
    b = np.minimum(np.where(inside[sel], t + grid.step_s - 1, t), hi)
    keep = a <= b
    a, b = a[keep], b[keep]
    if not len(a):
        return []
    new = np.ones(len(a), dtype=bool)
    new[1:] = a[1:] > b[:-1] + 1
    starts = a[new]
    ends = np.maximum.reduceat(b, np.flatnonzero(new))
    return [(int(x), int(y)) for x, y in zip(starts, ends, strict=True)]


def _reason(problem: Problem, grid: NightGrid, seq: Sequence, alt: np.ndarray,
            sep: np.ndarray, ok: np.ndarray, lo: int, end: float) -> str:
    """Why no start is allowed: the most specific of the static reasons."""
    if end <= lo or problem.offset_s(seq.window.end) <= 0 \
            or problem.offset_s(seq.window.start) >= problem.horizon_s:
        return "window outside the night"
    inside = np.zeros(grid.size, dtype=bool)
    inside[int(lo // grid.step_s):min(math.ceil(end / grid.step_s), grid.size - 1) + 1] = True
    if seq.duration_s > end - lo:
        return (f"window shorter than the sequence inside the night "
                f"(needs {_fmt_num(seq.duration_s)} s, window has {end - lo:g} s)")
    am_ok = alt >= alt_limit_deg(seq.max_airmass)
    moon_ok = sep >= seq.min_moon_separation_deg
    am_limit = _fmt_num(seq.max_airmass)
    moon_limit = _fmt_num(seq.min_moon_separation_deg)
    if not (am_ok & inside).any():
        return f"never observable in its window (airmass > {am_limit} throughout)"
    if not (moon_ok & inside).any():
        return f"moon closer than {moon_limit}° throughout"
    if not (ok & inside).any():
        return (f"never observable in its window (airmass ≤ {am_limit} only while "
                f"the moon is closer than {moon_limit}°)")
    longest = 0.0
    for a, b in _runs(ok):
        t0 = max(int(grid.offsets_s[a]), lo)
        t1 = min(float(grid.offsets_s[b]), end)
        longest = max(longest, t1 - t0)
    return (f"longer than any observable interval "
            f"(needs {_fmt_num(seq.duration_s)} s, longest {longest:.0f} s)")


def observable_at(problem: Problem, grid: NightGrid, ok: np.ndarray, start_s: float,
                  seq: Sequence) -> bool:
    """Whether a start at ``start_s`` meets visibility, window and night (grid model)."""
    end_s = start_s + seq.duration_s
    if start_s < 0 or end_s > problem.horizon_s + 1e-9:
        return False
    if start_s < problem.offset_s(seq.window.start) - 1e-6 \
            or end_s > problem.offset_s(seq.window.end) + 1e-6:
        return False
    i0 = math.floor(start_s / grid.step_s)
    i1 = min(math.ceil(end_s / grid.step_s - 1e-12), grid.size - 1)
    return bool(ok[i0:i1 + 1].all())


def fixed_start_problem(problem: Problem, grid: NightGrid, feas: Feasibility) -> str | None:
    """Why a fixed-time sequence cannot run at its fixed start (None when it can)."""
    seq = feas.seq
    assert seq.fixed_start is not None
    t = problem.offset_s(seq.fixed_start)
    stamp = seq.fixed_start.isoformat().replace("+00:00", "Z")
    if t < 0 or t + seq.duration_s > problem.horizon_s:
        return f"fixed start {stamp} does not fit inside the night"
    if t < problem.offset_s(seq.window.start) - 1e-6 \
            or t + seq.duration_s > problem.offset_s(seq.window.end) + 1e-6:
        return f"fixed start {stamp} does not fit inside its window"
    if not observable_at(problem, grid, feas.ok, t, seq):
        if feas.reason is not None:
            return feas.reason
        return (f"not observable at its fixed start {stamp} "
                f"(airmass > {_fmt_num(seq.max_airmass)} or moon closer than "
                f"{_fmt_num(seq.min_moon_separation_deg)}° during the sequence)")
    return None


def analyse(problem: Problem, grid: NightGrid | None = None
            ) -> tuple[NightGrid, dict[str, Feasibility]]:
    """Grid (cached per night) and per-sequence feasibility for the whole problem."""
    if grid is None:
        grid = night_grid(problem.site, problem.night.start, problem.horizon_s)
    seqs = problem.sequences
    rows = grid.rows([s.target_key for s in seqs])
    out: dict[str, Feasibility] = {}
    if not seqs:
        return grid, out
    alt_min = np.array([alt_limit_deg(s.max_airmass) for s in seqs])
    moon_min = np.array([s.min_moon_separation_deg for s in seqs])
    span = np.array([s.span_s for s in seqs], dtype=np.int64)
    alt = grid.alt_deg[rows]
    sep = grid.moon_sep_deg[rows]
    ok = (alt >= alt_min[:, None]) & (sep >= moon_min[:, None])
    at_sample, inside = _sample_tests(grid, ok, span)
    for j, seq in enumerate(seqs):
        lo, end = _window_bounds(problem, seq)
        hi = math.floor(end - seq.span_s + 1e-9)
        starts = _starts(grid, at_sample[j], inside[j], lo, hi)
        reason = None if starts else _reason(problem, grid, seq, alt[j], sep[j], ok[j], lo, end)
        out[seq.id] = Feasibility(seq, starts, reason, ok[j])
    return grid, out

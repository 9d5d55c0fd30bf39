"""Realistic generated problems, for the benchmark and the tests.

A real night at San Pedro Mártir (nautical twilight to twilight), random targets each
observable at some point of that night, durations of 5–60 min, windows of various
lengths (whole night, a few hours, an hour, a tight window around the target's best
time), priorities 1–10, three programmes whose quotas together roughly match the night,
and (optionally) a few alerts and fixed-time sequences.  Deterministic for a seed.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import numpy as np

from pyros.planning.model import Problem, Programme, Sequence, Site, TimeRange
from pyros.planning.visibility import alt_limit_deg, night_grid

__all__ = ["SPM", "generate", "spm_night"]

#: San Pedro Mártir, the COLIBRI site
SPM = Site(31.0449, -115.4646, 2792.0)


@lru_cache(maxsize=4)
def spm_night(date: str = "2026-03-20") -> TimeRange:
    """The night (Sun below −12°) that begins in the evening of ``date`` (local)."""
    from pyros.astro.night import next_night

    noon_local = datetime.fromisoformat(date).replace(hour=20, tzinfo=UTC)  # ~13 h MST
    night = next_night((SPM.latitude_deg, SPM.longitude_deg, SPM.elevation_m), noon_local)
    # whole seconds keep the generated JSON short; both ends stay inside twilight
    start = night.start.replace(microsecond=0)
    if start < night.start:
        start += timedelta(seconds=1)
    end = night.end.replace(microsecond=0)
    return TimeRange(start, end)


def generate(n: int, seed: int = 0, *, night: TimeRange | None = None, site: Site = SPM,
             slew_overhead_s: float = 60.0, alerts: int = 0, fixed: int = 0,
             quota_fraction: float = 1.2) -> Problem:
    """``n`` sequences over one night (see the module docstring)."""
    rng = np.random.default_rng(seed)
    night = night or spm_night()
    horizon = math.floor(night.duration_s)
    grid = night_grid(site, night.start, horizon)
    airmasses = np.array([1.5, 1.8, 2.0, 2.5])
    progs = {"A": 0.45, "B": 0.33, "C": 0.22}
    programmes = {p: Programme(p, round(quota_fraction * f * horizon)) for p, f in progs.items()}
    seqs: list[Sequence] = []
    while len(seqs) < n:
        batch = max(64, 2 * (n - len(seqs)))
        ra = np.round(rng.uniform(0, 360, batch), 4)
        dec = np.round(np.degrees(np.arcsin(rng.uniform(-0.7, 0.99, batch))), 4)
        am = rng.choice(airmasses, batch)
        rows = grid.rows(list(zip(ra.tolist(), dec.tolist(), strict=True)))
        for j in range(batch):
            if len(seqs) >= n:
                break
            alt = grid.alt_deg[rows[j]]
            up = np.flatnonzero(alt >= alt_limit_deg(am[j]))
            if not len(up):
                continue  # never observable tonight: draw another target
            i = len(seqs)
            duration = int(rng.integers(5, 61) * 60)
            kind = rng.random()
            if kind < 0.4:
                w0, w1 = 0.0, float(horizon)
            else:
                if kind < 0.7:
                    length = rng.uniform(2, 6) * 3600
                elif kind < 0.9:
                    length = rng.uniform(1, 2) * 3600
                else:
                    length = duration + rng.uniform(10, 40) * 60
                centre = grid.offsets_s[up[len(up) // 2]] + rng.normal(0, 1800)
                w0 = float(np.clip(centre - length / 2, 0, horizon - 600))
                w1 = float(min(horizon, w0 + length))
            fixed_start = None
            is_alert = i < alerts
            if alerts <= i < alerts + fixed:
                t = float(grid.offsets_s[up[rng.integers(len(up))]])
                fixed_start = night.start + timedelta(seconds=round(t))
                w0, w1 = 0.0, float(horizon)
            seqs.append(Sequence(
                id=f"S{i:05d}",
                program=str(rng.choice(list(progs))),
                priority=float(rng.integers(1, 11)),
                duration_s=float(duration),
                ra_deg=float(ra[j]),
                dec_deg=float(dec[j]),
                window=TimeRange(night.start + timedelta(seconds=round(w0)),
                                 night.start + timedelta(seconds=round(w1))),
                max_airmass=float(am[j]),
                min_moon_separation_deg=float(rng.integers(10, 41)),
                fixed_start=fixed_start,
                alert=is_alert,
            ))
    return Problem(site, night, slew_overhead_s, programmes, tuple(seqs))

"""Shared fixtures of the scheduler tests: a real night at San Pedro Mártir with a full
Moon (2026-04-01/02, Moon transiting near midnight at RA 192.5°, Dec −9.3°), a problem
builder, and an independent plan checker that recomputes everything with astropy."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from pyros import astro  # noqa: F401
from pyros.planning import Problem, Programme, Sequence, TimeRange, parse_problem
from pyros.planning.instances import SPM, spm_night

#: Sky positions for this night: RA 191.5° transits at mid-night; the Moon is near
#: (192.5, −9.3).
TRANSIT_RA = 191.5
MOON = (192.5, -9.3)


@pytest.fixture(scope="session")
def night() -> TimeRange:
    return spm_night("2026-04-01")


def at(night: TimeRange, hours: float) -> datetime:
    """The instant ``hours`` after night start."""
    return night.start + timedelta(hours=hours)


@pytest.fixture(scope="session")
def make_problem(night: TimeRange) -> Callable[..., Problem]:
    """Build a problem: ``make_problem([seq_kwargs, ...], quotas={...}, overhead_s=...)``.

    Sequence defaults: programme P, priority 5, 30 min, a target transiting mid-night
    (Dec +30°), the whole night as window, airmass ≤ 2, Moon ≥ 10°.
    """
    def build(seqs: list[dict[str, Any]], quotas: dict[str, float] | None = None,
              overhead_s: float = 60.0) -> Problem:
        out = []
        for i, kw in enumerate(seqs):
            kw = dict(kw)
            window = kw.pop("window", (night.start, night.end))
            out.append(Sequence(**{
                "id": f"S{i}", "program": "P", "priority": 5.0, "duration_s": 1800.0,
                "ra_deg": TRANSIT_RA, "dec_deg": 30.0, "max_airmass": 2.0,
                "min_moon_separation_deg": 10.0, **kw,
                "window": TimeRange(*window),
            }))
        quotas = quotas or {"P": 1e6}
        return Problem(SPM, night, overhead_s,
                       {p: Programme(p, q) for p, q in quotas.items()}, tuple(out))

    return build


def independent_violations(problem: Problem, scheduled: list[dict[str, str]],
                           rejected: list[dict[str, str]]) -> list[str]:
    """Check a JSON-form answer from scratch with astropy (no code from pyros.planning
    beyond the problem's own data): answered once, whole, window, night, overhead, fixed
    start, quotas, airmass and Moon from start to end (every 60 s and both ends)."""
    import astropy.units as u
    from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
    from astropy.time import Time

    from pyros.clock import parse_utc

    seqs = {s.id: s for s in problem.sequences}
    errors: list[str] = []
    ids = [e["id"] for e in scheduled] + [e["id"] for e in rejected]
    if sorted(ids) != sorted(seqs):
        errors.append(f"ids answered {sorted(ids)} != {sorted(seqs)}")
    for e in rejected:
        if not e["reason"]:
            errors.append(f"{e['id']}: empty reason")
    runs = sorted((parse_utc(e["start"]), parse_utc(e["end"]), e["id"]) for e in scheduled)
    ms = timedelta(milliseconds=1)
    used: dict[str, float] = {}
    for start, end, sid in runs:
        s = seqs[sid]
        used[s.program] = used.get(s.program, 0.0) + s.duration_s
        if abs((end - start).total_seconds() - s.duration_s) > 1e-3:
            errors.append(f"{sid}: not whole")
        if start < s.window.start - ms or end > s.window.end + ms:
            errors.append(f"{sid}: outside window")
        if start < problem.night.start - ms or end > problem.night.end + ms:
            errors.append(f"{sid}: outside night")
        if s.fixed_start is not None and abs((start - s.fixed_start).total_seconds()) > 1e-3:
            errors.append(f"{sid}: fixed start moved")
    for (_, a_end, a), (b_start, _, b) in itertools.pairwise(runs):
        if (b_start - a_end).total_seconds() < problem.slew_overhead_s - 1e-3:
            errors.append(f"{a}->{b}: overhead not respected")
    for prog, total in used.items():
        if total > problem.programmes[prog].quota_s + 1e-3:
            errors.append(f"{prog}: quota exceeded")
    if not runs:
        return errors
    loc = EarthLocation.from_geodetic(problem.site.longitude_deg * u.deg,
                                      problem.site.latitude_deg * u.deg,
                                      problem.site.elevation_m * u.m)
    times, ra, dec, owner = [], [], [], []
    for start, end, sid in runs:
        n = max(1, math.ceil((end - start).total_seconds() / 60))
        for k in range(n + 1):
            times.append(start + (end - start) * (k / n))
            ra.append(seqs[sid].ra_deg)
            dec.append(seqs[sid].dec_deg)
            owner.append(sid)
    t = Time(times)
    frame = AltAz(obstime=t, location=loc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        target = SkyCoord(np.array(ra) * u.deg, np.array(dec) * u.deg).transform_to(frame)
        moon = get_body("moon", t, location=loc).transform_to(frame)
    secz = 1.0 / np.sin(target.alt.radian)
    sep = target.separation(moon).deg
    for sid in dict.fromkeys(owner):
        mask = np.array(owner) == sid
        s = seqs[sid]
        alt_limit = math.degrees(math.asin(1 / s.max_airmass))
        if (target.alt.deg[mask] < alt_limit - 0.01).any() or (secz[mask] <= 0).any():
            errors.append(f"{sid}: airmass above {s.max_airmass} (max {secz[mask].max():.3f})")
        if (sep[mask] < s.min_moon_separation_deg - 0.01).any():
            errors.append(f"{sid}: moon at {sep[mask].min():.2f}°")
    return errors


@pytest.fixture(scope="session")
def check() -> Callable[[Problem, dict[str, Any]], list[str]]:
    """``check(problem, answer_json)`` → violations found by the independent checker."""
    def run(problem: Problem, answer: dict[str, Any]) -> list[str]:
        # the problem survives the JSON round trip unchanged (contract sanity)
        from pyros.planning import problem_to_dict
        assert parse_problem(problem_to_dict(problem)) == problem
        return independent_violations(problem, answer["scheduled"], answer["rejected"])

    return run


class Sky:
    """Where things are on the test night (see the module docstring)."""

    transit_ra = TRANSIT_RA
    moon = MOON

    def __init__(self, night: TimeRange):
        self.night = night

    def at(self, hours: float) -> datetime:
        return at(self.night, hours)


@pytest.fixture(scope="session")
def sky(night: TimeRange) -> Sky:
    return Sky(night)

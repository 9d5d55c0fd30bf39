"""Checks that need the database or the sky: programme, period, quota, visibility.

Used twice: when a request is created (form, API, import: nothing is saved if any check
fails) and when a sequence is submitted (a failing sequence is REJECTED with the reason).
Shape, ranges, channels, filters and exposure bounds are checked by :mod:`routines.spec`.
"""

from __future__ import annotations

from datetime import datetime

from pyros.accounts.ledger import QuotaError, check_room, quota_for
from pyros.accounts.models import ScientificProgramme
from pyros.routines.duration import PlanTiming, sequence_duration_s, timings_from_config
from pyros.routines.models import Sequence
from pyros.routines.spec import SequenceSpec
from pyros.routines.visibility import Constraints, observable_intervals


class SequenceInvalid(ValueError):
    """A sequence fails a submission check; the message is the rejection reason."""


def spec_duration_s(seq: SequenceSpec, config) -> float:
    albums = {a.channel: [PlanTiming(p.filter, p.exposure_s, p.count, p.dither_arcsec)
                          for p in a.plans] for a in seq.albums}
    return sequence_duration_s(albums, timings_from_config(config),
                               config.telescope.slew_overhead_s)


def sequence_duration(sequence: Sequence, config) -> float:
    """Duration (s) of a stored sequence from its plans plus overheads."""
    albums = {a.channel: [PlanTiming(p.filter_name, p.exposure_s, p.count, p.dither_arcsec)
                          for p in a.plans.all()] for a in sequence.albums.all()}
    return sequence_duration_s(albums, timings_from_config(config),
                               config.telescope.slew_overhead_s)


def constraints_of(seq: Sequence | SequenceSpec, config) -> Constraints:
    return Constraints(max_airmass=min(seq.max_airmass, config.telescope.max_airmass),
                       min_moon_separation_deg=seq.min_moon_separation_deg,
                       max_moon_illumination=seq.max_moon_illumination,
                       twilight_deg=config.site.twilight_deg,
                       horizon_deg=config.site.horizon_deg)


def check_period(programme: ScientificProgramme, start: datetime, end: datetime):
    """The programme's quota whose period holds the whole window (``SequenceInvalid``)."""
    quota = quota_for(programme, start)
    if quota is None:
        raise SequenceInvalid(f"the window starts outside every period in which programme "
                              f"{programme.code} has a quota")
    if end > quota.period.end:
        raise SequenceInvalid(f"the window ends after the end of period {quota.period.name} "
                              f"({quota.period.end:%Y-%m-%d %H:%M} UTC)")
    return quota


def check_observable(ra_deg: float, dec_deg: float, start: datetime, end: datetime,
                     constraints: Constraints, duration_s: float, config) -> None:
    runs = observable_intervals(ra_deg, dec_deg, start, end, config.site.location_tuple(),
                                constraints)
    if not runs:
        raise SequenceInvalid("the target is never observable in its window (night, airmass "
                              f"≤ {constraints.max_airmass:g}, Moon ≥ "
                              f"{constraints.min_moon_separation_deg:g}°"
                              + (f", Moon illumination ≤ {constraints.max_moon_illumination:g}"
                                 if constraints.max_moon_illumination is not None else "")
                              + ")")
    longest = max((b - a).total_seconds() for a, b in runs)
    # the grid step (≤ 5 min for short windows) is the resolution of this check
    if longest + 300.0 < duration_s:
        raise SequenceInvalid(f"the target is observable for at most {longest:.0f} s at a "
                              f"time in its window, the sequence needs {duration_s:.0f} s")


def validate_for_submission(sequence: Sequence, config, now: datetime,
                            already_s: float = 0.0) -> float:
    """Every submission check of a stored sequence; returns its duration (s).

    ``already_s`` is the time other sequences of the same submission reserve first.
    Raises :class:`SequenceInvalid` with the first failing check as the reason.
    """
    if not (0.0 <= sequence.ra_deg < 360.0 and -90.0 <= sequence.dec_deg <= 90.0):
        raise SequenceInvalid("coordinates out of range")
    if sequence.window_end <= sequence.window_start:
        raise SequenceInvalid("the window ends before it starts (JD2 ≤ JD1)")
    if sequence.window_end <= now:
        raise SequenceInvalid("the window is in the past")
    channels = {c.name: c for c in config.channels}
    albums = list(sequence.albums.all())
    if not albums:
        raise SequenceInvalid("the sequence has no album")
    for album in albums:
        ch = channels.get(album.channel)
        if ch is None:
            raise SequenceInvalid(f"unknown channel {album.channel!r}")
        plans = list(album.plans.all())
        if not plans:
            raise SequenceInvalid(f"album {album.channel} has no plan")
        for p in plans:
            if p.filter_name not in ch.filters:
                raise SequenceInvalid(f"unknown filter {p.filter_name!r} for {ch.name}")
            if not ch.min_exposure_s <= p.exposure_s <= ch.max_exposure_s:
                raise SequenceInvalid(f"exposure {p.exposure_s:g} s outside {ch.name} bounds "
                                      f"{ch.min_exposure_s:g}–{ch.max_exposure_s:g} s")
    duration = sequence_duration(sequence, config)
    window_s = (sequence.window_end - max(sequence.window_start, now)).total_seconds()
    if duration > window_s:
        raise SequenceInvalid(f"the sequence needs {duration:.0f} s but its window leaves "
                              f"{max(window_s, 0):.0f} s")
    programme = sequence.request.programme
    quota = check_period(programme, sequence.window_start, sequence.window_end)
    try:
        check_room(quota, duration, sequence.request.owner, already_s)
    except QuotaError as exc:
        raise SequenceInvalid(str(exc)) from None
    check_observable(sequence.ra_deg, sequence.dec_deg, max(sequence.window_start, now),
                     sequence.window_end, constraints_of(sequence, config), duration, config)
    return duration

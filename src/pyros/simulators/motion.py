"""Trapezoidal motion profiles, evaluated at any instant (pure, no I/O).

A simulated axis never runs a loop: a move is stored as (start time, start position,
displacement, speed, acceleration) and its position is computed from the clock when
someone asks.  This keeps the simulators exact at any clock speed (a :class:`SimClock` at
100x, a :class:`ManualClock` stepped by hand) and free of background threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Move", "trapezoid_distance", "trapezoid_duration_s", "wrap_180", "wrap_360"]


def wrap_360(angle_deg: float) -> float:
    """Angle in [0, 360)."""
    value = angle_deg % 360.0
    return 0.0 if value >= 360.0 else value


def wrap_180(angle_deg: float) -> float:
    """Angle in [-180, 180): the shortest signed way round a circle."""
    return (angle_deg + 180.0) % 360.0 - 180.0


def trapezoid_duration_s(distance: float, rate: float, accel: float) -> float:
    """Time (s) to cover ``|distance|`` from rest to rest at top ``rate`` and ``accel``.

    Units are whatever the caller uses (deg, steps) per second and per second squared.
    Without enough room to reach ``rate`` the profile is a triangle.
    """
    d = abs(distance)
    if d == 0.0:
        return 0.0
    if math.isinf(accel):
        return d / rate
    ramp = rate * rate / accel  # distance of the up and down ramps together
    if d >= ramp:
        return 2.0 * rate / accel + (d - ramp) / rate
    return 2.0 * math.sqrt(d / accel)


def trapezoid_distance(elapsed_s: float, distance: float, rate: float, accel: float) -> float:
    """Signed distance covered ``elapsed_s`` after the start of a rest-to-rest move."""
    d = abs(distance)
    total = trapezoid_duration_s(d, rate, accel)
    t = min(max(elapsed_s, 0.0), total)
    if d == 0.0 or t >= total:
        return distance
    if math.isinf(accel):
        covered = rate * t
    else:
        peak = min(rate, math.sqrt(d * accel))  # top speed actually reached
        t_ramp = peak / accel
        if t <= t_ramp:
            covered = 0.5 * accel * t * t
        elif t <= total - t_ramp:
            covered = 0.5 * peak * t_ramp + peak * (t - t_ramp)
        else:
            left = total - t
            covered = d - 0.5 * accel * left * left
    return math.copysign(min(covered, d), distance)


@dataclass(frozen=True)
class Move:
    """One rest-to-rest move of an axis along a straight (or already unwrapped) path.

    ``start`` + ``distance`` is the end position; for circular axes the caller chooses the
    distance (shortest way round for a dome, within cable limits for a mount).
    """

    t0: datetime
    start: float
    distance: float
    rate: float
    accel: float = math.inf

    @classmethod
    def between(cls, t0: datetime, start: float, end: float, rate: float,
                accel: float = math.inf) -> Move:
        return cls(t0, start, end - start, rate, accel)

    @property
    def duration_s(self) -> float:
        return trapezoid_duration_s(self.distance, self.rate, self.accel)

    @property
    def end_time(self) -> datetime:
        return self.t0 + timedelta(seconds=self.duration_s)

    @property
    def target(self) -> float:
        return self.start + self.distance

    def position(self, now: datetime) -> float:
        elapsed = (now - self.t0).total_seconds()
        return self.start + trapezoid_distance(elapsed, self.distance, self.rate, self.accel)

    def moving(self, now: datetime) -> bool:
        return self.t0 <= now < self.end_time if self.distance else False

    def done(self, now: datetime) -> bool:
        return now >= self.end_time

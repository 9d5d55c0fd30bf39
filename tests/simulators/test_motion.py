"""Trapezoidal profiles: durations, continuity, arrival."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest

from pyros.simulators.motion import Move, trapezoid_distance, trapezoid_duration_s, wrap_180

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_durations_of_trapezoid_and_triangle_profiles():
    # 90° at 10°/s, 5°/s²: 2 s ramps covering 20°, then 70° at 10°/s.
    assert trapezoid_duration_s(90, 10, 5) == pytest.approx(2 + 2 + 7)
    # 5°: never reaches full speed, two ramps of sqrt(5/5) = 1 s.
    assert trapezoid_duration_s(5, 10, 5) == pytest.approx(2.0)
    assert trapezoid_duration_s(-90, 10, 5) == trapezoid_duration_s(90, 10, 5)
    assert trapezoid_duration_s(0, 10, 5) == 0
    assert trapezoid_duration_s(30, 10, math.inf) == pytest.approx(3.0)


@pytest.mark.parametrize("distance", [90.0, -90.0, 5.0, 0.3])
def test_position_is_continuous_monotonic_and_ends_on_target(distance):
    total = trapezoid_duration_s(distance, 10, 5)
    steps = [trapezoid_distance(total * i / 200, distance, 10, 5) for i in range(201)]
    assert steps[0] == 0 and steps[-1] == pytest.approx(distance)
    deltas = [b - a for a, b in itertools.pairwise(steps)]
    assert all(d * distance >= -1e-12 for d in deltas)  # never goes backwards
    assert max(abs(d) for d in deltas) <= 10 * total / 200 + 1e-9  # never beyond top speed
    assert trapezoid_distance(total + 5, distance, 10, 5) == distance


def test_move_reports_moving_and_end():
    move = Move.between(T0, 10.0, 100.0, 10.0, 5.0)
    assert move.moving(T0 + timedelta(seconds=1)) and not move.done(T0)
    assert move.position(move.end_time) == pytest.approx(100.0)
    assert not move.moving(move.end_time) and move.done(move.end_time)
    assert wrap_180(350 - 10) == -20 and wrap_180(10 - 350) == 20

"""A weather station flapping at the edge of a limit never reopens the dome early.

Hysteresis (GOTO's rule): a sensor turns bad once out of range for ``bad_after_s`` and good
again only after ``good_after_s`` back in range *without interruption*; flaky stations
flipping bad→good within seconds are a known failure of peers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pyros.config import SensorRule
from pyros.monitoring.safety import SensorHysteresis

T0 = datetime(2026, 2, 25, 6, 0, tzinfo=UTC)
WIND = SensorRule(max=15.0, bad_after_s=90, good_after_s=600)
RAIN = SensorRule(max=0.0, bad_after_s=0, good_after_s=300)


def _replay(rule: SensorRule, readings: list[tuple[float, float]]):
    """Feed (seconds after T0, value); yield (t, value, good) after each."""
    h = SensorHysteresis("sensor", rule)
    for t, value in readings:
        yield t, value, h.update(value, T0 + timedelta(seconds=t)).safe


def _reference(rule: SensorRule, readings: list[tuple[float, float]]) -> list[bool]:
    """The rule, written independently: state after each reading (a station that starts
    out of range is unsafe at once: nothing says for how long it has been)."""
    good, out_since, in_since, states = None, None, None, []
    for t, v in readings:
        bad_now = v > rule.max
        if good is None:
            good = not bad_now
            out_since = t if bad_now else None
        elif bad_now:
            in_since = None
            out_since = t if out_since is None else out_since
            if not good or t - out_since >= rule.bad_after_s:
                good = False
        else:
            out_since = None
            if not good:
                in_since = t if in_since is None else in_since
                if t - in_since >= rule.good_after_s:
                    good, in_since = True, None
        states.append(good)
    return states


edge = st.floats(min_value=13.0, max_value=17.0, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(min_value=0.5, max_value=45.0), edge), min_size=2,
                max_size=150))
def test_wind_flapping_follows_the_hysteresis(steps):
    t, readings = 0.0, []
    for dt, v in steps:
        t += dt
        readings.append((t, v))
    got = [good for _, _, good in _replay(WIND, readings)]
    assert got == _reference(WIND, readings)


def test_a_flaky_rain_sensor_keeps_the_dome_closed():
    # rain flickers on and off every 20 s for 20 minutes, then stops for good
    readings = [(t, 1.0 if (t // 20) % 2 == 0 else 0.0) for t in range(0, 1200, 5)]
    readings += [(1200 + t, 0.0) for t in range(0, 400, 5)]
    dry_since = min(t for t, v in readings if t > max(t for t, v in readings if v > 0))
    states = list(_replay(RAIN, readings))
    # closed at the first drop, reopened only 300 s into the final dry spell
    assert all(not good for t, _, good in states if t < dry_since + 300)
    assert all(good for t, _, good in states if t >= dry_since + 300)


def test_wind_gust_shorter_than_bad_after_is_ignored():
    readings = [(t, 20.0 if 100 <= t < 160 else 5.0) for t in range(0, 400, 5)]
    assert all(good for _, _, good in _replay(WIND, readings))

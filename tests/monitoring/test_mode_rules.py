"""The mode from its inputs (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from pyros.monitoring.history import HistoryPolicy
from pyros.monitoring.mode import Mode, ModeInputs, decide_mode


def test_operational_when_all_is_well():
    d = decide_mode(ModeInputs(in_night=True))
    assert d.mode is Mode.OPERATIONAL and d.reasons == ()


def test_unsafe_wins_and_every_reason_is_listed():
    d = decide_mode(ModeInputs(in_night=False, night_reason="day: later",
                               unsafe_reasons=["rainrate 2 > 0"],
                               missing_blocking={"dome": "connection refused"},
                               admin_paused=True, admin_reason="maintenance"))
    assert d.mode is Mode.UNSAFE
    assert d.reasons == ("unsafe: rainrate 2 > 0", "dome unavailable: connection refused",
                         "paused by an administrator: maintenance", "day: later")


def test_paused_by_a_missing_blocking_device_or_an_admin():
    assert decide_mode(ModeInputs(in_night=True, missing_blocking={"mount": "x"})).mode \
        is Mode.PAUSED
    assert decide_mode(ModeInputs(in_night=True, admin_paused=True)).mode is Mode.PAUSED
    # paused beats day: the dashboard must show what blocks the next night
    assert decide_mode(ModeInputs(in_night=False, missing_blocking={"mount": "x"})).mode \
        is Mode.PAUSED


def test_day_outside_the_night():
    d = decide_mode(ModeInputs(in_night=False, night_reason="day: the night starts at 02:32"))
    assert d.mode is Mode.DAY and d.reasons == ("day: the night starts at 02:32",)


def test_history_keeps_changes_and_periodic_samples():
    p = HistoryPolicy(device_sample_s=300)
    t0 = datetime(2026, 3, 1, 6, tzinfo=UTC)
    from datetime import timedelta

    later = t0 + timedelta(seconds=10)
    open_ = {"shutter": "OPEN", "azimuth_deg": 10.0, "slewing": False, "at_park": False,
             "slaved": True}
    moved = {**open_, "azimuth_deg": 12.0}
    closing = {**open_, "shutter": "CLOSING"}
    assert p.record_device("dome", None, None, open_, True, None, t0)
    assert not p.record_device("dome", open_, True, moved, True, t0, later)
    assert p.record_device("dome", open_, True, closing, True, t0, later)
    assert p.record_device("dome", open_, True, {}, False, t0, later)
    assert p.record_device("dome", open_, True, moved, True, t0, t0 + timedelta(seconds=300))
    assert p.record_weather(True, False, t0, later)
    assert not p.record_weather(True, True, t0, later)

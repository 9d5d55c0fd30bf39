"""Pure parts: coordinates and dates as people type them, sequence duration, visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pyros.routines.coords import datetime_to_jd, parse_dec, parse_instant, parse_ra
from pyros.routines.duration import (
    ChannelTiming,
    PlanTiming,
    album_duration_s,
    sequence_duration_s,
)
from pyros.routines.visibility import Constraints, auto_window, observable_intervals

SPM = (31.0449, -115.4646, 2792.0)


@pytest.mark.parametrize(("text", "deg"), [("00:42:44.3", 10.684583), ("0h42m44.3s", 10.684583),
                                           ("00 42 44.3", 10.684583), (10.6847, 10.6847),
                                           ("10.6847", 10.6847), ("23:59:59.9", 359.99958)])
def test_ra(text, deg):
    assert parse_ra(text) == pytest.approx(deg, abs=1e-5)


@pytest.mark.parametrize(("text", "deg"), [("+41:16:09", 41.269167), ("-05:23:28", -5.391111),
                                           ("41d16m09s", 41.269167), (-90, -90.0), ("90", 90)])
def test_dec(text, deg):
    assert parse_dec(text) == pytest.approx(deg, abs=1e-5)


@pytest.mark.parametrize("bad", ["24:00:00", "360", -0.1, "abc", "", True, float("nan")])
def test_bad_ra(bad):
    with pytest.raises(ValueError):
        parse_ra(bad)


@pytest.mark.parametrize("bad", ["+90:00:01", "-91", "north", float("inf")])
def test_bad_dec(bad):
    with pytest.raises(ValueError):
        parse_dec(bad)


def test_instants_julian_or_calendar():
    t = datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_instant(2461375.5) == t
    assert parse_instant("JD 2461375.5") == t
    assert parse_instant("2026-12-01") == t
    assert parse_instant("2026-12-01T03:00:00+03:00") == t
    assert datetime_to_jd(t) == pytest.approx(2461375.5)
    for bad in ("1000", "yesterday", "2026-13-01", 3_000_000):
        with pytest.raises(ValueError):
            parse_instant(bad)


def test_duration_counts_readout_filter_changes_dither_and_parallel_albums():
    vis = ChannelTiming(readout_time_s=6.0, filter_change_s=8.0, dither_move_s=4.0)
    nir = ChannelTiming(readout_time_s=1.3)
    plans = [PlanTiming("r", 60, 5), PlanTiming("r", 30, 2), PlanTiming("i", 60, 5, 10.0)]
    # r: 5×66 + 2×36 (no change), i: change 8 + 5×(60+6+4)
    assert album_duration_s(plans, vis) == pytest.approx(330 + 72 + 8 + 350)
    albums = {"VIS": plans, "NIR": [PlanTiming("J", 30, 10)]}
    total = sequence_duration_s(albums, {"VIS": vis, "NIR": nir}, slew_overhead_s=20)
    assert total == pytest.approx(20 + 760)  # NIR (313 s) runs in parallel, VIS is longer
    with pytest.raises(KeyError):
        sequence_duration_s({"UV": plans}, {"VIS": vis}, 20)


def test_visibility_matches_the_night_and_the_airmass_limit():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    runs = observable_intervals(10.6847, 41.269, start, start + timedelta(days=1), SPM,
                                Constraints(max_airmass=2.0, min_moon_separation_deg=0))
    (a, b), = runs
    # nautical dusk at SPM ≈ 01:35 UTC; M31 reaches airmass 2 (30°) ≈ 08:45 UTC
    assert datetime(2026, 12, 1, 1, 25, tzinfo=UTC) <= a <= datetime(2026, 12, 1, 1, 50,
                                                                        tzinfo=UTC)
    assert datetime(2026, 12, 1, 8, 20, tzinfo=UTC) <= b <= datetime(2026, 12, 1, 9, 10,
                                                                        tzinfo=UTC)
    tighter = observable_intervals(10.6847, 41.269, start, start + timedelta(days=1), SPM,
                                   Constraints(max_airmass=1.2, min_moon_separation_deg=0))
    assert tighter and tighter[0][1] - tighter[0][0] < b - a
    assert observable_intervals(0.0, -80.0, start, start + timedelta(days=3), SPM,
                                Constraints()) == []
    with pytest.raises(ValueError, match="not observable"):
        auto_window(0.0, -80.0, start, SPM, Constraints())

"""The alert visibility check (pure): against astropy, and one Sun/Moon grid per alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import astropy.units as u
import pytest
from astropy.coordinates import AltAz, SkyCoord, get_body
from astropy.time import Time

from pyros.alerts import visibility
from pyros.alerts.visibility import check_visibility
from pyros.astro.night import location

SITE = (31.0449, -115.4646, 2800.0)  # San Pedro Mártir (the demo site)
NOW = datetime(2026, 3, 4, 10, 4, 30, tzinfo=UTC)  # sb26030408's wake-up
TARGET = (47.07, 40.95)  # its ECLAIRs position: set at the site when the notice came


def _altitudes(at: datetime) -> tuple[float, float]:
    loc = location(*SITE)
    frame = AltAz(obstime=Time(at), location=loc)
    target = SkyCoord(*TARGET, unit="deg").transform_to(frame).alt.to_value(u.deg)
    sun = get_body("sun", Time(at), location=loc).transform_to(frame).alt.to_value(u.deg)
    return float(target), float(sun)


def test_a_set_target_is_first_observable_when_it_is_up_in_the_dark():
    vis = check_visibility(*TARGET, SITE, NOW, NOW + timedelta(hours=48),
                           min_altitude_deg=30.0, twilight_deg=-12.0)
    assert not vis.observable_now and vis.altitude_now_deg < 0
    assert vis.first_observable is not None and vis.first_observable > NOW
    alt, sun = _altitudes(vis.first_observable)
    assert alt >= 29.5 and sun < -12.0            # up and dark at the instant given
    before_alt, before_sun = _altitudes(vis.first_observable - timedelta(minutes=10))
    assert before_alt < 30.5 or before_sun > -12.5  # and not a grid step earlier


def test_later_epochs_reuse_the_acceptance_grid():
    expiry = NOW + timedelta(hours=48)
    visibility._grid.cache_clear()
    accept = check_visibility(*TARGET, SITE, NOW, expiry, min_altitude_deg=30.0,
                              twilight_deg=-12.0)
    day2 = NOW + timedelta(days=1)
    later = check_visibility(*TARGET, SITE, day2, expiry, min_altitude_deg=30.0,
                             twilight_deg=-12.0, grid=(NOW, expiry))
    info = visibility._grid.cache_info()
    assert info.misses == 1 and info.hits == 1  # one Sun/Moon computation for both
    alone = check_visibility(*TARGET, SITE, day2, expiry, min_altitude_deg=30.0,
                             twilight_deg=-12.0)
    assert later.first_observable == alone.first_observable  # the same answer
    assert accept.first_observable is not None and later.first_observable is not None
    assert later.first_observable >= day2 > accept.first_observable


def test_observable_now_is_decided_at_the_instant_itself_not_the_grid_point_before():
    # 9.5 min after a grid point: a target that set meanwhile is not observable now
    start = datetime(2026, 3, 4, 10, 9, 30, tzinfo=UTC)
    loc = location(*SITE)
    ras = [float(r) for r in range(0, 360, 2)]
    alts = SkyCoord(ras, [20.0] * len(ras), unit="deg").transform_to(
        AltAz(obstime=Time(start), location=loc)).alt.to_value(u.deg)
    flipped = 0
    for ra, alt in zip(ras, alts, strict=True):
        if abs(alt - 30.0) < 0.05:
            continue  # too close to call for either method
        vis = check_visibility(ra, 20.0, SITE, start, start + timedelta(hours=1),
                               min_altitude_deg=30.0, twilight_deg=-12.0)
        assert abs(vis.altitude_now_deg - alt) < 0.05, ra
        assert vis.observable_now == (alt > 30.0), ra
        grid_point = check_visibility(ra, 20.0, SITE, start.replace(minute=0, second=0),
                                      start, min_altitude_deg=30.0, twilight_deg=-12.0)
        flipped += grid_point.observable_now != vis.observable_now
    assert flipped >= 2  # targets that rose or set since the grid point, judged right


def test_morning_twilight_is_decided_at_the_instant_itself():
    loc = location(*SITE)
    times = [datetime(2026, 3, 4, 12, 0, tzinfo=UTC) + timedelta(minutes=m)
             for m in range(0, 120)]
    sun = get_body("sun", Time(times), location=loc).transform_to(
        AltAz(obstime=Time(times), location=loc)).alt.to_value(u.deg)
    dawn = next(t for t, s in zip(times, sun, strict=True) if s > -12.0)
    up = (0.0, 89.0)  # by the pole: always ~31° high at the site
    before = check_visibility(*up, SITE, dawn - timedelta(minutes=2), dawn,
                              min_altitude_deg=20.0, twilight_deg=-12.0)
    after = check_visibility(*up, SITE, dawn + timedelta(minutes=1), dawn + timedelta(hours=1),
                             min_altitude_deg=20.0, twilight_deg=-12.0)
    assert before.observable_now and not after.observable_now


@pytest.mark.parametrize("ra, dec", [(204.65, 44.6257), (47.07, 40.95), (0.0, 89.0),
                                     (300.0, -60.0), (359.99, 0.0)])
def test_the_moon_distance_is_astropys(ra, dec):
    # the refusal "Moon x deg away" rests on it: target and Moon in one frame (CIRS); it
    # once compared a position of date with the Moon's GCRS one, up to 20' off
    at = datetime(2026, 3, 4, 6, 0, 17, tzinfo=UTC)
    vis = check_visibility(ra, dec, SITE, at, at + timedelta(hours=1), min_altitude_deg=91.0,
                           twilight_deg=-12.0)
    loc = location(*SITE)
    frame = AltAz(obstime=Time(at), location=loc)
    moon = get_body("moon", Time(at), location=loc).transform_to(frame)
    sep = SkyCoord(ra, dec, unit="deg").transform_to(frame).separation(moon).to_value(u.deg)
    assert vis.first_observable is None
    assert abs(vis.moon_separation_deg - sep) < 1.0 / 3600

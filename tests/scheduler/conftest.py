from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pyros.clock import ManualClock, set_clock

#: Mid-night at San Pedro Mártir (night 2026-11-26 01:36 → 13:22 UTC).
MIDNIGHT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    c = ManualClock(MIDNIGHT)
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def programme(db, clock):
    from pyros.accounts.models import Period, Quota, ScientificProgramme

    period = Period.objects.create(name="P1", start=MIDNIGHT - timedelta(days=30),
                                   end=MIDNIGHT + timedelta(days=30))
    prog = ScientificProgramme.objects.create(code="stars", title="Stars")
    Quota.objects.create(programme=prog, period=period, allocated_s=36000)
    return prog


@pytest.fixture
def make_sequence(programme):
    from pyros.routines.models import Album, Plan, Request, Sequence

    def make(name="S", ra=83.8, dec=-5.4, priority=5, status="validated", hours=6.0,
             window_start=None, from_alert=False, exposure_s=60.0, count=5, **kw):
        req = Request.objects.create(name=name, programme=programme, from_alert=from_alert)
        start = window_start or MIDNIGHT - timedelta(hours=1)
        seq = Sequence.objects.create(request=req, name=name, target_name=name, ra_deg=ra,
                                      dec_deg=dec, window_start=start,
                                      window_end=start + timedelta(hours=hours),
                                      priority=priority, status=status, **kw)
        album = Album.objects.create(sequence=seq, channel="VIS")
        Plan.objects.create(album=album, filter_name="r", exposure_s=exposure_s, count=count)
        return seq

    return make


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    """Exchange files of this test only (the drop folder lives in the data directory)."""
    settings.DATA_DIR = tmp_path

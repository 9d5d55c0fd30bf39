from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pyros.clock import SimClock, set_clock
from pyros.config import load_config, with_alpaca_address

#: Mid-night at San Pedro Mártir (night 2026-11-26 01:36 → 13:22 UTC); Orion is up.
MIDNIGHT = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    c = SimClock(MIDNIGHT, speed=40.0)
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def small_cfg():
    """The demo observatory with small detectors: fast tests, the same physics."""
    from pyros.simulators.testing import small_detectors

    return small_detectors(load_config(), 512)


@pytest.fixture
def sims(clock, small_cfg):
    from pyros.simulators.testing import running_simulators

    with running_simulators(config=small_cfg) as handle:
        yield handle


@pytest.fixture
def cfg(sims, small_cfg):
    return with_alpaca_address(small_cfg, sims.url)


@pytest.fixture(autouse=True)
def _own_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def allow(monkeypatch):
    """Monitoring's verdict, controlled by the test: state["ok"], state["why"]."""
    state = {"ok": True, "why": ""}
    monkeypatch.setattr("pyros.execution.agent.observatory_allows",
                        lambda: (state["ok"], state["why"]))
    return state


@pytest.fixture
def programme(transactional_db, clock):
    from pyros.accounts.models import Period, Quota, ScientificProgramme

    now = clock.now()
    period = Period.objects.create(name="P1", start=now - timedelta(days=30),
                                   end=now + timedelta(days=30))
    prog = ScientificProgramme.objects.create(code="stars", title="Stars")
    Quota.objects.create(programme=prog, period=period, allocated_s=36000)
    return prog


@pytest.fixture
def make_sequence(programme, clock):
    from pyros.routines.models import Album, Plan, Request, Sequence

    def make(name="M42", ra=83.82, dec=-5.39, vis=(("r", 5.0, 2),), nir=(("J", 5.0, 2),),
             status="planned", from_alert=False, priority=5):
        req = Request.objects.create(name=name, programme=programme, from_alert=from_alert)
        now = clock.now()
        seq = Sequence.objects.create(request=req, name=name, target_name=name, ra_deg=ra,
                                      dec_deg=dec, window_start=now - timedelta(minutes=5),
                                      window_end=now + timedelta(hours=3), status=status,
                                      priority=priority)
        for channel, plans in (("VIS", vis), ("NIR", nir)):
            if not plans:
                continue
            album = Album.objects.create(sequence=seq, channel=channel)
            for i, (flt, exp, count) in enumerate(plans):
                Plan.objects.create(album=album, order=i, filter_name=flt, exposure_s=exp,
                                    count=count)
        return seq

    return make


@pytest.fixture
def agent(cfg, clock, allow, programme):
    from pyros.execution.agent import ExecutionAgent

    a = ExecutionAgent(clock=clock, cfg=cfg)
    a.setup()
    yield a
    a.teardown()

"""Admin pause and resume, the mode contract read from the database, and the messages to
the instrument centre."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.monitoring.conftest import MIDNIGHT, mode, monitoring_config, run_until

from pyros.clock import ManualClock, set_clock
from pyros.devices import open_all
from pyros.devices.enums import CameraState


def test_admin_pause_aborts_instruments_and_resume_requests_a_replan(sims, make_agent,
                                                                     data_dir):
    from pyros.monitoring.actions import pause_observatory, resume_observatory
    from pyros.monitoring.models import ModeChange
    from pyros.monitoring.state import observatory_mode
    from pyros.scheduler.models import ReplanRequest

    cfg = monitoring_config(sims.url)
    agent = make_agent(cfg)
    run_until(agent, lambda: mode() == "operational")
    camera = open_all(cfg, ["camera_vis"])["camera_vis"]
    camera.start_exposure(300.0)

    info = pause_observatory("alice", "mirror cleaning")
    assert info.mode == "paused" and info.admin_paused and not info.safe_to_observe
    assert ModeChange.objects.filter(by="alice", mode="paused").exists()
    run_until(agent, lambda: camera.state() is CameraState.IDLE)
    agent.run_once()
    assert mode() == "paused"
    assert "paused by an administrator: mirror cleaning" in observatory_mode().reasons

    resume_observatory("alice")
    assert ReplanRequest.objects.filter(reason="observatory resumed by alice",
                                        source="monitoring").exists()
    run_until(agent, lambda: mode() == "operational")
    assert not observatory_mode().admin_paused
    camera.close()

    outbox = data_dir / "exchange" / "GIC" / "TO"
    kinds = {json.loads(p.read_text())["kind"] for p in outbox.glob("*.json")}
    assert kinds == {"versions", "status"}
    versions = json.loads(next(outbox.glob("versions-*.json")).read_text())["payload"]
    assert set(versions) == {"pyros", "python", "astropy", "django", "alpyca", "numpy"}


@pytest.fixture
def manual_clock():
    clock = ManualClock(MIDNIGHT)
    set_clock(clock)
    yield clock
    set_clock(None)


def test_mode_before_monitoring_ever_ran(db, manual_clock):
    from pyros.monitoring.state import observatory_mode

    info = observatory_mode()
    assert info.mode == "paused" and not info.safe_to_observe
    assert info.reasons == ["monitoring has not run yet"]


def test_an_operational_mode_nobody_refreshes_is_not_trusted(db, manual_clock):
    from pyros.monitoring.actions import record_mode
    from pyros.monitoring.mode import Mode
    from pyros.monitoring.state import STALE_AFTER_S, observatory_mode

    record_mode(Mode.OPERATIONAL, [], manual_clock.now(), unavailable=[],
                weather={"safe": True}, night=None)
    info = observatory_mode()
    assert info.mode == "operational" and info.safe_to_observe and info.sky_safe
    manual_clock.advance(STALE_AFTER_S + 1)
    info = observatory_mode()
    assert info.mode == "paused" and not info.safe_to_observe
    assert info.reasons[0].startswith("monitoring silent for")


def test_by_day_without_devices_the_day_is_listed_after_what_blocks(db, manual_clock, tmp_path,
                                                                    settings):
    """The agent stepped without threads on a manual clock, no device reachable."""
    from pyros.monitoring.agent import MonitoringAgent
    from pyros.monitoring.state import observatory_mode, weather_history

    settings.DATA_DIR = tmp_path
    cfg = monitoring_config("http://127.0.0.1:9")      # nothing listens there
    noon = MIDNIGHT.replace(hour=20)                     # 13:00 local
    manual_clock.set(noon)
    agent = MonitoringAgent(clock=manual_clock, config=cfg, threaded=False,
                            notifier=lambda *a: None, data_dir=tmp_path)
    agent.setup()
    try:
        agent.run_once()
        info = observatory_mode()
        assert info.mode == "paused"            # missing devices outrank the day
        assert info.reasons[-1].startswith("day: the night starts at 2026-03-02 02:3")
        assert "mount unavailable: waiting for device: connection refused" in info.reasons
    finally:
        agent.teardown()
    assert weather_history("rainrate", noon - timedelta(hours=1)) == []

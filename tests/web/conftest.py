"""Fixtures of the web tests: a populated observatory (users of every role, a planned night,
device statuses, weather history, an alert in progress, frames and pipeline results) on a
manual clock in the night of the SVOM burst sb26022501."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client

from pyros.clock import ManualClock, set_clock

NOTICES = Path("/work/shared/data/notices")
if not NOTICES.is_dir():  # CI lays shared/ beside the clone
    NOTICES = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"
SVOM = NOTICES / "voevent" / "svom"
#: ECLAIRs trigger of sb26022501: night at San Pedro Mártir.
SVOM_TRIGGER = datetime(2026, 2, 25, 8, 51, 4, 859000, tzinfo=UTC)
NOW = SVOM_TRIGGER + timedelta(seconds=90)

ROLES = ("anonymous", "user", "expert", "admin")
#: role → (username, password) of the demo users.
LOGINS = {"user": ("astro", "astro-pyros-demo"), "expert": ("expert", "expert-pyros-demo"),
          "admin": ("admin", "admin-pyros-demo")}


@dataclass
class World:
    now: datetime
    schedule_id: int
    alert_id: int
    sequence_id: int
    other_sequence_id: int
    reduced_id: int

    def client(self, role: str) -> Client:
        c = Client()
        if role != "anonymous":
            username, password = LOGINS[role]
            assert c.login(username=username, password=password)
        return c


@pytest.fixture
def clock():
    c = ManualClock(NOW)
    set_clock(c)
    yield c
    set_clock(None)


def weather_values(i: int) -> dict[str, float]:
    return {"windspeed": 5 + 3 * math.sin(i / 30), "humidity": 40 + 10 * math.cos(i / 50),
            "rainrate": 0.0, "cloudcover": 10.0, "temperature": 2 + i % 5 * 0.1,
            "pressure": 740.0}


def monitoring_state(now: datetime, mode: str = "operational", reasons=()) -> None:
    """What the monitoring agent would have written: mode, devices, weather history."""
    from pyros.config import load_config
    from pyros.monitoring import actions
    from pyros.monitoring.mode import Mode

    cfg = load_config()
    actions.register_devices(cfg.devices, now - timedelta(hours=30))
    for i in range(0, 26 * 60, 10):  # a weather sample every 10 min over 26 h
        at = now - timedelta(minutes=26 * 60 - i)
        actions.add_weather_sample(at, weather_values(i), safe=i % 300 > 20, reasons=[])
    actions.save_device_status(
        "mount", available=True, reason="", since=now - timedelta(hours=2),
        seen_at=now, now=now, restarts=0, sample=True,
        status={"ra_deg": 83.6, "dec_deg": 22.0, "alt_deg": 55.0, "az_deg": 120.0,
                "slewing": False, "tracking": True, "at_park": False})
    actions.save_device_status(
        "dome", available=True, reason="", since=now - timedelta(hours=2), seen_at=now,
        now=now, restarts=1, sample=True,
        status={"azimuth_deg": 120.0, "shutter": "OPEN", "slewing": False, "at_park": False,
                "slaved": True})
    actions.save_device_status(
        "camera_nir", available=False, reason="timed out after 5 s",
        since=now - timedelta(minutes=5), seen_at=now - timedelta(minutes=5), now=now,
        restarts=3, sample=True, status={})
    actions.record_mode(Mode(mode), list(reasons), now, unavailable=["camera_nir"],
                        weather={"safe": mode != "unsafe", "reasons": list(reasons),
                                 "age_s": 1.0, "sensors": {
                                     "windspeed": {"sensor": "windspeed", "safe": True,
                                                   "value": 5.0, "reason": None,
                                                   "pending": None}}},
                        night=None)


def add_requests(now: datetime, targets) -> None:
    """Requests of the demo user for targets up at ``now`` (the demo's set by then)."""
    from pyros.accounts.models import ScientificProgramme
    from pyros.routines.models import Album, Plan, Request, Sequence

    prog = ScientificProgramme.objects.get(code="stars")
    for name, ra, dec in targets:
        req = Request.objects.create(name=f"{name} monitoring", programme=prog,
                                     owner=prog.members.get(username="astro"))
        seq = Sequence.objects.create(request=req, name=f"{name} r", target_name=name,
                                      ra_deg=ra, dec_deg=dec, window_start=now,
                                      window_end=now + timedelta(hours=6), priority=5)
        album = Album.objects.create(sequence=seq, channel="VIS")
        Plan.objects.create(album=album, filter_name="r", exposure_s=60, count=5)


@pytest.fixture
def world(db, clock, settings, tmp_path) -> World:
    settings.DATA_DIR = tmp_path
    from pyros.alerts.actions import ingest_notice
    from pyros.execution.models import Frame, SequenceRun
    from pyros.pipeline.models import BurstResult, ReducedFrame
    from pyros.routines.actions import submit_request
    from pyros.routines.models import Request
    from pyros.scheduler.actions import plan_night
    from pyros.system.models import AgentRun, LogEntry
    from pyros.web.demo import load_demo_data

    load_demo_data()
    add_requests(NOW, (("M87", 187.7059, 12.3911), ("M51", 202.4696, 47.1953)))
    for req in Request.objects.all():
        submit_request(req)
    schedule = plan_night("web tests")
    assert schedule is not None and schedule.entries.exists(), list(
        schedule.rejections.values_list("reason", flat=True))
    monitoring_state(NOW)
    for name in ("monitoring", "scheduler", "execution", "alerts"):
        AgentRun.objects.create(name=name, host="obs", pid=100)
    LogEntry.objects.create(level=30, level_name="WARNING", logger="pyros.monitoring",
                            process="monitoring", message="windspeed rising")
    LogEntry.objects.create(level=20, level_name="INFO", logger="pyros.scheduler",
                            process="scheduler", message="schedule made")
    result = ingest_notice((SVOM / "eclairs_299.xml").read_bytes(), "web",
                           SVOM_TRIGGER + timedelta(seconds=60))
    assert result.alert_id is not None, result
    # one sequence observed, with a reduced frame and a burst result
    seq = Request.objects.get(name="M87 monitoring").sequences.get()
    other = Request.objects.get(name="M42 monitoring").sequences.get()
    run = SequenceRun.objects.create(sequence=seq, frames_expected=10, frames_taken=1,
                                     outcome="executed", ended_at=NOW)
    (tmp_path / "raw").mkdir()
    frame = Frame.objects.create(run=run, sequence=seq, night="20260224", channel="VIS",
                                 camera="camera_vis", kind="light", filter_name="r",
                                 exposure_s=60, date_obs=NOW - timedelta(minutes=5),
                                 ra_deg=seq.ra_deg, dec_deg=seq.dec_deg, airmass=1.2,
                                 path="raw/f1.fits", sha256="0" * 64, width_px=64,
                                 height_px=64)
    (tmp_path / "previews").mkdir()
    (tmp_path / "previews" / "f1.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    reduced = ReducedFrame.objects.create(frame=frame, status="done", fwhm_arcsec=1.3,
                                          zero_point=25.1, limiting_mag=21.4,
                                          preview_path="previews/f1.png")
    BurstResult.objects.create(
        key=f"sequence-{seq.pk}", sequence=seq, trigger_time=SVOM_TRIGGER,
        circle_ra_deg=seq.ra_deg, circle_dec_deg=seq.dec_deg, circle_radius_deg=0.1,
        found=True, kind="new", ra_deg=seq.ra_deg, dec_deg=seq.dec_deg, mag=18.2,
        filter_name="r", light_curve=[
            {"t_s": t, "mag": 18 + 1.1 * math.log10(t / 300), "mag_err": 0.05,
             "filter_name": "r", "detected": True} for t in (300, 600, 1200, 2400)])
    return World(now=NOW, schedule_id=schedule.pk, alert_id=result.alert_id,
                 sequence_id=seq.pk, other_sequence_id=other.pk, reduced_id=reduced.pk)

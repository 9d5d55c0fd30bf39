"""Alerts preempt, the weather stops, a restart recovers: nothing is lost or repeated."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection

from pyros.execution.fits import FrameMeta, build_header, write_fits
from pyros.execution.models import Frame, SequenceRun


def _after(seconds: float, action) -> threading.Thread:
    def run():
        time.sleep(seconds)
        try:
            action()
        finally:
            connection.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _frames_of(seq) -> int:
    return Frame.objects.filter(sequence=seq, kind="light").count()


def test_alert_preempts_then_the_sequence_resumes_where_it_stopped(agent, make_sequence):
    routine = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    made = {}
    # an accepted alert arrives while the second or third exposure is running
    t = _after(3.0, lambda: made.setdefault("alert", make_sequence(
        "GRB 261126A", ra=84.5, dec=-4.0, vis=(("r", 10.0, 2),), nir=(), status="validated",
        from_alert=True, priority=9)))
    run = agent.execute(routine, "20261125")
    t.join()
    routine.refresh_from_db()
    run.refresh_from_db()
    assert run.outcome == "aborted" and run.reason.startswith("preempted by alert sequence")
    assert routine.status == "validated" and "to finish later" in routine.status_reason
    kept = _frames_of(routine)
    assert 0 < kept < 4
    # every archived frame is a complete exposure; the aborted one left nothing behind
    files = list((Path(settings.DATA_DIR) / "raw").rglob("*.fits"))
    assert len(files) == Frame.objects.count() == kept
    # the alert goes first
    now = agent.clock.now()
    assert agent.next_sequence(now) == made["alert"]
    agent.execute(made["alert"], "20261125")
    made["alert"].refresh_from_db()
    assert made["alert"].status == "executed"
    # the routine resumes: only the missing exposures are taken
    routine.status = "planned"
    routine.save()
    agent.execute(routine, "20261125")
    routine.refresh_from_db()
    assert routine.status == "executed"
    assert _frames_of(routine) == 4


def test_weather_stops_the_sequence_and_keeps_its_frames(agent, make_sequence, allow):
    seq = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    t = _after(3.0, lambda: allow.update(ok=False, why="observatory unsafe: rainrate 2.0"))
    run = agent.execute(seq, "20261125")
    t.join()
    run.refresh_from_db()
    seq.refresh_from_db()
    assert run.outcome == "aborted" and "rainrate" in run.reason
    assert seq.status == "validated"
    assert 0 < _frames_of(seq) < 4
    assert agent.step() is False  # nothing runs while monitoring says no


def test_restart_mid_sequence_closes_the_run_and_adopts_unrecorded_frames(
        cfg, clock, allow, make_sequence):
    from pyros.execution.agent import ExecutionAgent

    seq = make_sequence("M42", vis=(("r", 5.0, 2),), nir=())
    seq.status = "executing"
    seq.save()
    run = SequenceRun.objects.create(sequence=seq, started_at=clock.now())
    # the dead agent had written a frame to the archive but not its record
    meta = FrameMeta(date_obs=clock.now(), exposure_s=5.0, kind="light", channel="VIS",
                     camera="camera_vis", filter_name="r", object_name="M42", ra_deg=83.82,
                     dec_deg=-5.39, airmass=1.2, telescope="t", observatory="o",
                     site=(31.0, -115.0, 2800.0), pixel_scale_arcsec=0.381, gain_e_adu=1.5,
                     read_noise_e=6.0, night="20261125", sequence_id=seq.pk)
    rel = Path("raw/20261125/VIS/orphan.fits")
    write_fits(Path(settings.DATA_DIR) / rel, np.zeros((16, 16), np.uint16),
               build_header(meta, (16, 16)))
    agent = ExecutionAgent(clock=clock, cfg=cfg)
    agent.setup()
    try:
        run.refresh_from_db()
        seq.refresh_from_db()
        assert run.outcome == "interrupted"
        adopted = Frame.objects.get(path=str(rel))
        assert adopted.sequence_id == seq.pk and adopted.filter_name == "r"
        assert seq.status == "validated"  # to finish later, with its frame kept
        seq.status = "planned"
        seq.save()
        agent.execute(seq, "20261125")
        seq.refresh_from_db()
        assert seq.status == "executed"
        assert _frames_of(seq) == 2       # one adopted + one new, not two new
    finally:
        agent.teardown()

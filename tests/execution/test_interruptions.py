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


def _after_first_frame(seq, action) -> threading.Thread:
    """``action`` once ``seq`` has its first frame archived (a fixed delay assumed a loaded
    machine exposes as fast as a quiet one, and a run interrupted before any frame keeps
    nothing to check)."""
    def when_exposed() -> None:
        deadline = time.monotonic() + 60
        while _frames_of(seq) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        action()

    return _after(0.0, when_exposed)


def test_alert_preempts_then_the_sequence_resumes_where_it_stopped(agent, make_sequence):
    routine = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    made = {}
    # an accepted alert arrives while the second or third exposure is running
    t = _after_first_frame(routine, lambda: made.setdefault("alert", make_sequence(
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


def _stepping_agent(agent, routine, monkeypatch) -> list[tuple[str, int]]:
    """``agent.step()`` runs ready alerts first, else ``routine`` while it waits; returns
    the log of the runs' events and closes, in order."""
    from pyros.routines.models import Sequence

    alerts_first = agent.next_sequence
    monkeypatch.setattr(agent, "next_sequence", lambda now: alerts_first(now) or (
        Sequence.objects.filter(pk=routine.pk, status__in=("validated", "planned")).first()))
    events: list[tuple[str, int]] = []
    on_event, close = agent._on_run_event, agent._close

    def logged_event(seq, stage, at):
        events.append((stage, seq.pk))
        on_event(seq, stage, at)

    def logged_close(seq, run, result, at=None):
        events.append(("closed", seq.pk))
        close(seq, run, result, at=at)

    monkeypatch.setattr(agent, "_on_run_event", logged_event)
    monkeypatch.setattr(agent, "_close", logged_close)
    monkeypatch.setattr(agent, "focus_due", lambda night: False)
    return events


def _alert_while_running(make_sequence, routine) -> tuple[threading.Thread, dict]:
    """An accepted alert arrives a moment after ``routine``'s run has started."""
    made: dict = {}

    def arrive() -> None:
        deadline = time.monotonic() + 60
        while not SequenceRun.objects.filter(sequence=routine).exists() \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        made["alert"] = make_sequence("GRB 261126A", ra=84.5, dec=-4.0,
                                      vis=(("r", 10.0, 2),), nir=(), status="validated",
                                      from_alert=True, priority=12)

    return _after(0.0, arrive), made


def _preempted_in_a_step(agent, make_sequence, monkeypatch):
    """A step runs a routine sequence that an alert preempts; its run is left open."""
    routine = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    events = _stepping_agent(agent, routine, monkeypatch)
    t, made = _alert_while_running(make_sequence, routine)
    assert agent.step() is True
    t.join()
    run = SequenceRun.objects.get(sequence=routine)
    assert run.outcome == "running" and agent.preempted is not None  # not closed yet
    return routine, run, made["alert"], events


def _resumes(agent, routine) -> None:
    assert agent.step() is True  # the routine resumes where it stopped
    routine.refresh_from_db()
    assert routine.status == "executed" and _frames_of(routine) == 4


def test_a_preempted_run_is_closed_once_the_alert_has_slewed(agent, make_sequence,
                                                              monkeypatch):
    """A burst fades: the alert's slew is commanded first, the bookkeeping of the run it
    interrupted (status, ledger, re-plan) comes after, dated when the run stopped."""
    routine, run, alert, events = _preempted_in_a_step(agent, make_sequence, monkeypatch)
    assert agent.step() is True  # the alert
    for obj in (alert, routine, run):
        obj.refresh_from_db()
    assert alert.status == "executed"
    assert run.outcome == "aborted" and run.reason.startswith("preempted by alert sequence")
    assert routine.status == "validated" and "to finish later" in routine.status_reason
    assert events.index(("closed", routine.pk)) == events.index(("slew commanded",
                                                                 alert.pk)) + 1
    alert_run = SequenceRun.objects.get(sequence=alert)
    assert run.ended_at <= alert_run.started_at  # dated when it stopped, not when closed
    _resumes(agent, routine)


def test_a_preempted_run_is_closed_even_if_its_alert_never_runs(agent, make_sequence,
                                                                 monkeypatch):
    from pyros.routines.actions import transition_sequence

    routine, run, alert, _ = _preempted_in_a_step(agent, make_sequence, monkeypatch)
    transition_sequence(alert, "cancelled", "withdrawn by its owner")
    assert agent.step() is False  # nothing to slew to: the routine's run is closed
    run.refresh_from_db()
    routine.refresh_from_db()
    assert run.outcome == "aborted" and agent.preempted is None
    assert routine.status == "validated"
    _resumes(agent, routine)


def test_an_agent_stopping_closes_the_run_an_alert_preempted(agent, make_sequence,
                                                             monkeypatch):
    routine, run, _, _ = _preempted_in_a_step(agent, make_sequence, monkeypatch)
    agent.teardown()
    run.refresh_from_db()
    routine.refresh_from_db()
    assert run.outcome == "aborted" and routine.status == "validated"


def test_weather_stops_the_sequence_and_keeps_its_frames(agent, make_sequence, allow):
    seq = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    t = _after_first_frame(seq, lambda: allow.update(ok=False,
                                                      why="observatory unsafe: rainrate 2.0"))
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


def test_an_idle_agent_wakes_for_a_ready_alert_not_at_the_end_of_its_interval(
        agent, make_sequence):
    agent.idle_interval_s = 3600.0 * agent.clock.speed  # an hour of wall time
    def wait():
        try:
            agent.idle_wait()
        finally:
            connection.close()  # this thread's own database connection

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive()  # nothing to do: it waits
    make_sequence("GRB 261126B", ra=84.5, dec=-4.0, vis=(("r", 10.0, 1),), nir=(),
                  status="validated", from_alert=True, priority=9)
    waiter.join(10)
    assert not waiter.is_alive()  # the alert ended the wait
    assert agent.next_sequence(agent.clock.now()).request.from_alert


def test_a_repointed_alert_stops_its_obsolete_pointing_and_the_new_one_runs(
        agent, make_sequence):
    from pyros.alerts.models import Alert

    old = make_sequence("GRB 261126C p0", ra=84.5, dec=-4.0, vis=(("r", 60.0, 4),), nir=(),
                        status="validated", from_alert=True, priority=15)
    alert = Alert.objects.create(name="GRB 261126C", status="observing", priority=15,
                                 first_received_at=agent.clock.now(), request=old.request,
                                 ra_deg=84.5, dec_deg=-4.0)

    def repoint():  # what the alert manager does on a markedly better position
        Alert.objects.filter(pk=alert.pk).update(repoints=1, ra_deg=84.9, dec_deg=-4.3)
        old.request.sequences.create(
            name="GRB 261126C p1", target_name="GRB 261126C", ra_deg=84.9, dec_deg=-4.3,
            window_start=agent.clock.now(), window_end=old.window_end, status="validated",
            priority=15)

    t = _after_first_frame(old, repoint)
    run = agent.execute(old, "20261125")
    t.join()
    run.refresh_from_db()
    old.refresh_from_db()
    assert run.outcome == "aborted" and "re-pointed" in run.reason
    assert old.status == "cancelled"  # never resumed at the obsolete position
    assert 0 < _frames_of(old) < 4    # what it took is kept
    new = agent.next_sequence(agent.clock.now())
    assert new is not None and new.name == "GRB 261126C p1"


def test_an_alert_refused_while_observed_stops_its_sequence(agent, make_sequence):
    """One mission of a coincidence retracted, the other's circle is too large: refused."""
    from pyros.alerts.models import Alert

    seq = make_sequence("GRB 261126D p0", ra=84.5, dec=-4.0, vis=(("r", 60.0, 4),), nir=(),
                        status="validated", from_alert=True, priority=15)
    alert = Alert.objects.create(name="GRB 261126D", status="observing", priority=15,
                                 first_received_at=agent.clock.now(), request=seq.request,
                                 ra_deg=84.5, dec_deg=-4.0)
    t = _after_first_frame(seq, lambda: Alert.objects.filter(pk=alert.pk).update(
        status="refused"))
    run = agent.execute(seq, "20261125")
    t.join()
    run.refresh_from_db()
    seq.refresh_from_db()
    assert run.outcome == "aborted" and "refused" in run.reason
    assert seq.status == "cancelled" and 0 < _frames_of(seq) < 4


def test_a_stop_during_a_database_outage_leaves_nothing_executing(
        cfg, clock, monkeypatch, make_sequence):
    """The database goes away mid-sequence and the agent is stopped before its next step
    (CI saw it: PostgreSQL restarted just before the end of a night).  The run could not
    be closed while the database was down; the agent closes it on its way out."""
    from django.db import OperationalError

    from pyros.execution.agent import ExecutionAgent

    seq = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    agent = ExecutionAgent(clock=clock, cfg=cfg)
    started = time.monotonic()

    def allows():
        if time.monotonic() - started > 3.0:
            agent.stopping.set()  # SIGTERM arrives during the outage
            raise OperationalError("server closed the connection unexpectedly")
        return True, ""

    real_close = agent._close
    failures = []

    def close(*args):
        if not failures:
            failures.append(1)
            raise OperationalError("the database system is starting up")
        return real_close(*args)

    monkeypatch.setattr("pyros.execution.agent.observatory_allows", allows)
    monkeypatch.setattr(agent, "_close", close)
    monkeypatch.setattr(agent, "next_sequence", lambda now: seq)
    monkeypatch.setattr(agent, "focus_due", lambda night: False)
    monkeypatch.setattr(agent, "calibration_label", lambda now, night: None)
    agent.install_signal_handlers = lambda: None
    reason = agent.run()
    seq.refresh_from_db()
    assert reason == "stopped" and agent.errors == 1 and failures
    assert seq.status == "validated", seq.status_reason
    run = SequenceRun.objects.get(sequence=seq)
    assert run.outcome == "interrupted" and run.ended_at is not None
    assert 0 < _frames_of(seq) < 4 and run.frames_taken == _frames_of(seq)

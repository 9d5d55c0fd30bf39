"""The execution agent (the majordome): runs the plan on the devices, all night.

Each step picks the next thing to do and does it whole:

1. at start, close the runs a previous instance left open and adopt archived frames that
   have no record (nothing is dropped silently);
2. nothing while the observatory is not OPERATIONAL (monitoring owns the weather
   shutdown) or outside the night (minus the execution margin);
3. an alert sequence ready now goes first; otherwise the current schedule's next entry
   whose start has come;
4. while a sequence runs, the guard interrupts it for a mode change or a higher-priority
   alert: running exposures are aborted, the sequence keeps its frames and goes back to be
   planned again (it resumes where it stopped), and the alert runs next; the interrupted
   run is closed once the alert's slew is commanded (a burst fades, bookkeeping waits).

Outcomes: all exposures taken → EXECUTED; some → PARTIAL when its window has passed or
attempts are exhausted, else back to VALIDATED to finish later; none and a failure →
retried up to ``max_attempts``, then FAILED with the reason.  A sequence whose alert is
retracted or re-pointed while it runs is aborted and ends CANCELLED (its frames are kept),
never resumed: the re-pointed alert's new sequences run next.

While idle the agent looks for a ready alert sequence every ``alert_poll_wall_s`` (one
indexed query), so an alert never waits for the end of the idle interval.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db.models import Q

from pyros.agents.base import Agent
from pyros.clock import monotonic
from pyros.config import load_config
from pyros.devices import DeviceError
from pyros.execution.archive import adopt_orphans, night_label
from pyros.execution.models import FocusRun, Frame, SequenceRun
from pyros.execution.runner import Interrupt, RunResult, SequenceFailed, SequenceRunner
from pyros.routines.actions import transition_sequence
from pyros.routines.lifecycle import FINAL, Status
from pyros.routines.models import Sequence

log = logging.getLogger("pyros.execution")

#: Start a planned sequence up to this many clock seconds before its planned start.
LEAD_S = 60.0


def observatory_allows() -> tuple[bool, str]:
    """Whether monitoring says we may observe now, and why not."""
    from pyros.monitoring.state import observatory_mode

    info = observatory_mode()
    if info.safe_to_observe:
        return True, ""
    return False, f"observatory {info.mode}: {'; '.join(info.reasons) or 'no reason given'}"


def ready_alert_sequences(now: datetime):
    return (Sequence.objects.filter(request__from_alert=True,
                                    status__in=(Status.VALIDATED, Status.PLANNED),
                                    window_start__lte=now, window_end__gt=now)
            .order_by("-priority", "window_start", "id"))


class ExecutionAgent(Agent):
    name = "execution"
    idle_interval_s = 1.0
    max_attempts = 3
    hot_path_modules = ("pyros.alerts.actions", "pyros.alerts.models", "pyros.alerts.notify",
                        "pyros.monitoring.state", "pyros.pipeline.api", "pyros.routines.actions",
                        "pyros.routines.lifecycle", "pyros.scheduler.actions",
                        "pyros.scheduler.models")
    #: Wall seconds between two looks for a ready alert while idle (one indexed query):
    #: an alert must not wait for the end of the idle interval.
    alert_poll_wall_s = 0.02
    #: The run an alert just preempted, closed once the alert's slew is commanded (a burst
    #: fades; closing it — status, ledger, re-plan — cost the slew ~0.02–0.05 s): the
    #: sequence, its run, the result and the instant it stopped.
    preempted: tuple[Sequence, SequenceRun, RunResult, datetime] | None = None

    def __init__(self, clock=None, cfg=None):
        super().__init__(clock)
        self.cfg = cfg

    def setup(self) -> None:
        from pyros.execution.devices import ObservatoryDevices
        from pyros.scheduler.actions import current_night

        self.cfg = self.cfg or load_config()
        self.devices = ObservatoryDevices(self.cfg)
        self.current_night = current_night
        self.running: Sequence | None = None
        self.executed = 0
        self.recover()

    def teardown(self) -> None:
        try:
            if self.preempted is not None and not getattr(self, "needs_recovery", False):
                try:
                    self._close_preempted()
                except Exception as exc:  # noqa: BLE001 - e.g. the database is down
                    log.error("execution: could not close the preempted run: %s", exc)
                    self.needs_recovery = True
            if getattr(self, "needs_recovery", False):
                self._recover_before_exit()
        finally:
            self.devices.close()

    #: Wall seconds a stopping agent keeps trying to close what a failed step left open
    #: (within the supervisor's 15 s before SIGKILL).
    exit_recovery_wall_s = 8.0

    def _recover_before_exit(self) -> None:
        """Close the run a failed step left open (the database was down while it closed):
        stopped now, the agent must not leave a sequence executing until its next start."""
        from django.db import connections

        deadline = monotonic() + self.exit_recovery_wall_s
        while True:
            try:
                self.recover()
                self.needs_recovery = False
                return
            except Exception as exc:  # noqa: BLE001 - the database may still be coming back
                connections.close_all()
                if monotonic() >= deadline:
                    log.error("execution: stopped with a run left open (%s); the next start "
                              "closes it", exc)
                    return
                time.sleep(0.5)

    # --- start-up recovery --------------------------------------------------------------------
    def recover(self) -> None:
        self._close_preempted()
        for frame in adopt_orphans():
            log.warning("execution: recovered frame %s", frame.path)
        for run in SequenceRun.objects.filter(outcome=SequenceRun.Outcome.RUNNING):
            run.outcome = SequenceRun.Outcome.INTERRUPTED
            run.ended_at = self.clock.now()
            run.reason = "the execution agent stopped during the run"
            run.frames_taken = run.frames.count()
            run.save()
            seq = run.sequence
            if seq.status == Status.EXECUTING:
                reason = "interrupted by an agent restart"
                self._close(seq, run, RunResult(interrupt=Interrupt(reason)))
                SequenceRun.objects.filter(pk=run.pk).update(
                    outcome=SequenceRun.Outcome.INTERRUPTED, reason=reason)
        # a sequence marked executing whose run was never recorded (a step failed between
        # the two writes): nothing ran, so it simply goes back to be planned
        for seq in Sequence.objects.filter(status=Status.EXECUTING).exclude(
                runs__outcome=SequenceRun.Outcome.RUNNING):
            if self.running is not None and seq.pk == self.running.pk:
                continue
            transition_sequence(seq, Status.VALIDATED, "left executing by an interrupted step")

    # --- choosing what to do ---------
    def next_sequence(self, now: datetime) -> Sequence | None:
        alert = ready_alert_sequences(now).first()
        if alert is not None:
            return alert
        from pyros.scheduler.models import ScheduleEntry

        schedule_entries = (ScheduleEntry.objects
                            .filter(schedule=self._current_schedule_id(now),
                                    sequence__status=Status.PLANNED,
                                    start__lte=now + timedelta(seconds=LEAD_S))
                            .filter(Q(end__gt=now))
                            .select_related("sequence").order_by("start"))
        entry = schedule_entries.first()
        return entry.sequence if entry else None

    def _current_schedule_id(self, now: datetime) -> int | None:
        from pyros.scheduler.models import Schedule

        night = self.current_night(now, self.cfg)
        sched = Schedule.objects.filter(night_start=night.start).first()
        return sched.pk if sched else None

    # --- the guard while running ---------
    def make_guard(self, seq: Sequence, running: bool = True):
        """Interrupt for a mode change, for our own stop, or for an alert that outranks
        the running work (COLIBRI's rule: an alert interrupts unless the running work has
        strictly better priority; between two alerts only a strictly better one does)."""
        alert = self._alert_of(seq)
        repoints = alert.repoints if alert is not None else 0

        def guard() -> None:
            ok, why = observatory_allows()
            if not ok:
                raise Interrupt(why)
            current = Sequence.objects.filter(pk=seq.pk).values_list("status", flat=True).first()
            if running and current != Status.EXECUTING:
                raise Interrupt(f"sequence {seq.pk} became {current} while executing")
            if alert is not None:
                alert.refresh_from_db(fields=["status", "repoints"])
                if alert.status in ("retracted", "refused"):
                    raise Interrupt(f"alert {alert.pk} was {alert.status}", final=True)
                if alert.repoints > repoints:  # a better position, or none: this one is obsolete
                    raise Interrupt(f"alert {alert.pk} was re-pointed", final=True)
            if self.stopping.is_set():
                raise Interrupt("the execution agent is stopping")
            now = self.clock.now()
            rivals = ready_alert_sequences(now).exclude(pk=seq.pk)
            if seq.request.from_alert:
                rivals = rivals.filter(priority__gt=seq.priority)
            else:
                rivals = rivals.filter(priority__gte=seq.priority)
            better = rivals.first()
            if better is not None:
                self._record_alert_stage(better, "abort sent", now)
                raise Interrupt(f"preempted by alert sequence {better.pk}", preempted=True)
        return guard

    def idle_wait(self) -> None:
        """Wait the idle interval, but return as soon as an alert sequence is ready."""
        from django.db import close_old_connections

        deadline = monotonic() + self.clock.wall_seconds(self.idle_interval_s)
        while (left := deadline - monotonic()) > 0:
            if self.stopping.wait(min(self.alert_poll_wall_s, left)):
                return
            try:
                if ready_alert_sequences(self.clock.now()).exists():
                    return
            except Exception as exc:  # noqa: BLE001 - the next step reports the outage
                log.debug("execution: alert look-up failed while idle: %s", exc)
                close_old_connections()
                self.stopping.wait(max(0.0, deadline - monotonic()))
                return

    # --- a step ---------
    def run_once(self) -> bool:
        errors = self.errors
        did = super().run_once()
        if self.errors > errors:  # e.g. the database went away while a run was closing
            self.needs_recovery = True
        return did

    def step(self) -> bool:
        """One step; a run preempted in the previous step is closed by now at the latest
        (by the alert's slew command, or before anything else is started)."""
        pending = self.preempted
        try:
            return self._step()
        finally:
            if pending is not None and self.preempted is pending:
                self._close_preempted()

    def _close_preempted(self) -> None:
        pending, self.preempted = self.preempted, None
        if pending is not None:
            seq, run, result, at = pending
            self._close(seq, run, result, at=at)

    def _step(self) -> bool:
        if getattr(self, "needs_recovery", False):
            self.recover()  # close what the failed step left open, adopt unrecorded frames
            self.needs_recovery = False
            return True
        now = self.clock.now()
        night = self.current_night(now, self.cfg)
        label = self.calibration_label(now, night)
        if label is not None:
            self._close_preempted()
            self.calibrate(now, label)
            return True
        if not night.contains(now, self.cfg.site.execution_margin_s):
            return False
        ok, _why = observatory_allows()
        if not ok:
            return False
        seq = self.next_sequence(now)
        if seq is None:
            return False
        label = night_label(night.start, self.cfg.site.longitude_deg)
        if not seq.request.from_alert:  # an alert closes the preempted run as it slews
            self._close_preempted()
            if self.focus_due(night):  # never delay a burst
                self.focus_on(seq, label)
        self.execute(seq, label, defer_preempted=True)
        return True

    # --- calibrations and focus ------------------------------------------------------------
    #: Calibrations are taken in the last minutes before the night, else the first after it.
    calibration_window_s = 45 * 60.0
    #: Re-focus when the focuser temperature moved by more than this (°C).
    refocus_delta_c = 2.0

    def calibration_label(self, now: datetime, night) -> str | None:
        """The night whose calibrations are due now (label), or None.

        Due in the window before a night starts, else in the window after the previous
        night ended; only once (bias frames of that night exist) and only if no admin
        pause or missing blocking device forbids it.
        """
        window = timedelta(seconds=self.calibration_window_s)
        if night.start - window <= now < night.start:
            target = night
        else:
            # the middle of the previous night, whatever the season
            middle = night.start - timedelta(hours=24) + timedelta(seconds=night.duration_s / 2)
            previous = self.current_night(middle, self.cfg)
            if not previous.end <= now < previous.end + window:
                return None
            target = previous
        label = night_label(target.start, self.cfg.site.longitude_deg)
        if Frame.objects.filter(night=label, kind="bias").exists():
            return None
        from pyros.monitoring.state import observatory_mode

        info = observatory_mode()
        blocking_missing = [n for n in info.unavailable_devices
                            if n in {d.name for d in self.cfg.devices if d.blocking}]
        if info.admin_paused or blocking_missing:
            return None
        return label

    def calibrate(self, now: datetime, label: str) -> None:
        from astropy.time import Time

        from pyros.astro.night import location, sun_altitude_deg
        from pyros.execution.calibrate import Calibrator
        from pyros.monitoring.state import observatory_mode

        sun = float(sun_altitude_deg(location(*self.cfg.site.location_tuple()),
                                     Time([now]))[0])
        safe = observatory_mode().sky_safe
        calibrator = Calibrator(self.devices, self.cfg, self.clock, night_label=label)
        taken = calibrator.run(sun, safe)
        try:
            from pyros.pipeline.api import on_calibrations_done
        except ImportError:
            return
        for channel in taken:
            try:
                on_calibrations_done(label, channel)
            except Exception as exc:  # noqa: BLE001 - a broker outage must not stop the night
                log.error("could not queue the masters of %s/%s: %s", label, channel, exc)

    def focus_channel(self):
        return next(iter(self.devices.channels.values()))

    def focus_due(self, night) -> bool:
        if self.devices.focuser is None:
            return False
        ch = self.focus_channel()
        tonight = FocusRun.objects.filter(channel=ch.name, at__gte=night.start)
        last_ok = tonight.filter(ok=True).first()
        if last_ok is None:
            # two attempts of up to two sweeps each: a failing focus is not retried all night
            return tonight.count() < 4
        try:
            temp = self.devices.focuser.temperature_c()
        except DeviceError:
            return False
        return (temp is not None and last_ok.temperature_c is not None
                and abs(temp - last_ok.temperature_c) > self.refocus_delta_c)

    def focus_on(self, seq: Sequence, label: str) -> None:
        """Point at the next target and focus there (its stars serve the V-curve)."""
        from pyros.execution.calibrate import Calibrator

        ch = self.focus_channel()
        album = seq.albums.filter(channel=ch.name).first()
        plan = album.plans.first() if album else None
        flt = plan.filter_name if plan else self.cfg.channel(ch.name).filters[0]
        runner = SequenceRunner(self.devices, self.cfg,
                                guard=self.make_guard(seq, running=False), beat=self.beat,
                                clock=self.clock, night_label=label)
        try:
            runner.point(seq, RunResult())
            Calibrator(self.devices, self.cfg, self.clock, guard=runner.guard,
                       night_label=label).autofocus(ch, flt)
        except (Interrupt, DeviceError, SequenceFailed) as exc:
            log.warning("autofocus before sequence %s skipped: %s", seq.pk, exc)

    def set_focus_for(self, channel: str, filter_name: str) -> None:
        """Per-filter focus offsets between focus runs (focus channel only)."""
        from pyros.execution.calibrate import focus_position_for

        ch = self.focus_channel()
        if channel != ch.name or self.devices.focuser is None:
            return
        last = FocusRun.objects.filter(channel=ch.name, ok=True).first()
        target = focus_position_for(self.cfg.channel(ch.name), last, filter_name)
        if target is None:
            return
        try:
            if abs(self.devices.focuser.position() - target) > 2:
                self.devices.focuser.move_to(target, wait=True)
        except DeviceError as exc:  # observe slightly out of focus rather than not at all
            log.warning("focus offset for %s/%s not applied: %s", channel, filter_name, exc)

    def execute(self, seq: Sequence, label: str, *,
                defer_preempted: bool = False) -> SequenceRun | None:
        """Run ``seq`` now; None if it changed meanwhile (another agent moved it).

        With ``defer_preempted`` a run preempted by an alert is left open in
        :attr:`preempted` for the next step to close once the alert's slew is commanded.
        """
        from pyros.routines.lifecycle import TransitionError

        seq.refresh_from_db()
        try:
            if seq.status == Status.VALIDATED:
                transition_sequence(seq, Status.PLANNED, "taken by the execution agent")
            transition_sequence(seq, Status.EXECUTING, "execution started")
        except TransitionError as exc:  # e.g. cancelled or re-planned a moment ago
            log.info("sequence %s not started: %s", seq.pk, exc)
            return None
        attempt = seq.runs.count() + 1
        run = SequenceRun.objects.create(sequence=seq, attempt=attempt,
                                         started_at=self.clock.now())
        log.info("executing sequence %s (%s), attempt %d", seq.pk, seq.name, attempt)
        runner = SequenceRunner(
            self.devices, self.cfg, guard=self.make_guard(seq), beat=self.beat,
            clock=self.clock, night_label=label, on_frame=self._frame_archived,
            on_event=lambda stage, at: self._on_run_event(seq, stage, at),
            before_filter=self.set_focus_for,
        )
        self.running = seq
        try:
            result = runner.run(seq, run)
        finally:
            self.running = None
        ended = self.clock.now()
        if defer_preempted and result.interrupt is not None and result.interrupt.preempted:
            self.preempted = (seq, run, result, ended)
            return run
        self._close(seq, run, result, at=ended)
        return run

    def _on_run_event(self, seq: Sequence, stage: str, at: datetime) -> None:
        self._record_alert_stage(seq, stage, at)
        if stage == "slew commanded" and self.preempted is not None:
            try:
                self._close_preempted()
            except Exception:  # the alert goes on; the next step recovers the run
                log.exception("execution: could not close the preempted run")
                self.needs_recovery = True

    def _frame_archived(self, frame: Frame) -> None:
        try:
            from pyros.pipeline.api import on_frame_archived
        except ImportError:
            return
        try:
            on_frame_archived(frame.pk)
        except Exception as exc:  # noqa: BLE001 - a broker outage must not stop observing
            log.error("could not queue the reduction of frame %s: %s", frame.pk, exc)

    #: Our stage names → the alert latency chain's.
    ALERT_STAGES = {"abort sent": "abort_sent", "slew commanded": "slew_commanded",
                    "on target": "on_target", "first exposure started": "first_exposure"}

    @staticmethod
    def _alert_of(seq: Sequence):
        if not seq.request.from_alert:
            return None
        from pyros.alerts.models import Alert

        return Alert.objects.filter(request_id=seq.request_id).first()

    def _record_alert_stage(self, seq: Sequence, stage: str, at: datetime) -> None:
        alert = self._alert_of(seq)
        if alert is None:
            return
        from pyros.alerts.actions import record_latency, set_alert_status

        try:
            record_latency(alert, self.ALERT_STAGES[stage], at)
            if stage == "first exposure started" and alert.status != "observing":
                set_alert_status(alert, "observing", f"sequence {seq.pk} started")
        except Exception as exc:  # noqa: BLE001 - bookkeeping must not stop an alert
            log.warning("could not record alert stage %s: %s", stage, exc)

    # --- closing a run ---------
    def _close(self, seq: Sequence, run: SequenceRun, result: RunResult,
               at: datetime | None = None) -> None:
        """End ``run`` as of ``at`` (default now): its outcome, the sequence's status, the
        ledger, a re-plan."""
        from pyros.scheduler.actions import request_replan

        now = at or self.clock.now()
        taken = Frame.objects.filter(sequence=seq, kind="light", complete=True).count()
        expected = max(result.expected, run.frames_expected,
                       sum(p.count for a in seq.albums.all() for p in a.plans.all()
                           if a.channel not in result.skipped_channels))
        run.frames_taken = run.frames.count()
        run.frames_expected = expected
        run.ended_at = now
        run.skipped_channels = result.skipped_channels
        run.on_target_at = result.on_target_at
        run.executed_s = (now - run.started_at).total_seconds()
        window_open = seq.window_end > now
        if result.interrupt is not None:
            run.outcome = SequenceRun.Outcome.ABORTED
            run.reason = result.interrupt.reason
            final = None if window_open else (Status.PARTIAL if taken else Status.FAILED)
        elif result.error:
            run.outcome = SequenceRun.Outcome.FAILED
            run.reason = result.error[:255]
            exhausted = run.attempt >= self.max_attempts or not window_open
            final = (Status.PARTIAL if taken else Status.FAILED) if exhausted else None
        elif taken >= expected:
            run.outcome = SequenceRun.Outcome.EXECUTED
            final = Status.EXECUTED
        else:
            run.outcome = SequenceRun.Outcome.PARTIAL
            run.reason = "fewer exposures than planned"
            final = Status.PARTIAL if not window_open else None
        run.save()
        reason = run.reason or "all exposures taken"
        if result.interrupt is not None and result.interrupt.final:
            seq.refresh_from_db(fields=["status"])
            if seq.status == Status.EXECUTING:  # never to resume: cancelled, frames kept
                transition_sequence(seq, Status.CANCELLED, reason)
        seq.refresh_from_db(fields=["status", "status_reason"])
        if seq.status in FINAL:  # cancelled by its owner while running: report the time
            self._account(seq, run, Status.PARTIAL if taken else Status.FAILED, reason)
            request_replan(f"sequence {seq.pk} {run.outcome}", source="execution")
            return
        if final is None:
            if seq.status == Status.EXECUTING:  # not if another agent moved it meanwhile
                transition_sequence(seq, Status.VALIDATED, f"to finish later: {reason}")
        else:
            self._account(seq, run, final, reason)
            self.executed += 1
        self._after_sequence(seq, run, final)
        request_replan(f"sequence {seq.pk} {run.outcome}", source="execution")
        log.info("sequence %s: run %s, %d/%d frames (%s)", seq.pk, run.outcome, taken,
                 expected, reason)

    def _after_sequence(self, seq: Sequence, run: SequenceRun, final: Status | None) -> None:
        """Tell the people, the alert and the pipeline what the run gave."""
        if final in (Status.FAILED, Status.PARTIAL) or run.outcome == "failed":
            try:
                from pyros.alerts.notify import notify

                notify("sequence_failed", f"sequence {seq.pk} {run.outcome}",
                       f"{seq.name} ({seq.target_name}): {run.reason}")
            except Exception as exc:  # noqa: BLE001 - notification is best effort
                log.warning("notification failed: %s", exc)
        alert = self._alert_of(seq)
        if alert is None or final is None:
            return
        try:
            from pyros.alerts.actions import set_alert_status

            pending = alert.request.sequences.exclude(
                status__in=[s.value for s in FINAL]).exists()
            if not pending and alert.status == "observing":
                set_alert_status(alert, "done", f"sequence {seq.pk} {final.value}")
        except Exception as exc:  # noqa: BLE001
            log.warning("could not update alert %s: %s", alert.pk, exc)
        try:
            from pyros.pipeline.api import on_burst_epoch
        except ImportError:
            return
        try:
            on_burst_epoch(alert_id=alert.pk)
        except Exception as exc:  # noqa: BLE001 - a broker outage must not stop the night
            log.error("could not queue the burst analysis of sequence %s: %s", seq.pk, exc)

    def _account(self, seq: Sequence, run: SequenceRun, final: Status, reason: str) -> None:
        """End the sequence through the ledger: the final status, executed time debited
        (refunded on failure; a cancelled sequence keeps its status and gets it back)."""
        from pyros.routines.actions import record_execution

        used = sum(r.executed_s for r in seq.runs.all())
        try:
            record_execution(seq, used, final.value, reason)
        except Exception:
            # never leave it EXECUTING: the status change at least, then say why loudly
            log.exception("quota accounting of sequence %s failed", seq.pk)
            seq.refresh_from_db(fields=["status"])
            if seq.status == Status.EXECUTING:
                transition_sequence(seq, final, reason)

    def info(self) -> dict[str, object]:
        running = getattr(self, "running", None)
        return {**super().info(), "running": running.pk if running else None,
                "executed": getattr(self, "executed", 0)}

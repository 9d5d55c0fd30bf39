"""The agent loop: single steps, a heartbeat in the database, clean stop on SIGTERM.

An agent is a small loop around :meth:`Agent.step`, which does one unit of work and
returns whether it did any.  When a step did nothing the agent waits ``idle_interval_s``
of clock time (so a simulated night speeds the agents up too).  The loop survives
exceptions in a step and database outages: it logs, backs off and carries on.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import datetime

from django.db import close_old_connections

from pyros.clock import Clock, get_clock, monotonic

log = logging.getLogger("pyros.agents")


class Agent:
    """Base class of every agent.  Subclasses set ``name`` and implement :meth:`step`."""

    name: str = "agent"
    #: Clock seconds to wait after a step that did no work.
    idle_interval_s: float = 1.0
    #: Clock seconds between heartbeats.
    heartbeat_interval_s: float = 5.0
    #: Never beat more often than this in wall seconds, whatever the clock speed.
    min_beat_wall_s: float = 0.5

    def __init__(self, clock: Clock | None = None):
        self.clock = clock or get_clock()
        self.stopping = threading.Event()
        self.run_record = None
        self._last_beat_wall = -1e9
        self._last_beat_clock: datetime | None = None
        self.steps = 0
        self.work_done = 0
        self.errors = 0

    # --- to override ---------------------------------------------------------------------
    def setup(self) -> None:
        """Called once before the loop."""

    def step(self) -> bool:
        """Do one unit of work; return True if there was work (no wait before the next)."""
        return False

    def teardown(self) -> None:
        """Called once after the loop, even after an error."""

    def info(self) -> dict[str, object]:
        """State shown with the heartbeat on the dashboard."""
        return {"steps": self.steps, "work_done": self.work_done, "errors": self.errors}

    # --- machinery -------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def _stop(signum: int, _frame: object) -> None:
            log.info("%s agent: signal %s, stopping", self.name, signum)
            self.stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def beat(self, force: bool = False) -> None:
        """Record that the agent is alive (creates the run record on first call)."""
        from pyros.system.models import AgentRun

        now_wall = monotonic()
        now = self.clock.now()
        due = (
            self._last_beat_clock is None
            or (now - self._last_beat_clock).total_seconds() >= self.heartbeat_interval_s
        )
        if not force and (not due or now_wall - self._last_beat_wall < self.min_beat_wall_s):
            return
        try:
            if self.run_record is None:
                self.run_record = AgentRun.objects.create(
                    name=self.name, host=socket.gethostname(), pid=os.getpid(),
                    started_at=now, last_beat_at=now, info=self.info(),
                )
            else:
                AgentRun.objects.filter(pk=self.run_record.pk).update(
                    last_beat_at=now, beats=self.run_record.beats + 1, info=self.info()
                )
                self.run_record.beats += 1
            self._last_beat_wall, self._last_beat_clock = now_wall, now
        except Exception as exc:  # noqa: BLE001 - must not propagate
            log.warning("%s agent: heartbeat failed (%s); will retry", self.name, exc)
            close_old_connections()

    def end(self, reason: str) -> None:
        from pyros.system.models import AgentRun

        if self.run_record is None:
            return
        try:
            AgentRun.objects.filter(pk=self.run_record.pk).update(
                ended_at=self.clock.now(), exit_reason=reason[:255], info=self.info()
            )
        except Exception as exc:  # noqa: BLE001 - must not propagate
            log.warning("%s agent: could not record its end (%s)", self.name, exc)

    def run_once(self) -> bool:
        """One guarded step: exceptions are logged and counted, never fatal."""
        self.steps += 1
        try:
            did = bool(self.step())
        except Exception:
            self.errors += 1
            log.exception("%s agent: step failed", self.name)
            close_old_connections()
            did = False
        if did:
            self.work_done += 1
        return did

    def run(self, max_steps: int | None = None) -> str:
        """Run until stopped (or ``max_steps``); returns the exit reason."""
        reason = "stopped"
        self.beat(force=True)
        try:
            self.setup()
            while not self.stopping.is_set():
                if max_steps is not None and self.steps >= max_steps:
                    reason = f"completed {max_steps} steps"
                    break
                did = self.run_once()
                self.beat()
                if not did:
                    self.stopping.wait(self.clock.wall_seconds(self.idle_interval_s))
        except BaseException as exc:
            reason = f"crashed: {type(exc).__name__}: {exc}"
            raise
        finally:
            try:
                self.teardown()
            finally:
                self.end(reason)
        return reason

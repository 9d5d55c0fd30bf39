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
    #: Modules the agent's urgent path imports lazily: imported before the loop starts, so
    #: the first alert of a night does not pay for them (~0.2 s for ``requests`` alone).
    hot_path_modules: tuple[str, ...] = ()

    def __init__(self, clock: Clock | None = None):
        self.clock = clock or get_clock()
        self.stopping = threading.Event()
        self.run_record = None
        self._last_beat_wall = -1e9
        self._last_beat_clock: datetime | None = None
        self.steps = 0
        self.work_done = 0
        self.errors = 0
        self.stopped_by_signal: int | None = None

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

    def idle_wait(self) -> None:
        """Wait after a step that did no work: ``idle_interval_s`` of clock time, cut short
        by a stop.  Agents that can be woken by something cheaper to watch override it."""
        self.stopping.wait(self.clock.wall_seconds(self.idle_interval_s))

    def import_hot_path(self) -> None:
        """Import :attr:`hot_path_modules` now (a missing optional one is only logged)."""
        import importlib

        for module in self.hot_path_modules:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                log.info("%s agent: %s not available (%s)", self.name, module, exc)

    # --- machinery -------------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT set :attr:`stopping`, and nothing else: the handler runs between
        two bytecodes of the main thread, maybe inside a query, and logging from it went
        to the database handler on that same connection, whose lock the interrupted query
        held: the agent hung until the supervisor's SIGKILL (CI, a sequence left
        executing).  :meth:`run` logs the signal once the loop has ended."""
        def _stop(signum: int, _frame: object) -> None:
            self.stopped_by_signal = signum
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
            self.import_hot_path()
            while not self.stopping.is_set():
                if max_steps is not None and self.steps >= max_steps:
                    reason = f"completed {max_steps} steps"
                    break
                did = self.run_once()
                self.beat()
                if not did:
                    self.idle_wait()
        except BaseException as exc:
            reason = f"crashed: {type(exc).__name__}: {exc}"
            raise
        finally:
            if self.stopped_by_signal is not None:
                log.info("%s agent: signal %s, stopping", self.name, self.stopped_by_signal)
            try:
                self.teardown()
            finally:
                self.end(reason)
        return reason

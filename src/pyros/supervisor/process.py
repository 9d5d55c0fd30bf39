"""A small process supervisor (restart with back-off, give up loudly, stop cleanly).

Why not systemd or supervisord: PyROS must start the same way on a laptop, in CI and on an
observatory computer, with the simulated clock handed to every child.  In production the
supervisor itself runs under systemd (docs/deployment.md), which restarts *it*; it restarts
the children.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from dataclasses import dataclass, field

from pyros.clock import get_clock, monotonic

log = logging.getLogger("pyros.supervisor")


@dataclass(frozen=True)
class RestartPolicy:
    """Back-off doubles from ``initial_s`` to ``max_s``; more than ``max_restarts`` crashes
    within ``window_s`` (wall seconds) and the supervisor gives up on that child."""

    initial_s: float = 1.0
    max_s: float = 30.0
    max_restarts: int = 5
    window_s: float = 120.0


@dataclass
class ChildSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    #: Agents write their own heartbeat; for other children the supervisor records the run.
    self_reporting: bool = False
    #: Name of the process in the run records (default: ``name``).
    record_name: str = ""

    @property
    def run_name(self) -> str:
        return self.record_name or self.name


@dataclass
class Child:
    spec: ChildSpec
    proc: subprocess.Popen | None = None
    crashes: deque = field(default_factory=deque)
    backoff_s: float = 0.0
    start_at: float = 0.0
    gave_up: bool = False
    run_id: int | None = None


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Start the children, restart the ones that die, stop them all on request."""

    def __init__(self, specs: list[ChildSpec], policy: RestartPolicy | None = None,
                 base_env: dict[str, str] | None = None, record: bool = True):
        self.children = [Child(s) for s in specs]
        self.policy = policy or RestartPolicy()
        self.base_env = dict(os.environ if base_env is None else base_env)
        self.record = record
        self.stopping = threading.Event()

    # --- database records (best effort: the supervisor must run without a database) -------
    @staticmethod
    def _with_db(write):
        """Run a database write; on failure reconnect once and retry: the connection the
        supervisor holds dies with a database restart, and the next write must not."""
        from django.db import connections

        try:
            return write()
        except Exception:  # noqa: BLE001 - retried once on a fresh connection
            connections.close_all()
            return write()

    def _record_start(self, child: Child) -> None:
        if not self.record or child.spec.self_reporting or child.proc is None:
            return
        try:
            from pyros.system.models import AgentRun

            child.run_id = self._with_db(lambda: AgentRun.objects.create(
                name=child.spec.run_name, host=socket.gethostname(), pid=child.proc.pid
            ).pk)
        except Exception as exc:  # noqa: BLE001 - must not propagate
            log.warning("could not record the start of %s: %s", child.spec.name, exc)

    def _record_end(self, child: Child, pid: int, reason: str) -> None:
        if not self.record:
            return
        try:
            from pyros.system.models import AgentRun

            self._with_db(lambda: AgentRun.objects.filter(
                name=child.spec.run_name, pid=pid, host=socket.gethostname(), ended_at=None
            ).update(ended_at=get_clock().now(), exit_reason=reason[:255]))
        except Exception as exc:  # noqa: BLE001 - must not propagate
            log.warning("could not record the end of %s: %s", child.spec.name, exc)

    def _beat_children(self) -> None:
        if not self.record:
            return
        ids = [c.run_id for c in self.children if c.run_id and c.proc and c.proc.poll() is None]
        if not ids:
            return
        try:
            from pyros.system.models import AgentRun

            self._with_db(lambda: AgentRun.objects.filter(pk__in=ids).update(
                last_beat_at=get_clock().now()))
        except Exception as exc:  # noqa: BLE001 - must not propagate
            log.warning("heartbeat of supervised processes failed: %s", exc)

    # --- process control ------------------------------------------------------------------------
    def _spawn(self, child: Child) -> None:
        env = {**self.base_env, **child.spec.env, "PYROS_PROCESS_NAME": child.spec.name,
               "PYTHONUNBUFFERED": "1"}
        log.info("starting %s: %s", child.spec.name, " ".join(child.spec.argv))
        child.proc = subprocess.Popen(child.spec.argv, env=env)
        child.run_id = None
        self._record_start(child)

    def start_all(self) -> None:
        for child in self.children:
            self._spawn(child)

    def check(self) -> None:
        """Reap dead children and restart those whose back-off has elapsed."""
        now = monotonic()
        for child in self.children:
            if child.gave_up:
                continue
            if child.proc is not None:
                code = child.proc.poll()
                if code is None:
                    continue
                pid = child.proc.pid
                reason = describe_exit(code)
                child.proc = None
                self._record_end(child, pid, reason)
                child.crashes.append(now)
                while child.crashes and now - child.crashes[0] > self.policy.window_s:
                    child.crashes.popleft()
                if len(child.crashes) > self.policy.max_restarts:
                    child.gave_up = True
                    log.critical(
                        "%s %s; it crashed %d times in %.0f s: GIVING UP on it",
                        child.spec.name, reason, len(child.crashes), self.policy.window_s,
                    )
                    continue
                child.backoff_s = min(self.policy.max_s, max(self.policy.initial_s,
                                                             child.backoff_s * 2))
                child.start_at = now + child.backoff_s
                log.error("%s %s; restarting in %.1f s", child.spec.name, reason,
                          child.backoff_s)
            elif now >= child.start_at:
                self._spawn(child)

    def run(self, poll_s: float = 0.2, beat_every_s: float = 2.0) -> int:
        """Supervise until :meth:`stop` (or a signal); returns 1 if it gave up on a child."""
        self.start_all()
        last_beat = monotonic()
        while not self.stopping.is_set():
            self.check()
            if monotonic() - last_beat >= beat_every_s:
                self._beat_children()
                last_beat = monotonic()
            if self.children and all(c.gave_up for c in self.children):
                log.critical("every supervised process has been given up on; exiting")
                break
            self.stopping.wait(poll_s)
        self.stop_all()
        return 1 if any(c.gave_up for c in self.children) else 0

    def stop(self, *_args: object) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def stop_all(self, timeout_s: float = 15.0) -> None:
        """Stop the agents first (together), then the other children one by one in reverse
        start order, each with SIGTERM then SIGKILL after ``timeout_s``: an agent finishing
        its step still has the devices, the database and the broker it needs."""
        running = [c for c in reversed(self.children) if c.proc and c.proc.poll() is None]
        agents = [c for c in running if c.spec.self_reporting]
        others = [c for c in running if not c.spec.self_reporting]
        self._stop_group(agents, timeout_s)
        for child in others:
            self._stop_group([child], timeout_s)

    def _stop_group(self, children: list[Child], timeout_s: float) -> None:
        for child in children:
            log.info("stopping %s (pid %d)", child.spec.name, child.proc.pid)
            child.proc.terminate()
        deadline = monotonic() + timeout_s
        for child in children:
            try:
                child.proc.wait(timeout=max(0.1, deadline - monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time: killing it", child.spec.name)
                child.proc.kill()
                child.proc.wait()
            self._record_end(child, child.proc.pid, "stopped by the supervisor")


def python_argv(*args: str) -> list[str]:
    """argv running ``pyros ARGS`` with this interpreter (works without the console script)."""
    return [sys.executable, "-m", "pyros.cli", *args]

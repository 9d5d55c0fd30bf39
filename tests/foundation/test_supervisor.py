"""The supervisor restarts crashed children with back-off, gives up loudly, stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pyros.supervisor.process import ChildSpec, RestartPolicy, Supervisor, describe_exit

FAST = RestartPolicy(initial_s=0.05, max_s=0.2, max_restarts=3, window_s=30.0)


def _wait(predicate, timeout_s: float = 30.0, every_s: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError("condition not met in time")


def test_crashing_child_is_restarted_then_given_up(tmp_path):
    marker = tmp_path / "starts"
    code = f"open({str(marker)!r}, 'a').write('x'); raise SystemExit(3)"
    sup = Supervisor([ChildSpec("crasher", [sys.executable, "-c", code])], policy=FAST,
                     record=False)
    sup.start_all()
    _wait(lambda: (sup.check(), sup.children[0].gave_up)[1])
    # first start + max_restarts restarts, then it gave up
    assert marker.read_text() == "x" * (FAST.max_restarts + 1)


def test_backoff_doubles_up_to_the_cap():
    sup = Supervisor([ChildSpec("c", [sys.executable, "-c", "raise SystemExit(1)"])],
                     policy=RestartPolicy(initial_s=1.0, max_s=4.0, max_restarts=99),
                     record=False)
    sup.start_all()
    child = sup.children[0]
    seen = []
    for _ in range(4):
        child.proc.wait()
        sup.check()
        seen.append(child.backoff_s)
        child.start_at = 0  # do not wait the back-off in the test
        sup.check()
    assert seen == [1.0, 2.0, 4.0, 4.0]
    sup.stop_all()


def test_stop_all_terminates_children():
    sup = Supervisor([ChildSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])],
                     record=False)
    sup.start_all()
    proc = sup.children[0].proc
    sup.stop_all(timeout_s=5)
    assert proc.poll() == -signal.SIGTERM


def test_describe_exit():
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(2) == "exited with code 2"


@pytest.mark.slow
def test_sigkilled_agent_is_restarted_and_the_gap_is_recorded(child_env, pyros_cmd, tmp_path):
    """``pyros start``: kill an agent with SIGKILL; it comes back, the gap is visible."""
    from pyros.system.models import AgentRun

    env = {**child_env, "PYROS_CLOCK": "sim", "PYROS_SIM_START": "2026-11-26T03:00:00Z",
           "PYROS_SIM_SPEED": "10"}
    log = (tmp_path / "start.log").open("w")
    proc = subprocess.Popen([*pyros_cmd, "start", "--no-web", "--no-worker",
                             "--agents", "monitoring,scheduler", "--no-migrate"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        first = _wait(lambda: AgentRun.objects.filter(name="monitoring", beats__gte=1).first())
        os.kill(first.pid, signal.SIGKILL)
        second = _wait(lambda: AgentRun.objects.filter(name="monitoring")
                       .exclude(pk=first.pk).first())
        first.refresh_from_db()
        assert first.exit_reason == "killed by SIGKILL"
        assert first.ended_at is not None
        assert second.pid != first.pid
        # the gap: nothing was beating between the dead run's last beat and the new start
        assert second.started_at > first.last_beat_at
        assert second.started_at - first.last_beat_at > timedelta(seconds=0)
        # the other agent was untouched
        assert AgentRun.objects.filter(name="scheduler").count() == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        log.close()
    # a clean stop is recorded as such for every run still open
    assert not AgentRun.objects.filter(ended_at=None).exists()
    reasons = set(AgentRun.objects.values_list("exit_reason", flat=True))
    assert reasons <= {"killed by SIGKILL", "stopped"}, Path(log.name).read_text()


def test_the_urgent_path_modules_agents_preload_exist():
    """An agent imports its alert path's lazy imports before its loop (``Agent.run``); a
    misspelt name would only be logged and silently bring the cost back."""
    import importlib

    from pyros.agents import AGENTS, agent_class

    listed = {name: agent_class(name).hot_path_modules for name in AGENTS}
    assert listed["alerts"] and listed["execution"]
    for modules in listed.values():
        for module in modules:
            importlib.import_module(module)


def test_records_survive_a_connection_the_database_closed(transactional_db):
    """A PostgreSQL restart kills the supervisor's connection: the next record reconnects
    instead of being lost (CI saw 'could not record the end of agent:execution')."""
    from django.db import DatabaseError, connection

    from pyros.system.models import AgentRun

    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that can close our connection")
    sup = Supervisor([ChildSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])],
                     record=True)
    sup.start_all()
    try:
        run = AgentRun.objects.get(pk=sup.children[0].run_id)
        # the server ends our session, as a restart does
        with pytest.raises(DatabaseError), connection.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    finally:
        sup.stop_all(timeout_s=5)
    run.refresh_from_db()
    assert run.ended_at is not None and run.exit_reason


def test_an_agents_signal_handler_only_sets_the_stop_flag(caplog):
    """The handler runs inside whatever the main thread was doing, maybe a query: a log
    record from it went to the database handler on that same connection and hung the
    agent until SIGKILL (CI's restart night).  It must log nothing; the loop does."""
    import logging

    from pyros.agents.base import Agent

    agent = Agent()
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        agent.install_signal_handlers()
        with caplog.at_level(logging.DEBUG):
            signal.raise_signal(signal.SIGTERM)
        assert agent.stopping.is_set() and agent.stopped_by_signal == signal.SIGTERM
        assert caplog.records == []
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)

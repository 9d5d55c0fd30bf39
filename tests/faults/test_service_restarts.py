"""The production services restart under a running observatory: nothing stops, nothing is
lost.  Each test runs in the CI pass whose configuration uses that service."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow


def _wait(predicate, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - the service is restarting
            connection.close()
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _need_root(tool: str) -> None:
    if os.geteuid() != 0 or shutil.which(tool) is None:
        pytest.skip(f"restarting the service needs root and {tool}")


def test_agent_rides_out_a_postgresql_restart(child_env, pyros_cmd, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL configuration's CI pass runs this")
    _need_root("pg_ctlcluster")
    from pyros.system.models import AgentRun

    env = {**child_env, "PYROS_CLOCK": "sim", "PYROS_SIM_START": "2026-02-25T06:00:00Z",
           "PYROS_SIM_SPEED": "20"}
    log = (tmp_path / "agent.log").open("w")
    agent = subprocess.Popen([*pyros_cmd, "agent", "scheduler"], env=env, stdout=log,
                             stderr=subprocess.STDOUT)
    try:
        run = _wait(lambda: AgentRun.objects.filter(name="scheduler", beats__gte=2).first())
        version = sorted(os.listdir("/etc/postgresql"))[0]
        connection.close()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                        "restart"], check=True, timeout=120)
        beats_after = _wait(lambda: (AgentRun.objects.get(pk=run.pk).beats
                                     if AgentRun.objects.get(pk=run.pk).beats > run.beats + 3
                                     else None))
        assert agent.poll() is None, Path(log.name).read_text()
        assert beats_after > run.beats + 3
        assert AgentRun.objects.filter(name="scheduler").count() == 1  # same process, no crash
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
        log.close()


def _redis_restart() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], timeout=30,
                   capture_output=True)
    time.sleep(0.5)
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                    "--port", "6379", "--save", "", "--appendonly", "no", "--dir",
                    "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
                   check=True, timeout=30)
    _wait(lambda: subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"],
                                 capture_output=True, text=True).stdout.strip() == "PONG")


def test_worker_rides_out_a_redis_restart(child_env, pyros_cmd, tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the Redis configuration's CI pass runs this")
    _need_root("redis-server")
    from pyros.system.models import LogEntry
    from pyros.system.tasks import ping

    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*pyros_cmd, "worker", "--concurrency", "1"], env=child_env,
                              stdout=log, stderr=subprocess.STDOUT)

    def round_trip() -> str:
        token = uuid.uuid4().hex
        ping.delay(token)
        _wait(lambda: LogEntry.objects.filter(message__startswith=f"pong {token}").exists())
        return token

    try:
        round_trip()
        _redis_restart()
        round_trip()  # published after the restart, run by the same worker
        assert worker.poll() is None, Path(log.name).read_text()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()

"""A real Celery worker, on whichever broker this run is configured with, runs our tasks."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest


@pytest.mark.slow
def test_worker_runs_a_task_through_the_broker(child_env, pyros_cmd, tmp_path):
    from pyros.system.models import LogEntry
    from pyros.system.tasks import ping

    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*pyros_cmd, "worker", "--concurrency", "1"], env=child_env,
                              stdout=log, stderr=subprocess.STDOUT)
    token = uuid.uuid4().hex
    try:
        ping.delay(token)  # sent through the configured broker, not run here
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if LogEntry.objects.filter(message__startswith=f"pong {token}").exists():
                break
            assert worker.poll() is None, Path(log.name).read_text()
            time.sleep(0.2)
        else:
            raise AssertionError("the worker did not run the task:\n" + Path(log.name).read_text())
        entry = LogEntry.objects.get(message__startswith=f"pong {token}")
        assert str(worker.pid) != entry.message.rsplit(":", 1)[-1]  # a pool process ran it
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()

"""A real Celery worker (this run's broker and database) reduces an archived light frame."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from tests.pipeline.conftest import DUSK, archive_frame, spec


def _reduction(frame, worker, log):
    """The frame's finished reduction, waited for while the worker lives (120 s)."""
    from pyros.pipeline.models import ReducedFrame

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        red = ReducedFrame.objects.filter(frame=frame, status__in=["done", "failed"]).first()
        if red is not None:
            return red
        assert worker.poll() is None, Path(log.name).read_text()
        time.sleep(0.5)
    raise AssertionError("no reduction:\n" + Path(log.name).read_text())


def _stop(worker, log, data_dir: Path, night: str) -> None:
    """Stop the worker and remove the test night's frames and products."""
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    log.close()
    for top in ("raw", "reduced"):
        shutil.rmtree(data_dir / top / night, ignore_errors=True)


@pytest.mark.slow
def test_a_worker_reduces_a_frame_queued_by_the_api(child_env, pyros_cmd, tmp_path):
    from django.conf import settings

    from pyros.execution.models import Frame
    from pyros.pipeline import api
    from pyros.pipeline.core.synthetic import FrameMeta

    # The worker shares this run's data directory (the broker spool lives there too), so
    # the frame goes under a night of its own, removed afterwards.
    data_dir = Path(settings.DATA_DIR)
    night = f"2099{uuid.uuid4().int % 10000:04d}"
    meta = FrameMeta(night=night)
    light = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 30.0), meta)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*pyros_cmd, "worker", "--concurrency", "1"], env=child_env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        assert api.on_frame_archived(light.pk)  # autocommit: sent at once, through the broker
        red = _reduction(light, worker, log)
        assert red.status == "done", red.error
        assert red.n_matched > 20 and red.zero_point is not None
        assert (data_dir / red.path).is_file()
        assert Frame.objects.get(pk=light.pk).reduced == red
    finally:
        _stop(worker, log, data_dir, night)


@pytest.mark.slow
def test_an_urgent_only_worker_reduces_an_alerts_frame_not_routine_ones(
        child_env, pyros_cmd, tmp_path):
    """The worker ``pyros start`` keeps for alerts takes a burst's frame while the routine
    queue has no worker at all: the afterglow never waits behind the night's backlog."""
    from django.conf import settings
    from tests.pipeline.conftest import alert_sequence

    from pyros.pipeline import api
    from pyros.pipeline.core.synthetic import FrameMeta

    data_dir = Path(settings.DATA_DIR)
    night = f"2099{uuid.uuid4().int % 10000:04d}"
    meta = FrameMeta(night=night)
    from tests.pipeline.conftest import DEC_DEG, RA_DEG

    from pyros.alerts.models import Alert

    seq = alert_sequence(f"GRB {night}")
    Alert.objects.create(name=f"GRB {night}", status="observing", request=seq.request,
                         first_received_at=DUSK, trigger_time=DUSK, ra_deg=RA_DEG,
                         dec_deg=DEC_DEG, error_radius_deg=0.05)
    burst = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 30.0), meta,
                          sequence=seq)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([*pyros_cmd, "worker", "--concurrency", "1", "--queues",
                               api.URGENT_QUEUE, "--name", f"urgent-{night}@%h"],
                              env=child_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert api.on_frame_archived(burst.pk)
        red = _reduction(burst, worker, log)
        assert red.status == "done", red.error
        # the reduction queued the burst analysis (first frame), on the same urgent queue
        done = "Task pyros.pipeline.analyse_burst["
        deadline = time.monotonic() + 60
        while done not in Path(log.name).read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert done in Path(log.name).read_text(), Path(log.name).read_text()[-3000:]
    finally:
        _stop(worker, log, data_dir, night)

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


@pytest.mark.slow
def test_a_worker_reduces_a_frame_queued_by_the_api(child_env, pyros_cmd, tmp_path):
    from django.conf import settings

    from pyros.execution.models import Frame
    from pyros.pipeline import api
    from pyros.pipeline.core.synthetic import FrameMeta
    from pyros.pipeline.models import ReducedFrame

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
        deadline = time.monotonic() + 120
        red = None
        while time.monotonic() < deadline:
            red = ReducedFrame.objects.filter(frame=light, status__in=["done", "failed"]).first()
            if red is not None:
                break
            assert worker.poll() is None, Path(log.name).read_text()
            time.sleep(0.5)
        else:
            raise AssertionError("no reduction:\n" + Path(log.name).read_text())
        assert red.status == "done", red.error
        assert red.n_matched > 20 and red.zero_point is not None
        assert (data_dir / red.path).is_file()
        assert Frame.objects.get(pk=light.pk).reduced == red
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        log.close()
        for top in ("raw", "reduced"):
            shutil.rmtree(data_dir / top / night, ignore_errors=True)

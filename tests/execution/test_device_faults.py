"""Devices failing in the middle of a sequence: the run ends with the reason, every frame
taken before is kept, nothing half-written is recorded, and the sequence is retried."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from pyros.execution.models import Frame


def _later(seconds: float, action) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(seconds), action()), daemon=True)
    t.start()
    return t


def _consistent() -> None:
    files = {str(p.relative_to(settings.DATA_DIR))
             for p in (Path(settings.DATA_DIR) / "raw").rglob("*.fits")}
    assert files == set(Frame.objects.values_list("path", flat=True))


@pytest.mark.parametrize("mode", ["disconnected", "hang", "error"])
def test_vis_camera_fails_mid_exposure(agent, make_sequence, sims, mode):
    seq = make_sequence("M42", vis=(("r", 60.0, 4),), nir=())
    t = _later(2.5, lambda: sims.set_fault("camera_vis", mode, duration_s=3600))
    run = agent.execute(seq, "20261125")
    t.join()
    run.refresh_from_db()
    seq.refresh_from_db()
    assert run.outcome == "failed" and "VIS" in run.reason, run.reason
    assert seq.status == "validated"  # retried later (attempt 1 of 3)
    assert Frame.objects.filter(sequence=seq).count() < 4
    _consistent()


def _abort_when_exposing(camera) -> threading.Thread:
    """Another client (monitoring on a weather change, an operator at the web page) aborts
    the camera's exposure once it is exposing."""
    from pyros.devices import CameraState

    def abort() -> None:
        deadline = time.monotonic() + 30
        while camera.state() is not CameraState.EXPOSING and time.monotonic() < deadline:
            time.sleep(0.02)
        camera.abort_exposure()

    t = threading.Thread(target=abort, daemon=True)
    t.start()
    return t


def test_an_exposure_aborted_by_someone_else_ends_the_run_at_once(agent, make_sequence, cfg):
    """The runner noticed only image_ready: an exposure aborted from outside left it waiting
    for the exposure + readout + 120 clock seconds and the 60 s download timeout."""
    from pyros.devices import open_all

    seq = make_sequence("M42", vis=(("r", 600.0, 2),), nir=())
    other = open_all(cfg)["camera_vis"]  # its own driver, as monitoring has
    t = _abort_when_exposing(other)
    run = agent.execute(seq, "20261125")
    t.join(5)
    run.refresh_from_db()
    seq.refresh_from_db()
    assert run.outcome == "failed" and "camera_vis" in run.reason \
        and "aborted" in run.reason, run.reason
    assert run.executed_s < 600  # ended long before the exposure would have
    assert seq.status == "validated"  # retried later (attempt 1 of 3)
    assert not Frame.objects.filter(sequence=seq).exists()
    _consistent()


def test_nir_camera_lost_mid_sequence_keeps_vis_going(agent, make_sequence, sims):
    seq = make_sequence("M42", vis=(("r", 30.0, 4),), nir=(("J", 30.0, 4),))
    t = _later(1.5, lambda: sims.set_fault("camera_nir", "disconnected"))
    run = agent.execute(seq, "20261125")
    t.join()
    run.refresh_from_db()
    assert Frame.objects.filter(sequence=seq, channel="VIS").count() == 4
    assert Frame.objects.filter(sequence=seq, channel="NIR").count() < 4
    assert "NIR" in run.reason  # recorded, not hidden
    _consistent()


def test_hung_filter_wheel_fails_the_run_within_its_timeout(agent, make_sequence, sims):
    sims.set_fault("filterwheel_vis", "hang", duration_s=3600)
    seq = make_sequence("M42", vis=(("i", 10.0, 2),), nir=())
    started = time.monotonic()
    run = agent.execute(seq, "20261125")
    run.refresh_from_db()
    assert run.outcome == "failed" and "filterwheel_vis" in run.reason, run.reason
    assert time.monotonic() - started < 60  # gave up on the device timeout, did not hang
    assert not Frame.objects.filter(sequence=seq).exists()


def test_focuser_lost_does_not_stop_observing(agent, make_sequence, sims, cfg, clock):
    from pyros.execution.models import FocusRun

    FocusRun.objects.create(channel="VIS", filter_name="r", positions=[], fwhm_arcsec=[],
                            best_position=cfg.simulator.focuser_best_step, ok=True,
                            at=clock.now())
    sims.set_fault("focuser", "disconnected")
    seq = make_sequence("M42", vis=(("z", 10.0, 2),), nir=())
    agent.execute(seq, "20261125")
    seq.refresh_from_db()
    assert seq.status == "executed"  # slightly out of focus beats not observing


@pytest.mark.parametrize("device, after_s", [("mount", 0.08), ("dome", 0.3)])
def test_mount_or_dome_lost_while_pointing(agent, make_sequence, sims, device, after_s):
    """Lost during the slew or the shutter opening: the run fails with the reason, no frame
    is taken blind, and the sequence goes back to be tried again."""
    seq = make_sequence("M42", vis=(("r", 10.0, 2),), nir=())
    t = _later(after_s, lambda: sims.set_fault(device, "disconnected", duration_s=3600))
    run = agent.execute(seq, "20261125")
    t.join()
    run.refresh_from_db()
    seq.refresh_from_db()
    assert run.outcome == "failed" and device in run.reason, run.reason
    assert seq.status == "validated"
    _consistent()

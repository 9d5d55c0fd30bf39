"""Nightly calibrations and autofocus on the simulators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from django.conf import settings

from pyros.devices import CameraState, ShutterState
from pyros.execution.calibrate import Calibrator, focus_position_for
from pyros.execution.calibration import CalibrationPlan, flat_source
from pyros.execution.models import Frame


def test_flat_source_rule():
    assert flat_source(-6.0, weather_safe=True) == "sky"
    assert flat_source(-6.0, weather_safe=False) == "dome"
    assert flat_source(-15.0, weather_safe=True) == "dome"


def test_dome_calibrations_for_every_channel(agent, cfg, clock, sims):
    plan = CalibrationPlan(bias=2, darks=2, dark_exposure_s=10.0, flats_per_filter=1)
    taken = Calibrator(agent.devices, cfg, clock, night_label="20261125", plan=plan).run(
        sun_alt_deg=-20.0, weather_safe=True)
    assert set(taken) == {"VIS", "NIR"}
    vis = Frame.objects.filter(channel="VIS", night="20261125")
    assert vis.filter(kind="bias").count() == 2 and vis.filter(kind="dark").count() == 2
    assert sorted(vis.filter(kind="flat").values_list("filter_name", flat=True)) == \
        ["g", "i", "r", "z"]
    flat = vis.filter(kind="flat").first()
    data = fits.getdata(Path(settings.DATA_DIR) / flat.path).astype(float)
    level_e = (np.median(data) - 1000.0) * cfg.channel("VIS").gain_e_adu
    target = plan.flat_target_fraction * cfg.channel("VIS").full_well_e
    assert 0.5 * target < level_e < 1.5 * target  # exposure scaled from the test flat
    bias = fits.getdata(Path(settings.DATA_DIR) / vis.filter(kind="bias").first().path)
    assert np.median(bias) < np.median(data) / 5
    assert agent.devices.plc.get("flat lamp") == 0.0  # lamp switched off again
    assert agent.devices.dome.shutter_state() is ShutterState.CLOSED  # dome flats


def test_autofocus_finds_the_best_focus(agent, cfg, clock, sims):
    from pyros.execution.models import FocusRun

    focuser = agent.devices.focuser
    best_true = cfg.simulator.focuser_best_step + cfg.channel("VIS").focus_offsets["r"]
    agent.devices.mount.unpark()
    agent.devices.mount.slew_radec(83.82, -5.39, wait=True)
    agent.devices.dome.open_shutter(wait=True)
    # the focus drifted out of the first sweep (±150): a second sweep finds it
    focuser.move_to(best_true + 200, wait=True)
    run = Calibrator(agent.devices, cfg, clock, night_label="20261125").autofocus(
        agent.devices.channels["VIS"], "r", half_range=150, exposure_s=20.0, box_px=512)
    first = FocusRun.objects.order_by("pk").first()
    assert FocusRun.objects.count() == 2 and not first.ok and "outside" in first.reason
    assert min(run.positions) < best_true < max(run.positions)
    assert run.ok, run.reason
    assert abs(run.best_position - best_true) <= 20
    assert abs(focuser.position() - run.best_position) <= 1
    measured = [f for f in run.fwhm_arcsec if f is not None]
    assert run.best_fwhm_arcsec < 0.6 * max(measured)
    assert run.best_fwhm_arcsec < 2.0  # seeing 1.2" at airmass ~1.4
    # another filter: its offset is applied relative to the fitted focus
    z = focus_position_for(cfg.channel("VIS"), run, "z")
    assert z == run.best_position - 15 + 45


def _pointed_at_orion(agent):
    agent.devices.mount.unpark()
    agent.devices.mount.slew_radec(83.82, -5.39, wait=True)
    agent.devices.dome.open_shutter(wait=True)


@pytest.mark.parametrize("at_once", [False, True], ids=["while-exposing", "at-once"])
def test_a_focus_exposure_aborted_by_monitoring_ends_the_focus_and_restores_it(
        agent, cfg, clock, sims, monkeypatch, at_once):
    """The weather turned: monitoring aborts the exposure. The focus run must notice at
    once (the camera's own wait would sit out its 60 s download timeout in wall time),
    also when the abort came before its first look at the camera (a loaded machine)."""
    import threading

    from pyros.devices import CameraState, OperationAborted

    _pointed_at_orion(agent)
    focuser, camera = agent.devices.focuser, agent.devices.channels["VIS"].camera
    before = focuser.position()
    if at_once:
        start = camera.start_exposure

        def start_then_aborted(*args, **kwargs):
            start(*args, **kwargs)
            camera.abort_exposure()

        monkeypatch.setattr(camera, "start_exposure", start_then_aborted)

    def abort_when_exposing():
        from pyros.clock import monotonic

        deadline = monotonic() + 30
        while camera.state() is not CameraState.EXPOSING and monotonic() < deadline:
            threading.Event().wait(0.02)
        camera.abort_exposure()  # what monitoring does when the observatory goes UNSAFE

    t = threading.Thread(target=abort_when_exposing, daemon=True)
    if not at_once:
        t.start()
    with pytest.raises(OperationAborted, match="aborted"):
        Calibrator(agent.devices, cfg, clock, night_label="20261125").autofocus(
            agent.devices.channels["VIS"], "r", exposure_s=600.0, box_px=512)
    if not at_once:
        t.join(5)
    assert focuser.position() == before  # not left somewhere in the sweep


def test_the_guard_interrupts_a_focus_sweep_between_and_during_exposures(agent, cfg, clock,
                                                                        sims):
    from pyros.execution.models import FocusRun
    from pyros.execution.runner import Interrupt

    _pointed_at_orion(agent)
    focuser, camera = agent.devices.focuser, agent.devices.channels["VIS"].camera
    before = focuser.position()
    calls = {"n": 0}

    def guard():  # an alert arrives while the third frame exposes
        calls["n"] += 1
        if Frame.objects.filter(kind="focus").count() >= 2 and calls["n"] > 8:
            raise Interrupt("preempted by alert sequence 1", preempted=True)

    with pytest.raises(Interrupt):
        Calibrator(agent.devices, cfg, clock, guard=guard, night_label="20261125").autofocus(
            agent.devices.channels["VIS"], "r", exposure_s=60.0, box_px=512)
    assert Frame.objects.filter(kind="focus").count() == 2 and not FocusRun.objects.exists()
    assert focuser.position() == before
    assert camera.state() is not CameraState.EXPOSING  # the running exposure was aborted

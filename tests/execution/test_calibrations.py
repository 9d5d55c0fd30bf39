"""Nightly calibrations and autofocus on the simulators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from django.conf import settings

from pyros.devices import ShutterState
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
    focuser = agent.devices.focuser
    best_true = cfg.simulator.focuser_best_step + cfg.channel("VIS").focus_offsets["r"]
    agent.devices.mount.unpark()
    agent.devices.mount.slew_radec(83.82, -5.39, wait=True)
    agent.devices.dome.open_shutter(wait=True)
    focuser.move_to(best_true + 90, wait=True)
    run = Calibrator(agent.devices, cfg, clock, night_label="20261125").autofocus(
        agent.devices.channels["VIS"], "r", half_range=150, exposure_s=20.0, box_px=512)
    assert run.ok, run.reason
    assert abs(run.best_position - best_true) <= 20
    assert abs(focuser.position() - run.best_position) <= 1
    measured = [f for f in run.fwhm_arcsec if f is not None]
    assert run.best_fwhm_arcsec < 0.6 * max(measured)
    assert run.best_fwhm_arcsec < 2.0  # seeing 1.2" at airmass ~1.4
    # another filter: its offset is applied relative to the fitted focus
    z = focus_position_for(cfg.channel("VIS"), run, "z")
    assert z == run.best_position - 15 + 45

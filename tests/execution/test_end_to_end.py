"""From a planned sequence to analysed data, on the simulators, with the real pipeline:
calibrations → masters; a burst sequence → frames archived with headers → reduced with the
night's masters, WCS fitted to the simulator's stars within 1″ → the injected afterglow
found at its position and fading."""

from __future__ import annotations

from datetime import timedelta

import pytest
from astropy.coordinates import SkyCoord

from pyros.execution.calibrate import Calibrator
from pyros.execution.calibration import CalibrationPlan
from pyros.execution.models import Frame
from pyros.pipeline.actions import BurstRef, analyse_burst
from pyros.pipeline.api import on_calibrations_done
from pyros.pipeline.models import MasterCalibration, ReducedFrame

RA, DEC = 84.35, -4.6  # the sky model's field near Orion's belt, high at 07 UTC


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the tasks run here, in order


def test_sequence_to_calibrated_analysed_data(eager, agent, cfg, clock, sims, make_sequence):
    label = "20261125"
    plan = CalibrationPlan(bias=3, darks=3, dark_exposure_s=30.0, flats_per_filter=3)
    Calibrator(agent.devices, cfg, clock, night_label=label, plan=plan).run(
        sun_alt_deg=-20.0, weather_safe=True)
    on_calibrations_done(label, "VIS")
    kinds = set(MasterCalibration.objects.filter(channel="VIS").values_list("kind", flat=True))
    assert kinds == {"bias", "dark", "flat"}

    trigger = clock.now() - timedelta(seconds=60)
    burst = SkyCoord(RA + 0.02, DEC - 0.015, unit="deg")
    sims.add_transient(burst.ra.deg, burst.dec.deg, mag=14.5, t0=trigger, alpha=1.0)
    seq = make_sequence("GRB test", ra=RA, dec=DEC, vis=(("r", 30.0, 4),), nir=())
    agent.execute(seq, label)
    seq.refresh_from_db()
    assert seq.status == "executed"

    reduced = list(ReducedFrame.objects.filter(frame__sequence=seq))
    assert len(reduced) == Frame.objects.filter(sequence=seq).count() == 4
    for r in reduced:
        assert r.status == "done", r.error
        assert r.master_bias and r.master_dark and r.master_flat  # tonight's masters
        assert r.astrometric_rms_arcsec is not None and r.astrometric_rms_arcsec < 1.0
        assert r.n_matched >= 5 and r.zero_point is not None

    result = analyse_burst(BurstRef(sequence_id=seq.pk, ra_deg=RA + 0.02, dec_deg=DEC - 0.015,
                                    radius_deg=2 / 60, trigger_time=trigger.isoformat()))
    assert result.found
    found = SkyCoord(result.ra_deg, result.dec_deg, unit="deg")
    assert found.separation(burst).arcsec < 1.0
    assert result.decay_index is not None and 0.3 < result.decay_index < 2.0

"""A planned sequence runs on the simulators: frames archived with headers and records."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from django.conf import settings

from pyros.devices import DeviceUnavailable
from pyros.execution.models import Frame, SequenceRun


def test_sequence_is_executed_and_every_frame_archived(agent, make_sequence, sims):
    seq = make_sequence()
    run = agent.execute(seq, "20261125")
    seq.refresh_from_db()
    run.refresh_from_db()
    assert seq.status == "executed", run.reason
    assert run.outcome == "executed" and run.frames_taken == 4 and run.frames_expected == 4
    frames = list(Frame.objects.filter(sequence=seq))
    assert sorted((f.channel, f.filter_name) for f in frames) == [
        ("NIR", "J"), ("NIR", "J"), ("VIS", "r"), ("VIS", "r")]
    for f in frames:
        path = Path(settings.DATA_DIR) / f.path
        assert path.exists() and f.path.startswith("raw/20261125/")
        with fits.open(path) as hdul:
            h = hdul[0].header
            data = hdul[0].data
        assert data.shape == (512, 512) and data.dtype == np.uint16
        for key in ("DATE-OBS", "EXPTIME", "FILTER", "OBJECT", "RA", "DEC", "AIRMASS",
                    "TELESCOP", "INSTRUME", "PROGRAM", "REQUEST", "SEQUENCE"):
            assert key in h, key
        assert h["EXPTIME"] == 5.0 and h["OBJECT"] == "M42" and h["SEQUENCE"] == seq.pk
        assert 1.0 <= h["AIRMASS"] < 2.5
        w = WCS(h)
        ra, dec = w.wcs_pix2world([[256.5, 256.5]], 1)[0]
        assert abs(ra - 83.82) < 0.01 and abs(dec + 5.39) < 0.01
        assert data.std() > 0  # a real rendered frame, not a blank
    # the telescope time is debited from the programme's quota through the ledger
    from pyros.accounts.ledger import quota_balance

    quota = seq.request.programme.quotas.get()
    balance = quota_balance(seq.request.programme, quota.period)
    assert balance.debited_s == seq.executed_s == run.executed_s > 0


def test_lost_nir_camera_does_not_stop_vis(agent, make_sequence, sims):
    sims.set_fault("camera_nir", "disconnected")
    seq = make_sequence()
    run = agent.execute(seq, "20261125")
    seq.refresh_from_db()
    run.refresh_from_db()
    assert seq.status == "executed"
    assert run.skipped_channels == ["NIR"]
    assert set(Frame.objects.filter(sequence=seq).values_list("channel", flat=True)) == {"VIS"}


def test_lost_vis_camera_fails_then_retries(agent, make_sequence, sims):
    sims.set_fault("camera_vis", "disconnected")
    seq = make_sequence()
    run = agent.execute(seq, "20261125")
    seq.refresh_from_db()
    assert run.outcome == "failed" and "VIS camera unavailable" in run.reason
    assert seq.status == "validated"          # to be tried again (attempt 1 of 3)
    sims.set_fault("camera_vis", "ok")
    # the driver backs off on the wall clock (the network does not speed up): wait for it
    camera = agent.devices.channels["VIS"].camera
    deadline = time.monotonic() + 10
    while True:
        try:
            camera.state()
            break
        except DeviceUnavailable:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    seq.status = "planned"
    seq.save()
    agent.execute(seq, "20261125")
    seq.refresh_from_db()
    assert seq.status == "executed"
    assert SequenceRun.objects.filter(sequence=seq).count() == 2

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


def test_dithered_exposures_move_the_mount_between_exposures_never_during(
        agent, make_sequence, sims, cfg, tmp_path):
    """VIS and NIR expose at once; with a 10" dither step every VIS frame is at its own
    position of the pattern, each header says where the mount was, and the frame itself
    agrees (the astrometric fit finds the header's position: no move while exposing)."""
    from astropy.coordinates import SkyCoord

    from pyros.execution.dither import dither_offset_arcsec
    from pyros.pipeline.core.process import MasterPaths, OutputPaths, process_light
    from pyros.pipeline.core.reference import sky_model_reference
    from pyros.routines.models import Plan

    seq = make_sequence(vis=(("r", 30.0, 3),), nir=(("J", 10.0, 6),))
    Plan.objects.filter(album__sequence=seq).update(dither_arcsec=10.0)
    run = agent.execute(seq, "20261125")
    seq.refresh_from_db()
    assert seq.status == "executed", run.reason
    target = SkyCoord(seq.ra_deg, seq.dec_deg, unit="deg")
    pattern = {dither_offset_arcsec(i, 10.0) for i in range(9)}
    reference = sky_model_reference(cfg.simulator.seed)
    positions = {}
    for f in Frame.objects.filter(sequence=seq).order_by("date_obs", "id"):
        with fits.open(Path(settings.DATA_DIR) / f.path) as hdul:
            h = hdul[0].header
        east, north = (a.to_value("arcsec") for a in
                       target.spherical_offsets_to(SkyCoord(h["RA"], h["DEC"], unit="deg")))
        nearest = min(pattern, key=lambda p: (p[0] - east) ** 2 + (p[1] - north) ** 2)
        assert np.hypot(nearest[0] - east, nearest[1] - north) < 0.2, (east, north)
        positions.setdefault(f.channel, []).append(nearest)
        if f.channel != "VIS":  # 10 s in J on 512 px: too few stars for a reliable fit
            continue
        res = process_light(Path(settings.DATA_DIR) / f.path, MasterPaths(),
                            OutputPaths(tmp_path / f"{f.pk}.fits", tmp_path / f"{f.pk}.ecsv",
                                        None), reference)
        assert res.n_matched >= 3 and res.wcs_offset_arcsec < 1.5, (f.path, res)
    assert len(set(positions["VIS"])) == 3, positions
    assert positions["VIS"][0] == (0.0, 0.0)  # the first exposure is on the target
    assert len(set(positions["VIS"]) | set(positions["NIR"])) >= 3

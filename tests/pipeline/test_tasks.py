"""The Django side: masters, reductions and burst analyses recorded once, sent once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.pipeline.conftest import (
    DUSK,
    META,
    NIGHT,
    archive_calibrations,
    archive_frame,
    spec,
)

from pyros.pipeline import actions, api
from pyros.pipeline.models import BurstResult, MasterCalibration, ReducedFrame

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _outbox(data_dir, folder: str, kind: str) -> list:
    return sorted((data_dir / "exchange" / folder / "TO").glob(f"{kind}-*.json"))


def test_masters_are_built_versioned_and_sent_once(data_dir, clock, eager,
                                                   django_capture_on_commit_callbacks):
    archive_calibrations(data_dir)
    for _ in range(2):  # a redelivered task builds nothing new and sends nothing new
        with django_capture_on_commit_callbacks(execute=True):
            api.on_calibrations_done(NIGHT, "VIS")
    masters = {m.kind: m for m in MasterCalibration.objects.all()}
    assert sorted(masters) == ["bias", "dark", "flat"]
    assert all(m.version == 1 and m.n_frames == 5 and m.sent_to_ic for m in masters.values())
    assert masters["flat"].filter_name == "r" and masters["flat"].bias == masters["bias"]
    assert masters["dark"].stats["dark_e_s"] == pytest.approx(0.01, rel=0.25)
    assert (data_dir / masters["bias"].path).is_file()
    assert masters["bias"].path.startswith(f"masters/{NIGHT}/VIS/")
    sent = _outbox(data_dir, "GIC", "calibration")
    assert len(sent) == 3
    message = json.loads(sent[0].read_text())
    assert message["payload"]["path"] in {m.path for m in masters.values()}

    # One more bias frame: a new bias version, and the dark and flat rebuilt on it.
    archive_frame(data_dir, spec("bias", DUSK + timedelta(hours=1), 0.0))
    actions.build_masters(NIGHT, "VIS")
    assert MasterCalibration.objects.count() == 6
    latest = {m.kind: m for m in MasterCalibration.objects.filter(version=2)}
    assert latest["bias"].n_frames == 6 and latest["dark"].bias == latest["bias"]
    assert all((data_dir / m.path).is_file() for m in MasterCalibration.objects.all())
    assert len(_outbox(data_dir, "GIC", "calibration")) == 6


def test_best_masters_fall_back_to_the_latest_earlier_night(data_dir, clock):
    from pyros.execution.models import Frame

    def master(night, kind, version=1, band=""):
        return MasterCalibration.objects.create(
            night=night, channel="VIS", kind=kind, filter_name=band, version=version,
            path=f"masters/{night}/{kind}{band}{version}.fits", width_px=1024, height_px=1024,
            n_frames=5, inputs_digest=f"{night}{kind}{band}{version}")

    old_bias, old_flat_i = master("20260310", "bias"), master("20260310", "flat", band="i")
    master("20260314", "bias")
    new_bias = master("20260314", "bias", version=2)
    flat_r = master("20260314", "flat", band="r")
    master("20260320", "bias")  # later nights never calibrate earlier frames
    light = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 10.0))
    best = actions.best_masters(light)
    assert best == {"bias": new_bias, "dark": None, "flat": flat_r}
    light_i = Frame.objects.create(**{**{f.name: getattr(light, f.name) for f in
                                         Frame._meta.concrete_fields if f.name != "id"},
                                      "path": "raw/x.fits", "filter_name": "i",
                                      "night": "20260312"})
    assert actions.best_masters(light_i) == {"bias": old_bias, "dark": None,
                                             "flat": old_flat_i}


def test_a_light_is_reduced_once_however_often_the_task_runs(
        data_dir, clock, eager, django_capture_on_commit_callbacks):
    from pyros.pipeline.tasks import reduce_frame

    archive_calibrations(data_dir)
    actions.build_masters(NIGHT, "VIS")
    bias_frame = archive_frame(data_dir, spec("bias", DUSK + timedelta(hours=1), 0.0))
    light = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 60.0))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert api.on_frame_archived(light.pk) is True
        assert api.on_frame_archived(bias_frame.pk) is False
    assert len(queued) == 1
    red = ReducedFrame.objects.get(frame=light)
    assert red.status == "done" and red.error == "" and red.attempts == 1
    assert red.master_flat.filter_name == "r" and red.master_dark is not None
    assert red.zero_point == pytest.approx(24.7, abs=0.1) and red.n_matched > 30
    assert red.path == f"reduced/{NIGHT}/VIS/{light.path.rsplit('/', 1)[-1]}"
    for rel in (red.path, red.catalog_path, red.preview_path):
        assert (data_dir / rel).is_file()
    first = (data_dir / red.catalog_path).read_bytes()

    reduce_frame.apply(args=(light.pk,), throw=True)  # a retry / redelivery
    assert ReducedFrame.objects.count() == 1
    again = ReducedFrame.objects.get(frame=light)
    assert again.attempts == 2 and again.status == "done"
    assert (data_dir / red.catalog_path).read_bytes() == first  # deterministic products
    assert not list((data_dir / "reduced").rglob(".tmp-*"))
    assert actions.stale_reductions(NIGHT, "VIS") == []


def test_a_missing_raw_file_is_recorded_as_a_failed_reduction(data_dir, clock):
    light = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 10.0))
    (data_dir / light.path).unlink()
    red = actions.reduce_frame(light.pk)
    assert red.status == "failed" and "No such file" in red.error
    assert actions.stale_reductions(NIGHT, "VIS") == [light.pk]


@pytest.fixture
def sequence(db, clock):
    from tests.pipeline.conftest import alert_sequence

    return alert_sequence()


def test_an_alerts_frames_and_analyses_go_to_the_urgent_queue(
        data_dir, clock, sequence, monkeypatch, django_capture_on_commit_callbacks):
    from pyros.pipeline import api, tasks

    sent = []
    for task in (tasks.reduce_frame, tasks.analyse_burst):
        monkeypatch.setattr(task, "apply_async",
                            lambda args, queue, _t=task.name: sent.append((_t, queue)))
    routine = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=2), 30.0))
    burst = archive_frame(data_dir, spec("light", DUSK + timedelta(hours=3), 30.0),
                          sequence=sequence)
    bias = archive_frame(data_dir, spec("bias", DUSK, 0.0))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.on_frame_archived(routine.pk) and api.on_frame_archived(burst.pk)
        assert not api.on_frame_archived(bias.pk)
        api.on_burst_epoch(sequence_id=sequence.pk)
    assert sent == [("pyros.pipeline.reduce_frame", api.DEFAULT_QUEUE),
                    ("pyros.pipeline.reduce_frame", api.URGENT_QUEUE),
                    ("pyros.pipeline.analyse_burst", api.URGENT_QUEUE)]


def test_a_burst_analysis_is_stored_and_sent_once(data_dir, clock, eager, sequence,
                                                  django_capture_on_commit_callbacks):
    import math

    from tests.pipeline.conftest import DEC_DEG, RA_DEG

    from pyros.skymodel import Transient

    trigger = DUSK + timedelta(hours=3)
    glow = Transient(RA_DEG - 30 / 3600 / math.cos(math.radians(DEC_DEG)),
                     DEC_DEG + 25 / 3600, 15.5, trigger, alpha=1.0)
    for age in (120, 600, 1800):
        s = spec("light", trigger + timedelta(seconds=age), 60.0, transients=(glow,))
        frame = archive_frame(data_dir, s, META, sequence=sequence)
        actions.reduce_frame(frame.pk)  # no masters: vignetted, still calibrated
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            api.on_burst_epoch(sequence_id=sequence.pk, radius_deg=2 / 60,
                               trigger_time=trigger)
    result = BurstResult.objects.get()
    assert result.key == f"sequence-{sequence.pk}" and result.request == sequence.request
    assert result.found and result.n_frames == 3 and result.frames.count() == 3
    sep = math.hypot((result.ra_deg - glow.ra_deg) * math.cos(math.radians(DEC_DEG)),
                     result.dec_deg - glow.dec_deg) * 3600
    assert sep < 1.0
    assert result.decay_index == pytest.approx(1.0, abs=0.2)
    assert len(result.light_curve) == 3 and result.light_curve[0]["detected"] is True
    report = json.loads((data_dir / result.report_path).read_text())
    assert report["found"] is True and report["sequence_id"] == sequence.pk
    assert (data_dir / result.light_curve_png).read_bytes()[:4] == b"\x89PNG"
    sent = _outbox(data_dir, "FSC", "burst-analysis")
    assert len(sent) == 1 and result.sent_to_fsc
    assert json.loads(sent[0].read_text())["payload"]["decay_index"] == result.decay_index


def test_on_burst_epoch_needs_something_to_follow():
    with pytest.raises(ValueError, match="needs an alert"):
        api.on_burst_epoch(radius_deg=0.1)


def test_a_burst_is_analysed_as_its_frames_are_reduced(data_dir, clock, eager, sequence,
                                                       django_capture_on_commit_callbacks):
    """1, 2, 4 frames reduced: analysed each time; then the last frame of the ended
    sequence, reduced after the execution agent's end-of-sequence call."""
    import math

    from tests.pipeline.conftest import DEC_DEG, RA_DEG

    from pyros.alerts.models import Alert
    from pyros.pipeline import tasks
    from pyros.skymodel import Transient

    trigger = DUSK + timedelta(hours=3)
    Alert.objects.create(name="SVOM sb26031501", status="observing", priority=15,
                         first_received_at=trigger, trigger_time=trigger,
                         request=sequence.request, ra_deg=RA_DEG, dec_deg=DEC_DEG,
                         error_radius_deg=2 / 60, error90_deg=2 / 60)
    glow = Transient(RA_DEG - 30 / 3600 / math.cos(math.radians(DEC_DEG)),
                     DEC_DEG + 25 / 3600, 15.5, trigger, alpha=1.0)
    analysed = []
    for i, age in enumerate((120, 300, 600, 900, 1800)):
        frame = archive_frame(data_dir, spec("light", trigger + timedelta(seconds=age), 60.0,
                                             transients=(glow,)), META, sequence=sequence)
        if i == 4:  # the sequence ended before its last frame was reduced
            type(sequence).objects.filter(pk=sequence.pk).update(status="executed")
        with django_capture_on_commit_callbacks(execute=True):
            out = tasks.reduce_frame(frame.pk)
        result = BurstResult.objects.filter(key__startswith="alert-").first()
        analysed.append((out["burst_analysis"] is not None,
                         result.n_frames if result else 0))
    assert analysed == [(True, 1), (True, 2), (False, 2), (True, 4), (True, 5)]
    result = BurstResult.objects.get()
    assert result.found and result.decay_index == pytest.approx(1.0, abs=0.25)

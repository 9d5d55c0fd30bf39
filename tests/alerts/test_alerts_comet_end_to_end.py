"""The real SVOM burst sb26022501 through a Comet broker to the telescope, end to end:
the wake-up → slewing → MXT sequence (one alert, on target, frames, a refined re-point),
and a retraction that stops the running observation.

Comet (the VOEvent Transport Protocol broker) receives the three real notices from Comet's
own sender; the alerts agent is subscribed to it over VTP; the monitoring, scheduler and
execution agents run on the simulators over HTTP (:mod:`pyros.agents.inprocess`).  Nothing
is called directly: the test only publishes and watches.

Timeline: the clock runs 20× from 55 s after the trigger; the wake-up and slewing notices
arrive after their real dates (+63 s, +192 s); the MXT notice (real date +86 min) is sent
once the first pointing has frames, about 5 min after the trigger, to keep the test short
(the decision it triggers depends on the positions, not on the delay).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from astropy.coordinates import SkyCoord

from pyros.alerts.agent import AlertsAgent
from pyros.alerts.listeners.vtp import VtpListener
from pyros.alerts.models import Alert, StoredNotice
from pyros.clock import SimClock, set_clock
from pyros.config.alerts import AlertsSettings, FscConfig, VtpListenerConfig
from pyros.execution.models import Frame, SequenceRun
from pyros.routines.models import Sequence

pytestmark = [pytest.mark.timeout(300), pytest.mark.django_db(transaction=True)]

ECLAIRS = SkyCoord(204.6500, 44.6257, unit="deg")   # eclairs_299 (wake-up)
MXT = SkyCoord(204.8665, 45.1204, unit="deg")       # mxt_40


@pytest.fixture
def sim_clock(data):
    clock = SimClock(data.svom_trigger + timedelta(seconds=55), speed=20.0)
    set_clock(clock)
    yield clock
    set_clock(None)


@pytest.fixture
def small_cfg():
    from pyros.config import load_config
    from pyros.simulators.testing import small_detectors

    return small_detectors(load_config(), 256)


@pytest.fixture
def observatory(comet, sim_clock, small_cfg, tmp_path, settings):
    """The in-process observatory with its alerts agent subscribed to Comet over VTP:
    yields (observatory, Comet's receiving port, the listener)."""
    from pyros.agents.inprocess import running_observatory

    settings.DATA_DIR = tmp_path
    receive, broadcast, log = comet
    vtp = VtpListenerConfig(enabled=True, host="127.0.0.1", port=broadcast, poll_timeout_s=0.2)
    listener = VtpListener(vtp)
    alerts = AlertsAgent(settings=AlertsSettings(vtp=vtp, fsc=FscConfig(drop_dir=tmp_path / "FSC")),
                         listeners=[listener])
    with running_observatory(small_cfg, extra=(alerts,)) as obs:
        obs.wait_for(lambda: listener.status()["connected"]
                     and "broadcast" in log.read_text(errors="replace").lower(), 30,
                     "the subscription to Comet")
        yield obs, receive, listener


def _mount(obs) -> SkyCoord:
    m = obs.simulators.state()["devices"]["mount"]
    return SkyCoord(m["ra_deg"], m["dec_deg"], unit="deg")


def test_svom_sequence_through_comet_points_observes_and_repoints(
        observatory, send_voevent, sim_clock, data):
    obs, receive, listener = observatory
    # 1. the ECLAIRs wake-up: one alert, the telescope goes there and exposes
    send_voevent(data.svom / "eclairs_299.xml", receive)
    alert = obs.wait_for(lambda: Alert.objects.filter(name="SVOM sb26022501").first(), 30,
                         "the alert")
    first = obs.wait_for(lambda: Sequence.objects.filter(
        request=alert.request, frames__kind="light").distinct().first(), 120,
        "frames of the first pointing")
    assert SkyCoord(first.ra_deg, first.dec_deg, unit="deg").separation(
        ECLAIRS).arcsec < 1
    assert _mount(obs).separation(ECLAIRS).arcmin < 1  # on target while exposing

    # 2. the slewing notice refines the error circle; the pointing stays
    obs.wait_for(lambda: sim_clock.now() > data.svom_trigger + timedelta(seconds=195), 30,
                 "the slewing notice's date")
    send_voevent(data.svom / "eclairs_300.xml", receive)
    obs.wait_for(lambda: StoredNotice.objects.filter(outcome="updated").exists(), 30,
                 "the slewing notice merged")
    alert.refresh_from_db()
    assert alert.repoints == 0 and alert.error_radius_deg == pytest.approx(0.0854)

    # 3. MXT: 29' away, outside the field: the pointing moves
    send_voevent(data.svom / "mxt_40.xml", receive)
    obs.wait_for(lambda: Alert.objects.filter(pk=alert.pk, repoints=1).exists(), 30,
                 "the re-point")
    moved = obs.wait_for(lambda: Sequence.objects.filter(
        request=alert.request, frames__kind="light", ra_deg__gt=204.8).distinct().first(),
        120, "frames at the MXT position")
    assert SkyCoord(moved.ra_deg, moved.dec_deg, unit="deg").separation(MXT).arcsec < 1
    obs.wait_for(lambda: _mount(obs).separation(MXT).arcmin < 1, 10,
                 "the mount at the MXT position")

    # one alert for the three notices, all through the VTP broker, none lost or repeated
    assert Alert.objects.count() == 1
    stored = list(StoredNotice.objects.order_by("id"))
    assert [s.ivorn.split("#")[1] for s in stored] == [
        "sb26022501_eclairs-wakeup", "sb26022501_slewing", "sb26022501_mxt-initial_qf1"]
    assert {s.source for s in stored} == {f"vtp:127.0.0.1:{listener.cfg.port}"}
    assert listener.acks == 3
    alert.refresh_from_db()
    assert (alert.ra_deg, alert.dec_deg) == (pytest.approx(204.8665), pytest.approx(45.1204))
    # the old pointing's pending work was cancelled; its frames are kept
    old = Sequence.objects.filter(request=alert.request, ra_deg__lt=204.8)
    assert Frame.objects.filter(sequence__in=old, kind="light").exists()
    assert not old.exclude(status__in=["cancelled", "executed", "partial"]).exists()
    # the latency chain of the first notice, every stage in order
    lat = alert.latency
    stages = [lat.notice_received, lat.notice_stored, lat.request_created, lat.slew_commanded,
              lat.on_target, lat.first_exposure]
    assert all(stages) and stages == sorted(stages)
    # the old pointing's run either ended or was stopped by the re-point, never resumed
    for run in SequenceRun.objects.filter(sequence__in=old):
        assert run.outcome == "executed" or (run.outcome == "aborted"
                                             and "re-pointed" in run.reason), run.reason


def test_a_retraction_through_comet_stops_the_running_observation(
        observatory, send_voevent, sim_clock, data, tmp_path):
    """The wake-up of sb26022501 puts the telescope on the burst; a retraction (SVOM's real
    retraction notice of sb26030408, renamed for this burst) aborts the running exposures
    at once and cancels what was left."""
    from pyros.alerts.testing import renamed_svom_notice

    retraction = tmp_path / "retraction.xml"
    retraction.write_bytes(renamed_svom_notice(data.svom / "eclairs_304.xml", "sb26022501",
                                               old_id="sb26030408"))
    obs, receive, _listener = observatory
    send_voevent(data.svom / "eclairs_299.xml", receive)
    alert = obs.wait_for(lambda: Alert.objects.filter(
        latency__first_exposure__isnull=False).first(), 120, "the first exposure")
    send_voevent(retraction, receive)
    obs.wait_for(lambda: Alert.objects.filter(pk=alert.pk, status="retracted").exists(),
                 30, "the retraction")
    run = obs.wait_for(lambda: SequenceRun.objects.filter(
        sequence__request=alert.request).exclude(outcome="running").first(), 30,
        "the run to end")
    stopped_at = sim_clock.now()
    frames = Frame.objects.filter(sequence__request=alert.request).count()
    obs.wait_for(lambda: sim_clock.now() > stopped_at + timedelta(seconds=120), 30,
                 "two minutes of clock time")
    assert Frame.objects.filter(sequence__request=alert.request).count() == frames
    assert SequenceRun.objects.filter(sequence__request=alert.request).count() == 1
    assert run.outcome == "aborted" and "retracted" in run.reason
    assert frames < 32  # stopped within the first epoch, not run to its end
    assert set(alert.request.sequences.values_list("status", flat=True)) <= {
        "cancelled", "partial"}
    assert StoredNotice.objects.filter(outcome="retracted").count() == 1

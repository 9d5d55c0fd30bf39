"""Carrying out one sequence on the devices (the Observation Manager).

The order: check the observatory may observe (mode, safety monitor), unpark, open the
dome, slew mount and dome to the target, then run the albums of every channel in parallel
(filter, focus offset, exposures), archiving each frame as it is read out.  A guard is
called continually from the waiting thread; when it raises :class:`Interrupt` (an alert
preempts, the weather turns, an admin pauses) every running exposure is aborted and the
run ends with what it has.

Exposures already archived for a sequence count towards its plans, so a run that was
interrupted resumes where it stopped instead of starting again.  A plan with a dither step
offsets the mount between its exposures, never while any channel's shutter is open
(:mod:`pyros.execution.dither`); each frame's header gives the position it was taken at.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connections

from pyros.astro.offsets import offset_position
from pyros.clock import Clock, get_clock, monotonic
from pyros.config import ObservatoryConfig
from pyros.devices import DeviceError, DeviceUnavailable, FrameType, ShutterState
from pyros.execution.archive import archive_frame
from pyros.execution.devices import (
    Channel,
    ObservatoryDevices,
    airmass,
    ccd_temperature_or_none,
    exposure_poll_s,
)
from pyros.execution.dither import MountShare, dither_offset_arcsec
from pyros.execution.fits import FrameMeta
from pyros.execution.models import Frame, SequenceRun
from pyros.routines.models import Album, Plan, Sequence

log = logging.getLogger("pyros.execution")

#: Wall seconds between two calls of the guard while exposures run: how long an alert may
#: wait before the running exposures are aborted (a few indexed queries per call).
GUARD_PERIOD_WALL_S = 0.05
#: Clock seconds a dither move may take (a few arcseconds; the mount settles in seconds).
DITHER_MOVE_TIMEOUT_S = 60.0


class Interrupt(Exception):  # a signal, not an error
    """Stop the running sequence now; ``preempted`` says an alert takes over; ``final`` that
    the sequence must not resume (its alert was retracted): it ends cancelled."""

    def __init__(self, reason: str, preempted: bool = False, final: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.preempted = preempted
        self.final = final


class SequenceFailed(Exception):
    """The sequence cannot be carried out (a blocking device failed, target unreachable)."""


@dataclass
class Work:
    """One plan's remaining exposures on one channel."""

    album: Album
    plan: Plan
    remaining: int


@dataclass
class RunResult:
    frames: list[Frame] = field(default_factory=list)
    expected: int = 0
    skipped_channels: list[str] = field(default_factory=list)
    interrupt: Interrupt | None = None
    error: str = ""
    on_target_at: datetime | None = None
    first_exposure_at: datetime | None = None


def remaining_work(seq: Sequence, channels: list[str]) -> tuple[list[Work], int]:
    """Per plan, exposures still to take (complete frames already archived count)."""
    work: list[Work] = []
    expected = 0
    for album in seq.albums.all():
        if album.channel not in channels:
            continue
        taken_by_filter: dict[str, int] = {}
        for f in Frame.objects.filter(sequence=seq, channel=album.channel, kind="light",
                                      complete=True):
            taken_by_filter[f.filter_name] = taken_by_filter.get(f.filter_name, 0) + 1
        for plan in album.plans.all():
            expected += plan.count
            done = min(plan.count, taken_by_filter.setdefault(plan.filter_name, 0))
            taken_by_filter[plan.filter_name] -= done
            if plan.count - done > 0:
                work.append(Work(album, plan, plan.count - done))
    return work, expected


class SequenceRunner:
    """Runs sequences; ``guard()`` raises Interrupt, ``beat()`` keeps the agent alive."""

    def __init__(self, devices: ObservatoryDevices, cfg: ObservatoryConfig,
                 guard: Callable[[], None], beat: Callable[[], None] = lambda: None,
                 clock: Clock | None = None, night_label: str = "",
                 on_frame: Callable[[Frame], None] = lambda f: None,
                 on_event: Callable[[str, datetime], None] = lambda s, t: None,
                 before_filter: Callable[[str, str], None] = lambda c, f: None):
        self.devices = devices
        self.cfg = cfg
        self._guard = guard
        self.beat = beat
        self.clock = clock or get_clock()
        self.night_label = night_label
        self.on_frame = on_frame
        self.on_event = on_event
        self.before_filter = before_filter
        self.abort = threading.Event()
        self.mount_share = MountShare()
        #: Where the mount points now (the target, or a dither position of it).
        self.pointing: tuple[float, float] | None = None

    def guard(self) -> None:
        """The caller's guard; if it cannot even be evaluated (database down), stop: not
        knowing whether the sky is safe is a reason to stop, never to go on."""
        try:
            self._guard()
        except Interrupt:
            raise
        except Exception as exc:
            raise Interrupt(f"cannot check the observatory state: {exc}") from exc

    # --- waiting while watching the guard ---------
    def _watch(self, done: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Wait (clock seconds) for ``done``, calling the guard and beating meanwhile."""
        deadline = self.clock.now().timestamp() + timeout_s
        while not done():
            self.guard()
            self.beat()
            if self.clock.now().timestamp() > deadline:
                raise SequenceFailed(f"{what} did not finish within {timeout_s:.0f} s")
            self.clock.sleep(min(0.5, max(0.05, 0.05 * self.clock.speed)))

    # --- preparation ---------
    def point(self, seq: Sequence, result: RunResult) -> None:
        self.start_slew(seq)
        self.settle(result)

    def start_slew(self, seq: Sequence) -> None:
        """Command the slew, with only what must come before it (a burst fades: whatever can
        be checked while the mount moves is checked then)."""
        d = self.devices
        if d.safety is not None and not d.safety.is_safe():
            raise Interrupt("the safety monitor reports unsafe")
        if d.mount.at_park():
            d.mount.unpark()
        d.mount.slew_radec(seq.ra_deg, seq.dec_deg, wait=False)
        self.pointing = (seq.ra_deg, seq.dec_deg)
        self.on_event("slew commanded", self.clock.now())

    def settle(self, result: RunResult) -> None:
        """Open and slave the dome while the mount slews; wait for both on target."""
        d = self.devices
        if d.dome is not None:
            d.dome.set_slaved(True)
            if d.dome.shutter_state() is not ShutterState.OPEN:
                d.dome.open_shutter(wait=False)
        self._watch(lambda: not d.mount.is_slewing(), 600, "the slew")
        if d.dome is not None:
            self._watch(lambda: d.dome.shutter_state() is ShutterState.OPEN, 600,
                        "opening the dome")
            self._watch(lambda: not d.dome.is_slewing(), 600, "the dome rotation")
        result.on_target_at = self.clock.now()
        self.on_event("on target", result.on_target_at)

    def usable_channels(self, seq: Sequence, result: RunResult) -> list[Channel]:
        """Channels whose camera answers; a missing non-blocking one is skipped."""
        usable = []
        for album in seq.albums.all():
            ch = self.devices.channels.get(album.channel)
            if ch is None:
                raise SequenceFailed(f"no instrument channel {album.channel!r}")
            try:
                ch.camera.state()
                usable.append(ch)
            except DeviceUnavailable as exc:
                if ch.blocking:
                    raise SequenceFailed(f"{album.channel} camera unavailable: {exc}") from exc
                log.warning("sequence %s: %s camera unavailable, observing without it",
                            seq.pk, album.channel)
                result.skipped_channels.append(album.channel)
        return usable

    # --- exposures ---------
    def _expose_one(self, ch: Channel, seq: Sequence, plan: Plan, index: int,
                    run: SequenceRun, result: RunResult) -> Frame | None:
        cam = ch.camera
        chan_cfg = self.cfg.channel(ch.name)
        pointing = self.pointing or (seq.ra_deg, seq.dec_deg)  # still while we expose
        start = self.clock.now()
        cam.start_exposure(plan.exposure_s, FrameType.LIGHT)
        if result.first_exposure_at is None:
            result.first_exposure_at = start
            self.on_event("first exposure started", start)
        # the limit holds on the clock AND on the wall (rendering or a slow download does
        # not speed up with a fast simulated clock); an exposure that someone else aborted
        # or a camera in ERROR ends the wait at once (DeviceError)
        if not cam.wait_for_image(plan.exposure_s + chan_cfg.readout_time_s + 120,
                                  stop=self.abort, poll_s=exposure_poll_s(self.clock)):
            try:
                cam.abort_exposure()
            except DeviceError as exc:
                log.warning("abort of %s failed: %s", ch.name, exc)
            return None
        image = cam.download_image()
        pos = self.devices.mount.position()
        meta = FrameMeta(
            date_obs=image.start_time or start, exposure_s=plan.exposure_s, kind="light",
            channel=ch.name, camera=chan_cfg.camera, filter_name=plan.filter_name,
            object_name=seq.target_name, ra_deg=pointing[0], dec_deg=pointing[1],
            airmass=airmass(pos.alt_deg), telescope=self.cfg.telescope.name,
            observatory=self.cfg.site.name, site=self.cfg.site.location_tuple(),
            pixel_scale_arcsec=chan_cfg.pixel_scale_arcsec, gain_e_adu=chan_cfg.gain_e_adu,
            read_noise_e=chan_cfg.read_noise_e, night=self.night_label,
            bin_x=image.bin_x, bin_y=image.bin_y, start_x=image.start_x,
            start_y=image.start_y, sensor_width_px=chan_cfg.width_px,
            sensor_height_px=chan_cfg.height_px,
            focus_position=self.devices.focus_position_or_none(),
            ccd_temp_c=ccd_temperature_or_none(cam), program=seq.request.programme.code,
            request_id=seq.request_id, sequence_id=seq.pk,
        )
        frame = archive_frame(image, meta, index, run)
        self.on_frame(frame)
        return frame

    def _dither_move(self, seq: Sequence, step_arcsec: float, index: int) -> None:
        """Offset the mount to dither position ``index`` of the target; waits for it."""
        east, north = dither_offset_arcsec(index, step_arcsec)
        ra, dec = offset_position(seq.ra_deg, seq.dec_deg, east / 3600.0, north / 3600.0)
        mount = self.devices.mount
        mount.slew_radec(ra, dec, wait=False)
        deadline = monotonic() + self.clock.wall_seconds(DITHER_MOVE_TIMEOUT_S) + 5.0
        while mount.is_slewing():
            if self.abort.is_set():
                return
            if monotonic() > deadline:
                raise SequenceFailed(f"the dither move to {ra:.5f} {dec:+.5f} never ended")
            self.clock.wait(self.abort, exposure_poll_s(self.clock))
        self.pointing = (ra, dec)

    def _run_channel(self, ch: Channel, seq: Sequence, works: list[Work], run: SequenceRun,
                     result: RunResult, errors: list[str]) -> None:
        share = self.mount_share
        seen, exposed = share.generation, False
        readout_s = self.cfg.channel(ch.name).readout_time_s
        try:
            for w in works:
                if ch.filterwheel is not None:
                    ch.filterwheel.set_filter(w.plan.filter_name, wait=True)
                self.before_filter(ch.name, w.plan.filter_name)
                step = w.plan.dither_arcsec
                for _ in range(w.remaining):
                    if self.abort.is_set():
                        return
                    if step > 0 and exposed:  # never two exposures at one dither position
                        share.dither(seen, lambda i, s=step: self._dither_move(seq, s, i),
                                     self.clock.wall_seconds(w.plan.exposure_s + readout_s))
                    with share.exposure(self.abort):
                        seen = share.generation
                        frame = self._expose_one(ch, seq, w.plan, len(result.frames), run,
                                                 result)
                    if frame is None:
                        return
                    exposed = True
                    result.frames.append(frame)
        except (DeviceError, SequenceFailed) as exc:
            errors.append(f"{ch.name}: {exc}")
            if ch.blocking:
                self.abort.set()
        except Exception as exc:  # a bug must end the run (logged), not kill the thread
            log.exception("album %s of sequence %s crashed", ch.name, seq.pk)
            errors.append(f"{ch.name}: internal error: {exc}")
            self.abort.set()
        finally:
            connections.close_all()  # this thread's own database connection

    def run(self, seq: Sequence, run: SequenceRun) -> RunResult:
        """Carry out ``seq``; never raises for device trouble (it is in the result)."""
        result = RunResult()
        self.abort.clear()
        try:
            self.guard()
            self.start_slew(seq)  # the cameras and the work left are looked at meanwhile
            channels = self.usable_channels(seq, result)
            works, result.expected = remaining_work(seq, [c.name for c in channels])
            self.settle(result)
            errors: list[str] = []
            threads = [threading.Thread(
                target=self._run_channel, name=f"album-{ch.name}",
                args=(ch, seq, [w for w in works if w.album.channel == ch.name], run, result,
                      errors), daemon=True) for ch in channels]
            for t in threads:
                t.start()
            try:
                while any(t.is_alive() for t in threads):
                    self.guard()
                    self.beat()
                    deadline = monotonic() + GUARD_PERIOD_WALL_S  # one period for all
                    for t in threads:
                        t.join(timeout=max(0.0, deadline - monotonic()))
            except Interrupt:
                self.abort.set()
                for t in threads:
                    t.join(timeout=60)
                raise
            if errors:
                result.error = "; ".join(errors)
        except Interrupt as intr:
            result.interrupt = intr
        except (DeviceError, SequenceFailed) as exc:
            result.error = str(exc)
        return result

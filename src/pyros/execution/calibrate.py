"""Taking calibration frames and focusing, on the devices (used by the execution agent)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import numpy as np
from astropy.io import fits
from django.conf import settings

from pyros.clock import Clock
from pyros.config import ChannelConfig, ObservatoryConfig
from pyros.devices import (
    DeviceError,
    FrameType,
    Image,
    ShutterState,
    SkyPosition,
)
from pyros.execution.archive import archive_frame
from pyros.execution.calibration import CalibrationPlan, flat_exposure_s, flat_source
from pyros.execution.devices import (
    Channel,
    ObservatoryDevices,
    airmass,
    ccd_temperature_or_none,
    exposure_poll_s,
)
from pyros.execution.fits import FrameMeta
from pyros.execution.focus import (
    SHARPEST_STAR_ARCSEC,
    FocusFit,
    fit_best_focus,
    measure_fwhm_px,
)
from pyros.execution.models import FocusRun, Frame

log = logging.getLogger("pyros.execution")

FLAT_LAMP = "flat lamp"
class Calibrator:
    def __init__(self, devices: ObservatoryDevices, cfg: ObservatoryConfig, clock: Clock,
                 guard: Callable[[], None] = lambda: None, night_label: str = "",
                 plan: CalibrationPlan | None = None):
        self.devices = devices
        self.cfg = cfg
        self.clock = clock
        self.guard = guard
        self.night = night_label
        self.plan = plan or CalibrationPlan()

    def _meta(self, ch: Channel, kind: str, exposure_s: float, filter_name: str,
              start: datetime, image, pointing: SkyPosition | None = None) -> FrameMeta:
        c = self.cfg.channel(ch.name)
        return FrameMeta(
            date_obs=image.start_time or start, exposure_s=exposure_s, kind=kind,
            channel=ch.name, camera=c.camera, filter_name=filter_name,
            object_name=kind.upper(),
            ra_deg=pointing.ra_deg if pointing else None,
            dec_deg=pointing.dec_deg if pointing else None,
            airmass=airmass(pointing.alt_deg) if pointing else None,
            telescope=self.cfg.telescope.name, observatory=self.cfg.site.name,
            site=self.cfg.site.location_tuple(), pixel_scale_arcsec=c.pixel_scale_arcsec,
            gain_e_adu=c.gain_e_adu, read_noise_e=c.read_noise_e, night=self.night,
            bin_x=image.bin_x, bin_y=image.bin_y, start_x=image.start_x,
            start_y=image.start_y, sensor_width_px=c.width_px, sensor_height_px=c.height_px,
            ccd_temp_c=ccd_temperature_or_none(ch.camera),
            focus_position=self.devices.focus_position_or_none(),
        )

    def _take(self, ch: Channel, kind: str, exposure_s: float, filter_name: str,
              index: int) -> Frame:
        self.guard()
        start = self.clock.now()
        ftype = {"bias": FrameType.BIAS, "dark": FrameType.DARK, "flat": FrameType.FLAT,
                 "focus": FrameType.LIGHT}[kind]
        image = self._expose(ch, exposure_s, ftype)
        pointing = self.devices.mount.position() if kind == "focus" else None
        meta = self._meta(ch, kind, exposure_s, filter_name, start, image, pointing)
        return archive_frame(image, meta, index)

    def _expose(self, ch: Channel, exposure_s: float, ftype: FrameType) -> Image:
        """One exposure the guard can interrupt, and that notices an abort by someone else
        (``Camera.wait_for_image``): at 200× waiting for the download timeout was the whole
        rest of a simulated night with the agent unresponsive."""
        cam = ch.camera
        cam.start_exposure(exposure_s, ftype)
        try:
            cam.wait_for_image(stop=self._guard_says_go_on,
                               poll_s=exposure_poll_s(self.clock))
        except BaseException:
            with contextlib.suppress(DeviceError):
                cam.abort_exposure()
            raise
        return cam.download_image()

    def _guard_says_go_on(self) -> bool:
        self.guard()  # raises to stop
        return False

    # --- bias, darks, flats ---------------------------------------------------------------
    def close_for_darks(self) -> None:
        d = self.devices
        if d.dome is not None and d.dome.shutter_state() is not ShutterState.CLOSED:
            d.dome.close_shutter(wait=True)

    def bias_and_darks(self, ch: Channel) -> list[Frame]:
        frames = [self._take(ch, "bias", 0.0, "", i) for i in range(self.plan.bias)]
        frames += [self._take(ch, "dark", self.plan.dark_exposure_s, "", i)
                   for i in range(self.plan.darks)]
        return frames

    def flats(self, ch: Channel, source: str) -> list[Frame]:
        c = self.cfg.channel(ch.name)
        plc = self.devices.plc
        frames: list[Frame] = []
        if source == "dome" and plc is not None:
            plc.set(FLAT_LAMP, self.plan.flat_lamp_percent)
        try:
            for flt in c.filters:
                if ch.filterwheel is not None:
                    ch.filterwheel.set_filter(flt, wait=True)
                target_e = self.plan.flat_target_fraction * c.full_well_e
                test_s = max(c.min_exposure_s, 1.0)
                test = ch.camera.expose(test_s, FrameType.FLAT)
                level_e = (float(np.median(test.data)) - 1000.0) * c.gain_e_adu
                exposure = flat_exposure_s(level_e, test_s, target_e, c.min_exposure_s,
                                           min(c.max_exposure_s, 120.0))
                frames += [self._take(ch, "flat", exposure, flt, i)
                           for i in range(self.plan.flats_per_filter)]
        finally:
            if source == "dome" and plc is not None:
                try:
                    plc.set(FLAT_LAMP, 0.0)
                except DeviceError as exc:
                    log.warning("could not switch the flat lamp off: %s", exc)
        return frames

    def run(self, sun_alt_deg: float, weather_safe: bool) -> dict[str, list[Frame]]:
        """Every calibration of the night for every channel whose camera answers."""
        source = flat_source(sun_alt_deg, weather_safe)
        self.close_for_darks()
        taken: dict[str, list[Frame]] = {}
        for ch in self.devices.channels.values():
            try:
                ch.camera.state()
            except DeviceError as exc:
                log.warning("calibrations: %s camera unavailable (%s), skipped", ch.name, exc)
                continue
            frames = self.bias_and_darks(ch)
            if source == "sky":
                self.devices.dome.open_shutter(wait=True)
            frames += self.flats(ch, source)
            taken[ch.name] = frames
        log.info("calibrations of night %s: %s (%s flats)", self.night,
                 {k: len(v) for k, v in taken.items()}, source)
        return taken

    # --- autofocus -----------------------------------------------------------------------------
    def autofocus(self, ch: Channel, filter_name: str, half_range: int = 150,
                  points: int = 7, exposure_s: float = 10.0, box_px: int = 1024,
                  max_sweeps: int = 2) -> FocusRun:
        """Sweep the focuser around its position, measure, fit, move to the best focus.

        A minimum beyond the sweep's edge (the focus drifted since the last run) is swept
        again around the extrapolated minimum, up to ``max_sweeps`` sweeps; every sweep
        is recorded.  When none finds the minimum the focuser goes back where it was."""
        focuser = self.devices.focuser
        if ch.filterwheel is not None:
            ch.filterwheel.set_filter(filter_name, wait=True)
        start = centre = focuser.position()
        limit = focuser.max_step()
        try:
            for sweep in range(1, max_sweeps + 1):
                run, fit = self._focus_sweep(ch, filter_name, centre, half_range, points,
                                             exposure_s, box_px)
                if fit.ok or fit.next_centre is None or sweep == max_sweeps:
                    break
                centre = min(max(fit.next_centre, half_range), limit - half_range)
                log.info("autofocus %s/%s: minimum beyond the sweep, sweeping again "
                         "around %d", ch.name, filter_name, centre)
        except BaseException:  # interrupted (weather, an alert): back where it was
            with contextlib.suppress(DeviceError):
                focuser.move_to(start, wait=True)
            raise
        focuser.move_to(fit.best_position if fit.ok else start, wait=True)
        if not fit.ok:
            log.warning("autofocus %s/%s failed: %s; focuser back at %d", ch.name,
                        filter_name, fit.reason, start)
        return run

    def _focus_sweep(self, ch: Channel, filter_name: str, centre: int, half_range: int,
                     points: int, exposure_s: float, box_px: int) -> tuple[FocusRun, FocusFit]:
        focuser = self.devices.focuser
        c = self.cfg.channel(ch.name)
        temperature = focuser.temperature_c()
        positions = [round(centre - half_range + i * 2 * half_range / (points - 1))
                     for i in range(points)]
        w, h = c.width_px, c.height_px
        n = min(box_px, w, h)
        ch.camera.set_subframe((w - n) // 2, (h - n) // 2, n, n)
        fwhms: list[float | None] = []
        try:
            for i, pos in enumerate(positions):
                self.guard()
                focuser.move_to(pos, wait=True)
                frame = self._take(ch, "focus", exposure_s, filter_name, i)
                data = fits.getdata(settings.DATA_DIR / frame.path)
                fwhms.append(measure_fwhm_px(
                    data, min_fwhm_px=SHARPEST_STAR_ARCSEC / c.pixel_scale_arcsec))
        finally:
            ch.camera.full_frame()
        fit = fit_best_focus(positions, fwhms)
        scale = c.pixel_scale_arcsec
        curve = [None if f is None else round(f * scale, 3) for f in fwhms]
        run = FocusRun.objects.create(
            at=self.clock.now(), channel=ch.name, filter_name=filter_name,
            temperature_c=temperature, positions=positions, fwhm_arcsec=curve,
            best_position=fit.best_position if fit.ok else None,
            best_fwhm_arcsec=round(fit.best_fwhm * scale, 3) if fit.ok else None,
            ok=fit.ok, reason=fit.reason)
        log.info("autofocus %s/%s sweep %d–%d: %s; curve %s", ch.name, filter_name,
                 positions[0], positions[-1],
                 f"best {fit.best_position} ({fit.best_fwhm * scale:.2f}\")" if fit.ok
                 else fit.reason,
                 ", ".join(f"{p}:{'-' if f is None else f}" for p, f in
                           zip(positions, curve, strict=True)))
        return run, fit


def focus_position_for(channel: ChannelConfig, focus: FocusRun | None,
                       filter_name: str) -> int | None:
    """Where the focuser should be for ``filter_name``, from the last good focus run:
    its best position moved by the difference of the two filters' offsets."""
    if focus is None or not focus.ok or focus.best_position is None:
        return None
    offsets = channel.focus_offsets
    return (focus.best_position - offsets.get(focus.filter_name, 0)
            + offsets.get(filter_name, 0))

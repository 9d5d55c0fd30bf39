"""INDI backend against Debian's real INDI simulators (package indi-bin).

The test starts ``indiserver`` itself on a free loopback port; without indi-bin every test
here is skipped with the reason shown.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator

import numpy as np
import pytest
from tests.processes import stop

from pyros.clock import RealClock, get_clock, monotonic, set_clock
from pyros.config.devices import DeviceConfig
from pyros.devices import (
    Camera,
    DeviceUnavailable,
    FrameType,
    NotSupported,
    ShutterState,
    connect,
)

INDISERVER = shutil.which("indiserver")
SIMULATORS = {
    "telescope": ("indi_simulator_telescope", "Telescope Simulator"),
    "camera": ("indi_simulator_ccd", "CCD Simulator"),
    "filterwheel": ("indi_simulator_wheel", "Filter Simulator"),
    "focuser": ("indi_simulator_focus", "Focuser Simulator"),
    "dome": ("indi_simulator_dome", "Dome Simulator"),
    "observingconditions": ("indi_simulator_weather", "Weather Simulator"),
}
SITE = (31.0449, -115.4646, 2792.0)

pytestmark = pytest.mark.skipif(
    INDISERVER is None, reason="indiserver not installed (apt-get install indi-bin)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def indi_port(tmp_path_factory) -> Iterator[int]:
    port = _free_port()
    home = tmp_path_factory.mktemp("indi-home")  # drivers write ~/.indi config there
    proc = subprocess.Popen(
        [INDISERVER, "-p", str(port), *(exe for exe, _ in SIMULATORS.values())],
        env={**os.environ, "HOME": str(home)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = monotonic() + 10
    while monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            import time

            time.sleep(0.05)  # waiting for a real process to listen: wall time
    yield port
    stop(proc)


@pytest.fixture(autouse=True)
def real_clock():
    """INDI simulators run on the wall clock: so must the waits."""
    previous = get_clock()
    set_clock(RealClock())
    yield
    set_clock(previous)


def _driver(port: int, kind: str, **extra):
    cfg = DeviceConfig(name=f"indi_{kind}", kind=kind, backend="indi",
                       address=f"127.0.0.1:{port}", indi_device=SIMULATORS[kind][1],
                       timeout_s=5.0, **extra)
    return connect(cfg, site=SITE)


def test_mount_slews_tracks_and_parks(indi_port):
    mount = _driver(indi_port, "telescope")
    try:
        if mount.at_park():
            mount.unpark()
        start = mount.position()
        assert start.alt_deg == pytest.approx(start.alt_deg)  # finite
        target_ra = (start.ra_deg + 3.0) % 360.0
        mount.slew_radec(target_ra, 86.0, wait=True, timeout_s=60)
        pos = mount.position()
        assert pos.dec_deg == pytest.approx(86.0, abs=0.05)
        assert mount.tracking()
        # Near the pole the altitude is close to the site latitude.
        assert pos.alt_deg == pytest.approx(SITE[0], abs=5.0)
        status = mount.status()
        assert status["backend"] == "indi" and status["slewing"] is False
    finally:
        mount.close()


def test_ccd_exposes_and_downloads_a_fits_frame(indi_port):
    camera: Camera = _driver(indi_port, "camera")
    try:
        camera.set_binning(2, 2)
        camera.set_subframe(0, 0, 200, 100)
        image = camera.expose(0.5, FrameType.LIGHT, timeout_s=30)
        assert image.transport == "indi-fits"
        assert image.data.shape == (100, 200)
        assert image.bin_x == 2 and np.isfinite(image.data).all()
        assert camera.image_ready()
        with pytest.raises(NotSupported):
            camera.stop_exposure()
        camera.set_binning(1, 1)
        camera.full_frame()
        dark = camera.expose(0.1, FrameType.DARK, timeout_s=30)
        assert dark.frame_type is FrameType.DARK
        assert dark.header.get("IMAGETYP", "").lower().startswith("dark")
    finally:
        camera.close()


def test_filter_wheel_and_focuser(indi_port):
    wheel = _driver(indi_port, "filterwheel")
    focuser = _driver(indi_port, "focuser")
    try:
        names = wheel.names()
        assert len(names) == 8
        wheel.set_filter(names[2], timeout_s=20)
        assert wheel.current_filter() == names[2] and wheel.position() == 2
        target = focuser.position() + 700
        focuser.move_to(target, timeout_s=20)
        assert focuser.position() == target
        assert focuser.status()["temperature_c"] is not None
    finally:
        wheel.close()
        focuser.close()


def test_dome_close_is_idempotent_and_shutter_opens(indi_port):
    dome = _driver(indi_port, "dome")
    try:
        dome.close_shutter(wait=True, timeout_s=30)
        assert dome.shutter_state() is ShutterState.CLOSED
        dome.close_shutter(wait=True, timeout_s=1)  # closed already: returns at once
        dome.open_shutter(wait=True, timeout_s=30)
        assert dome.shutter_state() is ShutterState.OPEN
    finally:
        dome.close()


def test_weather_reports_absent_sensors(indi_port):
    weather = _driver(indi_port, "observingconditions")
    try:
        snap = weather.snapshot()
        assert snap.value("temperature") is not None
        assert snap.value("windspeed") is not None
        assert "cloudcover" in snap.absent and snap.value("cloudcover") is None
        assert snap.updated_at is not None
    finally:
        weather.close()


def test_unreachable_indi_server_is_unavailable():
    cfg = DeviceConfig(name="nowhere", kind="focuser", backend="indi",
                       address=f"127.0.0.1:{_free_port()}", indi_device="Focuser Simulator",
                       timeout_s=0.5)
    with pytest.raises(DeviceUnavailable, match="unreachable"):
        connect(cfg)

"""The camera: exposure states, ImageBytes = JSON, binning/subframes, cooling, frames."""

from __future__ import annotations

import numpy as np
import pytest
import requests
from alpaca.camera import Camera, CameraStates
from alpaca.dome import Dome
from alpaca.exceptions import (
    InvalidOperationException,
    InvalidValueException,
    ValueNotSetException,
)
from alpaca.telescope import Telescope

from pyros.simulators.imagebytes import HEADER_BYTES
from pyros.simulators.testing import wait_until

REGULUS = (10.1395, 11.967)


@pytest.fixture
def camera(sims):
    c = Camera(sims.address, 0)
    c.Connected = True
    return c


def expose(camera, clock, duration_s=1.0, light=True):
    camera.StartExposure(duration_s, light)
    clock.advance(duration_s + 6.0 * 1.01)  # exposure + full-frame readout (6 s)
    wait_until(lambda: camera.ImageReady)


def test_exposure_goes_through_the_camera_states(camera, manual_clock):
    assert camera.CameraState == CameraStates.cameraIdle and not camera.ImageReady
    with pytest.raises(ValueNotSetException):
        _ = camera.LastExposureDuration
    camera.StartExposure(10.0, False)
    assert camera.CameraState == CameraStates.cameraExposing
    manual_clock.advance(5.0)
    assert camera.PercentCompleted == 50
    with pytest.raises(InvalidOperationException):
        camera.StartExposure(1.0, False)  # already exposing
    manual_clock.advance(5.5)
    assert camera.CameraState == CameraStates.cameraReading  # 6 s readout
    manual_clock.advance(6.0)
    wait_until(lambda: camera.ImageReady)
    assert camera.CameraState == CameraStates.cameraIdle
    assert camera.LastExposureDuration == pytest.approx(10.0)
    assert camera.LastExposureStartTime.startswith("2026-03-01T06:00:00")


def test_imagebytes_and_json_give_the_same_array(sims, camera, manual_clock):
    expose(camera, manual_clock, 2.0, light=False)
    url = f"{sims.url}/api/v1/camera/0/imagearray"
    fast = requests.get(url, headers={"Accept": "application/imagebytes"}, timeout=30)
    assert fast.headers["Content-Type"] == "application/imagebytes"
    header = np.frombuffer(fast.content[:HEADER_BYTES], "<i4")
    assert list(header[[0, 1, 4, 5, 6, 7, 8, 9]]) == [1, 0, 44, 2, 8, 2, 256, 256]
    slow = requests.get(url, timeout=30).json()
    assert slow["ErrorNumber"] == 0 and slow["Type"] == 2 and slow["Rank"] == 2
    as_json = np.array(slow["Value"])  # [x][y]
    as_bytes = np.frombuffer(fast.content[HEADER_BYTES:], "<u2").reshape(256, 256)  # [x][y]
    np.testing.assert_array_equal(as_json, as_bytes)
    via_alpyca = np.array(camera.ImageArray)  # alpyca asks for ImageBytes
    np.testing.assert_array_equal(via_alpyca, as_json)
    frame = sims.observatory.by_name["camera_vis"].frame()
    np.testing.assert_array_equal(frame.T, as_json)  # numpy (row, col) is the transpose
    assert 900 < np.median(frame) < 1200  # a dark: bias level plus a little dark current


def test_binning_and_subframe_validation(camera, manual_clock):
    with pytest.raises(InvalidValueException):
        camera.BinX = 5
    camera.BinX = 2
    assert camera.BinY == 2  # symmetric binning
    with pytest.raises(InvalidValueException, match="exceeds"):
        camera.StartExposure(1.0, False)  # NumX still 256 > 128 binned pixels
    camera.StartX, camera.StartY, camera.NumX, camera.NumY = 16, 8, 64, 32
    with pytest.raises(InvalidValueException):
        camera.NumX = 0
    expose(camera, manual_clock)
    image = np.array(camera.ImageArray)
    assert image.shape == (64, 32)  # [x][y]
    with pytest.raises(InvalidValueException):
        camera.StartExposure(-1.0, True)
    with pytest.raises(InvalidValueException):
        camera.StartExposure(0.0, True)  # zero is a bias: Light=False only


def test_abort_discards_and_stop_keeps_a_shorter_exposure(camera, manual_clock):
    camera.StartExposure(30.0, False)
    manual_clock.advance(5.0)
    camera.AbortExposure()
    assert camera.CameraState == CameraStates.cameraIdle and not camera.ImageReady
    with pytest.raises(InvalidOperationException):
        _ = camera.ImageArray
    camera.StartExposure(30.0, False)
    manual_clock.advance(4.0)
    camera.StopExposure()
    assert camera.CameraState == CameraStates.cameraReading
    manual_clock.advance(7.0)
    wait_until(lambda: camera.ImageReady)
    assert camera.LastExposureDuration == pytest.approx(4.0)


def test_cooler_brings_the_ccd_to_its_set_point(camera, manual_clock):
    ambient = camera.CCDTemperature
    assert camera.CoolerOn is False and camera.CoolerPower == 0
    camera.SetCCDTemperature = -30.0
    camera.CoolerOn = True
    manual_clock.advance(120.0)  # one time constant
    temp = camera.CCDTemperature
    assert -30.0 < temp < ambient and temp == pytest.approx(
        -30.0 + (ambient + 30.0) * np.exp(-1.0), abs=0.1)
    assert camera.CoolerPower > 0
    manual_clock.advance(2000.0)
    assert camera.CCDTemperature == pytest.approx(-30.0, abs=0.01)
    with pytest.raises(InvalidValueException):
        camera.SetCCDTemperature = -200.0


def test_gain_and_fixed_properties(camera):
    assert camera.CameraXSize == 256 and camera.MaxADU == 65535
    assert len(camera.Gains) == 3 and camera.Gain == 0
    e_adu = camera.ElectronsPerADU
    camera.Gain = 1
    assert camera.ElectronsPerADU == pytest.approx(e_adu / 2)
    with pytest.raises(InvalidValueException):
        camera.Gain = 3
    assert camera.PixelSizeX == pytest.approx(15.89, abs=0.01)  # 0.381"/px at f = 8.6 m
    assert camera.ExposureMax == 3600 and camera.CanStopExposure


def test_light_frames_see_stars_and_an_injected_transient(sims, camera, manual_clock):
    mount = Telescope(sims.address, 0)
    mount.Connected = True
    mount.Unpark()
    mount.Tracking = True
    mount.SlewToCoordinatesAsync(*REGULUS)
    dome = Dome(sims.address, 0)
    dome.Connected = True
    dome.OpenShutter()
    manual_clock.advance(60.0)
    assert not mount.Slewing and dome.ShutterStatus == 0
    camera.StartExposure(0.0, False)  # a bias for reference
    manual_clock.advance(7.0)
    wait_until(lambda: camera.ImageReady)
    bias = np.array(camera.ImageArray, dtype=float)
    expose(camera, manual_clock, 5.0)
    before = np.array(camera.ImageArray, dtype=float)
    assert before.mean() > bias.mean() + 5  # sky background in a light frame
    ra_deg, dec_deg = REGULUS[0] * 15, REGULUS[1]
    sims.add_transient(ra_deg, dec_deg, 14.0, t0=manual_clock.now())
    expose(camera, manual_clock, 5.0)
    after = np.array(camera.ImageArray, dtype=float)
    centre = (slice(118, 138), slice(118, 138))  # the frame centre is the pointing
    assert after[centre].sum() - before[centre].sum() > 5000
    state = sims.state()["devices"]["camera_vis"]
    assert state["last_frame_type"] == "light" and state["last_filter"] == "g"


def test_light_frame_with_the_dome_closed_is_a_dark_or_a_flat(sims, camera, manual_clock):
    expose(camera, manual_clock, 1.0)
    assert sims.state()["devices"]["camera_vis"]["last_frame_type"] == "dark"
    plc = sims.observatory.plc
    lamp = [s.name for s in plc.specs].index("flat lamp")
    with plc.lock:
        plc._values[lamp] = 50.0
    expose(camera, manual_clock, 2.0)
    assert sims.state()["devices"]["camera_vis"]["last_frame_type"] == "flat"
    flat = np.array(camera.ImageArray, dtype=float)
    assert np.median(flat) > 1000 + 0.5 * 10000 * 2.0 / 1.5 * 0.8  # ~10 000 e- at 1.5 e/ADU

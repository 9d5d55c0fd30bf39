"""Every Alpaca driver against the PyROS simulators (real HTTP on loopback)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pyros.devices import (
    Camera,
    CameraState,
    DeviceParked,
    Dome,
    FilterWheel,
    Focuser,
    FrameType,
    Mount,
    SafetyMonitor,
    ShutterState,
    Switch,
    Weather,
)
from pyros.devices.models import WEATHER_SENSORS


def test_open_all_builds_one_driver_of_the_right_kind_per_device(drivers, config):
    assert set(drivers) == {d.name for d in config.devices}
    assert isinstance(drivers["mount"], Mount)
    assert isinstance(drivers["camera_nir"], Camera)
    assert isinstance(drivers["plc"], Switch)
    for driver in drivers.values():
        status = driver.status()
        assert status["name"] == driver.name and status["backend"] == "alpaca"


def test_mount_slews_in_degrees_and_reports_all_coordinates(drivers):
    mount = drivers["mount"]
    if mount.at_park():
        mount.unpark()
    mount.slew_radec(83.63, 22.01, wait=True, timeout_s=600)
    pos = mount.position()
    assert pos.ra_deg == pytest.approx(83.63, abs=0.01)
    assert pos.dec_deg == pytest.approx(22.01, abs=0.01)
    assert 0 <= pos.az_deg < 360 and -90 <= pos.alt_deg <= 90
    assert mount.tracking() and not mount.is_slewing()

    mount.slew_altaz(60.0, 200.0, wait=True, timeout_s=600)
    pos = mount.position()
    assert pos.alt_deg == pytest.approx(60.0, abs=0.05)
    assert pos.az_deg == pytest.approx(200.0, abs=0.05)
    assert not mount.tracking()


def test_mount_abort_stops_a_slew(drivers, sim_clock):
    mount = drivers["mount"]
    if mount.at_park():
        mount.unpark()
    mount.slew_altaz(30.0, 10.0, wait=True, timeout_s=600)
    mount.slew_altaz(80.0, 190.0)
    assert mount.is_slewing()
    mount.abort()
    assert not mount.is_slewing()
    assert mount.position().alt_deg < 79.0


def test_mount_park_is_idempotent_and_parked_mount_refuses_slews(drivers):
    mount = drivers["mount"]
    if mount.at_park():
        mount.unpark()
    mount.park(timeout_s=600)
    assert mount.at_park()
    mount.park()  # already parked: no error
    with pytest.raises(DeviceParked):
        mount.slew_radec(10.0, 10.0)
    mount.unpark()
    assert not mount.at_park()


def test_mount_rejects_out_of_range_coordinates_before_sending(drivers):
    with pytest.raises(ValueError):
        drivers["mount"].slew_radec(361.0, 0.0)
    with pytest.raises(ValueError):
        drivers["mount"].slew_altaz(95.0, 0.0)


def test_dome_shutter_and_rotation(drivers):
    dome: Dome = drivers["dome"]
    dome.open_shutter(wait=True, timeout_s=600)
    assert dome.shutter_state() is ShutterState.OPEN
    dome.slew_to_azimuth(135.0, wait=True, timeout_s=600)
    assert dome.azimuth_deg() == pytest.approx(135.0, abs=0.5)
    dome.close_shutter(wait=True, timeout_s=600)
    assert dome.shutter_state() is ShutterState.CLOSED


def test_camera_light_dark_bias_frames_download_as_imagebytes(drivers, config):
    camera: Camera = drivers["camera_vis"]
    channel = config.channel("VIS")
    camera.full_frame()
    light = camera.expose(2.0, FrameType.LIGHT)
    assert light.transport == "imagebytes"
    assert light.data.shape == (channel.height_px, channel.width_px)
    assert light.frame_type is FrameType.LIGHT and light.duration_s == pytest.approx(2.0)
    assert light.start_time is not None
    bias = camera.expose(0.0, FrameType.BIAS)
    dark = camera.expose(2.0, FrameType.DARK)
    assert bias.frame_type is FrameType.BIAS and dark.frame_type is FrameType.DARK
    # A bias has no starlight and no dark current: its mean is below the light frame's.
    assert float(np.mean(bias.data)) < float(np.mean(light.data))
    assert camera.state() is CameraState.IDLE


def test_json_image_path_gives_the_same_pixels(drivers):
    camera: Camera = drivers["camera_vis"]
    camera.full_frame()
    camera.start_exposure(1.0)
    camera.wait_for_image()
    fast = camera.download_image()
    camera.prefer_imagebytes = False
    slow = camera.download_image()
    assert slow.transport == "json"
    assert np.array_equal(np.asarray(fast.data, dtype=np.int64), slow.data)


def test_camera_binning_and_subframe_shape_the_image(drivers):
    camera: Camera = drivers["camera_nir"]
    camera.set_binning(2, 2)
    camera.set_subframe(10, 20, 40, 30)
    image = camera.expose(1.0)
    assert image.data.shape == (30, 40)
    assert (image.bin_x, image.bin_y, image.start_x, image.start_y) == (2, 2, 10, 20)
    camera.set_binning(1, 1)
    camera.full_frame()


def test_camera_abort_discards_the_exposure(drivers):
    camera: Camera = drivers["camera_vis"]
    camera.start_exposure(600.0)
    assert camera.state() is CameraState.EXPOSING
    camera.abort_exposure()
    assert camera.state() is CameraState.IDLE
    assert not camera.image_ready()


def test_camera_cooler_and_readout_modes(drivers):
    camera: Camera = drivers["camera_vis"]
    camera.set_cooler(True, target_c=-20.0)
    assert camera.cooler_on()
    assert math.isfinite(camera.ccd_temperature_c())
    modes = camera.readout_modes()
    assert modes
    camera.set_readout_mode(modes[0])
    with pytest.raises(ValueError):
        camera.set_readout_mode("no such mode")


def test_filter_wheel_moves_by_name(drivers, config):
    wheel: FilterWheel = drivers["filterwheel_vis"]
    names = wheel.names()
    assert names[: len(config.channel("VIS").filters)] == config.channel("VIS").filters
    wheel.set_filter("i", timeout_s=600)
    assert wheel.current_filter() == "i"
    assert wheel.position() == names.index("i")
    with pytest.raises(ValueError):
        wheel.set_filter("Halpha")


def test_focuser_absolute_move(drivers):
    focuser: Focuser = drivers["focuser"]
    target = min(focuser.max_step(), focuser.position() + 1500)
    focuser.move_to(target, timeout_s=600)
    assert focuser.position() == target
    assert not focuser.is_moving()


def test_weather_snapshot_carries_every_sensor_and_its_age(drivers, sims):
    weather: Weather = drivers["weather"]
    sims.set_weather(windspeed=7.5, humidity=40.0)
    snap = weather.snapshot()
    assert snap.value("windspeed") == pytest.approx(7.5)
    assert snap.value("humidity") == pytest.approx(40.0)
    assert set(snap.values) == set(WEATHER_SENSORS)
    assert snap.updated_at is not None and snap.updated_at <= snap.read_at
    assert weather.status()["values"]["windspeed"] == pytest.approx(7.5)


def test_safety_monitor_follows_the_rain(drivers, sims):
    safety: SafetyMonitor = drivers["safety"]
    sims.set_weather(rainrate=0.0, windspeed=1.0, humidity=20.0, cloudcover=0.0)
    assert safety.is_safe()
    sims.set_weather(rainrate=3.0)
    assert not safety.is_safe()


def test_switch_get_and_set_by_name(drivers):
    plc: Switch = drivers["plc"]
    names = [s.name for s in plc.switches()]
    writable = next(s for s in plc.switches() if s.can_write and s.is_boolean)
    plc.set(writable.name, True)
    assert plc.get(writable.name) == 1.0
    plc.set(writable.name, False)
    assert plc.get(writable.name) == 0.0
    assert set(plc.status()["switches"]) == set(names)
    with pytest.raises(ValueError):
        plc.get("no such switch")

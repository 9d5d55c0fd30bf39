"""Fault injection: each mode, durations on the simulated clock, clearing."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from alpaca.camera import Camera
from alpaca.exceptions import DriverException, NotConnectedException
from alpaca.filterwheel import FilterWheel
from alpaca.focuser import Focuser


def test_disconnected_drops_the_connection_until_the_fault_ends(sims, manual_clock):
    focuser = Focuser(sims.address, 0)
    focuser.Connected = True
    sims.set_fault("focuser", "disconnected", duration_s=60)
    assert focuser.Connected is False
    with pytest.raises(NotConnectedException):
        _ = focuser.Position
    with pytest.raises(DriverException):
        focuser.Connected = True
    manual_clock.advance(61)
    assert focuser.Connected is False  # the client has to reconnect itself
    focuser.Connected = True
    assert focuser.Position == 50000
    assert sims.state()["faults"] == {}


def test_hang_blocks_only_that_device_until_cleared(sims, raw):
    raw.put("/api/v1/focuser/0/connected", Connected="true")
    sims.set_fault("camera_vis", "hang")
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{sims.url}/api/v1/camera/0/connected", timeout=0.3)
    answers: list[requests.Response] = []
    waiter = threading.Thread(target=lambda: answers.append(
        requests.get(f"{sims.url}/api/v1/camera/0/name", timeout=10)))
    waiter.start()
    # Meanwhile other devices answer at once.
    assert raw.get("/api/v1/focuser/0/position").json()["Value"] == 50000
    assert not answers
    sims.set_fault("camera_vis", "ok")
    waiter.join(timeout=10)
    assert answers and answers[0].json()["Value"] == "camera_vis"


def test_hang_for_a_duration_ends_on_the_simulated_clock(sims, manual_clock):
    sims.set_fault("weather", "hang", duration_s=30)
    answers: list[requests.Response] = []
    waiter = threading.Thread(target=lambda: answers.append(
        requests.get(f"{sims.url}/api/v1/observingconditions/0/name", timeout=10)))
    waiter.start()
    waiter.join(timeout=0.3)
    assert not answers
    manual_clock.advance(31)
    waiter.join(timeout=10)
    assert answers[0].status_code == 200 and answers[0].json()["ErrorNumber"] == 0


def test_error_mode_answers_driver_error_to_everything(sims):
    camera = Camera(sims.address, 1)
    sims.set_fault("camera_nir", "error", duration_s=10)
    with pytest.raises(DriverException) as info:
        _ = camera.Name
    assert info.value.number == 0x500
    sims.set_fault("camera_nir", "ok")
    assert camera.Name == "camera_nir"


def test_garbage_mode_answers_invalid_json(sims):
    sims.set_fault("safety", "garbage")
    reply = requests.get(f"{sims.url}/api/v1/safetymonitor/0/issafe", timeout=5)
    assert reply.status_code == 200
    with pytest.raises(ValueError):  # JSONDecodeError or UnicodeDecodeError
        json.loads(reply.content)


def test_restart_returns_the_device_to_its_power_on_state(sims, manual_clock):
    wheel = FilterWheel(sims.address, 0)
    camera = Camera(sims.address, 0)
    wheel.Connected = camera.Connected = True
    wheel.Position = 2
    camera.CoolerOn = True
    manual_clock.advance(5)
    sims.set_fault("filterwheel_vis", "restart", duration_s=20)
    sims.set_fault("camera_vis", "restart")  # default reboot time: 10 s
    assert wheel.Connected is False and camera.Connected is False
    with pytest.raises(DriverException):
        wheel.Connected = True
    manual_clock.advance(21)
    wheel.Connected = camera.Connected = True
    assert wheel.Position == 0 and camera.CoolerOn is False


def test_fault_arguments_are_checked(sims):
    with pytest.raises(KeyError):
        sims.set_fault("toaster", "hang")
    with pytest.raises(ValueError):
        sims.set_fault("mount", "explode")
    with pytest.raises(ValueError):
        sims.set_fault("mount", "hang", duration_s=-1)

"""Error semantics against the simulators' fault injection: one exception type for
transport trouble, distinct ones for what the caller must do, and recovery."""

from __future__ import annotations

import pytest
from tests.devices.conftest import TIMEOUT_S

from pyros.clock import monotonic
from pyros.devices import (
    DeviceFault,
    DeviceRejected,
    DeviceUnavailable,
)


def _recovers(call, wall_s: float = 10.0):
    """Call until it succeeds (the back-off makes early calls fail fast); bounded."""
    deadline = monotonic() + wall_s
    while True:
        try:
            return call()
        except DeviceUnavailable:
            if monotonic() > deadline:
                raise
            # Wall-clock wait on purpose: back-off is wall time (a real socket's pace).
            import time

            time.sleep(0.05)


def test_hung_device_gives_up_within_the_timeout(drivers, sims):
    focuser = drivers["focuser"]
    focuser.position()
    sims.set_fault("focuser", "hang")
    start = monotonic()
    with pytest.raises(DeviceUnavailable, match="within"):
        focuser.position()
    assert monotonic() - start < TIMEOUT_S + 1.0
    sims.set_fault("focuser", "ok")
    assert _recovers(focuser.position) >= 0


def test_disconnected_device_is_unavailable_then_reconnects(drivers, sims):
    wheel = drivers["filterwheel_vis"]
    wheel.position()
    sims.set_fault("filterwheel_vis", "disconnected")
    with pytest.raises(DeviceUnavailable):
        wheel.position()
    sims.set_fault("filterwheel_vis", "ok")
    assert _recovers(wheel.position) is not None
    assert wheel.is_connected()


def test_garbage_reply_is_unavailable(drivers, sims):
    sims.set_fault("safety", "garbage")
    with pytest.raises(DeviceUnavailable, match="garbage"):
        drivers["safety"].is_safe()


def test_driver_error_is_a_fault_and_does_not_trigger_back_off(drivers, sims):
    mount = drivers["mount"]
    mount.tracking()
    sims.set_fault("mount", "error")
    with pytest.raises(DeviceFault) as info:
        mount.tracking()
    assert info.value.code == 0x500
    sims.set_fault("mount", "ok")
    assert mount.tracking() in (True, False)  # at once: the device answered, no back-off


def test_invalid_value_is_rejected(drivers):
    focuser = drivers["focuser"]
    with pytest.raises(DeviceRejected):
        focuser.move_to(focuser.max_step() + 10_000)
    with pytest.raises(DeviceRejected):
        drivers["camera_vis"].set_binning(64, 64)


def test_timed_fault_clears_by_itself_and_driver_recovers(drivers, sims):
    weather = drivers["weather"]
    weather.snapshot()
    sims.set_fault("weather", "disconnected", duration_s=30.0)  # 0.5 s wall at 60x
    with pytest.raises(DeviceUnavailable):
        weather.snapshot()
    snap = _recovers(weather.snapshot)
    assert snap.value("temperature") is not None


def test_restarted_device_is_reconnected_automatically(drivers, sims):
    dome = drivers["dome"]
    dome.shutter_state()
    sims.set_fault("dome", "restart", duration_s=6.0)  # reboots for 0.1 s wall
    state = _recovers(dome.shutter_state)
    assert state is not None
    assert dome.is_connected()


def test_back_off_fails_fast_without_touching_the_network(drivers, sims):
    focuser = drivers["focuser"]
    focuser.position()
    sims.set_fault("focuser", "hang")
    with pytest.raises(DeviceUnavailable):
        focuser.position()
    sent = []
    real_get = focuser._transport.get
    focuser._transport.get = lambda *a, **k: sent.append(a) or real_get(*a, **k)
    with pytest.raises(DeviceUnavailable, match="next attempt"):
        focuser.position()
    assert sent == []
    sims.set_fault("focuser", "ok")


def test_nothing_listening_is_unavailable(config):
    from pyros.devices import connect

    dead = config.device("mount").model_copy(update={"address": "http://127.0.0.1:9"})
    with pytest.raises(DeviceUnavailable, match="refused"):
        connect(dead)

"""Pure parts: back-off schedule, alt-az conversion, ASCOM error mapping, factory choices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pyros.config.devices import DeviceConfig
from pyros.devices import (
    DeviceFault,
    DeviceParked,
    DeviceRejected,
    NotSupported,
    OperationAborted,
    driver_for,
)
from pyros.devices.alpaca.transport import NotConnected, map_ascom_error
from pyros.devices.backoff import Backoff
from pyros.devices.indi.coords import altaz_to_radec, radec_to_altaz


def test_backoff_doubles_up_to_the_cap_and_resets():
    b = Backoff(min_s=1.0, max_s=5.0)
    assert [b.failed() for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert b.wait_left_s() > 0
    b.succeeded()
    assert b.wait_left_s() == 0 and b.failures == 0


@pytest.mark.parametrize(("number", "kind"), [
    (0x400, NotSupported), (0x401, DeviceRejected), (0x402, DeviceRejected),
    (0x407, NotConnected), (0x408, DeviceParked), (0x409, DeviceRejected),
    (0x40B, DeviceRejected), (0x40C, NotSupported), (0x40E, OperationAborted),
    (0x500, DeviceFault), (0x4FF, DeviceFault),
])
def test_every_ascom_error_number_maps_to_one_pyros_error(number, kind):
    err = map_ascom_error("mount", number, "msg")
    assert type(err) is kind
    assert err.device == "mount" and "msg" in str(err)


def test_altaz_and_radec_conversions_invert_each_other():
    when = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    lat, lon = 31.0449, -115.4646
    for alt, az in [(45.0, 120.0), (80.0, 359.5), (20.0, 0.2), (60.0, 200.0)]:
        ra, dec = altaz_to_radec(alt, az, lat, lon, when)
        alt2, az2 = radec_to_altaz(ra, dec, lat, lon, when)
        assert alt2 == pytest.approx(alt, abs=1e-6)
        assert min(abs(az2 - az), 360 - abs(az2 - az)) < 1e-6
    # The celestial pole stands at the site latitude, due north.
    alt, az = radec_to_altaz(123.0, 90.0, lat, lon, when)
    assert alt == pytest.approx(lat, abs=1e-9) and az in (0.0, pytest.approx(0.0, abs=1e-9))


def test_factory_picks_the_backend_from_the_config():
    alpaca = driver_for(DeviceConfig(name="m", kind="telescope"))
    assert alpaca.backend == "alpaca"
    indi = DeviceConfig(name="s", kind="safetymonitor", backend="indi", address="127.0.0.1:1",
                        indi_device="X")
    with pytest.raises(NotSupported):
        driver_for(indi)


def test_config_rejects_inverted_back_off():
    with pytest.raises(ValueError):
        DeviceConfig(name="m", kind="telescope", reconnect_min_s=10, reconnect_max_s=1)

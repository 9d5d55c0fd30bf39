"""Building drivers from the configuration: the only place that knows the backends."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pyros.config.devices import Backend, DeviceConfig
from pyros.devices.errors import DeviceUnavailable, NotSupported
from pyros.devices.interfaces import Device

if TYPE_CHECKING:
    from pyros.config.schema import ObservatoryConfig

__all__ = ["connect", "driver_for", "open_all"]


def driver_for(config: DeviceConfig, site: tuple[float, float, float] | None = None) -> Device:
    """A driver for ``config``, not yet connected (it connects on first use).

    ``site`` (latitude_deg, longitude_deg, elevation_m) is given to backends that need
    it (INDI mounts without horizontal coordinates).  Raises NotSupported for a kind the
    backend has no driver for.
    """
    if config.backend is Backend.ALPACA:
        from pyros.devices.alpaca import DRIVERS as alpaca_drivers

        return alpaca_drivers[config.kind](config)
    from pyros.devices.indi import DRIVERS as indi_drivers

    cls = indi_drivers.get(config.kind)
    if cls is None:
        raise NotSupported(config.name, f"no INDI driver for {config.kind.value}")
    return cls(config, site=site)


def connect(config: DeviceConfig, site: tuple[float, float, float] | None = None) -> Device:
    """A connected driver for ``config``.  Raises DeviceUnavailable, NotSupported."""
    driver = driver_for(config, site)
    try:
        driver.connect()
    except BaseException:
        driver.close()
        raise
    return driver


def open_all(config: ObservatoryConfig, names: Iterable[str] | None = None,
             connect_now: bool = False) -> dict[str, Device]:
    """Drivers for every configured device (or those in ``names``), keyed by name.

    By default they are not connected yet: each connects on first use, so one device
    down does not stop the others from being opened.  With ``connect_now`` each is
    connected and a DeviceUnavailable is swallowed (the driver retries on next use).
    """
    wanted = set(names) if names is not None else None
    site = config.site.location_tuple()
    drivers: dict[str, Device] = {}
    for dev in config.devices:
        if wanted is not None and dev.name not in wanted:
            continue
        driver = driver_for(dev, site)
        if connect_now:
            with contextlib.suppress(DeviceUnavailable):
                driver.connect()
        drivers[dev.name] = driver
    return drivers

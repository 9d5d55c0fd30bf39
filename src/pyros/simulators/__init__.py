"""ASCOM Alpaca simulators of the whole observatory, in one HTTP server.

``pyros simulators`` serves every Alpaca device of the configuration (mount, dome,
cameras, filter wheels, focuser, weather station, safety monitor, PLC switch) with
physics evaluated lazily from the shared clock, camera frames from
:mod:`pyros.skymodel`, weather scenarios and fault injection (``/pyros/sim/...``,
``pyros sim``).  Tests use :func:`pyros.simulators.testing.running_simulators`.
See docs/simulators.md.
"""

from pyros.simulators.faults import FaultMode

__all__ = ["FaultMode"]

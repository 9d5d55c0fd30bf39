"""Closing a closed dome and parking a parked one succeed without commanding anything
(RTS2 errored on "close an already closed dome")."""

from __future__ import annotations

import pytest

from pyros.devices import ShutterState


@pytest.fixture
def dome_puts(drivers):
    """The dome driver and the list of PUT methods it sends (spy on the real transport)."""
    dome = drivers["dome"]
    sent: list[str] = []
    real_put = dome._transport.put

    def put(method, **params):
        if method != "connected":
            sent.append(method)
        return real_put(method, **params)

    dome._transport.put = put
    return dome, sent


def test_closing_a_closed_dome_sends_nothing(dome_puts):
    dome, sent = dome_puts
    dome.close_shutter(wait=True, timeout_s=600)
    assert dome.shutter_state() is ShutterState.CLOSED
    sent.clear()
    dome.close_shutter(wait=True)
    dome.close_shutter()
    assert sent == []


def test_close_while_closing_only_waits(dome_puts):
    dome, sent = dome_puts
    dome.open_shutter(wait=True, timeout_s=600)
    dome.close_shutter()
    assert dome.shutter_state() is ShutterState.CLOSING
    dome.close_shutter(wait=True, timeout_s=600)
    assert sent.count("closeshutter") == 1
    assert dome.shutter_state() is ShutterState.CLOSED


def test_open_is_idempotent_too(dome_puts):
    dome, sent = dome_puts
    dome.open_shutter(wait=True, timeout_s=600)
    dome.open_shutter(wait=True)
    assert sent.count("openshutter") == 1
    dome.close_shutter(wait=True, timeout_s=600)


def test_parking_a_parked_dome_sends_nothing(dome_puts):
    dome, sent = dome_puts
    dome.park(timeout_s=600)
    assert dome.at_park()
    sent.clear()
    dome.park()
    assert sent == []

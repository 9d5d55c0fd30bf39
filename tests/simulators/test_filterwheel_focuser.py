"""Filter wheels (names, moves, focus offsets) and the focuser (moves, halt, limits)."""

from __future__ import annotations

import pytest
from alpaca.exceptions import InvalidValueException, NotImplementedException
from alpaca.filterwheel import FilterWheel
from alpaca.focuser import Focuser


def test_filter_wheels_carry_the_channel_filters(sims):
    vis, nir = FilterWheel(sims.address, 0), FilterWheel(sims.address, 1)
    vis.Connected = nir.Connected = True
    assert vis.Names == ["g", "r", "i", "z"] and vis.FocusOffsets == [0, 15, 30, 45]
    assert nir.Names == ["J", "H"] and nir.FocusOffsets == [0, 20]
    assert vis.Position == 0


def test_filter_moves_report_minus_one_until_arrival(sims, manual_clock):
    wheel = FilterWheel(sims.address, 0)
    wheel.Connected = True
    wheel.Position = 2  # two slots at 1 s each
    assert wheel.Position == -1
    manual_clock.advance(1.5)
    assert wheel.Position == -1
    manual_clock.advance(0.6)
    assert wheel.Position == 2
    wheel.Position = 3  # one slot
    manual_clock.advance(1.01)
    assert wheel.Position == 3
    wheel.Position = 0  # 3 -> 0 is one slot the short way round
    manual_clock.advance(1.01)
    assert wheel.Position == 0
    with pytest.raises(InvalidValueException):
        wheel.Position = 4


def test_focuser_moves_at_its_rate_and_halts(sims, manual_clock):
    focuser = Focuser(sims.address, 0)
    focuser.Connected = True
    assert focuser.Absolute and focuser.MaxStep == 100000
    start = focuser.Position
    assert start == 50000  # best focus at power-on
    focuser.Move(60000)  # 10 000 steps at 5 000 steps/s
    manual_clock.advance(1.0)
    assert focuser.IsMoving and focuser.Position == 55000
    focuser.Halt()
    manual_clock.advance(5.0)
    assert not focuser.IsMoving and focuser.Position == 55000
    with pytest.raises(InvalidValueException):
        focuser.Move(100001)
    assert focuser.TempCompAvailable is False
    with pytest.raises(NotImplementedException):
        focuser.TempComp = True
    sims.set_weather(temperature=-3.5)
    assert focuser.Temperature == pytest.approx(-3.5)

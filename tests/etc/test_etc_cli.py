"""``pyros etc`` on the command line."""

from __future__ import annotations

import json

import pytest

from pyros.cli import main


def test_exptime_for_snr(capsys):
    assert main(["etc", "--mag", "18", "--filter", "r", "--snr", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("exposure time: AB r = 18.00, S/N = 10.0")


def test_snr_json(capsys):
    assert main(["etc", "--mag", "18", "--filter", "r", "--exptime", "60", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "signal-to-noise" and data["exptime_s"] == 60.0
    assert data["snr"] > 50 and data["saturated"] is False


def test_limiting_magnitude_in_the_nir_channel(capsys):
    assert main(["etc", "--filter", "J", "--snr", "5", "--exptime", "120", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "limiting magnitude" and data["read_noise_e"] == 18.0


def test_saturation_is_reported(capsys):
    assert main(["etc", "--mag", "8", "--filter", "r", "--exptime", "30"]) == 0
    assert "WARNING: the peak pixel saturates" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["etc", "--filter", "r", "--mag", "18"],
        ["etc", "--filter", "r", "--mag", "18", "--snr", "5", "--exptime", "3"],
        ["etc", "--filter", "U", "--mag", "18", "--snr", "5"],
    ],
)
def test_bad_requests_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "pyros etc:" in capsys.readouterr().err

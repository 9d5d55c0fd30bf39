"""Alpaca UDP discovery, the control API over HTTP, and the two commands."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys

import requests
from alpaca.telescope import Telescope

from pyros.cli import main
from pyros.clock import monotonic
from pyros.simulators.testing import running_simulators


def test_discovery_answers_on_loopback(manual_clock):
    with running_simulators(discovery=True) as sims, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(5)
        udp.sendto(b"alpacadiscovery1", ("127.0.0.1", sims.discovery_port))
        data, _ = udp.recvfrom(1024)
        assert json.loads(data) == {"AlpacaPort": sims.port}
        udp.sendto(b"hello", ("127.0.0.1", sims.discovery_port))
        udp.settimeout(0.2)
        try:
            udp.recvfrom(1024)
            raise AssertionError("a non-discovery datagram got an answer")
        except TimeoutError:
            pass


def test_control_api_over_http(sims):
    url = f"{sims.url}/pyros/sim"
    reply = requests.post(f"{url}/weather", json={"values": {"cloudcover": 85}}, timeout=5)
    assert reply.status_code == 200 and reply.json()["values"]["cloudcover"] == 85
    reply = requests.post(f"{url}/weather", json={"timeline": [
        {"offset_s": 60, "values": {"rainrate": 1}}]}, timeout=5)
    assert reply.json()["timeline"][0]["values"] == {"rainrate": 1.0}
    bad = requests.post(f"{url}/weather", json={"values": {"snow": 1}}, timeout=5)
    assert bad.status_code == 400 and "snow" in bad.json()["error"]
    assert requests.post(f"{url}/fault", json={"device": "nope", "mode": "hang"},
                         timeout=5).status_code == 400
    assert requests.post(f"{url}/weather", data=b"{not json", timeout=5).status_code == 400
    reply = requests.post(f"{url}/transient", json={"ra_deg": 150, "dec_deg": 20, "mag": 16},
                          timeout=5)
    assert reply.json()["mag"] == 16
    status = requests.get(f"{url}/status", timeout=5).json()
    assert len(status["transients"]) == 1 and set(status["devices"]) >= {"mount", "plc"}
    assert requests.delete(f"{url}/transients", timeout=5).json() == {"removed": 1}
    assert requests.get(f"{url}/nothing", timeout=5).status_code == 400


def test_sim_command_talks_to_the_control_api(sims, capsys):
    base = ["sim", "--url", sims.url]
    assert main([*base, "fault", "camera_nir", "error", "--duration", "30"]) == 0
    assert sims.state()["faults"]["camera_nir"]["mode"] == "error"
    assert main([*base, "fault", "camera_nir", "ok"]) == 0
    assert main([*base, "weather", "rainrate=2.5", "windspeed=18"]) == 0
    assert sims.state()["weather"]["values"]["rainrate"] == 2.5
    assert main([*base, "weather", "--in", "600", "rainrate=0"]) == 0
    assert sims.state()["weather"]["timeline"][0]["values"] == {"rainrate": 0.0}
    assert main([*base, "weather", "--freeze"]) == 0
    assert sims.state()["weather"]["updating"] is False
    assert main([*base, "transient", "150.5", "20.1", "17.5", "--alpha", "1.3"]) == 0
    assert sims.state()["transients"][0]["alpha"] == 1.3
    capsys.readouterr()
    assert main([*base, "status"]) == 0
    assert json.loads(capsys.readouterr().out)["devices"]["mount"]["parked"] is True
    assert main([*base, "fault", "toaster", "hang"]) == 1
    assert "unknown device" in capsys.readouterr().err
    assert main([*base, "weather", "rainrate"]) == 2
    assert main(["sim", "--url", "http://127.0.0.1:9", "status"]) == 1


def test_simulators_command_serves_and_stops_cleanly_on_sigterm(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYROS_CLOCK="sim", PYROS_SIM_START="2026-03-01T06:00:00Z",
               PYROS_SIM_SPEED="10")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyros.cli", "simulators", "--port", str(port),
         "--discovery-port", "0", "--log-level", "WARNING"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line
        mount = Telescope(f"127.0.0.1:{port}", 0)
        mount.Connected = True
        assert mount.AtPark is True
        deadline = monotonic() + 10
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=max(1.0, deadline - monotonic()))
        assert proc.returncode == 0, err
        assert "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

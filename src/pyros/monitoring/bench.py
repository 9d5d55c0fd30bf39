"""``pyros bench monitoring``: CPU per poll cycle and the unsafe-to-close reaction time.

1. CPU: the simulators run in a child process (so their CPU is not counted); the agent,
   without threads, polls every configured device and takes one step per cycle, N times;
   process CPU (``time.process_time``) per cycle is reported against the reference of the
   same devices polled by bare drivers (``status()`` each) in the same process.
2. Reaction: simulators in a child process sharing a simulated clock (10x and 50x); the
   threaded agent watches an open dome, an unparked mount and a running exposure; rain
   is set on the simulator.
   Reported in simulated seconds from the rain: when each command (abort, close, park) was
   accepted by its device — the software's reaction, which must be under 1 s — and,
   separately, when the shutter was closed and the mount parked (mechanical travel).

Needs a database: a temporary SQLite one under a temporary ``PYROS_DATA_DIR`` is created
and migrated when Django is not set up yet.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from typing import Any

__all__ = ["run"]

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)  # mid-night at San Pedro Mártir


def _django(tmp: str) -> None:
    from django.conf import settings

    if not settings.configured:
        os.environ["PYROS_DATA_DIR"] = tmp
        os.environ["PYROS_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _config(address: str, small: bool = False, **safety: Any) -> Any:
    from pyros.config import load_config

    cfg = load_config()
    devices = [d.model_copy(update={"address": address, "timeout_s": 2.0,
                                    "reconnect_min_s": 0.05, "reconnect_max_s": 0.5})
               for d in cfg.devices]
    update: dict[str, Any] = {"devices": devices,
                              "safety": cfg.safety.model_copy(update=safety)}
    if small:  # the in-process simulator renders frames: keep them from eating the CPU
        update["channels"] = [c.model_copy(update={"width_px": 256, "height_px": 256})
                              for c in cfg.channels]
    return cfg.model_copy(update=update)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, timeout_s: float = 20.0) -> None:
    import requests

    from pyros.clock import RealClock, monotonic

    deadline = monotonic() + timeout_s
    while monotonic() < deadline:
        try:
            requests.get(f"{url}/management/apiversions", timeout=1.0)
            return
        except requests.RequestException:
            RealClock().sleep(0.1)
    raise RuntimeError(f"simulators did not start at {url}")


def _cpu(cycles: int, data_dir: str) -> dict[str, Any]:
    from pyros.clock import ManualClock, RealClock, set_clock
    from pyros.devices import open_all
    from pyros.monitoring.agent import MonitoringAgent

    clock = ManualClock(START)
    set_clock(clock)
    port = _free_port()
    env = {**os.environ, "PYROS_CLOCK": "sim", "PYROS_SIM_START": START.isoformat(),
           "PYROS_SIM_SPEED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "pyros.cli", "simulators", "--port",
                              str(port), "--discovery-port", "0", "--log-level", "WARNING"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_http(url)
        cfg = _config(url)
        # reference: the same devices, bare drivers, one status() each per cycle
        drivers = open_all(cfg)
        for d in drivers.values():
            d.status()
        t0, w0 = time.process_time(), time.perf_counter()
        for _ in range(cycles):
            for d in drivers.values():
                d.status()
        ref_cpu = (time.process_time() - t0) / cycles
        ref_wall = (time.perf_counter() - w0) / cycles
        for d in drivers.values():
            d.close()
        agent = MonitoringAgent(clock=clock, config=cfg, threaded=False,
                                notifier=lambda *a: None, data_dir=data_dir)
        agent.setup()
        try:
            for _ in range(3):  # warm up: connections, first rows
                agent.poll_due(force=True)
                agent.run_once()
                clock.advance(1.0)
            t0, w0 = time.process_time(), time.perf_counter()
            for _ in range(cycles):
                agent.poll_due(force=True)
                agent.run_once()
                clock.advance(1.0)
            cpu = (time.process_time() - t0) / cycles
            wall = (time.perf_counter() - w0) / cycles
        finally:
            agent.teardown()
        RealClock()  # (keeps the import used on every path)
        return {"cycles": cycles, "devices": len(cfg.devices),
                "agent_cpu_ms_per_cycle": round(cpu * 1000, 3),
                "agent_wall_ms_per_cycle": round(wall * 1000, 3),
                "bare_drivers_cpu_ms_per_cycle": round(ref_cpu * 1000, 3),
                "bare_drivers_wall_ms_per_cycle": round(ref_wall * 1000, 3),
                "cpu_ratio_agent_to_bare": round(cpu / ref_cpu, 2) if ref_cpu else None}
    finally:
        child.terminate()
        child.wait(timeout=10)


def _start_simulators(cfg: Any, port: int, env: dict[str, str], tmp: str
                      ) -> subprocess.Popen[bytes]:
    """The simulators in a child process (as in production), on ``cfg``'s devices."""
    import yaml

    path = os.path.join(tmp, f"sim-{port}.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(cfg.model_dump(mode="json"), fh)
    child = subprocess.Popen(
        [sys.executable, "-m", "pyros.cli", "simulators", "--port", str(port),
         "--discovery-port", "0", "--log-level", "WARNING"],
        env={**os.environ, **env, "PYROS_CONFIG": path},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_http(f"http://127.0.0.1:{port}")
    return child


def _reaction(trials: int, speed: float, data_dir: str) -> dict[str, Any]:
    import requests

    from pyros.clock import RealClock, SimClock, monotonic, set_clock
    from pyros.devices import open_all
    from pyros.devices.enums import ShutterState
    from pyros.monitoring.agent import MonitoringAgent

    clock = SimClock(START, speed=speed)
    set_clock(clock)
    results: list[dict[str, float]] = []
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    base = _config(url, small=True)
    # a short good-hold for rain so that trials follow each other quickly
    sensors = dict(base.safety.sensors)
    sensors["rainrate"] = sensors["rainrate"].model_copy(update={"good_after_s": 30.0})
    cfg = _config(url, small=True, sensors=sensors)
    child = _start_simulators(cfg, port, clock.environ(), data_dir)

    def rain(rate: float) -> None:
        requests.post(f"{url}/pyros/sim/weather", json={"values": {"rainrate": rate}},
                      timeout=5).raise_for_status()

    ours = open_all(cfg, ["mount", "dome", "camera_vis"])
    agent = MonitoringAgent(clock=clock, config=cfg, notifier=lambda *a: None,
                            data_dir=data_dir)
    agent.setup()

    def step_until(pred: Any, timeout_wall_s: float = 60.0) -> None:
        deadline = monotonic() + timeout_wall_s
        while not pred():
            agent.run_once()
            if monotonic() > deadline:
                raise RuntimeError("bench: condition not met in time")
            RealClock().sleep(0.005)

    try:
        for _ in range(trials):
            rain(0.0)
            step_until(lambda: agent.mode is not None and agent.mode.value == "operational")
            ours["mount"].unpark()
            ours["mount"].slew_altaz(60.0, 120.0, wait=True)
            ours["dome"].open_shutter(wait=True)
            ours["camera_vis"].start_exposure(300.0)
            seen = len(agent.reactor.history())
            rain_at = clock.now()
            rain(3.0)
            step_until(lambda n=seen: agent.reactor.wait(0.0)
                       and len(agent.reactor.history()) - n >= 4)
            sent = {r.device: (r.done_at - rain_at).total_seconds()
                    for r in agent.reactor.history()[seen:] if r.sent}
            closed_at = parked_at = None
            while closed_at is None or parked_at is None:
                now = clock.now()
                if closed_at is None and ours["dome"].shutter_state() is ShutterState.CLOSED:
                    closed_at = now
                if parked_at is None and ours["mount"].at_park():
                    parked_at = now
                RealClock().sleep(0.005)
            results.append({
                "abort_sent_s": sent.get("camera_vis", float("nan")),
                "close_sent_s": sent.get("dome", float("nan")),
                "park_sent_s": sent.get("mount", float("nan")),
                "shutter_closed_s": (closed_at - rain_at).total_seconds(),
                "mount_parked_s": (parked_at - rain_at).total_seconds()})
            rain(0.0)
            step_until(lambda: agent.mode is not None
                       and agent.mode.value == "operational", 120.0)
    finally:
        agent.teardown()
        for d in ours.values():
            d.close()
        child.terminate()
        child.wait(timeout=10)
        set_clock(None)

    def summary(key: str) -> dict[str, float]:
        vals = [r[key] for r in results]
        return {"median": round(statistics.median(vals), 3), "max": round(max(vals), 3)}

    software = max(max(r["abort_sent_s"], r["close_sent_s"], r["park_sent_s"])
                   for r in results)
    return {"speed": speed, "trials": trials,
            "commands_sent_after_rain_s": {k: summary(k) for k in (
                "abort_sent_s", "close_sent_s", "park_sent_s")},
            "mechanics_after_rain_s": {k: summary(k) for k in (
                "shutter_closed_s", "mount_parked_s")},
            "software_reaction_max_s": round(software, 3),
            "within_1_s": software <= 1.0,
            "shutter_travel_s_configured": cfg.simulator.shutter_time_s}


def run(args: argparse.Namespace) -> int:
    quick = bool(getattr(args, "quick", False))
    with tempfile.TemporaryDirectory(prefix="pyros-bench-monitoring-") as tmp:
        _django(tmp)
        from django.conf import settings

        data_dir = str(settings.DATA_DIR)
        figures: dict[str, Any] = {"cpu": _cpu(20 if quick else 200, data_dir)}
        for speed in (10.0, 50.0):
            figures[f"reaction_{speed:g}x"] = _reaction(1 if quick else 3, speed, data_dir)
    if getattr(args, "json", False):
        print(json.dumps(figures, indent=1))
        return 0
    cpu = figures["cpu"]
    print(f"poll cycle ({cpu['devices']} devices, {cpu['cycles']} cycles): agent "
          f"{cpu['agent_cpu_ms_per_cycle']} ms CPU ({cpu['agent_wall_ms_per_cycle']} ms wall)"
          f" vs bare drivers {cpu['bare_drivers_cpu_ms_per_cycle']} ms CPU: "
          f"x{cpu['cpu_ratio_agent_to_bare']}")
    for key, react in figures.items():
        if key.startswith("reaction"):
            _print_reaction(react)
    return 0


def _print_reaction(react: dict[str, Any]) -> None:
    sent = react["commands_sent_after_rain_s"]
    mech = react["mechanics_after_rain_s"]
    print(f"rain -> commands accepted (simulated s, {react['speed']:g}x, "
          f"{react['trials']} trials): abort {sent['abort_sent_s']}, close "
          f"{sent['close_sent_s']}, park {sent['park_sent_s']}; "
          f"max {react['software_reaction_max_s']} s (within 1 s: {react['within_1_s']})")
    print(f"rain -> shutter closed {mech['shutter_closed_s']} s (travel "
          f"{react['shutter_travel_s_configured']:g} s), mount parked {mech['mount_parked_s']} s")

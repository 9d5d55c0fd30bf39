"""``pyros night``: run a whole simulated night unattended, then write its report."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

log = logging.getLogger("pyros.night")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("night", help="run a whole simulated night and write its report")
    p.add_argument("--scenario", default=None,
                   help="scenario file (YAML/JSON); default: the benchmark night")
    p.add_argument("--start", default=None,
                   help="ISO instant or night±OFFSET (overrides the scenario)")
    p.add_argument("--hours", type=float, default=None, help="length of the run")
    p.add_argument("--speed", type=float, default=None, help="simulated seconds per second")
    p.add_argument("--report", default="night-report", help="report directory")
    p.add_argument("--web", action="store_true", help="also run the web server")
    p.add_argument("--port", type=int, default=8000, help="web port with --web")
    p.add_argument("--database-url", default=None,
                   help="database for the night (default: a new SQLite file in the report)")
    p.add_argument("--warmup", type=float, default=15.0,
                   help="wall seconds between starting the processes and the night")
    p.add_argument("--detector-downscale", type=int, default=None,
                   help="divide detector sizes by N (same field of view): lighter frames")
    p.set_defaults(func=cmd_night)


#: The Kafka topics the night publishes on (pyros.night.driver.topic_for).
TOPICS = ("gcn.notices.svom.voevent.eclairs", "gcn.notices.svom.voevent.grm",
          "gcn.notices.svom.voevent.mxt", "gcn.classic.voevent.FERMI_GBM",
          "gcn.classic.voevent.SWIFT_BAT", "gcn.notices.pyros.scenario")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _night_config(base, port: int, downscale: int):
    """The observatory with its simulators on ``port`` and optionally smaller detectors."""
    from pyros.config import with_alpaca_address

    cfg = with_alpaca_address(base, f"http://127.0.0.1:{port}")
    sim = cfg.simulator.model_copy(update={"port": port, "discovery_port": 0})
    channels = cfg.channels
    if downscale > 1:  # the big (VIS) detectors only: NIR frames are small already
        # each pixel stands for downscale² real ones, as if summed: its well, gain, dark
        # current and (summed in quadrature) read noise grow with it, or the 64x sky of a
        # pixel 8x wider saturates every frame and no reduction succeeds
        n = downscale * downscale
        channels = [c.model_copy(update={
            "width_px": c.width_px // downscale, "height_px": c.height_px // downscale,
            "pixel_scale_arcsec": c.pixel_scale_arcsec * downscale,
            "full_well_e": c.full_well_e * n, "gain_e_adu": c.gain_e_adu * n,
            "dark_current_e_s": c.dark_current_e_s * n,
            "read_noise_e": c.read_noise_e * downscale})
            if c.width_px > 2048 else c for c in channels]
    return cfg.model_copy(update={"simulator": sim, "channels": channels})


def cmd_night(args: argparse.Namespace) -> int:
    import yaml

    from pyros.astro.night import next_night
    from pyros.clock import SimClock, epoch_in, monotonic, parse_utc, set_clock
    from pyros.config import ConfigError, load_config
    from pyros.night.scenario import ScenarioError, load_scenario

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        scenario = load_scenario(args.scenario)
        base = load_config()
    except (ScenarioError, ConfigError) as exc:
        print(f"pyros night: {exc}", file=sys.stderr)
        return 2
    if args.start:
        scenario.start = args.start
    hours = args.hours or scenario.hours
    speed = args.speed or scenario.speed
    site = base.site.location_tuple()
    anchor = (parse_utc(f"{scenario.night_of}T12:00:00") - timedelta(hours=site[1] / 15.0)
              if scenario.night_of else None)
    from pyros.clock import RealClock

    night = next_night(site, anchor or RealClock().now(), base.site.twilight_deg)
    start = scenario.start_instant(night.start)
    end = start + timedelta(hours=hours)

    report = Path(args.report).resolve()
    data = report / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    port = _free_port()
    downscale = args.detector_downscale or scenario.detector_downscale
    cfg = _night_config(base, port, downscale)
    cfg_path = data / "observatory.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False))

    # while the night is prepared the clock waits just before the start
    clock = SimClock(start - timedelta(minutes=1), 1.0)
    env = {
        "PYROS_DATA_DIR": str(data), "PYROS_CONFIG": str(cfg_path),
        "PYROS_DATABASE_URL": args.database_url or f"sqlite:///{data / 'pyros.sqlite3'}",
        **clock.environ(),
    }
    from pyros.alerts.testing import MockKafka

    kafka = MockKafka()
    alerts_cfg = data / "alerts.yaml"
    alerts_cfg.write_text(yaml.safe_dump({"alerts": {
        "kafka": {"enabled": True, "group_id": "pyros-night",
                  "topics": list(TOPICS),
                  "config": {"bootstrap.servers": kafka.bootstrap,
                             "auto.offset.reset": "earliest",
                             "topic.metadata.refresh.interval.ms": 1000}},
        "fsc": {"drop_dir": str(data / "exchange" / "FSC" / "TO")}}}))
    env["PYROS_ALERTS_CONFIG"] = str(alerts_cfg)
    kafka.create_topics(TOPICS)
    os.environ.update(env)
    set_clock(clock)

    from pyros.supervisor.cli import setup_django

    setup_django()
    from django.core.management import call_command

    from pyros.night.report import build_report
    from pyros.night.requests import request_documents
    from pyros.night.setup import prepare_accounts, submit_documents

    call_command("migrate", "--noinput", verbosity=0)
    rr = scenario.routine_requests
    prepare_accounts(night, rr.programmes)
    docs = request_documents(rr.count, rr.programmes, night, site, seed=rr.seed)
    submitted = submit_documents(docs)
    # the night's clock: it begins once every process had time to start (agents import
    # Django and astropy, the alerts consumer joins its group)
    clock = SimClock(start, speed, epoch=epoch_in(args.warmup))
    os.environ.update(clock.environ())
    set_clock(clock)
    print(f"pyros night: {scenario.name}: {start:%Y-%m-%d %H:%M} → {end:%H:%M} UTC "
          f"({hours:g} h at {speed:g}×), night {night.start:%H:%M}–{night.end:%H:%M}; "
          f"requests {submitted}; report in {report}", flush=True)

    argv = [sys.executable, "-m", "pyros.cli", "start", "--simulate", "--no-migrate",
            "--port", str(args.port)]
    if not args.web:
        argv.append("--no-web")
    log_file = (report / "processes.log").open("w")
    supervisor = subprocess.Popen(argv, env={**os.environ}, stdout=log_file,
                                  stderr=subprocess.STDOUT)
    from pyros.night.driver import Driver

    driver = Driver(scenario, start, clock, f"http://127.0.0.1:{port}", kafka)
    wall0 = monotonic()
    try:
        # a restart's simulated duration moves the end, within the astronomical night
        end = driver.run_until(end, stop=lambda: supervisor.poll() is not None,
                               latest=max(end, night.end))
    except KeyboardInterrupt:
        print("pyros night: interrupted; stopping and writing the report", file=sys.stderr)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        try:
            supervisor.wait(timeout=60)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        log_file.close()
    wall = monotonic() - wall0
    from django.db import connections

    connections.close_all()  # a fresh connection for the report (the server may have restarted)
    result = build_report(report, scenario, night, start, min(end, clock.now()), speed,
                          driver.done, wall, submitted)
    print(result.summary(), flush=True)
    return 0 if result.all_pass else 1

"""``pyros simulators`` (run the Alpaca device simulators) and ``pyros sim`` (control them).

Examples::

    pyros simulators --port 11111
    pyros sim status
    pyros sim weather rainrate=2.5 windspeed=18          # now
    pyros sim weather --in 600 rainrate=0                # in 10 simulated minutes
    pyros sim weather --file storm.yaml                  # a timeline
    pyros sim weather --freeze                           # the station stops updating
    pyros sim fault camera_vis hang --duration 120
    pyros sim fault mount ok
    pyros sim transient 150.1 20.2 16.5 --alpha 1.2
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]

FAULT_MODES = ("ok", "disconnected", "hang", "error", "garbage", "restart")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulators", help="run the Alpaca simulators of every configured device")
    p.add_argument("--host", help="address to listen on (default: simulator.host)")
    p.add_argument("--port", type=int, help="HTTP port (default: simulator.port)")
    p.add_argument("--discovery-port", type=int,
                   help="UDP discovery port, 0 disables (default: simulator.discovery_port)")
    p.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    p.set_defaults(func=run_simulators)

    s = sub.add_parser("sim", help="control running simulators: weather, faults, transients")
    s.add_argument("--url", help="simulator base URL (default from simulator.host/port)")
    s.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout, wall seconds")
    ssub = s.add_subparsers(dest="sim_command", metavar="ACTION", required=True)

    st = ssub.add_parser("status", help="print the state of every simulated device (JSON)")
    st.set_defaults(func=_status)

    w = ssub.add_parser("weather", help="set weather values now, later, or from a timeline")
    w.add_argument("values", nargs="*", metavar="SENSOR=VALUE",
                   help="e.g. rainrate=2 cloudcover=80 (ASCOM ObservingConditions names)")
    when = w.add_mutually_exclusive_group()
    when.add_argument("--in", dest="offset_s", type=float, metavar="SECONDS",
                      help="apply after this many simulated seconds")
    when.add_argument("--at", metavar="ISO", help="apply at this instant (UTC)")
    w.add_argument("--file", help="timeline file (YAML/JSON list of {at|offset_s, values})")
    w.add_argument("--append", action="store_true", help="keep already scheduled changes")
    upd = w.add_mutually_exclusive_group()
    upd.add_argument("--freeze", action="store_true", help="the station stops updating")
    upd.add_argument("--resume", action="store_true", help="the station updates again")
    w.set_defaults(func=_weather)

    f = ssub.add_parser("fault", help="inject a device fault (ok clears it)")
    f.add_argument("device", help="device name from the configuration, e.g. camera_vis")
    f.add_argument("mode", choices=FAULT_MODES)
    f.add_argument("--duration", type=float, metavar="SECONDS",
                   help="simulated seconds after which the device is ok again")
    f.set_defaults(func=_fault)

    t = ssub.add_parser("transient", help="inject a fading afterglow into camera frames")
    t.add_argument("ra_deg", type=float, nargs="?")
    t.add_argument("dec_deg", type=float, nargs="?")
    t.add_argument("mag", type=float, nargs="?", help="AB magnitude 60 s after t0")
    t.add_argument("--t0", metavar="ISO", help="burst time (default: now, simulated)")
    t.add_argument("--alpha", type=float, default=1.0, help="decay index, F ∝ t^-alpha")
    t.add_argument("--clear", action="store_true", help="remove every injected transient")
    t.set_defaults(func=_transient)


# -- pyros simulators ------------------------------------------------------------------------
def run_simulators(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT; exit code 0 on a clean stop, 2 on a bad set-up."""
    import logging
    import signal

    import pyros.astro  # noqa: F401  (offline astropy/ERFA set-up)
    from pyros.config import ConfigError
    from pyros.simulators.server import SimulatorServer

    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = SimulatorServer(host=args.host, port=args.port,
                                 discovery_port=args.discovery_port)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"pyros simulators: {exc}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: object) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    disc = f", discovery on UDP {server.discovery.port}" if server.discovery else ""
    print(f"PyROS simulators: {len(server.observatory.devices)} devices on {server.url}{disc}",
          flush=True)
    server.serve_forever()
    print("PyROS simulators stopped", flush=True)
    return 0


# -- pyros sim ------------------------------------------------------------------------------
def _base_url(args: argparse.Namespace) -> str:
    if args.url:
        return args.url.rstrip("/")
    from pyros.config import load_config

    sim = load_config().simulator
    return f"http://{sim.host}:{sim.port}"


def _call(args: argparse.Namespace, verb: str, action: str,
          body: dict[str, Any] | None = None) -> int:
    import urllib.error
    import urllib.request

    url = f"{_base_url(args)}/pyros/sim/{action}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=verb,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as resp:
            payload = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            message = exc.reason
        print(f"pyros sim: {message}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"pyros sim: cannot reach the simulators at {url}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(payload, indent=2))
    return 0


def _status(args: argparse.Namespace) -> int:
    return _call(args, "GET", "status")


def _parse_values(pairs: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"expected SENSOR=VALUE, got {pair!r}")
        try:
            values[key.strip().lower()] = float(raw)
        except ValueError:
            raise ValueError(f"{key}: {raw!r} is not a number") from None
    return values


def _weather(args: argparse.Namespace) -> int:
    try:
        values = _parse_values(args.values)
        body: dict[str, Any] = {"replace": not args.append}
        timeline: list[dict[str, Any]] = []
        if args.file:
            timeline.extend(_read_timeline(args.file))
        if values and (args.offset_s is not None or args.at):
            entry: dict[str, Any] = {"values": values}
            entry.update({"offset_s": args.offset_s} if args.offset_s is not None
                         else {"at": args.at})
            timeline.append(entry)
        elif values:
            body["values"] = values
        if timeline:
            body["timeline"] = timeline
        if args.freeze or args.resume:
            body["updating"] = bool(args.resume)
    except (ValueError, OSError) as exc:
        print(f"pyros sim weather: {exc}", file=sys.stderr)
        return 2
    return _call(args, "POST", "weather", body)


def _read_timeline(path: str) -> list[dict[str, Any]]:
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if isinstance(data, dict):
        data = data.get("timeline")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{at|offset_s, values}} entries")
    return [dict(entry) for entry in data]


def _fault(args: argparse.Namespace) -> int:
    return _call(args, "POST", "fault",
                 {"device": args.device, "mode": args.mode, "duration_s": args.duration})


def _transient(args: argparse.Namespace) -> int:
    if args.clear:
        return _call(args, "DELETE", "transients")
    if args.ra_deg is None or args.dec_deg is None or args.mag is None:
        print("pyros sim transient: give RA_DEG DEC_DEG MAG (or --clear)", file=sys.stderr)
        return 2
    body = {"ra_deg": args.ra_deg, "dec_deg": args.dec_deg, "mag": args.mag,
            "alpha": args.alpha, "t0": args.t0}
    return _call(args, "POST", "transient", body)

"""Commands that run PyROS processes: start, agent, worker, web, manage, clock, config."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

log = logging.getLogger("pyros.supervisor")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    import django

    django.setup()


def run_manage(argv: Sequence[str]) -> int:
    """``pyros manage ARGS``: Django's manage.py, with PyROS settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pyros manage", *argv])
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("start", help="run the whole observatory under supervision")
    p.add_argument("--simulate", action="store_true",
                   help="also run the device simulators (and use the simulated clock unless "
                        "PYROS_CLOCK is set)")
    p.add_argument("--host", default=os.environ.get("PYROS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PYROS_PORT", "8000")))
    p.add_argument("--web-workers", type=int, default=2)
    p.add_argument("--no-web", action="store_true", help="do not run the web server")
    p.add_argument("--no-worker", action="store_true", help="do not run a Celery worker")
    p.add_argument("--agents", default="all",
                   help="comma-separated agents to run, 'all' or 'none' (default all)")
    p.add_argument("--no-migrate", action="store_true",
                   help="skip migrate and collectstatic at start")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("agent", help="run one agent in the foreground")
    p.add_argument("name", help="monitoring, alerts, scheduler or execution")
    p.add_argument("--steps", type=int, default=None, help="stop after N steps")
    p.set_defaults(func=cmd_agent)

    p = sub.add_parser("worker", help="run a Celery worker (pipeline tasks)")
    p.add_argument("--concurrency", type=int, default=None)
    p.add_argument("--queues", default=None, help="comma-separated queues")
    p.add_argument("--name", default=None, help="worker node name")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("web", help="run the web server (gunicorn) in the foreground")
    p.add_argument("--host", default=os.environ.get("PYROS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PYROS_PORT", "8000")))
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=cmd_web)

    sub.add_parser("manage", help="Django management commands (pyros manage help)")

    p = sub.add_parser("clock", help="print the clock this environment describes")
    p.set_defaults(func=cmd_clock)

    p = sub.add_parser("config", help="validate and print the observatory configuration")
    p.add_argument("path", nargs="?", default=None, help="file (default: PYROS_CONFIG)")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("demo-data", help="create the demo users, programme and requests")
    p.set_defaults(func=cmd_demo_data)


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "pyros.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", "4",
        "--access-logfile", "-", "--graceful-timeout", "10", "--timeout", "60",
    ]


def fix_clock_environment(simulate: bool) -> dict[str, str]:
    """Decide the clock once, so every child shares the same simulated time."""
    from pyros.clock import SimClock, clock_from_environ, set_clock

    env: dict[str, str] = {}
    if simulate and "PYROS_CLOCK" not in os.environ:
        env["PYROS_CLOCK"] = "sim"
    clock = clock_from_environ({**os.environ, **env})
    set_clock(clock)
    if isinstance(clock, SimClock):
        env.update(clock.environ())
    return env


def build_specs(args: argparse.Namespace, clock_env: dict[str, str]) -> list:
    from pyros.agents import AGENTS
    from pyros.cli import module_available
    from pyros.config import load_config
    from pyros.supervisor.process import ChildSpec, python_argv

    specs = []
    if args.simulate:
        if not module_available("pyros.simulators.cli"):
            raise SystemExit("pyros start --simulate: the simulators are not installed")
        sim = load_config().simulator
        specs.append(ChildSpec("simulators", python_argv("simulators", "--host", sim.host,
                                                         "--port", str(sim.port))))
    if not args.no_web:
        specs.append(ChildSpec("web", gunicorn_argv(args.host, args.port, args.web_workers)))
    if not args.no_worker:
        from pyros.pipeline.api import DEFAULT_QUEUE, URGENT_QUEUE

        # one worker for everything, and one that only ever takes an alert's frames and
        # analyses, so those never wait behind the night's routine backlog
        specs.append(ChildSpec("worker", python_argv(
            "worker", "--queues", f"{DEFAULT_QUEUE},{URGENT_QUEUE}", "--name", "pyros@%h")))
        specs.append(ChildSpec("worker:urgent", python_argv(
            "worker", "--queues", URGENT_QUEUE, "--concurrency", "1",
            "--name", "urgent@%h")))
    names = {"all": list(AGENTS), "none": []}.get(args.agents)
    if names is None:
        names = [n.strip() for n in args.agents.split(",") if n.strip()]
        unknown = set(names) - set(AGENTS)
        if unknown:
            raise SystemExit(f"unknown agents: {', '.join(sorted(unknown))}")
    for name in names:
        specs.append(ChildSpec(f"agent:{name}", python_argv("agent", name), self_reporting=True,
                               record_name=name))
    for spec in specs:
        spec.env.update(clock_env)
    return specs


def cmd_start(args: argparse.Namespace) -> int:
    clock_env = fix_clock_environment(args.simulate)
    os.environ.update(clock_env)  # the supervisor's own records use the same clock
    setup_django()
    from django.core.management import call_command

    from pyros.clock import get_clock
    from pyros.supervisor.process import Supervisor

    if not args.no_migrate:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
    specs = build_specs(args, clock_env)
    clock = get_clock()
    print(f"PyROS starting: clock {json.dumps(clock.describe())}", flush=True)
    if not args.no_web:
        print(f"PyROS web: http://{args.host}:{args.port}/  (admin: /admin/)", flush=True)
    supervisor = Supervisor(specs)
    supervisor.install_signal_handlers()
    return supervisor.run()


def cmd_agent(args: argparse.Namespace) -> int:
    setup_django()
    from pyros.agents import agent_class

    try:
        cls = agent_class(args.name)
    except KeyError as exc:
        print(f"pyros agent: {exc.args[0]}", file=sys.stderr)
        return 2
    agent = cls()
    agent.install_signal_handlers()
    reason = agent.run(max_steps=args.steps)
    log.info("%s agent ended: %s", args.name, reason)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    setup_django()
    from pyros.celery_app import app

    argv = ["worker", "--loglevel", "INFO"]
    if args.concurrency:
        argv += ["--concurrency", str(args.concurrency)]
    if args.queues:
        argv += ["--queues", args.queues]
    if args.name:
        argv += ["--hostname", args.name]
    app.worker_main(argv)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    os.execv(sys.executable, gunicorn_argv(args.host, args.port, args.workers))
    return 0  # pragma: no cover


def cmd_clock(_args: argparse.Namespace) -> int:
    from pyros.clock import get_clock

    print(json.dumps(get_clock().describe(), indent=2))
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from pyros.config import ConfigError, load_config

    try:
        cfg = load_config(args.path)
    except ConfigError as exc:
        print(f"pyros config: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(cfg.model_dump(mode="json"), indent=2))
    return 0


def cmd_demo_data(_args: argparse.Namespace) -> int:
    setup_django()
    from pyros.web.demo import load_demo_data

    for line in load_demo_data():
        print(line)
    return 0

"""``pyros bench NAME``: benchmarks that print figures (never asserted in tests).

Each benchmark lives beside the code it measures, as ``run(args) -> int`` in the module
named here, and prints its figures with a reference run made in the same process.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = {
    "devices": "pyros.devices.bench",
    "scheduler": "pyros.planning.bench",
    "alerts": "pyros.alerts.bench",
    "monitoring": "pyros.monitoring.bench",
    "pipeline": "pyros.pipeline.bench",
    "web": "pyros.web.bench",
    "skymodel": "pyros.skymodel.bench",
}


def available() -> dict[str, str]:
    from pyros.cli import module_available

    return {k: v for k, v in BENCHMARKS.items() if module_available(v)}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures")
    names = sorted(available())
    p.add_argument("name", choices=names, help="which benchmark")
    p.add_argument("--quick", action="store_true", help="smaller instances (smoke run)")
    p.add_argument("--json", action="store_true", help="print figures as JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    module = importlib.import_module(available()[args.name])
    return int(module.run(args) or 0)

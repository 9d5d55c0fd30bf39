"""The ``pyros`` command.  Each component registers its own sub-commands.

A component that offers commands has a module with ``register(subparsers)``; it adds its
parser(s) and sets ``func`` (called with the parsed arguments, returns an exit code).
Command modules import heavy libraries inside their functions so ``pyros --help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

#: Modules that register sub-commands, in the order ``pyros --help`` lists them.
COMMAND_MODULES = (
    "pyros.supervisor.cli",      # start, agent, worker, manage, clock, config
    "pyros.simulators.cli",      # simulators, sim (scenario and fault control)
    "pyros.devices.cli",         # devices (talk to a configured device)
    "pyros.planning.cli",        # schedule solve
    "pyros.notices.cli",         # alerts parse / inject
    "pyros.etc.cli",             # etc (exposure time calculator)
    "pyros.night.cli",           # night (a whole simulated night and its report)
    "pyros.bench",               # bench NAME
)


def module_available(name: str) -> bool:
    """Whether ``name`` can be imported (its component is installed)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def build_parser() -> argparse.ArgumentParser:
    from pyros import __version__

    parser = argparse.ArgumentParser(
        prog="pyros",
        description="PyROS: run a robotic observatory through the night, unattended.",
    )
    parser.add_argument("--version", action="version", version=f"pyros {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if not module_available(name):
            continue
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["manage"]:  # pass everything through to Django untouched
        from pyros.supervisor.cli import run_manage

        return run_manage(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

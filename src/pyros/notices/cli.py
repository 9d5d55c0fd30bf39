"""``pyros alerts``: commands on alert notices.  This module adds ``alerts parse``.

Other modules add more ``alerts`` sub-commands (``inject``, ``listen``...) without editing
this one: list the module in :data:`ALERTS_COMMAND_MODULES`; it must define
``register_alerts(add)``, where ``add`` is :func:`add_alerts_subcommand`::

    def register_alerts(add):
        parser = add("inject", "send a notice file to the running alerts agent")
        parser.add_argument("file")
        parser.set_defaults(func=run_inject)   # func(args) -> exit code
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from typing import Any

__all__ = ["ALERTS_COMMAND_MODULES", "add_alerts_subcommand", "register"]

#: Modules that contribute ``alerts`` sub-commands through ``register_alerts(add)``.
#: A module that is not installed (yet) is skipped.
ALERTS_COMMAND_MODULES: tuple[str, ...] = ("pyros.alerts.cli",)

#: Exit code for a refused notice or unreadable file.
EXIT_REFUSED = 2

_alerts_subparsers: argparse._SubParsersAction | None = None


def add_alerts_subcommand(name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add ``pyros alerts NAME`` and return its parser (call during ``register``)."""
    if _alerts_subparsers is None:
        raise RuntimeError("the alerts command is not registered yet")
    return _alerts_subparsers.add_parser(name, help=help, description=help, **kwargs)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``alerts`` command and its sub-commands to the ``pyros`` parser."""
    global _alerts_subparsers
    parser = subparsers.add_parser(
        "alerts", help="alert notices: parse (and more)", description="Alert notices."
    )
    parser.set_defaults(func=lambda args: _print_help(parser))
    _alerts_subparsers = parser.add_subparsers(dest="alerts_command", metavar="SUBCOMMAND")

    parse = add_alerts_subcommand(
        "parse", "parse a VOEvent or GCN JSON notice file and print it as PyROS's notice JSON"
    )
    parse.add_argument("file", help="notice file (VOEvent XML or GCN Kafka JSON)")
    parse.add_argument("--max-bytes", type=int, default=None,
                       help="size limit for this file [bytes] (default: 1 MiB XML, 4 MiB JSON)")
    parse.add_argument("--strict-namespace", action="store_true",
                       help="refuse VOEvents without the VOEvent namespace")
    parse.add_argument("--validate-xsd", action="store_true",
                       help="also validate VOEvent 2.0 against the IVOA schema")
    parse.set_defaults(func=run_parse)

    for module_name in ALERTS_COMMAND_MODULES:
        if importlib.util.find_spec(module_name) is None:
            continue
        hook = getattr(importlib.import_module(module_name), "register_alerts", None)
        if hook is not None:
            hook(add_alerts_subcommand)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def run_parse(args: argparse.Namespace) -> int:
    """Print the parsed notice as JSON (exit 0), or one line on stderr (exit 2)."""
    from pyros.notices import NoticeRejected, ParseOptions, parse_notice_file

    try:
        limits = {}
        if args.max_bytes is not None:
            limits = {"max_xml_bytes": args.max_bytes, "max_json_bytes": args.max_bytes}
        options = ParseOptions(
            allow_no_namespace=not args.strict_namespace,
            validate_xsd=args.validate_xsd,
            **limits,
        )
    except ValueError as exc:
        print(f"pyros alerts parse: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        notice = parse_notice_file(args.file, options)
    except NoticeRejected as exc:
        print(f"pyros alerts parse: refused {args.file}: {exc.reason}", file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps(notice.to_dict(), indent=2))
    return 0

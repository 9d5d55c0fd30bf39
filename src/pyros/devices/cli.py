"""``pyros devices``: list the configured devices and query them through the drivers."""

from __future__ import annotations

import argparse
import json

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("devices", help="list configured devices and show their status")
    dsub = p.add_subparsers(dest="devices_command", metavar="ACTION")
    ls = dsub.add_parser("list", help="configured devices (no I/O)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    st = dsub.add_parser("status", help="status of one device, or of all, through its driver")
    st.add_argument("name", nargs="?", help="device name (default: every device)")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_status)
    p.set_defaults(func=_list, json=False)


def _list(args: argparse.Namespace) -> int:
    from pyros.config import load_config

    cfg = load_config()
    rows = [{"name": d.name, "kind": d.kind.value, "backend": d.backend.value,
             "address": d.address, "device_number": d.device_number,
             "blocking": d.blocking} for d in cfg.devices]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        print(f"{r['name']:<18} {r['kind']:<20} {r['backend']:<7} {r['address']}"
              f" #{r['device_number']}{'  blocking' if r['blocking'] else ''}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from pyros.config import load_config
    from pyros.devices import DeviceError, driver_for

    cfg = load_config()
    try:
        targets = [cfg.device(args.name)] if args.name else list(cfg.devices)
    except KeyError:
        print(f"no device called {args.name!r}; see `pyros devices list`")
        return 2
    results: dict[str, object] = {}
    failed = False
    for dev in targets:
        driver = driver_for(dev, cfg.site.location_tuple())
        try:
            results[dev.name] = driver.status()
        except DeviceError as exc:
            failed = True
            results[dev.name] = {"error": type(exc).__name__, "reason": exc.reason}
        finally:
            driver.close()
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        for name, status in results.items():
            print(f"{name}:")
            for key, value in status.items():  # type: ignore[union-attr]
                if key not in ("name",):
                    print(f"  {key}: {value}")
    return 1 if failed else 0

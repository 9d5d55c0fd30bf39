"""``pyros alerts inject | list | listen | strategy`` (registered through pyros.notices.cli)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

EXIT_REFUSED = 2

AddCommand = Callable[..., argparse.ArgumentParser]


def register_alerts(add: AddCommand) -> None:
    p = add("inject", "store and process a notice file exactly as a listener would")
    p.add_argument("file", help="VOEvent XML or GCN JSON notice")
    p.add_argument("--source", default=None, help="source label (default inject:FILE)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_inject)

    p = add("list", "list recent alerts")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--status", default=None, help="only alerts in this status")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_list)

    p = add("listen", "run the configured listeners (Kafka, VTP) in the foreground")
    p.add_argument("--steps", type=int, default=None, help="stop after N agent steps")
    p.set_defaults(func=run_listen)

    p = add("strategy", "show the strategies, or make one the default")
    p.add_argument("--set-default", metavar="NAME", default=None)
    p.set_defaults(func=run_strategy)


def _django() -> None:
    from pyros.supervisor.cli import setup_django

    setup_django()


def _alert_summary(alert) -> dict[str, object]:
    from pyros.alerts.outbound import alert_document

    doc = alert_document(alert)
    return {k: doc[k] for k in ("alert_id", "name", "status", "reason", "missions",
                                "trigger_time", "position", "priority", "expires_at",
                                "recipe", "sequences")}


def run_inject(args: argparse.Namespace) -> int:
    """Print the resulting alert (exit 0), or the rejection reason (exit 2)."""
    _django()
    from pyros.alerts import dispatch
    from pyros.alerts.actions import ingest_notice
    from pyros.alerts.models import Alert

    try:
        with open(args.file, "rb") as handle:
            data = handle.read(8 * 1024 * 1024 + 1)
    except OSError as exc:
        print(f"pyros alerts inject: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_REFUSED
    result = ingest_notice(data, args.source or f"inject:{args.file}"[:200])
    dispatch.drain(10.0)
    if result.rejected:
        print(f"pyros alerts inject: refused {args.file}: {result.reason}", file=sys.stderr)
        return EXIT_REFUSED
    out: dict[str, object] = {"outcome": result.outcome, "notice_id": result.notice_id,
                              "reason": result.reason, "duplicate": result.duplicate}
    if result.alert_id is not None:
        out["alert"] = _alert_summary(Alert.objects.get(pk=result.alert_id))
    if args.json:
        print(json.dumps(out, indent=2, default=str))
    else:
        print(f"notice #{result.notice_id}: {result.outcome}"
              + (f" ({result.reason})" if result.reason else ""))
        alert = out.get("alert")
        if isinstance(alert, dict):
            pos = alert["position"]
            where = (f"RA {pos['ra_deg']:.4f} Dec {pos['dec_deg']:+.4f} "
                     f"err {pos['error_radius_deg'] * 60:.2f}'"
                     if isinstance(pos, dict) and pos.get("error_radius_deg") else "no position")
            print(f"alert #{alert['alert_id']} {alert['name']}: {alert['status']} "
                  f"({alert['reason']}); {where}; priority {alert['priority']}; "
                  f"{len(alert['sequences'])} sequence(s)")  # type: ignore[arg-type]
    return 0


def run_list(args: argparse.Namespace) -> int:
    _django()
    from pyros.alerts.models import Alert

    qs = Alert.objects.prefetch_related("event_ids").select_related("strategy")
    if args.status:
        qs = qs.filter(status=args.status)
    alerts = list(qs[: max(1, args.limit)])
    if args.json:
        print(json.dumps([_alert_summary(a) for a in alerts], indent=2, default=str))
        return 0
    if not alerts:
        print("no alerts")
        return 0
    print(f"{'id':>5}  {'name':<28} {'status':<11} {'prio':>4}  {'trigger (UTC)':<19}  "
          f"{'error':>8}  reason")
    for a in alerts:
        err = f"{a.error_radius_deg * 60:.2f}'" if a.error_radius_deg else "-"
        trig = f"{a.trigger_time:%Y-%m-%d %H:%M:%S}" if a.trigger_time else "-"
        print(f"{a.pk:>5}  {a.name[:28]:<28} {a.status:<11} {a.priority:>4}  {trig:<19}  "
              f"{err:>8}  {a.status_reason}")
    return 0


def run_listen(args: argparse.Namespace) -> int:
    _django()
    from pyros.alerts.agent import AlertsAgent

    agent = AlertsAgent()
    agent.install_signal_handlers()
    reason = agent.run(max_steps=args.steps)
    print(f"alerts listener stopped: {reason}")
    return 0


def run_strategy(args: argparse.Namespace) -> int:
    _django()
    from pyros.alerts.models import Strategy
    from pyros.alerts.strategies import ensure_default_strategy, set_default_strategy

    ensure_default_strategy()
    if args.set_default:
        strategy = Strategy.objects.filter(name=args.set_default).first()
        if strategy is None:
            print(f"pyros alerts strategy: no strategy named {args.set_default!r}",
                  file=sys.stderr)
            return EXIT_REFUSED
        set_default_strategy(strategy)
    for s in Strategy.objects.all():
        print(f"{'*' if s.is_default else ' '} {s.name}: {s.description}")
    return 0

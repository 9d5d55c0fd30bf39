"""``pyros bench alerts``: from a GCN notice to the slew command, through the Kafka path.

The whole observatory runs: the simulators over HTTP and the real monitoring, scheduler,
execution and alerts agents, on a temporary SQLite database (or
``PYROS_BENCH_DATABASE_URL``, emptied first), with the clock at real speed (clock seconds
are wall seconds).  It runs twice: with each agent a ``pyros agent NAME`` process (the
production layout, as ``pyros start``) and with the agents as threads of this process
(:mod:`pyros.agents.inprocess`).  N distinct SVOM bursts (copies of the real ECLAIRs
wake-up notice of sb26022501, renamed) are published one at a time to librdkafka's mock
cluster, in two situations:

* **busy**: the telescope is exposing on a routine sequence (VIS and NIR); the alert must
  abort the running exposures and slew;
* **idle**: nothing is running; the alert must wake the execution agent and slew.

Each alert's latency chain gives receipt → request created → abort sent → slew commanded
(clock stamps written by the alerts and execution agents themselves).  After each slew is
commanded the bench cancels the alert's request, as an operator would, and waits until the
telescope is back on its routine work.  A first notice warms up the Kafka group join (~3 s
on the mock cluster) and is not counted.  A reference run of the bare parser on the same
notices gives the ratio.  Target: p99 ≤ 0.2 s from receipt to slew command.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

_RELATIVE = Path("data/notices/voevent/svom/eclairs_299.xml")
#: The real SVOM wake-up used as the template: shared/ of the workplace, or beside the clone.
NOTICE = next((p for p in (Path("/work/shared") / _RELATIVE,
                           Path(__file__).resolve().parents[4] / "shared" / _RELATIVE)
               if p.is_file()), Path("/work/shared") / _RELATIVE)
TOPIC = "gcn.notices.svom.voevent.eclairs"
TARGET_P99_S = 0.2


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[k]


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(statistics.median(values), 4), "p99": round(_percentile(values, 99), 4),
            "max": round(max(values), 4)}


def _prepare_environment() -> Path:
    tmp = tempfile.mkdtemp(prefix="pyros-bench-alerts-")
    os.environ["PYROS_DATA_DIR"] = tmp
    # PYROS_BENCH_DATABASE_URL: an existing database to use instead (it is emptied)
    os.environ["PYROS_DATABASE_URL"] = os.environ.get("PYROS_BENCH_DATABASE_URL",
                                                      f"sqlite:///{tmp}/bench.sqlite3")
    os.environ["PYROS_BROKER_URL"] = f"filesystem://{tmp}/broker"
    os.environ["PYROS_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "PYROS_BENCH_DATABASE_URL" in os.environ:
        call_command("flush", "--noinput", verbosity=0)
    return Path(tmp)


def _routine_near(ra: float, dec: float, now, cfg) -> Any:
    """A PI's long routine sequence 1° from the burst, submitted and left to the scheduler."""
    from django.contrib.auth import get_user_model

    from pyros.accounts.models import Period, Profile, Quota, ScientificProgramme
    from pyros.accounts.roles import ensure_roles
    from pyros.execution.models import FocusRun
    from pyros.routines.actions import create_request, submit_request

    groups = ensure_roles()
    user, _ = get_user_model().objects.get_or_create(username="pi_bench",
                                                     email="pi@pyros.invalid")
    user.groups.set([groups["user"]])
    Profile.objects.update_or_create(user=user, defaults={"validated": True})
    period, _ = Period.objects.get_or_create(name="bench", defaults={
        "start": now - timedelta(days=30), "end": now + timedelta(days=30)})
    prog, _ = ScientificProgramme.objects.get_or_create(
        code="bench", defaults={"title": "Bench routine", "priority": 5})
    prog.members.add(user)
    Quota.objects.get_or_create(programme=prog, period=period,
                                defaults={"allocated_s": 100 * 3600})
    # focused at dusk: no autofocus sweep before the routine
    FocusRun.objects.create(at=now, channel=cfg.channels[0].name, filter_name="r", ok=True,
                            reason="bench: focused at dusk")
    doc = {"name": "bench routine", "programme": "bench", "sequences": [{
        "name": "bench field", "target_name": "bench field",
        "ra": f"{ra + 1.0:.5f}", "dec": f"{dec:+.5f}",
        "window_start": (now - timedelta(minutes=5)).isoformat(),
        "window_end": (now + timedelta(hours=3)).isoformat(),
        "priority": 5, "max_airmass": 3.0,
        "albums": [{"channel": "VIS", "plans": [{"filter": "r", "exposure_s": 300,
                                                 "count": 30}]},
                   {"channel": "NIR", "plans": [{"filter": "J", "exposure_s": 30,
                                                 "count": 300}]}]}]}
    req = create_request(user, doc)
    submit_request(req, by=user)
    return req.sequences.get()


@contextmanager
def _as_threads(cfg, kafka, tmp: Path) -> Iterator[tuple[Any, Callable[[], list[str]]]]:
    """The agents as threads of this process (:mod:`pyros.agents.inprocess`)."""
    from pyros.agents.inprocess import running_observatory
    from pyros.alerts.agent import AlertsAgent
    from pyros.alerts.listeners.kafka import KafkaListener
    from pyros.config.alerts import AlertsSettings, FscConfig, KafkaListenerConfig

    kcfg = KafkaListenerConfig(enabled=True, topics=(TOPIC,), poll_timeout_s=0.2,
                               config=kafka.consumer_config())
    settings = AlertsSettings(kafka=kcfg, fsc=FscConfig(drop_dir=tmp / "FSC" / "TO"))
    alerts = AlertsAgent(settings=settings, listeners=[KafkaListener(kcfg)])
    with running_observatory(cfg, extra=(alerts,)) as obs:
        yield obs.simulators, lambda: [n for n, ok in obs.alive().items() if not ok]


@contextmanager
def _as_processes(cfg, kafka, tmp: Path, clock) -> Iterator[tuple[Any, Callable[[], list[str]]]]:
    """The production layout: each agent a ``pyros agent NAME`` process, as ``pyros start``
    runs them, sharing the clock, the database and the configuration files."""
    import yaml

    from pyros.config import with_alpaca_address
    from pyros.simulators.testing import running_simulators

    with running_simulators(config=cfg) as sims:
        cfg_path = tmp / "observatory.yaml"
        cfg_path.write_text(yaml.safe_dump(
            with_alpaca_address(cfg, sims.url).model_dump(mode="json"), sort_keys=False))
        alerts_path = tmp / "alerts.yaml"
        alerts_path.write_text(yaml.safe_dump({"alerts": {
            "kafka": {"enabled": True, "group_id": "pyros-bench", "topics": [TOPIC],
                      "poll_timeout_s": 0.2,
                      "config": kafka.consumer_config(**{"auto.offset.reset": "earliest"})},
            "fsc": {"drop_dir": str(tmp / "FSC" / "TO")}}}))
        env = {**os.environ, "PYROS_CONFIG": str(cfg_path), "PYROS_LOG_LEVEL": "INFO",
               "PYROS_ALERTS_CONFIG": str(alerts_path), **clock.environ()}
        log = (tmp / "agents.log").open("w")
        procs: dict[str, subprocess.Popen] = {}
        try:
            for name in ("monitoring", "scheduler", "execution", "alerts"):
                procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "pyros.cli", "agent", name], env=env, stdout=log,
                    stderr=subprocess.STDOUT)
            yield sims, lambda: [n for n, p in procs.items() if p.poll() is not None]
        finally:
            for name in sorted(procs, key=lambda n: n != "execution"):
                procs[name].send_signal(signal.SIGTERM)
                try:
                    procs[name].wait(30)
                except subprocess.TimeoutExpired:
                    procs[name].kill()
            log.close()


def _measure(layout: str, n: int, notices: list[bytes], base: int, first, clock, cfg,
             tmp: Path
             ) -> list[dict[str, Any]]:
    """Run the busy then idle situations; one row of stage delays per counted notice."""
    from pyros.agents.inprocess import wait_for
    from pyros.alerts.models import Alert
    from pyros.alerts.testing import MockKafka
    from pyros.execution.agent import observatory_allows
    from pyros.routines.actions import cancel_request
    from pyros.routines.models import Sequence

    kafka = MockKafka()
    kafka.create_topics((TOPIC,))
    rows: list[dict[str, Any]] = []
    layout_cm = (_as_processes(cfg, kafka, tmp, clock) if layout == "processes"
                 else _as_threads(cfg, kafka, tmp))
    print(f"alerts bench: {layout}: starting ({tmp})", file=sys.stderr, flush=True)
    with layout_cm as (sims, dead):
        wait_for(lambda: observatory_allows()[0], 120, "the observatory OPERATIONAL", dead)
        routine = _routine_near(first.ra_deg, first.dec_deg, clock.now(), cfg)
        vis_camera = cfg.channels[0].camera

        def executing():
            return (Sequence.objects.filter(status="executing")
                    .values_list("pk", "request__from_alert").first())

        def exposing() -> bool:
            state = sims.state()["devices"][vis_camera]["state"]
            return executing() == (routine.pk, False) and state == "exposing"

        def one(index: int, situation: str) -> None:
            burst = f"SVOM sb{base + index}"
            sent = clock.now()
            kafka.publish(TOPIC, notices[index])
            alert = wait_for(lambda: Alert.objects.filter(
                name=burst, latency__slew_commanded__isnull=False).select_related(
                "latency", "request").first(), 60, f"the slew to {burst}", dead)
            chain = alert.latency.seconds_since_receipt()
            received = alert.latency.notice_received
            rows.append({"layout": layout, "situation": situation, **chain,
                         "publish_to_receipt": (received - sent).total_seconds()})
            cancel_request(alert.request)
            wait_for(lambda: not (executing() or (0, False))[1], 60, f"the end of {burst}",
                      dead, interval_s=0.02)

        # warm-up: the Kafka group join and every cache; not counted
        wait_for(exposing, 180, "the routine sequence exposing", dead, interval_s=0.02)
        one(0, "warm-up")
        rows.clear()
        for i in range(1, n + 1):
            wait_for(exposing, 120, "the routine sequence exposing again", dead,
                      interval_s=0.02)
            one(i, "busy")
        cancel_request(Sequence.objects.get(pk=routine.pk).request)
        wait_for(lambda: executing() is None, 60, "the telescope idle", dead)
        for i in range(n + 1, 2 * n + 1):
            time.sleep(0.3 + 0.35 * (i % 3))  # arrive at any point of the idle wait
            one(i, "idle")
    return rows


def run(args: argparse.Namespace) -> int:
    quick = getattr(args, "quick", False)
    n = 8 if quick else 30
    template = Path(os.environ.get("PYROS_BENCH_NOTICE", NOTICE))
    if not template.is_file():
        print(f"pyros bench alerts: notice {template} not found", file=sys.stderr)
        return 2
    tmp = _prepare_environment()
    from pyros.alerts.testing import renamed_svom_notice
    from pyros.clock import SimClock, set_clock
    from pyros.config import load_config
    from pyros.notices import parse_notice
    from pyros.simulators.testing import small_detectors

    rows: list[dict[str, Any]] = []
    parse_s = 0.0
    clock = None
    for k, layout in enumerate(("processes", "threads")):
        base = 30000000 + 1000 * k  # distinct bursts in each layout
        notices = [renamed_svom_notice(template, f"sb{base + i}") for i in range(2 * n + 1)]
        first = parse_notice(notices[0])
        assert first.trigger_time is not None and first.ra_deg is not None
        if not parse_s:
            t0 = time.perf_counter()
            for raw in notices:
                parse_notice(raw)
            parse_s = (time.perf_counter() - t0) / len(notices)
        # one database for both layouts: the second starts where the first ended (a clock
        # going back would make the first layout's schedules the newest)
        start = first.trigger_time + timedelta(seconds=60)
        if clock is not None:
            start = clock.now() + timedelta(seconds=10)
        clock = SimClock(start, speed=1.0)
        set_clock(clock)
        cfg = small_detectors(load_config(), 512)  # the chain, not the readout, is measured
        rows += _measure(layout, n, notices, base, first, clock, cfg, tmp)
    figures = _figures(rows, parse_s)
    if os.environ.get("PYROS_BENCH_ROWS"):
        Path(os.environ["PYROS_BENCH_ROWS"]).write_text(json.dumps(rows, indent=1))
    if getattr(args, "json", False):
        print(json.dumps(figures, indent=2))
    else:
        _print(figures)
    return 0


STAGES = ("publish_to_receipt", "request_created", "abort_sent", "slew_commanded")


def _figures(rows: list[dict[str, Any]], parse_s: float) -> dict[str, Any]:
    out: dict[str, Any] = {"parse_only_mean_s": round(parse_s, 5), "target_p99_s": TARGET_P99_S}
    for layout in ("processes", "threads"):
        per: dict[str, Any] = {}
        everything: list[float] = []
        for situation in ("busy", "idle"):
            mine = [r for r in rows if r["layout"] == layout and r["situation"] == situation]
            if not mine:
                continue
            block: dict[str, Any] = {"notices": len(mine)}
            for stage in STAGES:
                values = [r[stage] for r in mine if r.get(stage) is not None]
                if values:
                    block[stage] = _summary(values)
            everything += [r["slew_commanded"] for r in mine]
            per[situation] = block
        if everything:
            per["receipt_to_slew"] = _summary(everything)
            per["p50_over_parse_ratio"] = round(per["receipt_to_slew"]["p50"] / parse_s, 1)
            out[layout] = per
    return out


def _print(figures: dict[str, Any]) -> None:
    print("alerts bench: SVOM notices through librdkafka's mock cluster to the slew command;")
    from django.db import connection

    print(f"  simulators over HTTP, monitoring + scheduler + execution + alerts agents, "
          f"{connection.vendor},")
    print("  clock at real speed; seconds after the notice was received")
    layouts = {"processes": "agents as processes (the production layout, as `pyros start`)",
               "threads": "agents as threads of one process (shared GIL)"}
    for layout, title in layouts.items():
        per = figures.get(layout)
        if not per:
            continue
        print(f"  {title}")
        for situation in ("busy", "idle"):
            block = per.get(situation)
            if not block:
                continue
            print(f"    {situation} ({block['notices']} notices)")
            for stage in STAGES:
                if stage in block:
                    st = block[stage]
                    print(f"      {stage:<20} p50 {st['p50']:.4f}  p99 {st['p99']:.4f}  "
                          f"max {st['max']:.4f}")
        whole = per["receipt_to_slew"]
        verdict = "meets" if whole["p99"] <= TARGET_P99_S else "MISSES"
        print(f"    receipt -> slew commanded: p50 {whole['p50']:.4f} s  p99 {whole['p99']:.4f} s"
              f"  ({verdict} the {TARGET_P99_S} s target); p50 / parse = "
              f"{per['p50_over_parse_ratio']}")
    print(f"  parse only (reference, same process): {figures['parse_only_mean_s']} s per notice")

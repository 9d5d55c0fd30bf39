"""Carry out a scenario's timeline against the running observatory.

Weather and faults go to the simulators' control API over HTTP; alert notices are
published to a Kafka cluster the alerts agent listens to (their times shifted into the
night); submissions and admin pause/resume go through the same actions the web uses.
Every event done is logged with its simulated and wall time for the report.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from pyros.clock import Clock, monotonic
from pyros.night.scenario import Event, Scenario, shift_notice_times

log = logging.getLogger("pyros.night")


def notices_root() -> Path:
    """The shared folder of real notices (beside the checkout, as laid for CI)."""
    here = Path(__file__).resolve()
    for base in [*here.parents, Path("/work")]:
        candidate = base / "shared" / "data" / "notices"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the shared notices folder (shared/data/notices) was not found")


def topic_for(path: Path) -> str:
    """The GCN Kafka topic such a notice travels on."""
    name = path.name.lower()
    if "svom" in path.parts or name.startswith(("eclairs", "grm", "mxt", "svom")):
        inst = "mxt" if "mxt" in name else "grm" if "grm" in name else "eclairs"
        return f"gcn.notices.svom.voevent.{inst}"
    if "fermi" in name:
        return "gcn.classic.voevent.FERMI_GBM"
    if "swift" in name:
        return "gcn.classic.voevent.SWIFT_BAT"
    return "gcn.notices.pyros.scenario"


def restart_service(service: str) -> float:
    """Restart PostgreSQL or Redis on this machine (root); returns the wall seconds taken.

    The commands are the ones that start them here (see .ci/run)."""
    import os
    import subprocess

    start = monotonic()
    if service == "postgresql":
        version = sorted(os.listdir("/etc/postgresql"))[0]
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                        "restart"], check=True, timeout=120, capture_output=True)
    elif service == "redis":
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], timeout=30,
                       capture_output=True)
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                        "--port", "6379", "--save", "", "--appendonly", "no", "--dir",
                        "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
                       check=True, timeout=30, capture_output=True)
    else:
        raise ValueError(f"unknown service {service!r}")
    return monotonic() - start


@dataclass
class Publication:
    at: datetime
    topic: str
    raw: bytes
    file: str
    event_index: int


@dataclass
class Driver:
    scenario: Scenario
    start: datetime
    clock: Clock
    sim_url: str
    kafka: Any | None = None               # pyros.alerts.testing.MockKafka
    done: list[dict[str, Any]] = field(default_factory=list)
    #: How much later than planned the rest of the timeline runs: a service restart takes
    #: seconds of wall time, i.e. up to an hour of a fast simulated night, and everything
    #: after it (and the night's end) moves by the simulated time it took.
    delay: timedelta = field(default_factory=timedelta)

    def __post_init__(self) -> None:
        self.queue: list[tuple[datetime, str, Any]] = []
        for i, (at, event) in enumerate(self.scenario.timeline(self.start)):
            if event.kind == "alert":
                self._plan_alert(i, at, event)
            else:
                self.queue.append((at, "event", (i, event)))
        self.queue.sort(key=lambda item: item[0])

    # --- planning the notices of an alert ---------------------------------------------------
    def _plan_alert(self, index: int, trigger_tonight: datetime, event: Event) -> None:
        from pyros.notices import parse_notice

        root = notices_root()
        parsed = []
        for ref in event.notices:
            path = Path(ref.file) if Path(ref.file).is_absolute() else root / ref.file
            raw = path.read_bytes()
            parsed.append((ref, path, raw, parse_notice(raw)))
        original_trigger = parsed[0][3].trigger_time
        delta = trigger_tonight - original_trigger
        for ref, path, raw, _notice in parsed:
            self.queue.append((trigger_tonight + timedelta(seconds=ref.after_s), "publish",
                               Publication(trigger_tonight + timedelta(seconds=ref.after_s),
                                           topic_for(path), shift_notice_times(raw, delta),
                                           str(path.relative_to(root)) if path.is_relative_to(root)
                                           else str(path), index)))
        if event.afterglow:
            best = min((p for p in parsed if p[3].ra_deg is not None),
                       key=lambda p: p[3].error_radius_deg or 1e9)
            self.queue.append((trigger_tonight, "afterglow", {
                "ra_deg": best[3].ra_deg, "dec_deg": best[3].dec_deg,
                "mag": event.afterglow_mag, "alpha": event.afterglow_alpha,
                "t0": trigger_tonight.isoformat(), "event": index}))

    # --- doing -----------------------------------------------------------------------------------
    def _sim(self, verb: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = requests.request(verb, f"{self.sim_url}/pyros/sim/{action}", json=body,
                                timeout=10)
        resp.raise_for_status()
        return resp.json()

    def _record(self, at: datetime, kind: str, **details: Any) -> None:
        self.done.append({"at": at.isoformat(), "done_at": self.clock.now().isoformat(),
                          "kind": kind, **details})
        log.info("night: %s %s", kind, json.dumps(details, default=str)[:200])

    def _do_event(self, at: datetime, index: int, event: Event) -> None:
        if event.kind == "weather":
            self._sim("POST", "weather", {"values": event.values})
            self._record(at, "weather", values=event.values, event=index)
        elif event.kind == "fault":
            body = {"device": event.device, "mode": event.mode}
            if event.duration_s:
                body["duration_s"] = event.duration_s
            self._sim("POST", "fault", body)
            self._record(at, "fault", device=event.device, mode=event.mode,
                         duration_s=event.duration_s, event=index)
        elif event.kind in ("pause", "resume"):
            from pyros.monitoring.actions import pause_observatory, resume_observatory

            if event.kind == "pause":
                pause_observatory("scenario", event.reason or "scenario pause")
            else:
                resume_observatory("scenario")
            self._record(at, event.kind, event=index)
        elif event.kind == "restart":
            before = self.clock.now()
            took = restart_service(event.service or "")
            from django.db import connections

            connections.close_all()  # ours died with the server: reconnect on next use
            self._postpone(self.clock.now() - before)
            self._record(at, "restart", service=event.service, wall_s=round(took, 2),
                         sim_s=round((self.clock.now() - before).total_seconds(), 1),
                         event=index)
        elif event.kind == "submit":
            from pyros.night.setup import submit_more

            made = submit_more(event.count, event.programme, self.clock.now(), index)
            self._record(at, "submit", count=made, programme=event.programme, event=index)

    def _postpone(self, by: timedelta) -> None:
        """Move what is still to come, and the end of the run, ``by`` later."""
        self.delay += by
        self.queue = [(at + by, what, payload) for at, what, payload in self.queue]

    def step(self) -> int:
        """Do everything that is due; returns how many items were done."""
        now = self.clock.now()
        n = 0
        while self.queue and self.queue[0][0] <= now:
            at, what, payload = self.queue.pop(0)
            try:
                if what == "publish":
                    assert self.kafka is not None, "alerts need the Kafka cluster"
                    self.kafka.publish(payload.topic, payload.raw)
                    self._record(at, "notice", topic=payload.topic, file=payload.file,
                                 event=payload.event_index)
                elif what == "afterglow":
                    self._sim("POST", "transient", payload)
                    self._record(at, "afterglow", **payload)
                else:
                    self._do_event(at, *payload)
            except Exception as exc:  # noqa: BLE001 - the night goes on; the report says it
                log.error("night: %s at %s failed: %s", what, at.isoformat(), exc)
                self._record(at, "error", what=what, error=str(exc))
            n += 1
        return n

    def run_until(self, end: datetime, progress_every_s: float = 3600.0,
                  stop: Any = None, latest: datetime | None = None) -> datetime:
        """Carry out the timeline until ``end`` (moved by :attr:`delay`, never past
        ``latest``); returns when the run ended."""
        next_progress = self.start

        def until() -> datetime:
            moved = end + self.delay
            return min(moved, latest) if latest is not None else moved

        while self.clock.now() < until():
            if stop is not None and stop():
                break
            self.step()
            now = self.clock.now()
            if now >= next_progress:
                log.info("night: %s (%.0f%%)", now.strftime("%H:%M"),
                         100 * max(0.0, (now - self.start) / (until() - self.start)))
                next_progress = now + timedelta(seconds=progress_every_s)
            t = monotonic()
            self.clock.sleep(min(30.0, max(1.0, 0.05 * self.clock.speed)))
            if monotonic() - t > 5:  # never oversleep a due event at low speed
                continue
        return until()

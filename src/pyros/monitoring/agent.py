"""The monitoring agent: every device, the sky and the night, turned into one mode.

Polling runs in one thread per device (:mod:`pyros.monitoring.watch`): safety-critical
devices (weather station, safety monitor, PLC) at ``safety.critical_poll_s``, the others
at their ``poll_interval_s``.  After each critical poll the safety guard re-evaluates the
sky in that same thread and, when it turns unsafe, the reactor closes the dome, parks the
mount and aborts exposures at once.  The agent's step (every half critical period) does
the rest, on its own thread, which is the only one touching the database:

* decide the mode (:func:`pyros.monitoring.mode.decide_mode`) and store it; on a change,
  record it with its reasons, ask for a re-plan, notify people and tell the instrument
  centre;
* store device statuses and their compact history, weather samples, purge old history;
* abort instruments when an administrator pauses; repeat the (idempotent) shutdown while
  UNSAFE in case a device missed it;
* send the status to the instrument centre every ``ic_status_s`` and the software versions
  at start.

Critical devices are sampled twice per ``critical_poll_s`` so that a change is acted on
within ``critical_poll_s`` of it (sampling interval plus one read).
"""

from __future__ import annotations

import logging
import math
import platform
import re
import threading
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from typing import Any

from pyros import __version__
from pyros.agents.base import Agent
from pyros.astro.night import Night, next_night
from pyros.clock import Clock, monotonic
from pyros.config import ObservatoryConfig, load_config
from pyros.monitoring import actions
from pyros.monitoring.guard import SafetyGuard
from pyros.monitoring.history import HistoryPolicy, state_part
from pyros.monitoring.mode import Mode, ModeInputs, decide_mode
from pyros.monitoring.reactor import Reactor
from pyros.monitoring.watch import CRITICAL_KINDS, DeviceReport, DeviceWatch, WatchThread

log = logging.getLogger("pyros.monitoring")

__all__ = ["MonitoringAgent", "notify_people", "software_versions"]

#: Critical devices are polled this many times per ``safety.critical_poll_s``.
CRITICAL_SAMPLES_PER_PERIOD = 2
_DIGITS = re.compile(r"\d+(\.\d+)?")


def software_versions() -> dict[str, str]:
    """Versions sent to the instrument centre at start."""
    versions = {"pyros": __version__, "python": platform.python_version()}
    for dist in ("astropy", "django", "alpyca", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def notify_people(kind: str, subject: str, body: str) -> None:
    """Notify through the alerts component when it is there, else only log."""
    try:
        from pyros.alerts.notify import notify
    except ImportError:
        log.warning("monitoring: %s: %s (no notifier installed)", subject, body)
        return
    try:
        notify(kind, subject, body)
    except Exception:  # a notification failure must not stop monitoring
        log.exception("monitoring: notification %s failed", kind)


class MonitoringAgent(Agent):
    name = "monitoring"
    idle_interval_s = 0.5
    #: Clock seconds between statuses sent to the instrument centre.
    ic_status_s = 60.0
    #: Clock seconds between repeats of the shutdown while UNSAFE.
    reassert_s = 60.0
    #: Device rows are refreshed at least this often (clock s) but not more than once
    #: per ``row_refresh_wall_s`` wall seconds unless something changed.
    row_refresh_s = 10.0
    row_refresh_wall_s = 1.0
    #: The state row is touched this often (clock s), at most every ``touch_wall_s``.
    touch_s = 5.0
    touch_wall_s = 0.25

    def __init__(self, clock: Clock | None = None, config: ObservatoryConfig | None = None,
                 threaded: bool = True, policy: HistoryPolicy | None = None,
                 notifier: Callable[[str, str, str], None] | None = None,
                 data_dir: Any = None):
        super().__init__(clock)
        self.config = config
        self.threaded = threaded
        self.policy = policy or HistoryPolicy()
        self.notifier = notifier or notify_people
        self.data_dir = data_dir
        self.mode: Mode | None = None
        self.night: Night | None = None
        self.watches: dict[str, DeviceWatch] = {}

    # -- life cycle ---------------------------------------------------------------------------

    def setup(self) -> None:
        from pyros.devices import open_all

        self.config = self.config or load_config()
        cfg = self.config
        now = self.clock.now()
        critical_s = cfg.safety.critical_poll_s / CRITICAL_SAMPLES_PER_PERIOD
        self.idle_interval_s = critical_s
        self.drivers = open_all(cfg)
        self.reactor = Reactor(self.drivers, self.clock)
        self.guard = SafetyGuard(cfg.safety, now, on_unsafe=self._on_unsafe)
        self.watches = {}
        for dc in cfg.devices:
            critical = dc.kind in CRITICAL_KINDS
            self.watches[dc.name] = DeviceWatch(
                dc, self.drivers[dc.name], self.clock,
                critical_s if critical else dc.poll_interval_s, critical)
            if critical:
                self.guard.register(dc.name, dc.kind)
        self._stop_polling = threading.Event()
        self.threads = [WatchThread(w, self._stop_polling,
                                    after_poll=self._after_poll if w.critical else None)
                        for w in self.watches.values()]
        self._next_poll: dict[str, datetime] = {n: now for n in self.watches}
        state = actions.ensure_state(now)
        self.mode = Mode(state.mode)
        self._reason_key: tuple[str, ...] | None = None
        self._admin_paused = state.admin_paused
        self._saved: dict[str, dict[str, Any]] = {}
        self._sampled: dict[str, tuple[datetime, dict[str, Any] | None, bool]] = {}
        self._weather_sampled: tuple[datetime, object] | None = None
        self._last_touch: tuple[datetime, float] | None = None
        self._last_ic: datetime | None = None
        self._last_purge: datetime | None = None
        self._last_shutdown: datetime | None = None
        actions.register_devices(cfg.devices, now)
        self._send_ic("versions", software_versions(), now)
        if self.threaded:
            for t in self.threads:
                t.start()
        log.info("monitoring: watching %d devices (critical every %g s)", len(self.watches),
                 critical_s)

    def teardown(self) -> None:
        stop = getattr(self, "_stop_polling", None)
        if stop is None:
            return
        stop.set()
        for t in self.threads:
            if t.is_alive():
                t.join(timeout=max(w.config.timeout_s for w in self.watches.values()) + 1)
        self.reactor.wait(timeout_wall_s=2.0)
        for driver in self.drivers.values():
            driver.close()

    def info(self) -> dict[str, object]:
        night = self.night
        return {**super().info(), "night": night.as_dict() if night else None,
                "mode": self.mode.value if self.mode else None,
                "unavailable": sorted(n for n, w in self.watches.items()
                                      if w.report().available is False)}

    # -- polling (threads) ------------------------------------------------------------------

    def _after_poll(self, watch: DeviceWatch, report: DeviceReport) -> None:
        self.guard.feed(report, self.clock.now())

    def _on_unsafe(self, reasons: tuple[str, ...]) -> None:
        why = "; ".join(reasons)
        self._last_shutdown = self.clock.now()
        # Commands first: logging may write to a busy database.
        self.reactor.shutdown(why)
        log.warning("monitoring: UNSAFE (%s): closing the dome, parking the mount, "
                    "aborting exposures", why)

    def poll_due(self, now: datetime | None = None, force: bool = False) -> int:
        """Poll, on this thread, every device that is due (the agent without threads:
        tests on a manual clock, the CPU benchmark).  Returns how many were polled."""
        from datetime import timedelta

        now = now or self.clock.now()
        polled = 0
        for name, watch in self.watches.items():
            if force or now >= self._next_poll[name]:
                report = watch.poll()
                if watch.critical:
                    self._after_poll(watch, report)
                self._next_poll[name] = now + timedelta(seconds=watch.interval_s)
                polled += 1
        return polled

    # -- the step -------------------------------------------------------------------------------

    def step(self) -> bool:
        cfg = self.config
        assert cfg is not None
        if not self.threaded:
            self.poll_due()
        now = self.clock.now()
        sky = self.guard.evaluate(now)
        reports = {name: w.report() for name, w in self.watches.items()}
        in_night, night_reason = self._night(now)
        state = actions.ensure_state(now)
        admin_paused = state.admin_paused
        if admin_paused and not self._admin_paused:
            self.reactor.pause(f"paused by {state.admin_paused_by or 'an administrator'}")
        self._admin_paused = admin_paused
        missing = {n: r.reason for n, r in reports.items()
                   if r.blocking and r.available is not True}
        decision = decide_mode(ModeInputs(
            in_night=in_night, night_reason=night_reason, unsafe_reasons=sky.reasons,
            missing_blocking=missing, admin_paused=admin_paused,
            admin_reason=state.admin_pause_reason))
        did = self._device_events(reports, now)
        did |= self._store_mode(decision.mode, list(decision.reasons), reports, sky, now)
        if decision.mode is Mode.UNSAFE and (
                self._last_shutdown is None
                or (now - self._last_shutdown).total_seconds() >= self.reassert_s):
            self._on_unsafe(sky.reasons or ("unsafe",))
        self._sample_weather(sky, now)
        if self._last_ic is None or (now - self._last_ic).total_seconds() >= self.ic_status_s:
            self._send_status(now)
        if self._last_purge is None or (
                now - self._last_purge).total_seconds() >= self.policy.purge_every_s:
            self._last_purge = now
            actions.purge_history(now, self.policy.retention_days)
        return did

    def _night(self, now: datetime) -> tuple[bool, str]:
        cfg = self.config
        assert cfg is not None
        if self.night is None or now > self.night.end:
            self.night = next_night(cfg.site.location_tuple(), now, cfg.site.twilight_deg)
        night, margin_s = self.night, cfg.site.execution_margin_s
        if night.contains(now, margin_s):
            return True, ""
        if now < night.end:
            return False, (f"day: the night starts at {night.start:%Y-%m-%d %H:%M} UTC "
                           f"(execution {margin_s:g} s later)")
        return False, f"day: the night ended at {night.end:%Y-%m-%d %H:%M} UTC"

    # -- mode ---------------------------------------------------------------------------------

    def _store_mode(self, mode: Mode, reasons: list[str], reports: dict[str, DeviceReport],
                    sky: Any, now: datetime) -> bool:
        unavailable = sorted(n for n, r in reports.items() if r.available is not True)
        key = (mode.value, *(_DIGITS.sub("#", r) for r in reasons), "|", *unavailable)
        night = (self.night.start, self.night.end) if self.night else None
        if key != self._reason_key or mode is not self.mode:
            previous = self.mode
            changed = actions.record_mode(mode, reasons, now, unavailable=unavailable,
                                          weather=sky.to_dict(), night=night)
            self._reason_key = key
            self._last_touch = (now, monotonic())
            self.mode = mode
            if changed:
                self._mode_changed(previous, mode, reasons, now)
            return changed
        last = self._last_touch
        if last is None or ((now - last[0]).total_seconds() >= self.touch_s
                            and monotonic() - last[1] >= self.touch_wall_s):
            actions.record_mode(mode, reasons, now, unavailable=unavailable,
                                weather=sky.to_dict(), night=night)
            self._last_touch = (now, monotonic())
        return False

    def _mode_changed(self, previous: Mode | None, mode: Mode, reasons: list[str],
                      now: datetime) -> None:
        text = "; ".join(reasons) or "all clear"
        log.warning("monitoring: mode %s -> %s (%s)", previous or "?", mode, text)
        actions.request_replan(f"observatory {mode.value}: {text}"[:255])
        if mode is Mode.UNSAFE:
            self.notifier("unsafe", "Observatory UNSAFE: dome closing, mount parking", text)
        elif mode is Mode.PAUSED:
            self.notifier("paused", "Observatory PAUSED", text)
        elif previous in (Mode.UNSAFE, Mode.PAUSED):
            # the end of an episode goes to whoever was told of its start
            self.notifier(previous.value, f"Observatory {mode.value.upper()} again",
                          f"was {previous.value}; now {mode.value}")
        self._send_status(now)

    # -- devices ------------------------------------------------------------------------------

    def _device_events(self, reports: dict[str, DeviceReport], now: datetime) -> bool:
        did = False
        for name, r in reports.items():
            saved = self._saved.get(name)
            if r.available is None:
                continue
            if saved is not None and saved["generation"] == r.generation:
                continue
            was = saved["available"] if saved else None
            if was is not None and was != r.available:
                did = True
                self._availability_changed(r)
            if r.events and r.available:
                did = True
                log.warning("monitoring: %s restarted or reconnected: %s", name,
                            ", ".join(r.events))
            self._save_device(r, saved, now)
        return did

    def _availability_changed(self, r: DeviceReport) -> None:
        role = "blocking" if r.blocking else "non-blocking: observing goes on without it"
        if r.available:
            log.warning("monitoring: %s is back (%s)", r.name, role)
            self.notifier("device_lost", f"{r.name} is back", role)
            if not r.blocking:
                actions.request_replan(f"{r.name} is back")
        else:
            log.warning("monitoring: %s lost: %s (%s)", r.name, r.reason, role)
            self.notifier("device_lost", f"{r.name} lost", f"{r.reason} ({role})")
            if not r.blocking:
                actions.request_replan(f"{r.name} lost: {r.reason}"[:255])

    def _save_device(self, r: DeviceReport, saved: dict[str, Any] | None, now: datetime
                     ) -> None:
        status = r.status if r.available else (saved or {}).get("status") or {}
        part = state_part(r.kind, status) if r.available else {}
        changed = (saved is None or saved["available"] != r.available
                   or saved["reason"] != r.reason or saved["part"] != part
                   or saved["restarts"] != r.restarts)
        due = saved is not None and (now - saved["at"]).total_seconds() >= self.row_refresh_s \
            and monotonic() - saved["wall"] >= self.row_refresh_wall_s
        if not (changed or due):
            if saved is not None:
                saved["generation"] = r.generation
            return
        last = self._sampled.get(r.name)
        sample = self.policy.record_device(
            r.kind, last[1] if last else None, last[2] if last else None, status,
            bool(r.available), last[0] if last else None, now)
        actions.save_device_status(r.name, available=bool(r.available), reason=r.reason,
                                   status=status, since=r.since, seen_at=r.seen_at, now=now,
                                   restarts=r.restarts, sample=sample)
        if sample:
            self._sampled[r.name] = (now, status, bool(r.available))
        self._saved[r.name] = {"generation": r.generation, "available": r.available,
                               "reason": r.reason, "part": part, "restarts": r.restarts,
                               "status": status, "at": now, "wall": monotonic()}

    # -- weather, instrument centre -------------------------------------------------------------

    def _sample_weather(self, sky: Any, now: datetime) -> None:
        values = self.guard.last_values
        if not values:
            return
        last = self._weather_sampled
        key = (sky.safe, tuple(sorted(_DIGITS.sub("#", r) for r in sky.reasons)))
        if self.policy.record_weather(last[1] if last else None, key,
                                      last[0] if last else None, now):
            clean = {k: (v if v is None or math.isfinite(v) else None) for k, v in values.items()}
            actions.add_weather_sample(now, clean, sky.safe, list(sky.reasons))
            self._weather_sampled = (now, key)

    def _send_status(self, now: datetime) -> None:
        self._last_ic = now
        cfg = self.config
        assert cfg is not None
        sky = self.guard.last
        devices = {n: {"available": r.available, "reason": r.reason, "blocking": r.blocking}
                   for n, r in ((n, w.report()) for n, w in self.watches.items())}
        payload = {"mode": self.mode.value if self.mode else None,
                   "weather": sky.to_dict() if sky else None, "devices": devices,
                   "night": self.night.as_dict() if self.night else None}
        self._send_ic("status", payload, now)

    def _send_ic(self, kind: str, payload: dict[str, Any], now: datetime) -> None:
        from pyros import exchange

        try:
            data_dir = self.data_dir
            if data_dir is None:
                from django.conf import settings

                data_dir = settings.DATA_DIR
            exchange.send(data_dir, "IC", kind, payload, now)
        except Exception:  # the IC being unreachable must not stop monitoring
            log.exception("monitoring: could not send %s to the instrument centre", kind)

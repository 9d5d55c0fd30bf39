"""The alerts agent: listeners -> ingestion -> acknowledgement, one bounded batch per step.

A notice is acknowledged (Kafka offset committed, VTP ``ack``) only after
:func:`pyros.alerts.actions.ingest_notice` returned, i.e. after it is stored.  If storing
fails (database down), the batch stops there and the listener is closed without
acknowledging, so the broker delivers the notice again after reconnection: committing a
later Kafka offset would otherwise skip it.  A broker outage is logged and retried with
back-off; it never stops the agent.

The agent waits for notices inside the listeners' blocking polls (``poll_timeout_s``), not
in a sleep between steps: a notice is taken the moment the broker delivers it, so its
"received" stamp is the real receipt.  Only when no listener could poll (none configured,
or all backing off) does it sleep its idle interval.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pyros.agents.base import Agent
from pyros.clock import Clock, monotonic
from pyros.config.alerts import AlertsSettings

log = logging.getLogger("pyros.alerts")


class AlertsAgent(Agent):
    name = "alerts"
    idle_interval_s = 1.0
    #: Clock seconds between two expiry sweeps.
    expiry_interval_s = 60.0
    #: Wall seconds between two "broker unavailable" log lines per listener.
    quiet_log_s = 60.0
    #: Shortest wall time of an idle step, whatever the listeners' poll timeouts.
    min_cycle_wall_s = 0.02
    hot_path_modules = ("pyros.alerts.actions", "pyros.alerts.followup", "pyros.alerts.notify",
                        "pyros.alerts.outbound", "pyros.etc.calculator", "pyros.etc.config",
                        "pyros.routines.actions", "pyros.scheduler.actions")

    def __init__(self, clock: Clock | None = None, settings: AlertsSettings | None = None,
                 listeners: list | None = None):
        super().__init__(clock)
        self.settings = settings
        self.listeners = listeners
        self.ingested = 0
        self.store_failures = 0
        self._last_expiry: datetime | None = None
        self._last_warm: datetime | None = None
        self._last_complaint: dict[str, float] = {}
        self._config = None
        self._polled = False
        self._step_started = 0.0

    def setup(self) -> None:
        from pyros.alerts.listeners import build_listeners
        from pyros.alerts.strategies import ensure_default_strategy
        from pyros.config import load_config
        from pyros.config.alerts import load_alerts_settings

        self.settings = self.settings or load_alerts_settings()
        self._config = load_config()
        if self.listeners is None:
            self.listeners = build_listeners(self.settings)
        ensure_default_strategy()
        if not self.listeners:
            log.warning("alerts: no listener enabled (set alerts.kafka/vtp in the observatory "
                        "file, PYROS_GCN_CLIENT_ID or PYROS_VTP_BROKER); notices come only "
                        "from 'pyros alerts inject' and the web")
        self._warm()

    def step(self) -> bool:
        did = False
        self._polled = False
        self._step_started = monotonic()
        for listener in self.listeners or []:
            did = self._poll(listener) or did
        now = self.clock.now()
        if self._last_expiry is None or (now - self._last_expiry).total_seconds() >= \
                self.expiry_interval_s:
            from pyros.alerts.actions import expire_alerts

            self._last_expiry = now
            did = bool(expire_alerts(now, self.settings)) or did
        if not did:
            self._warm()
        return did

    def _poll(self, listener) -> bool:
        from pyros.alerts.actions import ingest_notice
        from pyros.alerts.listeners import ListenerUnavailable

        cfg = getattr(self.settings, listener.name, None)
        batch_size = getattr(cfg, "batch_size", 50)
        try:
            batch = listener.fetch(batch_size)
        except ListenerUnavailable as exc:
            last = self._last_complaint.get(listener.name, -1e9)
            if monotonic() - last >= self.quiet_log_s:
                log.warning("alerts: %s unavailable: %s", listener.name, exc)
                self._last_complaint[listener.name] = monotonic()
            return False
        self._polled = True
        for incoming in batch:
            try:
                ingest_notice(incoming.raw, incoming.source, incoming.received_at,
                              settings=self.settings, config=self._config)
            except Exception as exc:
                # not stored: do not acknowledge this one nor any later one
                self.store_failures += 1
                log.exception("alerts: could not store a notice from %s; it will be "
                              "delivered again", incoming.source)
                if incoming.nak is not None:
                    incoming.nak(f"not stored: {type(exc).__name__}")
                listener.close()
                return True
            try:
                incoming.ack()
            except Exception as exc:  # noqa: BLE001 (any client error; the notice is stored)
                log.warning("alerts: %s: acknowledgement failed (%s); the notice is stored "
                            "and a redelivery will be recognised", listener.name, exc)
                listener.close()
                return True
            self.ingested += 1
        return bool(batch)

    def idle_wait(self) -> None:
        """After an empty step: the listeners' polls were the wait, unless none could poll."""
        if not self._polled:
            super().idle_wait()
            return
        left = self.min_cycle_wall_s - (monotonic() - self._step_started)
        if left > 0:
            self.stopping.wait(left)

    def _warm(self) -> None:
        """Keep the Sun/Moon cache of the visibility check filled (hourly)."""
        now = self.clock.now()
        if self._last_warm is not None and now - self._last_warm < timedelta(minutes=10):
            return
        self._last_warm = now
        try:
            from pyros.alerts.visibility import warm

            config = self._config
            if config is not None:
                warm(config.site.location_tuple(), now)
        except Exception as exc:  # noqa: BLE001 (an optimisation must never stop the agent)
            log.warning("alerts: visibility cache warm-up failed: %s", exc)

    def teardown(self) -> None:
        from pyros.alerts import dispatch

        for listener in self.listeners or []:
            listener.close()
        dispatch.drain(5.0)

    def info(self) -> dict[str, object]:
        out = super().info()
        out.update(ingested=self.ingested, store_failures=self.store_failures,
                   listeners={lst.name: lst.status() for lst in self.listeners or []})
        return out

"""The Alert Manager's configuration: listeners, matching, outbound channels.

The ``alerts:`` section of the observatory file (validated with it, errors naming file,
line and key), or the whole YAML file named by ``PYROS_ALERTS_CONFIG`` when set (either a
mapping with an ``alerts:`` key or the section itself: a deployment may keep its listeners
apart).  Then a few environment variables override it (GCN credentials must not live in a
file under version control):

- ``PYROS_GCN_CLIENT_ID`` / ``PYROS_GCN_CLIENT_SECRET``: GCN Kafka credentials; setting
  them enables the Kafka listener.
- ``PYROS_GCN_DOMAIN``: GCN Kafka domain (``gcn.nasa.gov``; ``test.gcn.nasa.gov``).
- ``PYROS_VTP_BROKER``: ``host:port`` of a VOEvent broker; setting it enables the VTP
  listener.
- ``PYROS_FSC_URL``: science-centre HTTP endpoint for alert status.

Everything is validated strictly (unknown keys are errors).  Pure: no Django.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

__all__ = [
    "DEFAULT_KAFKA_TOPICS",
    "EVENT_KINDS",
    "AlertsConfigError",
    "AlertsSettings",
    "FscConfig",
    "KafkaListenerConfig",
    "MatchingConfig",
    "NotificationRoute",
    "NotificationsConfig",
    "VtpListenerConfig",
    "load_alerts_settings",
    "parse_alerts_settings",
]

#: GCN Kafka topics PyROS follows by default (SVOM VOEvents, Swift BAT-GUANO, Fermi GBM,
#: Einstein Probe WXT, IGWN gravitational-wave alerts).
DEFAULT_KAFKA_TOPICS: tuple[str, ...] = (
    "gcn.notices.svom.voevent.grm",
    "gcn.notices.svom.voevent.eclairs",
    "gcn.notices.svom.voevent.mxt",
    "gcn.notices.swift.bat.guano",
    "gcn.classic.voevent.FERMI_GBM_ALERT",
    "gcn.classic.voevent.FERMI_GBM_FLT_POS",
    "gcn.classic.voevent.FERMI_GBM_GND_POS",
    "gcn.classic.voevent.FERMI_GBM_FIN_POS",
    "gcn.notices.einstein_probe.wxt.alert",
    "igwn.gwalert",
)

#: Kinds of event people can be notified of (``notify(kind, ...)``).
EVENT_KINDS: tuple[str, ...] = (
    "alert_accepted",
    "alert_refused",
    "alert_retracted",
    "alert_expired",
    "unsafe",
    "paused",
    "device_lost",
    "sequence_failed",
)

_KafkaValue = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KafkaListenerConfig(_Strict):
    """GCN Kafka consumer.  Offsets are committed only after a notice is stored."""

    enabled: bool = False
    #: GCN client credentials (https://gcn.nasa.gov/quickstart); when empty the consumer
    #: is a plain librdkafka consumer configured by :attr:`config` alone (tests, a local
    #: broker).
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    domain: str = "gcn.nasa.gov"
    #: FIXED consumer group: a restarted agent resumes after the last stored notice.
    group_id: Annotated[str, Field(min_length=1)] = "pyros-alerts"
    topics: tuple[str, ...] = DEFAULT_KAFKA_TOPICS
    #: Extra librdkafka settings (``bootstrap.servers``, ``session.timeout.ms``...).
    #: ``enable.auto.commit`` is always forced off.
    config: dict[str, _KafkaValue] = Field(default_factory=dict)
    #: Most notices taken per agent step [count], and the wait for the first one [s].
    batch_size: Annotated[int, Field(ge=1, le=10000)] = 50
    poll_timeout_s: Annotated[float, Field(ge=0, le=60)] = 0.5

    @field_validator("config")
    @classmethod
    def _no_auto_commit(cls, value: dict[str, _KafkaValue]) -> dict[str, _KafkaValue]:
        if str(value.get("enable.auto.commit", "false")).lower() not in ("false", "0"):
            raise ValueError("enable.auto.commit must stay false: offsets are committed "
                             "only after the notice is stored")
        return value


class VtpListenerConfig(_Strict):
    """VOEvent Transport Protocol subscriber (IVOA VTP, e.g. the SVOM broker on 8099)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8099
    #: Our IVOA identifier, sent in ``iamalive`` and ``ack`` replies.
    local_ivo: str = "ivo://pyros/alerts"
    connect_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    #: No traffic (not even ``iamalive``) for this long [s]: the broker is taken as gone.
    alive_timeout_s: Annotated[float, Field(gt=0)] = 180.0
    #: Reconnection back-off [s]: doubles from ``backoff_initial_s`` to ``backoff_max_s``.
    backoff_initial_s: Annotated[float, Field(gt=0)] = 1.0
    backoff_max_s: Annotated[float, Field(gt=0)] = 60.0
    #: Largest frame accepted [bytes]; a bigger length prefix closes the connection.
    max_frame_bytes: Annotated[int, Field(gt=0)] = 4 * 1024 * 1024
    batch_size: Annotated[int, Field(ge=1, le=10000)] = 50
    poll_timeout_s: Annotated[float, Field(ge=0, le=60)] = 0.5


class MatchingConfig(_Strict):
    """How notices are grouped into alerts and when an alert is re-pointed."""

    #: Two missions' triggers closer than this [s] may be one event (``same_event``).
    time_tolerance_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    #: Re-point when the new 90 % error radius is this many times smaller than the one
    #: the current pointing was made for.
    repoint_factor: Annotated[float, Field(gt=1)] = 2.0
    #: The observing channel whose field decides whether a target "left the field".
    field_channel: str = "VIS"


class FscConfig(_Strict):
    """Outbound alert status to the science centre (French Science Centre for SVOM)."""

    enabled: bool = True
    #: Drop folder; default ``<DATA_DIR>/exchange/FSC/TO``.
    drop_dir: Path | None = None
    #: Also POST each status as JSON to this URL (None: drop folder only).
    url: str | None = None
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0


class NotificationRoute(_Strict):
    """Who is told what: one role (on-call astronomer, engineer...)."""

    #: Event kinds routed to this role; ``*`` for all.
    kinds: tuple[str, ...] = ("*",)
    emails: tuple[str, ...] = ()
    #: Chat webhooks (Slack/Mattermost incoming webhook, Matrix hookshot...) [URLs].
    webhooks: tuple[str, ...] = ()

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(EVENT_KINDS) - {"*"}
        if unknown:
            raise ValueError(f"unknown event kinds {sorted(unknown)}; known: {EVENT_KINDS}")
        return value


class NotificationsConfig(_Strict):
    roles: dict[str, NotificationRoute] = Field(default_factory=dict)
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0


class AlertsSettings(_Strict):
    kafka: KafkaListenerConfig = KafkaListenerConfig()
    vtp: VtpListenerConfig = VtpListenerConfig()
    matching: MatchingConfig = MatchingConfig()
    #: Programme that alert requests are filed under (created on demand).
    programme_code: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=30)] = "alerts"
    programme_title: str = "Alert follow-up (GRB, GW, transients)"
    fsc: FscConfig = FscConfig()
    notifications: NotificationsConfig = NotificationsConfig()


class AlertsConfigError(ValueError):
    """The alerts configuration is unreadable or invalid; the message says why."""


def parse_alerts_settings(data: dict[str, Any] | None, source: str = "<alerts>",
                          environ: dict[str, str] | None = None) -> AlertsSettings:
    """Validate ``data`` (the section, or a mapping holding an ``alerts`` key) + environment."""
    env = os.environ if environ is None else environ
    section: dict[str, Any] = dict(data or {})
    if set(section) == {"alerts"}:
        section = dict(section["alerts"] or {})
    kafka = dict(section.get("kafka") or {})
    if env.get("PYROS_GCN_CLIENT_ID", "").strip():
        kafka.update(enabled=True, client_id=env["PYROS_GCN_CLIENT_ID"].strip(),
                     client_secret=env.get("PYROS_GCN_CLIENT_SECRET", "").strip())
    if env.get("PYROS_GCN_DOMAIN", "").strip():
        kafka["domain"] = env["PYROS_GCN_DOMAIN"].strip()
    if kafka:
        section["kafka"] = kafka
    broker = env.get("PYROS_VTP_BROKER", "").strip()
    if broker:
        host, _, port = broker.rpartition(":")
        if not host or not port.isdigit():
            raise AlertsConfigError(f"PYROS_VTP_BROKER must be host:port, got {broker!r}")
        section["vtp"] = {**dict(section.get("vtp") or {}), "enabled": True, "host": host,
                          "port": int(port)}
    if env.get("PYROS_FSC_URL", "").strip():
        section["fsc"] = {**dict(section.get("fsc") or {}), "url": env["PYROS_FSC_URL"].strip()}
    try:
        return AlertsSettings.model_validate(section)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}"
                    for e in exc.errors()]
        raise AlertsConfigError(f"{source}: invalid alerts configuration:\n  "
                                + "\n  ".join(problems)) from exc


def load_alerts_settings(path: str | Path | None = None) -> AlertsSettings:
    """Settings from ``path``, else ``PYROS_ALERTS_CONFIG``, else the observatory file's
    ``alerts:`` section (defaults when it has none); environment overrides on top."""
    raw = str(path) if path is not None else os.environ.get("PYROS_ALERTS_CONFIG", "").strip()
    if not raw:
        from pyros.config import config_path, load_config

        return parse_alerts_settings(load_config().alerts.model_dump(), str(config_path()))
    data: dict[str, Any] | None = None
    if raw:
        p = Path(raw).expanduser()
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise AlertsConfigError(f"cannot read alerts configuration {p}: {exc.strerror}"
                                    ) from exc
        except yaml.YAMLError as exc:
            raise AlertsConfigError(f"{p}: not valid YAML: {exc}") from exc
        if data is not None and not isinstance(data, dict):
            raise AlertsConfigError(f"{p}: the alerts configuration must be a mapping")
        return parse_alerts_settings(data, str(p))
    return parse_alerts_settings(data)

"""Every write of the alert manager: ingest a notice, retract, expire, record latencies.

:func:`ingest_notice` is what every listener (Kafka, VTP), ``pyros alerts inject`` and the
web call.  It never raises for a bad notice: the raw bytes are stored first (own
transaction, idempotent by IVORN or content hash), then the notice is processed in a second
transaction that serialises on the default strategy row, so two listeners delivering the
same event at once still end with one alert (the unique ``(mission, event_id)`` rows
enforce it where the lock cannot, e.g. across databases).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from pyros.alerts.followup import (
    PENDING_STATUSES,
    cancel_pending_sequences,
    create_followup,
    min_altitude_deg,
)
from pyros.alerts.followup import field_deg as _field_deg
from pyros.alerts.models import (
    FINAL_ALERT_STATUSES,
    Alert,
    AlertEventId,
    AlertPosition,
    AlertStatus,
    LatencyChain,
    NoticeOutcome,
    StoredNotice,
    Strategy,
)
from pyros.alerts.rules import StrategyRules
from pyros.alerts.strategies import ensure_default_strategy
from pyros.alerts.visibility import check_visibility
from pyros.clock import now as clock_now
from pyros.config.alerts import AlertsSettings, load_alerts_settings
from pyros.config.schema import ObservatoryConfig
from pyros.notices import (
    Notice,
    NoticeRejected,
    NoticeType,
    angular_separation_deg,
    error_radius_90_deg,
    parse_notice,
    same_event,
)

log = logging.getLogger("pyros.alerts")

__all__ = [
    "IngestResult",
    "expire_alerts",
    "ingest_notice",
    "record_latency",
    "set_alert_status",
]

#: Outcome reported for a notice already stored (not a stored outcome).
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IngestResult:
    """What became of one notice."""

    outcome: str
    notice_id: int | None
    alert_id: int | None = None
    reason: str = ""
    duplicate: bool = False
    request_created: bool = False
    repointed: bool = False

    @property
    def rejected(self) -> bool:
        return self.outcome == NoticeOutcome.REJECTED


@dataclass
class _Effects:
    """What one notice did to its alert, for the outcome and the after-commit messages."""

    events: list[tuple[str, str]] = field(default_factory=list)
    request_created: bool = False
    repointed: bool = False


# --- entry point ------------------------------------------------------------------------
def ingest_notice(raw: bytes | str, source: str, received_at: datetime | None = None, *,
                  settings: AlertsSettings | None = None,
                  config: ObservatoryConfig | None = None) -> IngestResult:
    """Store, parse and act on one notice; returns what happened, never raises for its content.

    ``source`` says where it came from (``kafka:<topic>``, ``vtp:<host>:<port>``,
    ``inject:<file>``, ``web``); ``received_at`` is when the listener got it (default now).
    Database errors while *storing* do propagate: the caller must then not acknowledge the
    notice (Kafka commit, VTP ack) so that it is delivered again.
    """
    settings = settings or load_alerts_settings()
    if config is None:
        from pyros.config import load_config

        config = load_config()
    received_at = received_at or clock_now()
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else bytes(raw)
    try:
        notice: Notice | None = parse_notice(data)
        reason = ""
    except NoticeRejected as exc:
        notice, reason = None, exc.reason

    stored, created = _store(data, notice, reason, source, received_at)
    if not created and stored.outcome != NoticeOutcome.ERROR:
        StoredNotice.objects.filter(pk=stored.pk).update(duplicates=F("duplicates") + 1)
        log.info("alerts: duplicate notice %s from %s (first stored from %s)",
                 stored.ivorn or stored.dedupe_key[:12], source, stored.source)
        return IngestResult(DUPLICATE, stored.pk, stored.alert_id, "already stored",
                            duplicate=True)
    if notice is None:
        log.warning("alerts: notice from %s rejected (stored as #%s): %s", source, stored.pk,
                    reason)
        return IngestResult(NoticeOutcome.REJECTED, stored.pk, reason=reason)
    if notice.is_test:
        log.info("alerts: test notice %s %s from %s stored, not observed", notice.mission,
                 notice.event_id, source)
        return IngestResult(NoticeOutcome.TEST, stored.pk, reason="role=test")
    try:
        return _process(stored, notice, settings, config)
    except Exception as exc:
        log.exception("alerts: processing notice #%s (%s %s) failed", stored.pk,
                      notice.mission, notice.event_id)
        StoredNotice.objects.filter(pk=stored.pk).update(
            outcome=NoticeOutcome.ERROR, reason=f"{type(exc).__name__}: {exc}"[:500])
        return IngestResult(NoticeOutcome.ERROR, stored.pk, reason=str(exc)[:500])


def _dedupe_key(notice: Notice | None, data: bytes) -> str:
    basis = notice.ivorn.encode("utf-8") if notice is not None and notice.ivorn else data
    return hashlib.sha256(basis).hexdigest()


def _store(data: bytes, notice: Notice | None, reason: str, source: str,
           received_at: datetime) -> tuple[StoredNotice, bool]:
    """Store the notice once; (row, created).  A concurrent twin loses on the unique key."""
    key = _dedupe_key(notice, data)
    existing = StoredNotice.objects.filter(dedupe_key=key).first()
    if existing is not None:
        return existing, False
    fields = {
        "dedupe_key": key, "raw": data, "size_bytes": len(data), "source": source[:200],
        "received_at": received_at, "stored_at": clock_now(),
        "outcome": NoticeOutcome.REJECTED if notice is None else (
            NoticeOutcome.TEST if notice.is_test else NoticeOutcome.PENDING),
        "reason": reason[:500],
    }
    if notice is not None:
        fields.update(
            ivorn=(notice.ivorn or None) and notice.ivorn[:400], parsed=notice.to_dict(),
            mission=notice.mission[:30], event_id=notice.event_id[:120],
            notice_type=notice.notice_type.value, trigger_time=notice.trigger_time,
            is_test=notice.is_test)
    try:
        with transaction.atomic():
            return StoredNotice.objects.create(**fields), True
    except IntegrityError:
        return StoredNotice.objects.get(dedupe_key=key), False


# --- processing -------------------------------------------------------------------------
def _process(stored: StoredNotice, notice: Notice, settings: AlertsSettings,
             config: ObservatoryConfig) -> IngestResult:
    effects = _Effects()
    with transaction.atomic():
        strategy = (Strategy.objects.select_for_update().filter(is_default=True).first()
                    or ensure_default_strategy())
        rules = strategy.parsed_rules()
        now = clock_now()
        alert = _find_alert(notice, settings)
        if notice.is_retraction and alert is not None and notice.mission not in alert.missions:
            log.info("alerts: %s %s retracts an event of its own never received; it only "
                     "coincides with alert #%s", notice.mission, notice.event_id, alert.pk)
            alert = None  # another mission's burst at the same time is not withdrawn
        if notice.is_retraction:
            if alert is None:
                outcome = NoticeOutcome.RETRACTION_UNKNOWN
                stored.reason = "retraction of an event never received"
                log.warning("alerts: retraction of unknown event %s %s (notice #%s): "
                            "stored, nothing else", notice.mission, notice.event_id, stored.pk)
            else:
                outcome = NoticeOutcome.RETRACTED
                remaining = (set(alert.missions) - _retracted_missions(alert)
                             - {notice.mission})
                if remaining:  # a coincidence: the other missions still saw the burst
                    _retract_mission(alert, notice, remaining, rules, now, settings, config,
                                     effects)
                else:
                    _retract(alert, notice, now, effects)
        else:
            outcome = NoticeOutcome.UPDATED
            if alert is None:
                alert, new = _create_alert(notice, stored, strategy)
                if new:
                    outcome = NoticeOutcome.NEW_ALERT
            _link_event_id(alert, notice)
            position = _merge(alert, notice, stored, rules, now)
            _evaluate(alert, notice, position, rules, now, settings, config, effects)
        if alert is not None:
            alert.updated_at = now
            alert.save()
            stored.alert = alert
        stored.outcome = outcome
        stored.save(update_fields=["alert", "outcome", "reason"])
        if alert is not None:
            alert_id = alert.pk
            transaction.on_commit(lambda: _after_commit(alert_id, effects.events, settings))
    log.info("alerts: %s %s %s (notice #%s from %s) -> %s%s", notice.mission, notice.event_id,
             notice.notice_type.value, stored.pk, stored.source, outcome,
             f" alert #{alert.pk} {alert.status}" if alert else "")
    return IngestResult(outcome, stored.pk, alert.pk if alert else None, stored.reason,
                        request_created=effects.request_created, repointed=effects.repointed)


def _find_alert(notice: Notice, settings: AlertsSettings) -> Alert | None:
    """The alert of the notice's event: same mission id, else a coincident other mission."""
    link = (AlertEventId.objects.select_related("alert")
            .filter(mission=notice.mission, event_id=notice.event_id).first())
    if link is not None:
        return link.alert
    if notice.trigger_time is None:
        return None
    tol = timedelta(seconds=settings.matching.time_tolerance_s)
    candidates = (StoredNotice.objects
                  .filter(trigger_time__gte=notice.trigger_time - tol,
                          trigger_time__lte=notice.trigger_time + tol, alert__isnull=False,
                          is_test=False, parsed__isnull=False)
                  .exclude(mission=notice.mission)
                  .exclude(alert__status__in=FINAL_ALERT_STATUSES)
                  .select_related("alert").order_by("received_at"))
    for other in candidates:
        try:
            if same_event(notice, Notice.from_dict(other.parsed),
                          settings.matching.time_tolerance_s):
                log.info("alerts: %s %s coincides with %s %s (alert #%s)", notice.mission,
                         notice.event_id, other.mission, other.event_id, other.alert_id)
                return other.alert
        except (KeyError, ValueError) as exc:
            log.warning("alerts: stored notice #%s unreadable (%s)", other.pk, exc)
    return None


def _create_alert(notice: Notice, stored: StoredNotice, strategy: Strategy
                  ) -> tuple[Alert, bool]:
    """A new alert for the notice's event, or the one a concurrent ingestion just made."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                name=f"{notice.mission} {notice.event_id}"[:120], status=AlertStatus.ACTIVE,
                trigger_time=notice.trigger_time, first_received_at=stored.received_at,
                is_preliminary=notice.is_preliminary, strategy=strategy,
                created_at=stored.stored_at)
            AlertEventId.objects.create(alert=alert, mission=notice.mission,
                                        event_id=notice.event_id)
            LatencyChain.objects.create(alert=alert, notice_received=stored.received_at,
                                        notice_stored=stored.stored_at)
            return alert, True
    except IntegrityError:
        link = AlertEventId.objects.select_related("alert").get(
            mission=notice.mission, event_id=notice.event_id)
        return link.alert, False


def _link_event_id(alert: Alert, notice: Notice) -> None:
    AlertEventId.objects.get_or_create(mission=notice.mission, event_id=notice.event_id,
                                       defaults={"alert": alert})


def _merge(alert: Alert, notice: Notice, stored: StoredNotice, rules: StrategyRules,
           now: datetime) -> AlertPosition | None:
    """Fold the notice into the alert: times, flags, priority, position history."""
    if notice.trigger_time and (alert.trigger_time is None
                                or notice.trigger_time < alert.trigger_time):
        alert.trigger_time = notice.trigger_time
    if not notice.is_preliminary:
        alert.is_preliminary = False
    missions = set(AlertEventId.objects.filter(alert=alert).values_list("mission", flat=True))
    retracted = _retracted_missions(alert)
    _set_priority(alert, rules.priority_for((missions | {notice.mission}) - retracted))
    if alert.trigger_time is not None:
        hours = (rules.limits.preliminary_expiry_h if alert.is_preliminary
                 else rules.limits.expiry_h)
        alert.expires_at = alert.trigger_time + timedelta(hours=hours)
    if not notice.has_position:
        return None
    err90 = error_radius_90_deg(notice)
    better = notice.mission not in retracted and (
        not alert.has_position
        or (err90 is not None and (alert.error90_deg is None or err90 < alert.error90_deg)))
    position = AlertPosition.objects.create(
        alert=alert, notice=stored, at=now, mission=notice.mission,
        instrument=(notice.instrument or "")[:30], ra_deg=notice.ra_deg, dec_deg=notice.dec_deg,
        error_radius_deg=notice.error_radius_deg, error90_deg=err90, adopted=better)
    if better:
        alert.ra_deg, alert.dec_deg = notice.ra_deg, notice.dec_deg
        alert.error_radius_deg, alert.error90_deg = notice.error_radius_deg, err90
        alert.position_source = f"{notice.mission} {notice.instrument or ''} " \
                                f"{notice.packet_name or notice.notice_type.value}".strip()[:60]
    return position


def _set_priority(alert: Alert, priority: int) -> None:
    if priority != alert.priority:
        alert.priority = priority
        if alert.request_id is not None:
            alert.request.sequences.filter(status__in=PENDING_STATUSES).update(
                priority=priority)


def _retracted_missions(alert: Alert) -> set[str]:
    """Missions that withdrew their part of this alert (their retraction notices)."""
    if alert.pk is None:
        return set()
    return set(StoredNotice.objects.filter(alert=alert, notice_type=NoticeType.RETRACTION.value)
               .values_list("mission", flat=True))


def _set_status(alert: Alert, status: str, reason: str, effects: _Effects,
                event: str | None = None) -> None:
    changed = alert.status != status
    alert.status, alert.status_reason = status, reason[:255]
    if changed and event:
        effects.events.append((event, reason))


def _evaluate(alert: Alert, notice: Notice, position: AlertPosition | None,
              rules: StrategyRules, now: datetime, settings: AlertsSettings,
              config: ObservatoryConfig, effects: _Effects) -> None:
    """Apply COLIBRI's rules, the acceptance checks, and request or re-point the follow-up."""
    if alert.status in FINAL_ALERT_STATUSES or alert.disabled:
        return
    if notice.notice_type is NoticeType.CATALOG:
        alert.disabled = True
        n = cancel_pending_sequences(alert, "cancelled", "catalogue source: alert disabled")
        _set_status(alert, AlertStatus.REFUSED,
                    f"known catalogue source ({notice.instrument} {notice.packet_type}): "
                    f"disabled{f', {n} sequence(s) cancelled' if n else ''}",
                    effects, "alert_refused")
        return
    accepted_status = AlertStatus.PRELIMINARY if alert.is_preliminary else AlertStatus.ACTIVE
    if alert.status == AlertStatus.OBSERVING:
        accepted_status = AlertStatus.OBSERVING
    if alert.expires_at is not None and now >= alert.expires_at:
        cancel_pending_sequences(alert, "expired", "alert expired")
        _set_status(alert, AlertStatus.EXPIRED, "older than its expiry", effects,
                    "alert_expired")
        return
    if not alert.has_position or alert.error_radius_deg is None:
        what = "a position" if not alert.has_position else "an error radius"
        _set_status(alert, accepted_status if alert.status != AlertStatus.REFUSED
                    else AlertStatus.REFUSED, f"waiting for {what}", effects)
        return
    refusal = _acceptance_problem(alert, rules, now, config)
    if refusal:
        n = cancel_pending_sequences(alert, "cancelled", f"alert refused: {refusal}")
        _set_status(alert, AlertStatus.REFUSED,
                    refusal + (f" ({n} sequence(s) cancelled)" if n else ""),
                    effects, "alert_refused")
        return
    live = (alert.request.sequences.filter(status__in=(*PENDING_STATUSES, "executing"))
            .exists() if alert.request_id is not None else False)
    reason = f"following {alert.position_source}"
    if live:
        why = _repoint_reason(alert, settings, config)
        if why:
            cancel_pending_sequences(alert, "cancelled", f"re-pointed: {why}")
            alert.repoints += 1
            create_followup(alert, rules, now, config, settings)
            effects.repointed = True
            if position is not None:
                AlertPosition.objects.filter(pk=position.pk).update(repointed=True)
            reason = f"re-pointed ({why})"
            log.info("alerts: %s re-pointed: %s", alert.name, why)
    else:
        followup = create_followup(alert, rules, now, config, settings)
        effects.request_created = bool(followup.sequence_ids)
        if effects.request_created:
            record_latency(alert, "request_created", clock_now())
        reason = f"follow-up requested ({len(followup.sequence_ids)} sequence(s), " \
                 f"{followup.step.exposure_s:g} s exposures)" if followup.step else \
                 "no epoch left before expiry"
    _set_status(alert, accepted_status, reason, effects,
                "alert_accepted" if alert.status in (AlertStatus.REFUSED, AlertStatus.ACTIVE,
                                                     AlertStatus.PRELIMINARY)
                and effects.request_created else None)


def _acceptance_problem(alert: Alert, rules: StrategyRules, now: datetime,
                        config: ObservatoryConfig) -> str:
    """Why the alert cannot be followed ('' if it can): error, visibility, Moon."""
    limits = rules.limits
    error_arcmin = (alert.error_radius_deg or 0.0) * 60.0
    if error_arcmin > limits.max_error_arcmin:
        return f"error circle {error_arcmin:.1f}' exceeds {limits.max_error_arcmin:g}'"
    site = config.site
    min_alt = min_altitude_deg(config, limits)
    assert alert.ra_deg is not None and alert.dec_deg is not None
    assert alert.expires_at is not None
    vis = check_visibility(alert.ra_deg, alert.dec_deg, site.location_tuple(), now,
                           alert.expires_at, min_altitude_deg=min_alt,
                           twilight_deg=site.twilight_deg, step_s=limits.visibility_step_s)
    if vis.first_observable is None:
        return (f"not observable from {site.name} before expiry "
                f"({alert.expires_at:%Y-%m-%d %H:%M} UTC; altitude >= {min_alt:.0f} deg, "
                f"Sun < {site.twilight_deg:g} deg)")
    if vis.moon_separation_deg < limits.min_moon_separation_deg:
        return (f"Moon {vis.moon_separation_deg:.1f} deg away "
                f"(< {limits.min_moon_separation_deg:g} deg)")
    return ""


def _repoint_reason(alert: Alert, settings: AlertsSettings, config: ObservatoryConfig) -> str:
    """Why the current pointing should change ('' if it should not)."""
    if alert.pointed_ra_deg is None or alert.pointed_dec_deg is None:
        return "no pointing yet"
    assert alert.ra_deg is not None and alert.dec_deg is not None
    factor = settings.matching.repoint_factor
    if (alert.pointed_error90_deg and alert.error90_deg
            and alert.pointed_error90_deg / alert.error90_deg >= factor):
        return (f"error {alert.pointed_error90_deg * 60:.2f}' -> {alert.error90_deg * 60:.2f}' "
                f"(x{alert.pointed_error90_deg / alert.error90_deg:.1f} >= x{factor:g})")
    half_field = _field_deg(config, settings.matching.field_channel) / 2.0
    sep = angular_separation_deg(alert.pointed_ra_deg, alert.pointed_dec_deg, alert.ra_deg,
                                 alert.dec_deg)
    if sep > half_field:
        return f"target {sep * 60:.1f}' from the field centre (half field {half_field * 60:.1f}')"
    return ""


def _retract(alert: Alert, notice: Notice, now: datetime, effects: _Effects) -> None:
    if alert.status == AlertStatus.RETRACTED:
        return
    why = f"retracted by {notice.mission} ({notice.packet_name or 'retraction'})"
    n = cancel_pending_sequences(alert, "cancelled", why)
    _set_status(alert, AlertStatus.RETRACTED,
                why + (f", {n} sequence(s) cancelled" if n else ""), effects, "alert_retracted")
    log.warning("alerts: %s %s", alert.name, alert.status_reason)


def _retract_mission(alert: Alert, notice: Notice, remaining: set[str], rules: StrategyRules,
                     now: datetime, settings: AlertsSettings, config: ObservatoryConfig,
                     effects: _Effects) -> None:
    """One mission of a multi-mission alert withdrew its detection; the others stand.

    The alert falls back on the best position the remaining missions gave (smallest 90 %
    error, then the latest) and is evaluated again: it may be refused (a GBM circle alone
    is too large; the execution stops a running pointing of a refused alert), re-pointed
    (the retracted position was the one observed), or kept.  With no position left it
    waits for one, and the running pointing is withdrawn (counted as a re-point)."""
    if alert.status in FINAL_ALERT_STATUSES:
        return
    why = f"{notice.mission} retracted its detection ({notice.packet_name or 'retraction'})"
    AlertPosition.objects.filter(alert=alert, mission=notice.mission).update(adopted=False)
    _set_priority(alert, rules.priority_for(remaining))
    best = (AlertPosition.objects.filter(alert=alert, mission__in=remaining)
            .order_by(F("error90_deg").asc(nulls_last=True), "-at", "-id").first())
    log.warning("alerts: %s: %s; %s remain", alert.name, why, ", ".join(sorted(remaining)))
    if best is None:
        n = cancel_pending_sequences(alert, "cancelled", why)
        alert.ra_deg = alert.dec_deg = alert.error_radius_deg = alert.error90_deg = None
        alert.pointed_ra_deg = alert.pointed_dec_deg = alert.pointed_error90_deg = None
        alert.position_source = ""
        alert.repoints += 1  # the running pointing is obsolete: the execution stops it
        _set_status(alert, AlertStatus.PRELIMINARY if alert.is_preliminary
                    else AlertStatus.ACTIVE,
                    f"{why}; waiting for a position from {', '.join(sorted(remaining))}"
                    + (f" ({n} sequence(s) cancelled)" if n else ""), effects)
        return
    alert.ra_deg, alert.dec_deg = best.ra_deg, best.dec_deg
    alert.error_radius_deg, alert.error90_deg = best.error_radius_deg, best.error90_deg
    alert.position_source = f"{best.mission} {best.instrument}".strip()[:60]
    AlertPosition.objects.filter(pk=best.pk).update(adopted=True)
    _evaluate(alert, notice, None, rules, now, settings, config, effects)
    alert.status_reason = f"{why}; {alert.status_reason}"[:255]


def _after_commit(alert_id: int, events: list[tuple[str, str]],
                  settings: AlertsSettings) -> None:
    """Tell the science centre and the people on call (after the commit, never raising)."""
    from pyros.alerts.notify import notify
    from pyros.alerts.outbound import publish_alert

    try:
        alert = Alert.objects.select_related("strategy", "latency").get(pk=alert_id)
        publish_alert(alert, settings)
        for kind, reason in events:
            where = (f" at RA {alert.ra_deg:.4f} Dec {alert.dec_deg:+.4f} "
                     f"(error {alert.error_radius_deg * 60:.2f}')"
                     if alert.has_position and alert.error_radius_deg else "")
            notify(kind, f"{alert.name} {alert.status}", f"{alert.name}{where}: {reason}",
                   settings)
    except Exception:
        log.exception("alerts: outbound messages for alert #%s failed", alert_id)


# --- for other components ---------------------------------------------------------------------
def record_latency(alert: Alert | int, stage: str, at: datetime | None = None) -> bool:
    """Record when ``alert`` reached ``stage`` (first time only); True if recorded.

    Stages: notice_received, notice_stored, request_created, abort_sent, slew_commanded,
    on_target, first_exposure.  The execution agent calls this for the last four.
    Raises ValueError for an unknown stage.
    """
    if stage not in LatencyChain.STAGES:
        raise ValueError(f"unknown latency stage {stage!r}; known: {LatencyChain.STAGES}")
    alert_id = alert if isinstance(alert, int) else alert.pk
    LatencyChain.objects.get_or_create(alert_id=alert_id)
    return bool(LatencyChain.objects.filter(alert_id=alert_id, **{f"{stage}__isnull": True})
                .update(**{stage: at or clock_now()}))


def set_alert_status(alert: Alert, status: str, reason: str = "",
                     settings: AlertsSettings | None = None) -> Alert:
    """Set ``observing`` / ``done`` (execution) or any other status, and tell the FSC."""
    status = AlertStatus(status)
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        locked.status, locked.status_reason = status, reason[:255]
        locked.updated_at = clock_now()
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        settings = settings or load_alerts_settings()
        transaction.on_commit(lambda: _after_commit(locked.pk, [], settings))
    alert.status, alert.status_reason = locked.status, locked.status_reason
    return alert


def expire_alerts(now: datetime | None = None, settings: AlertsSettings | None = None) -> int:
    """Expire the alerts past their expiry (not those being observed); returns how many."""
    now = now or clock_now()
    settings = settings or load_alerts_settings()
    due = Alert.objects.filter(expires_at__lte=now, status__in=(
        AlertStatus.ACTIVE, AlertStatus.PRELIMINARY, AlertStatus.REFUSED))
    count = 0
    for alert in due:
        with transaction.atomic():
            alert = Alert.objects.select_for_update().get(pk=alert.pk)
            if alert.status not in (AlertStatus.ACTIVE, AlertStatus.PRELIMINARY,
                                    AlertStatus.REFUSED):
                continue
            n = cancel_pending_sequences(alert, "expired", "alert expired")
            was_refused = alert.status == AlertStatus.REFUSED
            alert.status = AlertStatus.EXPIRED
            alert.status_reason = f"expired at {alert.expires_at:%Y-%m-%d %H:%M} UTC" + (
                f", {n} sequence(s) expired" if n else "")
            alert.updated_at = now
            alert.save()
            events = [] if was_refused else [("alert_expired", alert.status_reason)]
            alert_id = alert.pk
            transaction.on_commit(lambda a=alert_id, e=events: _after_commit(a, e, settings))
            count += 1
    return count

"""Turn an accepted alert into a Request: one sequence per epoch and mosaic tile.

Called inside the ingestion transaction.  Sequences go straight through submitted ->
validated (the strategy is trusted; the lifecycle allows it), at the alert's priority,
with a window from now (or the epoch's start) to the alert's expiry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyros.alerts.config import AlertsSettings
from pyros.alerts.models import Alert
from pyros.alerts.routines_api import request_replan, transition
from pyros.alerts.rules import RecipeStep, StrategyRules, mosaic_offsets_deg, offset_position
from pyros.config.schema import ObservatoryConfig

log = logging.getLogger("pyros.alerts")

__all__ = ["PENDING_STATUSES", "cancel_pending_sequences", "create_followup", "field_deg"]

#: Sequence states an alert may still withdraw (not yet being executed).
PENDING_STATUSES = ("draft", "submitted", "validated", "planned")


@dataclass(frozen=True, slots=True)
class Followup:
    request_id: int
    sequence_ids: tuple[int, ...]
    step: RecipeStep | None


def field_deg(config: ObservatoryConfig, channel: str) -> float:
    """Smallest side of ``channel``'s field of view [deg] (VIS: 4096 x 0.381" = 26')."""
    ch = config.channel(channel)
    return min(ch.width_px, ch.height_px) * ch.pixel_scale_arcsec / 3600.0


def _programme(settings: AlertsSettings):
    from pyros.accounts.models import ScientificProgramme

    programme, created = ScientificProgramme.objects.get_or_create(
        code=settings.programme_code,
        defaults={"title": settings.programme_title, "priority": 10,
                  "description": "Requests made by the alert manager."},
    )
    if created:
        log.info("alerts: created programme %s for alert requests", programme.code)
    return programme


def create_followup(alert: Alert, rules: StrategyRules, now: datetime,
                    config: ObservatoryConfig, settings: AlertsSettings) -> Followup:
    """Create the request (once per alert) and this pointing's sequences.

    The alert must be accepted, with a position, an error, a trigger time and an expiry.
    """
    from pyros.routines.models import Album, Plan, Request, Sequence

    assert alert.ra_deg is not None and alert.dec_deg is not None
    assert alert.trigger_time is not None and alert.expires_at is not None
    request = alert.request
    if request is None:
        request = Request.objects.create(name=f"alert {alert.name}"[:200],
                                         programme=_programme(settings), from_alert=True,
                                         created_at=now, submitted_at=now)
        alert.request = request
    # COLIBRI's thresholds (13') are written against published radii
    error_arcmin = (alert.error_radius_deg or 0.0) * 60.0
    limits = rules.limits
    readout = {c.name: c.readout_time_s for c in config.channels}
    created: list[int] = []
    first_step: RecipeStep | None = None
    tag = f"p{alert.repoints}"
    for e, epoch in enumerate(rules.epochs):
        start = max(now, alert.trigger_time + timedelta(seconds=epoch.delay_s))
        end = alert.expires_at
        if epoch.window_s is not None:
            end = min(end, start + timedelta(seconds=epoch.window_s))
        if end <= start + timedelta(seconds=60):
            continue
        age_s = (start - alert.trigger_time).total_seconds()
        step = rules.step_for(age_s, error_arcmin)
        first_step = first_step or step
        plans = {ch: rules.plans(step, ch) for ch in rules.channels}
        duration_s = config.telescope.slew_overhead_s + max(
            sum(p.count * (p.exposure_s + readout.get(ch, 0.0)) for p in ps)
            for ch, ps in plans.items())
        offsets = mosaic_offsets_deg(step.mosaic, field_deg(config, settings.matching
                                                            .field_channel))
        for t, (east, north) in enumerate(offsets):
            ra, dec = offset_position(alert.ra_deg, alert.dec_deg, east, north)
            suffix = f" tile {t + 1}/{len(offsets)}" if len(offsets) > 1 else ""
            seq = Sequence.objects.create(
                request=request, name=f"{alert.name} {tag} epoch {e + 1}{suffix}"[:200],
                target_name=alert.name[:100], ra_deg=ra, dec_deg=dec,
                window_start=start, window_end=end, max_airmass=limits.max_airmass,
                min_moon_separation_deg=limits.min_moon_separation_deg,
                priority=alert.priority, allow_postpone=False, duration_s=duration_s)
            for ch, ps in plans.items():
                album = Album.objects.create(sequence=seq, channel=ch)
                Plan.objects.bulk_create([
                    Plan(album=album, order=i, filter_name=p.filter_name,
                         exposure_s=p.exposure_s, count=p.count, dither_arcsec=p.dither_arcsec)
                    for i, p in enumerate(ps)])
            reason = f"alert {alert.name}: {alert.position_source or 'position'}"
            transition(seq, "submitted", reason)
            transition(seq, "validated", f"{reason} (alert strategy)")
            created.append(seq.pk)
    alert.recipe = first_step.model_dump(mode="json") if first_step else None
    alert.pointed_ra_deg, alert.pointed_dec_deg = alert.ra_deg, alert.dec_deg
    alert.pointed_error90_deg = alert.error90_deg
    if created:
        request_replan(f"{alert.name}: {len(created)} sequence(s) at priority {alert.priority}")
    return Followup(request.pk, tuple(created), first_step)


def cancel_pending_sequences(alert: Alert, to: str, reason: str) -> int:
    """Move the alert's not-yet-executing sequences to ``to`` (cancelled/expired).

    Executing sequences are left to the execution agent (it owns them until they end).
    Returns how many were moved.
    """
    from pyros.routines.lifecycle import ALLOWED, Status

    if alert.request_id is None:
        return 0
    moved = 0
    for seq in alert.request.sequences.filter(status__in=PENDING_STATUSES):
        if Status(to) in ALLOWED.get(Status(seq.status), frozenset()):
            transition(seq, to, reason)
            moved += 1
        elif to != "cancelled":
            transition(seq, "cancelled", reason)
            moved += 1
    if moved:
        request_replan(f"{alert.name}: {moved} sequence(s) withdrawn ({reason})")
    return moved

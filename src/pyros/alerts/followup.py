"""Turn an accepted alert into a Request: one sequence per epoch and mosaic tile.

Called inside the ingestion transaction.  Sequences go straight through submitted ->
validated (the strategy is trusted; the lifecycle allows it), at the alert's priority,
with a window from the first moment the target is observable in the epoch (now, the
epoch's start, or later that night when the target has not risen yet) to the alert's
expiry.  The execution agent takes a ready alert sequence at once, without asking the
scheduler: a window opening before the target is up would make it fail on the mount's
altitude limit.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyros.alerts.models import Alert
from pyros.alerts.routines_api import request_replan, transition
from pyros.alerts.rules import (
    Limits,
    PlannedExposures,
    RecipeStep,
    StrategyRules,
    mosaic_offsets_deg,
)
from pyros.alerts.visibility import airmass_to_altitude_deg, check_visibility
from pyros.astro.offsets import offset_position
from pyros.config.alerts import AlertsSettings
from pyros.config.schema import ObservatoryConfig
from pyros.planning.visibility import airmass_from_alt

log = logging.getLogger("pyros.alerts")

__all__ = ["PENDING_STATUSES", "cancel_pending_sequences", "create_followup", "field_deg",
           "min_altitude_deg", "unsaturated"]

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


def min_altitude_deg(config: ObservatoryConfig, limits: Limits) -> float:
    """The lowest altitude an alert target may be observed at: horizon, airmass, strategy."""
    return max(config.site.horizon_deg, airmass_to_altitude_deg(limits.max_airmass),
               limits.min_altitude_deg or 0.0)


def unsaturated(plans: list[PlannedExposures], channel: str, config: ObservatoryConfig,
                airmass: float, label: str = "") -> list[PlannedExposures]:
    """Split exposures the sky alone would saturate into more, shorter ones, keeping the
    total time: each exposure is cut in equal parts short enough that the sky fills at most
    half the well (:func:`pyros.etc.calculator.sky_fill_exptime`): an old burst's 60 s
    becomes 3 × 20 s in H near the zenith.  The airmass is the target's at the start of the
    window, or the limit when it has not risen yet."""
    from pyros.etc.config import sky_fill_s

    minimum = max(config.channel(channel).min_exposure_s, 1.0)
    out = []
    for p in plans:
        fill = sky_fill_s(config, channel, p.filter_name, airmass, fill=0.5)
        longest = max(math.floor(fill), minimum) if fill is not None else math.inf
        if p.exposure_s <= longest:
            out.append(p)
            continue
        parts = math.ceil(p.exposure_s / longest)  # each exposure cut in equal parts
        exposure_s = round(p.exposure_s / parts, 1)
        log.info("alerts: %s: %s %d x %g s would saturate on the sky (airmass %.1f): "
                 "%d x %g s", label, p.filter_name, p.count, p.exposure_s, airmass,
                 p.count * parts, exposure_s)
        out.append(PlannedExposures(p.filter_name, exposure_s, p.count * parts,
                                    p.dither_arcsec))
    return out


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
    from pyros.routines.actions import SequenceDraft, create_validated_sequences
    from pyros.routines.duration import PlanTiming, sequence_duration_s, timings_from_config
    from pyros.routines.models import Plan, Request, Sequence

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
    timings = timings_from_config(config)
    drafts: list[SequenceDraft] = []
    first_step: RecipeStep | None = None
    tag = f"p{alert.repoints}"
    for e, epoch in enumerate(rules.epochs):
        start = max(now, alert.trigger_time + timedelta(seconds=epoch.delay_s))
        end = alert.expires_at
        if epoch.window_s is not None:
            end = min(end, start + timedelta(seconds=epoch.window_s))
        if end <= start + timedelta(seconds=60):
            continue
        vis = check_visibility(alert.ra_deg, alert.dec_deg, config.site.location_tuple(),
                               start, end, min_altitude_deg=min_altitude_deg(config, limits),
                               twilight_deg=config.site.twilight_deg,
                               step_s=limits.visibility_step_s,
                               grid=(now, alert.expires_at))  # the acceptance check's grid
        if vis.first_observable is None:
            log.info("alerts: %s epoch %d: not observable between %s and %s", alert.name,
                     e + 1, f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}")
            continue
        start = max(start, vis.first_observable)
        if end <= start + timedelta(seconds=60):
            continue
        age_s = (start - alert.trigger_time).total_seconds()
        step = rules.step_for(age_s, error_arcmin)
        first_step = first_step or step
        airmass = float(airmass_from_alt(vis.altitude_now_deg if vis.observable_now
                                         else min_altitude_deg(config, limits)))
        plans = {ch: unsaturated(rules.plans(step, ch), ch, config, airmass, alert.name)
                 for ch in rules.channels}
        duration_s = sequence_duration_s(
            {ch: [PlanTiming(p.filter_name, p.exposure_s, p.count, p.dither_arcsec)
                  for p in ps] for ch, ps in plans.items()},
            timings, config.telescope.slew_overhead_s)
        offsets = mosaic_offsets_deg(step.mosaic, field_deg(config, settings.matching
                                                            .field_channel))
        for t, (east, north) in enumerate(offsets):
            ra, dec = offset_position(alert.ra_deg, alert.dec_deg, east, north)
            suffix = f" tile {t + 1}/{len(offsets)}" if len(offsets) > 1 else ""
            drafts.append(SequenceDraft(Sequence(
                name=f"{alert.name} {tag} epoch {e + 1}{suffix}"[:200],
                target_name=alert.name[:100], ra_deg=ra, dec_deg=dec,
                window_start=start, window_end=end, max_airmass=limits.max_airmass,
                min_moon_separation_deg=limits.min_moon_separation_deg,
                priority=alert.priority, allow_postpone=False, duration_s=duration_s),
                {ch: [Plan(filter_name=p.filter_name, exposure_s=p.exposure_s,
                           count=p.count, dither_arcsec=p.dither_arcsec) for p in ps]
                 for ch, ps in plans.items()}))
    # alert sequences book quota time but never wait for it (the strategy is trusted)
    created = [seq.pk for seq in create_validated_sequences(
        request, drafts, f"alert {alert.name}: {alert.position_source or 'position'} "
                         f"(alert strategy)", enforce_quota=False)]
    alert.recipe = first_step.model_dump(mode="json") if first_step else None
    alert.pointed_ra_deg, alert.pointed_dec_deg = alert.ra_deg, alert.dec_deg
    alert.pointed_error90_deg = alert.error90_deg
    if created:
        request_replan(f"{alert.name}: {len(created)} sequence(s) at priority {alert.priority}")
    return Followup(request.pk, tuple(created), first_step)


def cancel_pending_sequences(alert: Alert, to: str, reason: str) -> int:
    """Move the alert's not-yet-executing sequences to ``to`` (cancelled/expired).

    Executing sequences are left to the execution agent (it owns them until they end; its
    guard stops one whose alert was retracted or re-pointed).
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

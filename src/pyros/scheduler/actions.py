"""Planning the night from the database: build the problem, solve, store, update statuses.

The pure core (``pyros.planning``) decides; this module only translates between the
database and the core and records the result.  Every write here is named ``verb_noun``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum

from pyros import exchange
from pyros.astro.night import Night, next_night
from pyros.clock import get_clock
from pyros.config import ObservatoryConfig, load_config
from pyros.routines.actions import transition_sequence
from pyros.routines.lifecycle import Status
from pyros.routines.models import Sequence
from pyros.scheduler.models import ReplanRequest, Schedule, ScheduleEntry, ScheduleRejection

log = logging.getLogger("pyros.scheduler")

#: Statuses the scheduler may place (planned ones may move or drop out).
CANDIDATE_STATUSES = (Status.VALIDATED.value, Status.PLANNED.value)


def request_replan(reason: str, source: str = "") -> ReplanRequest:
    """Ask the scheduler agent for a new plan (cheap; many requests make one re-plan)."""
    return ReplanRequest.objects.create(reason=reason[:255], source=source[:32])


def current_night(at: datetime | None = None, cfg: ObservatoryConfig | None = None) -> Night:
    cfg = cfg or load_config()
    at = at or get_clock().now()
    return next_night(cfg.site.location_tuple(), at, cfg.site.twilight_deg)


def estimate_duration_s(seq: Sequence, cfg: ObservatoryConfig) -> float:
    """Duration from the plans: albums run in parallel; each exposure pays its readout."""
    if seq.duration_s > 0:
        return seq.duration_s
    longest = 0.0
    for album in seq.albums.all():
        try:
            readout = cfg.channel(album.channel).readout_time_s
        except KeyError:
            readout = 0.0
        total = sum(p.count * (p.exposure_s + readout) for p in album.plans.all())
        longest = max(longest, total)
    return longest + cfg.telescope.slew_overhead_s


def _quota_left_s(programme_id: int, at: datetime) -> float | None:
    """Time the programme may still be given in the period containing ``at``.

    Debits and refunds count; reservations do not (they are holds for the very sequences
    being planned).  ``None`` when the programme has no quota for this period.
    """
    from pyros.accounts.models import Quota

    quota = (Quota.objects.filter(programme_id=programme_id, period__start__lte=at,
                                  period__end__gt=at).first())
    if quota is None:
        return None
    used = quota.entries.filter(kind__in=("debit", "refund")).aggregate(s=Sum("amount_s"))["s"]
    return max(0.0, quota.allocated_s - float(used or 0.0))


@dataclass
class Built:
    problem: object
    sequences: dict[str, Sequence]
    night: Night
    plan_start: datetime


def build_problem(at: datetime | None = None, cfg: ObservatoryConfig | None = None) -> Built:
    """The planning problem for the rest of the night (or the coming one, by day)."""
    from pyros.planning import Problem, Programme, Site, TimeRange
    from pyros.planning import Sequence as PSequence

    cfg = cfg or load_config()
    at = at or get_clock().now()
    night = current_night(at, cfg)
    margin = timedelta(seconds=cfg.site.execution_margin_s)
    start = max(night.start + margin, at)
    end = night.end - margin
    executing = Sequence.objects.filter(status=Status.EXECUTING.value).first()
    if executing is not None:  # the telescope is busy until it ends (estimated)
        start = max(start, at + timedelta(seconds=estimate_duration_s(executing, cfg)))
    if end <= start:
        end = start + timedelta(seconds=1)
    qs = (Sequence.objects.filter(status__in=CANDIDATE_STATUSES)
          .filter(Q(window_end__gt=start) & Q(window_start__lt=end))
          .select_related("request__programme").prefetch_related("albums__plans"))
    seqs: dict[str, Sequence] = {}
    psequences = []
    programmes: dict[str, Programme] = {}
    for seq in qs:
        prog = seq.request.programme
        if prog.code not in programmes:
            left = _quota_left_s(prog.pk, at)
            programmes[prog.code] = Programme(prog.code, 1e12 if left is None else left)
        sid = str(seq.pk)
        seqs[sid] = seq
        psequences.append(PSequence(
            id=sid, program=prog.code, priority=float(seq.priority),
            duration_s=estimate_duration_s(seq, cfg), ra_deg=seq.ra_deg, dec_deg=seq.dec_deg,
            window=TimeRange(seq.window_start, seq.window_end), max_airmass=seq.max_airmass,
            min_moon_separation_deg=seq.min_moon_separation_deg,
            alert=seq.request.from_alert,
        ))
    problem = Problem(
        site=Site(*cfg.site.location_tuple()), night=TimeRange(start, end),
        slew_overhead_s=cfg.telescope.slew_overhead_s, programmes=programmes,
        sequences=tuple(psequences),
    )
    return Built(problem, seqs, night, start)


def plan_night(reason: str, solver: str = "greedy", time_limit_s: float = 0.0,
               at: datetime | None = None, better_than: float | None = None
               ) -> Schedule | None:
    """Solve and store a new schedule version; move sequences in and out of PLANNED.

    With ``better_than``, store nothing (return ``None``) unless the objective beats it:
    the optimising pass after an instant greedy re-plan only replaces it if it gained.
    """
    from pyros.planning import solve

    built = build_problem(at)
    plan = solve(built.problem, solver=solver, time_limit_s=time_limit_s)
    problem = built.problem
    if better_than is not None and plan.objective <= better_than * (1 + 1e-9):
        return None
    with transaction.atomic():
        schedule = Schedule.objects.create(
            night_start=built.night.start, night_end=built.night.end,
            plan_start=built.plan_start, reason=reason[:255], solver=plan.solver,
            objective=plan.objective, bound=plan.bound, runtime_s=plan.runtime_s,
            stats={k: v for k, v in plan.stats.items() if isinstance(v, int | float | str)},
        )
        placed = set()
        for p in plan.placements:
            seq = built.sequences[p.id]
            ScheduleEntry.objects.create(schedule=schedule, sequence=seq,
                                         start=problem.instant(p.start_s),
                                         end=problem.instant(p.end_s))
            placed.add(p.id)
            # statuses are re-read: the execution agent may have taken one meanwhile
            if _status_now(seq) == Status.VALIDATED.value:
                transition_sequence(seq, Status.PLANNED, f"in schedule {schedule.pk}")
        for r in plan.rejections:
            seq = built.sequences[r.id]
            ScheduleRejection.objects.create(schedule=schedule, sequence=seq,
                                             reason=r.reason[:500])
            if _status_now(seq) == Status.PLANNED.value:
                transition_sequence(seq, Status.VALIDATED, f"not in schedule {schedule.pk}: "
                                    f"{r.reason}")
            elif seq.status_reason != r.reason[:255]:
                Sequence.objects.filter(pk=seq.pk).update(status_reason=r.reason[:255])
    log.info("schedule %d (%s): %d planned, %d refused, objective %.0f, %.3f s",
             schedule.pk, reason, len(placed), len(plan.rejections), plan.objective,
             plan.runtime_s)
    send_schedule_to_ic(schedule)
    return schedule


def _status_now(seq: Sequence) -> str:
    """The sequence's status in the database now (locked until the transaction ends)."""
    return Sequence.objects.select_for_update().values_list("status", flat=True).get(pk=seq.pk)


def schedule_as_dict(schedule: Schedule) -> dict[str, object]:
    return {
        "id": schedule.pk, "night": {"start": schedule.night_start.isoformat(),
                                     "end": schedule.night_end.isoformat()},
        "created_at": schedule.created_at.isoformat(), "reason": schedule.reason,
        "solver": schedule.solver, "objective": schedule.objective,
        "scheduled": [{"sequence": e.sequence_id, "name": e.sequence.name,
                       "start": e.start.isoformat(), "end": e.end.isoformat()}
                      for e in schedule.entries.select_related("sequence")],
        "rejected": [{"sequence": r.sequence_id, "reason": r.reason}
                     for r in schedule.rejections.all()],
    }


def send_schedule_to_ic(schedule: Schedule) -> None:
    """The plan goes to the instrument centre (drop folder, and HTTP when configured)."""
    try:
        exchange.send(settings.DATA_DIR, "IC", "schedule", schedule_as_dict(schedule),
                      get_clock().now())
        Schedule.objects.filter(pk=schedule.pk).update(sent_to_ic=True)
    except OSError as exc:
        log.error("could not write schedule %d to the IC channel: %s", schedule.pk, exc)


def current_schedule(at: datetime | None = None) -> Schedule | None:
    night = current_night(at)
    return Schedule.objects.filter(night_start=night.start).first()


def consume_replan_requests() -> list[ReplanRequest]:
    """Take every pending request (atomically, so two schedulers never both take one)."""
    with transaction.atomic():
        pending = list(ReplanRequest.objects.select_for_update()
                       .filter(consumed_at=None).order_by("at"))
        if pending:
            ReplanRequest.objects.filter(pk__in=[r.pk for r in pending]).update(
                consumed_at=get_clock().now())
    return pending


def close_night(night: Night) -> Schedule | None:
    """Mark the last schedule of a finished night as its end-of-night plan."""
    last = Schedule.objects.filter(night_start=night.start).first()
    if last is not None and not last.end_of_night:
        last.end_of_night = True
        last.save(update_fields=["end_of_night"])
    return last

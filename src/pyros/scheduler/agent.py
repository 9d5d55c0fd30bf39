"""The scheduler agent: re-plans the night when something changed.

Each step: expire sequences whose window passed; at a new night, close the previous
night's plan (end-of-night version) and plan the new one; consume pending re-plan requests
(submissions, alerts, weather, device loss, sequence end…) with an instant greedy re-plan;
then, when idle, run the optimising pass (CP-SAT within a time budget) and keep it only if
it improves the plan.  A periodic re-plan catches anything no trigger announced.
"""

from __future__ import annotations

import logging

from pyros.agents.base import Agent
from pyros.astro.night import Night
from pyros.routines.actions import expire_sequences
from pyros.scheduler import actions

log = logging.getLogger("pyros.scheduler")


class SchedulerAgent(Agent):
    name = "scheduler"
    idle_interval_s = 2.0
    #: Clock seconds between re-plans when nothing asked for one.
    periodic_s = 900.0
    #: Wall-clock budget (s) of the optimising pass, and at most this much clock time:
    #: on a fast simulated clock a long search would be stale (and starve the night).
    optimise_budget_s = 10.0
    optimise_budget_clock_s = 60.0

    def setup(self) -> None:
        self.night: Night | None = None
        self.last_plan_at = None
        self.pending_optimise: tuple[str, float] | None = None
        self.schedules = 0

    def step(self) -> bool:
        now = self.clock.now()
        night = actions.current_night(now)
        if self.night is None or night.start != self.night.start:
            if self.night is not None:
                actions.close_night(self.night)
            self.night = night
            actions.request_replan(f"night of {night.start:%Y-%m-%d}", source="scheduler")
        counts = expire_sequences(now)  # postpones or expires; requests its own re-plan
        if counts["expired"]:
            actions.request_replan(f"{counts['expired']} sequence(s) expired",
                                   source="scheduler")
        pending = actions.consume_replan_requests()
        due = (self.last_plan_at is None
               or (now - self.last_plan_at).total_seconds() >= self.periodic_s)
        if pending or due:
            reasons = list(dict.fromkeys(r.reason for r in pending)) or ["periodic"]
            reason = "; ".join(reasons)[:200]
            schedule = actions.plan_night(reason, solver="greedy", at=now)
            for r in pending:
                type(r).objects.filter(pk=r.pk).update(schedule=schedule)
            self.last_plan_at = now
            self.schedules += 1
            self.pending_optimise = (reason, schedule.objective)
            return True
        if self.pending_optimise is not None:
            reason, objective = self.pending_optimise
            self.pending_optimise = None
            better = actions.plan_night(f"{reason} (optimised)", solver="auto",
                                        time_limit_s=self.budget_s(), at=now,
                                        better_than=objective)
            if better is not None:
                self.schedules += 1
            return True
        return False

    def budget_s(self) -> float:
        speed = self.clock.speed
        if not speed or speed == float("inf"):
            return self.optimise_budget_s
        return max(0.2, min(self.optimise_budget_s, self.optimise_budget_clock_s / speed))

    def info(self) -> dict[str, object]:
        night = getattr(self, "night", None)
        return {**super().info(), "schedules": getattr(self, "schedules", 0),
                "night": night.as_dict() if night else None}

"""The scheduler agent re-plans on every trigger, optimises when idle, closes nights."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pyros.scheduler.actions import request_replan
from pyros.scheduler.agent import SchedulerAgent
from pyros.scheduler.models import ReplanRequest, Schedule


@pytest.fixture
def agent(clock):
    a = SchedulerAgent(clock=clock)
    a.optimise_budget_s = 2.0
    a.setup()
    return a


def test_first_step_plans_the_night(agent, make_sequence):
    make_sequence("M42", ra=83.82, dec=-5.39)
    assert agent.step() is True
    schedule = Schedule.objects.get()
    assert schedule.reason.startswith("night of 2026-11-26")
    assert schedule.entries.count() == 1


@pytest.mark.parametrize("source, reason", [
    ("routines", "request 12 submitted"),
    ("routines", "request 12 unsubmitted"),
    ("alerts", "alert sb26022501 accepted"),
    ("monitoring", "observing conditions changed: wind"),
    ("monitoring", "device camera_nir lost"),
    ("execution", "sequence 3 ended"),
    ("execution", "sequence 3 failed"),
])
def test_each_trigger_makes_a_new_version(agent, make_sequence, clock, source, reason):
    make_sequence("M42", ra=83.82, dec=-5.39)
    agent.step()                      # the night's first plan
    agent.step()                      # optimising pass (stores only if better)
    before = Schedule.objects.count()
    clock.advance(30)
    assert agent.step() is False      # nothing changed: no new version
    request_replan(reason, source=source)
    assert agent.step() is True
    assert Schedule.objects.count() == before + 1
    latest = Schedule.objects.first()
    assert latest.reason == reason
    trigger = ReplanRequest.objects.get(reason=reason)
    assert trigger.consumed_at is not None and trigger.schedule_id == latest.pk


def test_many_triggers_make_one_replan(agent, make_sequence):
    make_sequence("M42", ra=83.82, dec=-5.39)
    agent.step()
    agent.step()
    before = Schedule.objects.count()
    for i in range(20):
        request_replan(f"submitted {i}", source="routines")
    agent.step()
    assert Schedule.objects.count() == before + 1
    assert not ReplanRequest.objects.filter(consumed_at=None).exists()


def test_periodic_replan(agent, make_sequence, clock):
    make_sequence("M42", ra=83.82, dec=-5.39)
    agent.step()
    agent.step()
    clock.advance(agent.periodic_s + 1)
    assert agent.step() is True
    assert Schedule.objects.first().reason == "periodic"


def test_end_of_night_plan_is_kept(agent, make_sequence, clock):
    make_sequence("M42", ra=83.82, dec=-5.39)
    agent.step()
    first_night = agent.night
    clock.set(first_night.end + timedelta(hours=2))   # the next day
    agent.step()
    closing = Schedule.objects.filter(night_start=first_night.start).first()
    assert closing.end_of_night is True
    assert Schedule.objects.filter(end_of_night=True).count() == 1

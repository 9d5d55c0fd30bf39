"""Named users per role, programmes, a period and quotas, for tests (any app's).

Use the ``world`` fixture (import it into a conftest: ``from pyros.accounts.testing import
world, clock  # noqa: F401``).  The clock is a :class:`~pyros.clock.ManualClock` at
:data:`T0`, a December 2026 day at San Pedro Mártir, so visibility is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pyros.clock import ManualClock, set_clock

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
PASSWORD = "pyros-test-pw-4821"
ROLE_USERNAMES = {"admin": "ada", "expert": "ed", "user": "ursula", "other": "otto"}


@dataclass
class World:
    admin: Any
    expert: Any
    user: Any  # member of programme "stars"
    other: Any  # a user of programme "grb" only
    # the expert is a member of "grb" only: sees "stars" but may not change it
    stars: Any
    grb: Any
    period: Any
    clock: ManualClock

    def by_role(self, role: str):
        return None if role == "anonymous" else getattr(self, role)


def make_world(clock: ManualClock) -> World:
    from django.contrib.auth import get_user_model

    from pyros.accounts.models import Period, Profile, Quota, ScientificProgramme
    from pyros.accounts.roles import ensure_roles

    groups = ensure_roles()
    user_model = get_user_model()
    made = {}
    for role, name in ROLE_USERNAMES.items():
        u = user_model.objects.create_user(name, f"{name}@pyros.invalid", PASSWORD,
                                           is_superuser=role == "admin",
                                           is_staff=role in ("admin", "expert"))
        u.groups.add(groups["user" if role == "other" else role])
        Profile.objects.create(user=u, validated=True, validated_at=clock.now(),
                               first_visit_done=True)
        made[role] = u
    period = Period.objects.create(name="2026B", start=T0 - timedelta(days=60),
                                   end=T0 + timedelta(days=120))
    stars = ScientificProgramme.objects.create(code="stars", title="Variable stars")
    grb = ScientificProgramme.objects.create(code="grb", title="GRB follow-up", priority=9)
    stars.members.add(made["user"])
    grb.members.add(made["other"], made["expert"])
    Quota.objects.create(programme=stars, period=period, allocated_s=36_000)
    Quota.objects.create(programme=grb, period=period, allocated_s=360_000)
    return World(made["admin"], made["expert"], made["user"], made["other"], stars, grb,
                 period, clock)


@pytest.fixture
def clock():
    c = ManualClock(T0)
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def world(db, clock, settings) -> World:
    # PBKDF2 costs ~0.25 s a password: a fast hasher keeps the suites quick (tests only)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_world(clock)


def request_doc(programme: str = "stars", start: datetime | None = None, days: float = 1.0,
                **seq: Any) -> dict[str, Any]:
    """A valid request document: M31 in r and i over the night after ``start``."""
    start = start or T0
    sequence = {"name": "M31 r/i", "target_name": "M31", "ra": "00:42:44.3",
                "dec": "+41:16:09", "window_start": start.isoformat(),
                "window_end": (start + timedelta(days=days)).isoformat(),
                "albums": [{"channel": "VIS", "plans": [
                    {"filter": "r", "exposure_s": 60, "count": 5},
                    {"filter": "i", "exposure_s": 60, "count": 5}]}]}
    sequence.update(seq)
    return {"name": "M31 monitoring", "programme": programme, "sequences": [sequence]}

"""Preparing a night: programmes, users, quotas and the routine requests of the scenario."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from pyros.accounts.models import Period, Profile, Quota, ScientificProgramme
from pyros.accounts.roles import ensure_roles
from pyros.astro.night import Night
from pyros.config import load_config
from pyros.night.requests import request_documents

log = logging.getLogger("pyros.night")

#: Programme code → (title, priority, quota in hours): one programme tight on quota, so
#: the night also shows quota refusals.
PROGRAMMES = {
    "stars": ("Variable stars monitoring", 5, 40.0),
    "galaxies": ("Nearby galaxies", 4, 3.0),
    "transients": ("Transient follow-up", 7, 40.0),
}


@transaction.atomic
def prepare_accounts(night: Night, programmes: list[str]) -> dict[str, object]:
    groups = ensure_roles()
    User = get_user_model()
    users = {}
    for code in programmes:
        user, _ = User.objects.get_or_create(username=f"pi_{code}",
                                             defaults={"email": f"pi_{code}@pyros.invalid"})
        user.groups.set([groups["user"]])
        Profile.objects.update_or_create(user=user, defaults={"validated": True})
        users[code] = user
    admin, _ = User.objects.get_or_create(username="night_admin",
                                          defaults={"is_staff": True, "is_superuser": True})
    admin.groups.set([groups["admin"]])
    period, _ = Period.objects.get_or_create(
        name=f"night-{night.start:%Y%m%d}",
        defaults={"start": night.start - timedelta(days=30),
                  "end": night.end + timedelta(days=30)})
    for code in programmes:
        title, priority, hours = PROGRAMMES.get(code, (code, 5, 20.0))
        prog, _ = ScientificProgramme.objects.get_or_create(
            code=code, defaults={"title": title, "priority": priority})
        prog.members.add(users[code])
        Quota.objects.get_or_create(programme=prog, period=period,
                                    defaults={"allocated_s": int(hours * 3600)})
    return users


def submit_documents(docs: list[dict]) -> dict[str, int]:
    """Create and submit each request as its PI would; counts of resulting statuses."""
    from pyros.routines.actions import create_request, submit_request
    from pyros.routines.spec import SpecError

    User = get_user_model()
    counts: dict[str, int] = {}
    for doc in docs:
        user = User.objects.get(username=f"pi_{doc['programme']}")
        try:
            req = create_request(user, doc)
            for _seq, status in submit_request(req, by=user):
                counts[status] = counts.get(status, 0) + 1
        except SpecError as exc:
            counts["invalid"] = counts.get("invalid", 0) + 1
            log.warning("night: request %s refused: %s", doc["name"], exc)
    return counts


def submit_more(count: int, programme: str | None, now: datetime, seed: int) -> int:
    """A submission during the night (scenario ``submit`` event)."""
    from pyros.scheduler.actions import current_night

    cfg = load_config()
    night = current_night(now, cfg)
    code = programme or "stars"
    docs = request_documents(count, [code], Night(now, night.end), cfg.site.location_tuple(),
                             seed=1000 + seed)
    for i, doc in enumerate(docs):
        doc["name"] = f"late {seed}-{i} {doc['name']}"
        doc["sequences"][0]["window_start"] = (now + timedelta(seconds=60)).isoformat()
    counts = submit_documents(docs)
    return sum(counts.values())

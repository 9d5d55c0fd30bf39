"""Demo data for ``make demo``: three users (one per role), programmes, quotas, requests.

Idempotent: running it twice changes nothing.  Passwords are demo passwords, printed at
start; never use this in production.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from pyros.accounts.models import Period, Profile, Quota, ScientificProgramme
from pyros.accounts.roles import ensure_roles
from pyros.clock import get_clock
from pyros.routines.models import Album, Plan, Request, Sequence

DEMO_USERS = (
    ("admin", "admin-pyros-demo", "admin"),
    ("expert", "expert-pyros-demo", "expert"),
    ("astro", "astro-pyros-demo", "user"),
)

#: name, RA (deg), Dec (deg): bright, well-known fields visible from San Pedro Mártir.
DEMO_TARGETS = (
    ("M31", 10.6847, 41.2690),
    ("M42", 83.8221, -5.3911),
    ("NGC 2264", 100.2417, 9.8956),
    ("M1", 83.6331, 22.0145),
)


@transaction.atomic
def load_demo_data() -> list[str]:
    """Create the demo objects; returns lines to print (logins and what was made)."""
    groups = ensure_roles()
    user_model = get_user_model()
    users = {}
    for username, password, role in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@pyros.invalid"})
        if created:
            user.set_password(password)
        user.is_staff = role in ("admin", "expert")
        user.is_superuser = role == "admin"
        user.save()
        user.groups.set([groups[role]])
        Profile.objects.update_or_create(user=user, defaults={"validated": True})
        users[username] = user

    now = get_clock().now()
    period, _ = Period.objects.get_or_create(
        name=f"{now:%Y}-demo", defaults={"start": now - timedelta(days=90),
                                         "end": now + timedelta(days=275)})
    grb, _ = ScientificProgramme.objects.get_or_create(
        code="grb", defaults={"title": "Gamma-ray burst follow-up (SVOM)", "priority": 9})
    routine, _ = ScientificProgramme.objects.get_or_create(
        code="stars", defaults={"title": "Variable stars monitoring", "priority": 5})
    routine.members.add(users["astro"], users["expert"])
    grb.members.add(users["expert"])
    for prog, seconds in ((grb, 200 * 3600), (routine, 40 * 3600)):
        Quota.objects.get_or_create(programme=prog, period=period,
                                    defaults={"allocated_s": seconds})

    made = 0
    if not Request.objects.filter(programme=routine).exists():
        for i, (name, ra, dec) in enumerate(DEMO_TARGETS):
            req = Request.objects.create(name=f"{name} monitoring", programme=routine,
                                         owner=users["astro"])
            seq = Sequence.objects.create(
                request=req, name=f"{name} r/i", target_name=name, ra_deg=ra, dec_deg=dec,
                window_start=now, window_end=now + timedelta(days=3), priority=3 + i,
                max_airmass=2.0, min_moon_separation_deg=20.0)
            album = Album.objects.create(sequence=seq, channel="VIS")
            Plan.objects.create(album=album, order=0, filter_name="r", exposure_s=60, count=5)
            Plan.objects.create(album=album, order=1, filter_name="i", exposure_s=60, count=5)
            made += 1
    lines = ["Demo logins (demo passwords, change them for real use):"]
    lines += [f"  {role:6s} {username} / {password}" for username, password, role in DEMO_USERS]
    lines.append(f"Programmes: grb, stars (period {period.name}); demo requests created: {made}")
    return lines

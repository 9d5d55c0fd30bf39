"""Every write of the User Manager, named ``verb_noun``; pages and the API call these.

Registration creates an *inactive* account (Django refuses to log it in) whose profile
awaits validation; an admin, or anyone granted ``accounts.validate_user`` (a programme
committee), validates it, which activates it and puts it in the ``user`` group.  Mail goes
through Django's configured backend (a file backend into ``<data dir>/mail`` by default).
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from rest_framework.authtoken.models import Token

from pyros.accounts.models import Profile
from pyros.accounts.roles import ROLE_NAMES, ensure_roles, is_admin
from pyros.clock import get_clock

log = logging.getLogger(__name__)


def _validators():
    """Active users who may validate registrations (to be told of a new one)."""
    perm = Permission.objects.filter(content_type__app_label="accounts",
                                     codename="validate_user").first()
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return users.filter(Q(is_superuser=True) | Q(groups__permissions=perm)
                        | Q(user_permissions=perm)).distinct()


@transaction.atomic
def register_user(username: str, email: str, password: str, *, first_name: str = "",
                  last_name: str = "", institute: str = ""):
    """Create an account waiting for validation and tell the validators."""
    user = get_user_model().objects.create_user(username=username, email=email,
                                                password=password, first_name=first_name,
                                                last_name=last_name, is_active=False)
    Profile.objects.create(user=user, institute=institute)
    recipients = list(_validators().values_list("email", flat=True))
    if recipients:
        send_mail("PyROS: a new account awaits validation",
                  f"{username} <{email}> ({institute or 'no institute given'}) registered and "
                  "waits for validation on the 'Accounts to validate' page.",
                  None, recipients, fail_silently=True)
    log.info("account %s registered, awaiting validation", username)
    return user


@transaction.atomic
def validate_user(user, by=None):
    """Activate a registered account as a ``user`` and tell its owner."""
    groups = ensure_roles()
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.validated = True
    profile.validated_at = get_clock().now()
    profile.validated_by = by
    profile.save(update_fields=["validated", "validated_at", "validated_by"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    if not user.groups.exists():
        user.groups.add(groups["user"])
    if user.email:
        send_mail("PyROS: your account is validated",
                  f"Hello {user.username}, your PyROS account is now active: you can log in.",
                  None, [user.email], fail_silently=True)
    log.info("account %s validated by %s", user.username, by)
    return user


@transaction.atomic
def reject_user(user, by=None, reason: str = "") -> None:
    """Refuse a registration: the waiting (never validated) account is deleted."""
    profile = Profile.objects.filter(user=user).first()
    if user.is_active or (profile is not None and profile.validated):
        raise ValueError("only an account waiting for validation can be rejected")
    if user.email:
        send_mail("PyROS: your registration was not accepted",
                  f"Hello {user.username}, your registration was not accepted."
                  + (f" Reason: {reason}" if reason else ""),
                  None, [user.email], fail_silently=True)
    log.info("registration of %s rejected by %s: %s", user.username, by, reason)
    user.delete()


@transaction.atomic
def change_role(user, role: str, by):
    """Make ``user`` hold exactly ``role`` (admin, expert or user); admins only.

    Admins are also superusers (``role_of`` and the admin site rely on it), experts and
    admins are staff.  Raises PermissionDenied when ``by`` is not an admin, ValueError for
    an unknown role or when an admin would remove their own admin role (the last one could
    lock everybody out).
    """
    from django.core.exceptions import PermissionDenied

    if not is_admin(by):
        raise PermissionDenied("only an administrator changes roles")
    if role not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLE_NAMES)})")
    if user.pk == by.pk and role != "admin":
        raise ValueError("an administrator cannot remove their own admin role")
    groups = ensure_roles()
    user.groups.remove(*[groups[r] for r in ROLE_NAMES if r != role])
    user.groups.add(groups[role])
    user.is_superuser = role == "admin"
    user.is_staff = role in ("admin", "expert")
    user.save(update_fields=["is_superuser", "is_staff"])
    log.warning("role of %s set to %s by %s", user.get_username(), role, by.get_username())
    return user


@transaction.atomic
def update_profile(user, *, first_name: str | None = None, last_name: str | None = None,
                   email: str | None = None, institute: str | None = None):
    profile, _ = Profile.objects.get_or_create(user=user)
    for field, value in (("first_name", first_name), ("last_name", last_name),
                         ("email", email)):
        if value is not None:
            setattr(user, field, value)
    user.save()
    if institute is not None:
        profile.institute = institute
        profile.save(update_fields=["institute"])
    return user


def dismiss_help(user) -> None:
    """The first-visit help was read: do not show it again."""
    Profile.objects.update_or_create(user=user, defaults={"first_visit_done": True})


def regenerate_token(user) -> Token:
    """Replace the user's API token (the old one stops working)."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)

"""Users: the list of accounts with their role and validation, role changes by admins;
registrations are validated on the accounts pages (``/users/pending/``)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pyros.accounts.roles import ROLE_NAMES, can_validate_users, ensure_roles
from pyros.web.views.common import admin_required, role_required

log = logging.getLogger("pyros.web")


@transaction.atomic
def set_role(user, role: str, by) -> None:
    """Make ``user`` hold exactly ``role`` (a group of accounts.roles).

    An adapter for the accounts component, which has no "change role" action: admins are
    also superusers (demo data and ``role_of`` rely on it), experts and admins are staff.
    Raises ValueError for an unknown role or when an admin would demote themselves.
    """
    if role not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r}")
    if user.pk == by.pk and role != "admin":
        raise ValueError("an administrator cannot remove their own admin role")
    groups = ensure_roles()
    user.groups.remove(*[groups[r] for r in ROLE_NAMES if r != role])
    user.groups.add(groups[role])
    user.is_superuser = role == "admin"
    user.is_staff = role in ("admin", "expert")
    user.save(update_fields=["is_superuser", "is_staff"])
    log.warning("role of %s set to %s by %s", user.get_username(), role, by.get_username())


def _role(user) -> str:
    """As accounts.roles.role_of, from prefetched groups (one query for the whole list)."""
    if user.is_superuser:
        return "admin"
    names = {g.name for g in user.groups.all()}
    return next((r for r in ROLE_NAMES if r in names), "user")


@role_required(can_validate_users)
def users(request: HttpRequest) -> HttpResponse:
    from pyros.accounts.models import Profile

    qs = get_user_model().objects.order_by("username").prefetch_related("groups",
                                                                         "programmes")
    validated = dict(Profile.objects.values_list("user_id", "validated"))
    rows = [{"user": u, "role": _role(u), "validated": validated.get(u.pk, False),
             "programmes": ", ".join(p.code for p in u.programmes.all())}
            for u in qs[:500]]
    pending = sum(1 for r in rows if not r["validated"] and not r["user"].is_active)
    return render(request, "web/users.html", {"rows": rows, "roles": ROLE_NAMES,
                                              "pending": pending})


@require_POST
@admin_required
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        set_role(user, request.POST.get("role", ""), request.user)
    except ValueError as exc:
        messages.error(request, f"{user.get_username()}: {exc}")
    else:
        messages.success(request, f"{user.get_username()} is now {request.POST['role']}.")
    return redirect("users")

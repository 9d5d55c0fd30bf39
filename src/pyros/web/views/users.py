"""Users: the list of accounts with their role and validation, role changes by admins
(``accounts.actions.change_role``);
registrations are validated on the accounts pages (``/users/pending/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from pyros.accounts.actions import change_role
from pyros.accounts.roles import ROLE_NAMES, can_validate_users
from pyros.web.views.common import admin_required, role_required


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
        change_role(user, request.POST.get("role", ""), request.user)
    except ValueError as exc:
        messages.error(request, f"{user.get_username()}: {exc}")
    else:
        messages.success(request, f"{user.get_username()} is now {request.POST['role']}.")
    return redirect("users")

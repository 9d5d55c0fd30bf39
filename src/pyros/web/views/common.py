"""What every page view shares: role checks, live fragments, time spans."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pyros.accounts.roles import can_operate_devices, is_admin

#: History spans offered on plots: name → length.
SPANS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}


def role_required(check: Callable[[Any], bool]) -> Callable:
    """Anonymous visitors go to the login page; logged-in users without the role get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("your role does not allow this page")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required(is_admin)
operator_required = role_required(can_operate_devices)


def span_of(request: HttpRequest, default: str = "24h") -> tuple[str, timedelta]:
    name = request.GET.get("span", default)
    if name not in SPANS:
        name = default
    return name, SPANS[name]


def render_live(request: HttpRequest, template: str, context: Mapping[str, Any],
                parts: Mapping[str, str]) -> HttpResponse:
    """The full page, or only the fragment named by ``?part=`` (what htmx polls).

    ``parts`` maps fragment names to their templates; an unknown part gets the page.
    """
    part = request.GET.get("part", "")
    if part in parts:
        response = render(request, parts[part], context)
        response["Cache-Control"] = "no-store"
        return response
    return render(request, template, context)

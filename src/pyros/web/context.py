"""Template context shared by every page: observatory name, the clock, the user's role,
the mode badge and the banner of the alert in progress."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest

from pyros.accounts.roles import can_operate_devices, can_validate_users, role_of
from pyros.clock import get_clock
from pyros.config import load_config

log = logging.getLogger("pyros.web")


def observatory(request: HttpRequest) -> dict[str, object]:
    cfg = load_config()
    clock = get_clock()
    user = getattr(request, "user", None)
    context: dict[str, object] = {
        "observatory_name": cfg.telescope.name,
        "site_name": cfg.site.name,
        "clock_now": clock.now(),
        "clock_speed": clock.speed,
        "role": role_of(user),
        "can_operate": bool(user and can_operate_devices(user)),
        "can_validate": bool(user and can_validate_users(user)),
    }
    try:
        from pyros.web.status import active_alert, mode_status

        context["banner_alert"] = active_alert()
        context["top_mode"] = mode_status()
    except DatabaseError:  # a page must still render while the database is migrating
        log.debug("no live header: database not ready", exc_info=True)
    return context

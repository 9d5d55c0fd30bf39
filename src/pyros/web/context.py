"""Template context shared by every page: observatory name and the clock."""

from __future__ import annotations

from django.http import HttpRequest

from pyros.clock import get_clock
from pyros.config import load_config


def observatory(_request: HttpRequest) -> dict[str, object]:
    cfg = load_config()
    clock = get_clock()
    return {
        "observatory_name": cfg.telescope.name,
        "site_name": cfg.site.name,
        "clock_now": clock.now(),
        "clock_speed": clock.speed,
    }

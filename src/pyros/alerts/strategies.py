"""The default strategy and switching it at run time."""

from __future__ import annotations

import logging

from django.db import transaction

from pyros.alerts.models import Strategy
from pyros.alerts.rules import COLIBRI_RULES, StrategyRules

log = logging.getLogger("pyros.alerts")

__all__ = [
    "DEFAULT_STRATEGY_NAME",
    "check_rules_against_instrument",
    "default_strategy",
    "ensure_default_strategy",
    "set_default_strategy",
]

DEFAULT_STRATEGY_NAME = "COLIBRI"


def check_rules_against_instrument(rules: StrategyRules) -> list[str]:
    """Problems of ``rules`` against the observatory configuration (channels, filters,
    exposure limits); empty when it fits."""
    from pyros.config import load_config

    config = load_config()
    problems = []
    known = {c.name: c for c in config.channels}
    for name, rule in rules.channels.items():
        channel = known.get(name)
        if channel is None:
            problems.append(f"channel {name!r} is not in the configuration ({sorted(known)})")
            continue
        missing = [f for f in rule.filters if f not in channel.filters]
        if missing:
            problems.append(f"{name}: filters {missing} not in {channel.filters}")
        times = [rule.exposure_s] if rule.exposure_s else [s.exposure_s for s in rules.recipe]
        for t in times:
            if not channel.min_exposure_s <= t <= channel.max_exposure_s:
                problems.append(f"{name}: exposure {t:g} s outside "
                                f"[{channel.min_exposure_s:g}, {channel.max_exposure_s:g}] s")
    return problems


@transaction.atomic
def ensure_default_strategy() -> Strategy:
    """The default strategy, installing the COLIBRI-like one if there is none."""
    current = Strategy.objects.select_for_update().filter(is_default=True).first()
    if current is not None:
        return current
    strategy, created = Strategy.objects.get_or_create(
        name=DEFAULT_STRATEGY_NAME,
        defaults={"rules": COLIBRI_RULES.to_json(),
                  "description": "After COLIBRI's operating software: 10/30/60 s by alert "
                                 "age and error, 2x2 mosaic beyond 13', refuse beyond 45'."},
    )
    strategy.is_default = True
    strategy.save()
    log.info("alerts: default strategy %s %s", strategy.name,
             "installed" if created else "made default")
    return strategy


@transaction.atomic
def set_default_strategy(strategy: Strategy) -> Strategy:
    """Make ``strategy`` the one used for new alerts (takes effect at the next notice)."""
    Strategy.objects.select_for_update().filter(is_default=True).exclude(
        pk=strategy.pk).update(is_default=False)
    strategy.is_default = True
    strategy.save()
    log.info("alerts: default strategy is now %s", strategy.name)
    return strategy


def default_strategy() -> Strategy:
    return Strategy.objects.filter(is_default=True).first() or ensure_default_strategy()

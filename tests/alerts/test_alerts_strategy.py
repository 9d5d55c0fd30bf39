"""Strategies: the recipe by age and error, validation, and switching the default."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from pyros.alerts.actions import ingest_notice
from pyros.alerts.models import Alert, Strategy
from pyros.alerts.rules import COLIBRI_RULES, StrategyRules
from pyros.alerts.strategies import ensure_default_strategy, set_default_strategy


@pytest.mark.parametrize("age_s, error_arcmin, exposure_s, dither, mosaic", [
    (60, 5.0, 10, 0, 1),
    (180, 13.0, 10, 0, 1),
    (181, 13.0, 30, 10, 1),
    (480, 2.0, 30, 10, 1),
    (481, 2.0, 60, 10, 1),
    (60, 13.1, 60, 10, 2),
    (86400, 40.0, 60, 10, 2),
])
def test_colibri_recipe_by_age_and_error(age_s, error_arcmin, exposure_s, dither, mosaic):
    step = COLIBRI_RULES.step_for(age_s, error_arcmin)
    assert (step.exposure_s, step.dither_arcsec, step.mosaic) == (exposure_s, dither, mosaic)


def test_sixteen_exposures_shared_between_the_filter_pair_and_the_mosaic():
    single = COLIBRI_RULES.plans(COLIBRI_RULES.step_for(60, 5), "VIS")
    assert [(p.filter_name, p.count) for p in single] == [("r", 8), ("z", 8)]
    mosaic = COLIBRI_RULES.plans(COLIBRI_RULES.step_for(60, 30), "VIS")
    assert [(p.filter_name, p.count) for p in mosaic] == [("r", 2), ("z", 2)]  # x 4 tiles


def test_rules_are_validated():
    with pytest.raises(ValueError, match="last recipe row"):
        StrategyRules.from_json({"recipe": [{"max_age_s": 10, "exposure_s": 5}],
                                 "channels": {"VIS": {"filters": ["r"]}}})
    with pytest.raises(ValueError):
        StrategyRules.from_json({"recipe": [{"exposure_s": -1}],
                                 "channels": {"VIS": {"filters": ["r"]}}})


@pytest.mark.django_db
def test_admin_validation_checks_filters_against_the_instrument():
    rules = COLIBRI_RULES.to_json()
    rules["channels"]["VIS"]["filters"] = ["r", "Halpha"]
    with pytest.raises(ValidationError, match="Halpha"):
        Strategy(name="bad", rules=rules).full_clean()


@pytest.mark.django_db
def test_default_strategy_is_installed_and_switched_at_runtime(clock, settings_alerts, data):
    default = ensure_default_strategy()
    assert default.name == "COLIBRI" and Strategy.objects.filter(is_default=True).count() == 1
    long = COLIBRI_RULES.to_json()
    long["recipe"] = [{"exposure_s": 120}]
    long["epochs"] = [{"delay_s": 0}]
    deep = Strategy.objects.create(name="deep", rules=long)
    set_default_strategy(deep)
    assert list(Strategy.objects.filter(is_default=True)) == [deep]
    clock.set(data.svom_trigger + timedelta(seconds=63))
    ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "x", settings=settings_alerts)
    alert = Alert.objects.get()
    assert alert.strategy == deep and alert.recipe["exposure_s"] == 120
    seq = alert.request.sequences.get()
    plans = {p.filter_name: (p.count, p.exposure_s) for a in seq.albums.all()
             for p in a.plans.all()}
    assert plans["r"] == plans["z"] == (8, 120.0)
    # the NIR sky would saturate 120 s frames: J in 2 parts, H in 5 (airmass 1.1 here)
    assert plans["J"] == (16, 60.0) and plans["H"] == (40, 24.0)
    set_default_strategy(default)
    assert Strategy.objects.get(is_default=True) == default


@pytest.mark.django_db
def test_large_error_gets_a_two_by_two_mosaic(clock, settings_alerts, data):
    text = data.raw(data.svom / "eclairs_299.xml").replace(
        b"<Error2Radius>0.0981<", b"<Error2Radius>0.5<")
    assert text != data.raw(data.svom / "eclairs_299.xml")
    clock.set(data.svom_trigger + timedelta(seconds=63))
    ingest_notice(text, "x", settings=settings_alerts)
    alert = Alert.objects.get()
    assert alert.recipe["mosaic"] == 2
    tiles = alert.request.sequences.filter(name__contains="epoch 1")
    assert tiles.count() == 4
    decs = sorted(round(t.dec_deg - alert.dec_deg, 3) for t in tiles)
    assert decs[0] < 0 < decs[-1]

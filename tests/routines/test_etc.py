"""The exposure time calculator through the request form, its page and the API: the same
numbers as pyros.etc with this observatory's telescope and channel."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pyros.config import load_config
from pyros.etc import Conditions, exptime_for_snr, snr_for_exptime
from pyros.etc.config import instrument_from_config

pytestmark = pytest.mark.django_db


def test_api_exposure_for_snr_matches_the_calculator(world):
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/etc/", {"mode": "exposure", "mag": 19.5, "filter": "i",
                                              "snr": 30, "seeing_arcsec": 1.5, "airmass": 1.3},
                       format="json")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    cfg = load_config()
    ref = exptime_for_snr(19.5, "i", 30, instrument_from_config(cfg, "VIS"),
                          Conditions(seeing_arcsec=1.5, airmass=1.3))
    assert data["channel"] == "VIS"
    assert data["exptime_s"] == pytest.approx(ref.exptime_s)
    assert data["within_bounds"] is True


def test_api_snr_on_the_nir_channel_and_advice_past_its_limit(world):
    client = APIClient()
    client.force_login(world.user)
    data = client.post("/routines/api/etc/", {"mode": "snr", "mag": 17, "filter": "J",
                                              "exposure_s": 60}, format="json").json()
    cfg = load_config()
    ref = snr_for_exptime(17, "J", 60, instrument_from_config(cfg, "NIR"),
                          Conditions(airmass=1.2))
    assert data["channel"] == "NIR" and data["snr"] == pytest.approx(ref.snr)
    faint = client.post("/routines/api/etc/", {"mode": "exposure", "mag": 21.5, "filter": "H",
                                               "snr": 20}, format="json").json()
    assert faint["within_bounds"] is False and "NIR maximum of 300 s" in faint["advice"]


@pytest.mark.parametrize(("body", "error"), [
    ({"mode": "exposure", "mag": 18, "filter": "Halpha", "snr": 10}, "filter: no channel has"),
    ({"mode": "exposure", "mag": 18, "filter": "r"}, "snr: required when mode is exposure"),
    ({"mode": "snr", "mag": 18, "filter": "r", "exposure_s": -1}, "exposure_s: Ensure"),
    ({"mode": "fast", "mag": 18, "filter": "r"}, "mode:"),
])
def test_api_bad_etc_input(world, body, error):
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/etc/", body, format="json")
    assert resp.status_code == 400
    assert any(e.startswith(error) for e in resp.json()["errors"]), resp.json()


def test_etc_in_the_request_form_and_its_page(world):
    client = Client()
    client.force_login(world.user)
    params = {"etc-mode": "exposure", "etc-mag": "18", "etc-filter": "r", "etc-snr": "50",
              "etc-seeing_arcsec": "1.2", "etc-airmass": "1.2"}
    cfg = load_config()
    ref = exptime_for_snr(18, "r", 50, instrument_from_config(cfg, "VIS"),
                          Conditions(seeing_arcsec=1.2, airmass=1.2))
    expected = f"{ref.exptime_s:.2f} s".encode()
    for url in ("/routines/new/", "/routines/etc/"):
        page = client.get(url, params)
        assert page.status_code == 200
        assert b"Exposure time calculator" in page.content and expected in page.content
    bad = client.get("/routines/etc/", {**params, "etc-snr": ""})
    assert b"needed to compute an exposure time" in bad.content

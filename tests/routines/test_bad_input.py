"""Every bad input of the issue, through the API and the web form: rejected with a clear
message naming where, and nothing saved."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts.models import QuotaEntry
from pyros.accounts.testing import T0, request_doc
from pyros.routines.models import Album, Plan, Request, Sequence

pytestmark = pytest.mark.django_db


def _doc(**seq):
    return request_doc(**seq)


def _plan0(doc, **kw):
    doc = copy.deepcopy(doc)
    doc["sequences"][0]["albums"][0]["plans"][0].update(kw)
    return doc


BAD = [
    ("ra out of range", _doc(ra=400),
     "sequences[0].ra: right ascension 400° must be within 0–360°"),
    ("sexagesimal ra out of range", _doc(ra="25:10:00"),
     "sequences[0].ra: not a right ascension: '25:10:00' (use hh:mm:ss.s or decimal degrees)"),
    ("dec out of range", _doc(dec="+95:00:00"),
     "sequences[0].dec: declination 95° must be within −90° and +90°"),
    ("JD2 before JD1", _doc(window_start="2461376.0", window_end="2461375.9"),
     "sequences[0].window_end: must be after window_start (JD2 > JD1)"),
    ("window in the past", _doc(window_start=(T0 - timedelta(days=3)).isoformat(),
                                window_end=(T0 - timedelta(days=2)).isoformat()),
     "sequences[0].window_end: the window is in the past (ends 2026-11-29 00:00 UTC)"),
    ("unknown filter", _plan0(_doc(), filter="Halpha"),
     "sequences[0].albums[0].plans[0].filter: unknown filter 'Halpha' for channel VIS "
     "(allowed: g, r, i, z)"),
    ("negative exposure", _plan0(_doc(), exposure_s=-5),
     "sequences[0].albums[0].plans[0].exposure_s: must be > 0"),
    ("huge exposure", _plan0(_doc(), exposure_s=5000),
     "sequences[0].albums[0].plans[0].exposure_s: must be ≤ 3600 (VIS maximum exposure)"),
    ("absurd exposure", _plan0(_doc(), exposure_s=1e12),
     "sequences[0].albums[0].plans[0].exposure_s: must be ≤ 86400"),
    ("NIR limit", _doc(albums=[{"channel": "NIR", "plans": [{"filter": "J",
                                                             "exposure_s": 600}]}]),
     "sequences[0].albums[0].plans[0].exposure_s: must be ≤ 300 (NIR maximum exposure)"),
    ("saturated sky", _doc(albums=[{"channel": "NIR", "plans": [{"filter": "H",
                                                                 "exposure_s": 60}]}]),
     "sequences[0].albums[0].plans[0].exposure_s: the H sky alone saturates the NIR detector "
     "in 30 s at airmass 2; take more, shorter exposures (≤ 15 s keeps half the well for the "
     "stars)"),
    ("unknown channel", _doc(albums=[{"channel": "UV", "plans": [{"filter": "u",
                                                                   "exposure_s": 6}]}]),
     "sequences[0].albums[0].channel: unknown channel 'UV' (known: NIR, VIS)"),
    ("quota exceeded", _plan0(_doc(), exposure_s=3600, count=11),
     "sequences: quota exceeded: needs 40024 s, programme stars has 36000 s left in period "
     "2026B"),
    ("someone else's programme", request_doc("grb"),
     "programme: you are not a member of programme 'grb'"),
    ("unknown programme", request_doc("nope"), "programme: unknown programme 'nope'"),
    ("unknown field", _doc(colour="blue"), "sequences[0].colour: unknown field"),
]


def _nothing_saved():
    assert not Request.objects.exists()
    assert not Sequence.objects.exists() and not Album.objects.exists()
    assert not Plan.objects.exists() and not QuotaEntry.objects.exists()


@pytest.mark.parametrize(("doc", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_api_rejects(world, doc, message):
    client = APIClient()
    client.force_login(world.user)
    resp = client.post("/routines/api/requests/?submit=true", doc, format="json")
    assert resp.status_code == 400
    assert message in resp.json()["errors"], resp.json()
    _nothing_saved()


def _form(**over):
    data = {"name": "M31 monitoring", "programme": "stars", "target_name": "M31",
            "ra": "00:42:44.3", "dec": "+41:16:09", "window_start": "2461375.5",
            "window_end": "2461376.5", "max_airmass": "2", "min_moon_separation_deg": "30",
            "priority": "5", "repeat_days": "0", "plan0_filter": "VIS:r",
            "plan0_exposure_s": "60", "plan0_count": "5", "plan0_dither_arcsec": "0",
            "plan1_filter": "", "plan2_filter": "", "plan3_filter": ""}
    data.update(over)
    return data


@pytest.mark.parametrize(("over", "message"), [
    ({"ra": "99:00:00"}, "sequences[0].ra: not a right ascension"),
    ({"dec": "-91"}, "sequences[0].dec: declination -91° must be within −90° and +90°"),
    ({"window_end": "2461375.0"}, "sequences[0].window_end: must be after window_start"),
    ({"window_start": "2026-11-01", "window_end": "2026-11-02"},
     "sequences[0].window_end: the window is in the past"),
    ({"plan0_exposure_s": "-1"}, "sequences[0].albums[0].plans[0].exposure_s: must be &gt; 0"),
    ({"plan0_exposure_s": "99999"}, "exposure_s: must be ≤ 86400"),
    ({"plan0_count": "400", "plan0_exposure_s": "3000"}, "quota exceeded"),
])
def test_form_rejects(world, over, message):
    client = Client()
    client.force_login(world.user)
    resp = client.post("/routines/new/", _form(**over))
    assert resp.status_code == 400
    assert message in resp.content.decode()
    _nothing_saved()


def test_form_refuses_an_unknown_filter_and_someone_elses_programme(world):
    client = Client()
    client.force_login(world.user)
    resp = client.post("/routines/new/", _form(plan0_filter="VIS:Halpha"))
    assert resp.status_code == 200 and b"Select a valid choice" in resp.content
    resp = client.post("/routines/new/", _form(programme="grb"))
    assert resp.status_code == 200 and b"Select a valid choice" in resp.content
    _nothing_saved()


def test_form_creates_and_submits(world):
    client = Client()
    client.force_login(world.user)
    resp = client.post("/routines/new/", _form(submit_now="1", plan1_filter="VIS:i",
                                               plan1_exposure_s="30"))
    assert resp.status_code == 302
    seq = Sequence.objects.get()
    assert seq.status == "validated" and seq.window_start == T0
    assert [(p.filter_name, p.exposure_s) for p in Plan.objects.order_by("order")] == [
        ("r", 60.0), ("i", 30.0)]
    page = client.get(resp["Location"])
    assert b"validated" in page.content and b"M31" in page.content

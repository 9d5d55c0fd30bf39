"""The permission matrix of the Routine Manager: every page and endpoint × anonymous,
user (member of the request's programme), other user (not a member), expert (sees all,
edits only their own programmes) and admin."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts.testing import request_doc
from pyros.routines import actions
from pyros.routines.models import Request

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "other", "expert", "admin")
LOGIN = 302  # pages send anonymous visitors to the login page
DENIED_API = 403  # DRF: session authentication first, so no WWW-Authenticate → 403


def _row(*codes):
    return dict(zip(ROLES, codes, strict=True))


# (method, path template, body, expected status per role)
PAGES = [
    ("get", "/routines/", None, _row(LOGIN, 200, 200, 200, 200)),
    ("get", "/routines/new/", None, _row(LOGIN, 200, 200, 200, 200)),
    ("get", "/routines/import/", None, _row(LOGIN, 200, 200, 200, 200)),
    ("get", "/routines/etc/", None, _row(LOGIN, 200, 200, 200, 200)),
    ("get", "/routines/{req}/", None, _row(LOGIN, 200, 404, 200, 200)),
    ("get", "/routines/{req}/sequences/new/", None, _row(LOGIN, 200, 404, 403, 200)),
    ("post", "/routines/{req}/submit/", {}, _row(LOGIN, 302, 404, 403, 302)),
    ("post", "/routines/{req}/unsubmit/", {}, _row(LOGIN, 302, 404, 403, 302)),
    ("post", "/routines/{req}/cancel/", {}, _row(LOGIN, 302, 404, 403, 302)),
    ("post", "/routines/{req}/delete/", {}, _row(LOGIN, 302, 404, 403, 302)),
    ("get", "/routines/{req}/export.json", None, _row(LOGIN, 200, 404, 200, 200)),
    ("get", "/routines/{req}/export.xml", None, _row(LOGIN, 200, 404, 200, 200)),
    ("post", "/routines/sequences/{seq}/cancel/", {}, _row(LOGIN, 302, 404, 403, 302)),
]

API = [
    ("get", "/routines/api/requests/", None, _row(DENIED_API, 200, 200, 200, 200)),
    ("post", "/routines/api/requests/", "doc", _row(DENIED_API, 201, 400, 400, 201)),
    ("get", "/routines/api/requests/{req}/", None, _row(DENIED_API, 200, 404, 200, 200)),
    ("delete", "/routines/api/requests/{req}/", None, _row(DENIED_API, 204, 404, 403, 204)),
    ("post", "/routines/api/requests/{req}/submit/", None,
     _row(DENIED_API, 200, 404, 403, 200)),
    ("post", "/routines/api/requests/{req}/unsubmit/", None,
     _row(DENIED_API, 200, 404, 403, 200)),
    ("post", "/routines/api/requests/{req}/cancel/", None,
     _row(DENIED_API, 200, 404, 403, 200)),
    ("get", "/routines/api/requests/{req}/export/", None, _row(DENIED_API, 200, 404, 200, 200)),
    ("post", "/routines/api/requests/import/", "raw", _row(DENIED_API, 201, 400, 400, 201)),
    ("get", "/routines/api/sequences/{seq}/", None, _row(DENIED_API, 200, 404, 200, 200)),
    ("post", "/routines/api/sequences/{seq}/cancel/", None,
     _row(DENIED_API, 200, 404, 403, 200)),
    ("post", "/routines/api/etc/", {"mode": "exposure", "mag": 18, "filter": "r", "snr": 20},
     _row(DENIED_API, 200, 200, 200, 200)),
]


def _ids(table):
    return [f"{m.upper()} {p}" for m, p, _, _ in table]


def _target(world):
    req = actions.create_request(world.user, request_doc())
    return req, req.sequences.get()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), PAGES, ids=_ids(PAGES))
def test_pages(world, role, method, path, body, expected):
    req, seq = _target(world)
    client = Client()
    if role != "anonymous":
        client.force_login(world.by_role(role))
    url = path.format(req=req.pk, seq=seq.pk)
    resp = getattr(client, method)(url, body) if body is not None else getattr(client,
                                                                              method)(url)
    assert resp.status_code == expected[role], resp.content[:300]
    if expected[role] == LOGIN and role == "anonymous":
        assert resp["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), API, ids=_ids(API))
def test_api(world, role, method, path, body, expected):
    req, seq = _target(world)
    client = APIClient()
    if role != "anonymous":
        client.force_login(world.by_role(role))
    url = path.format(req=req.pk, seq=seq.pk)
    before = Request.objects.count()
    if body == "doc":
        resp = client.post(url, request_doc(), format="json")
    elif body == "raw":
        resp = client.post(url, json.dumps(request_doc()), content_type="application/json")
    elif body is not None:
        resp = client.post(url, body, format="json")
    else:
        resp = getattr(client, method)(url)
    assert resp.status_code == expected[role], resp.content[:300]
    if resp.status_code == 400:  # someone else's programme: said so, nothing saved
        assert resp.json() == {"errors": ["programme: you are not a member of programme "
                                          "'stars'"]}
        assert Request.objects.count() == before


def test_token_authentication(world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.user)
    client = APIClient()
    assert client.get("/routines/api/requests/").status_code == DENIED_API
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/routines/api/requests/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    bad = client.get("/routines/api/requests/")
    assert bad.status_code == DENIED_API and bad.json() == {"detail": "Invalid token."}


def test_lists_show_only_what_the_role_may_see(world):
    actions.create_request(world.user, request_doc())
    actions.create_request(world.other, request_doc("grb"))
    seen = {}
    for role in ("user", "other", "expert", "admin"):
        client = APIClient()
        client.force_login(world.by_role(role))
        seen[role] = sorted(r["programme"] for r in client.get("/routines/api/requests/").json())
    assert seen == {"user": ["stars"], "other": ["grb"], "expert": ["grb", "stars"],
                    "admin": ["grb", "stars"]}

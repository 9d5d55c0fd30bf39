"""Registration waits for validation, password recovery by e-mail, profile, token and the
first-visit help."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW = {"username": "vera", "email": "vera@pyros.invalid", "password1": "Horizon-glass-4471",
       "password2": "Horizon-glass-4471", "institute": "OHP"}


def test_registration_waits_for_validation_then_works(world, mailoutbox):
    client = Client()
    resp = client.post("/users/register/", NEW)
    assert resp.status_code == 302 and resp["Location"] == "/users/register/done/"
    vera = get_user_model().objects.get(username="vera")
    assert not vera.is_active and not vera.profile.validated
    assert vera.profile.institute == "OHP"
    # validators (the admin has an address) are told
    assert [m.to for m in mailoutbox] == [["ada@pyros.invalid"]]
    assert not client.login(username="vera", password=NEW["password1"])
    admin = Client()
    admin.force_login(world.admin)
    page = admin.get("/users/pending/")
    assert b"vera" in page.content
    admin.post(f"/users/{vera.pk}/validate/")
    vera.refresh_from_db()
    assert vera.is_active and vera.profile.validated and vera.profile.validated_by == world.admin
    assert vera.groups.get().name == "user"
    assert mailoutbox[-1].to == ["vera@pyros.invalid"]
    assert client.login(username="vera", password=NEW["password1"])
    assert client.get("/routines/").status_code == 200


def test_rejected_registration_is_removed(world, mailoutbox):
    Client().post("/users/register/", NEW)
    vera = get_user_model().objects.get(username="vera")
    admin = Client()
    admin.force_login(world.admin)
    admin.post(f"/users/{vera.pk}/reject/", {"reason": "not a member of the consortium"})
    assert not get_user_model().objects.filter(username="vera").exists()
    assert "not a member of the consortium" in mailoutbox[-1].body


@pytest.mark.parametrize(("field", "value", "error"), [
    ("password2", "other-password-1", b"password fields didn"),
    ("email", "not-an-address", b"valid email"),
    ("username", "ursula", b"already exists"),
])
def test_bad_registrations(world, field, value, error):
    resp = Client().post("/users/register/", {**NEW, field: value})
    assert resp.status_code == 200 and error in resp.content
    assert not get_user_model().objects.filter(username=NEW["username"]).exists()


def test_api_registration_and_token(world):
    client = APIClient()
    resp = client.post("/users/api/register/", {"username": "vera", "email": "v@pyros.invalid",
                                                "password": "Horizon-glass-4471"},
                       format="json")
    assert resp.status_code == 201 and resp.json()["role"] == "user"
    weak = client.post("/users/api/register/", {"username": "weak", "email": "w@pyros.invalid",
                                                "password": "password"}, format="json")
    assert weak.status_code == 400
    # not validated yet: no token
    assert client.post("/users/api/token/", {"username": "vera",
                                             "password": "Horizon-glass-4471"}).status_code == 400
    token = client.post("/users/api/token/", {"username": "ursula", "password": PASSWORD})
    assert token.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = client.get("/users/api/me/").json()
    assert me["username"] == "ursula" and me["programmes"] == ["stars"]
    assert client.patch("/users/api/me/", {"institute": "IRAP"}, format="json").json()[
        "institute"] == "IRAP"


def test_password_recovery_by_mail(world, mailoutbox):
    client = Client()
    resp = client.post("/users/password-reset/", {"email": "ursula@pyros.invalid"})
    assert resp.status_code == 302
    (mail,) = mailoutbox
    link = re.search(r"http://testserver(/users/password-reset/\S+/)", mail.body).group(1)
    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Nebula-orbit-9127",
                                                    "new_password2": "Nebula-orbit-9127"})
    assert done.status_code == 302 and done["Location"] == "/users/password-reset/complete/"
    assert client.login(username="ursula", password="Nebula-orbit-9127")


def test_profile_page_and_token(world):
    client = Client()
    client.force_login(world.user)
    page = client.get("/users/profile/")
    assert b"Role: <strong>user</strong>" in page.content
    client.post("/users/profile/", {"email": "u2@pyros.invalid", "institute": "CNRS",
                                    "first_name": "Ursula", "last_name": "K"})
    world.user.refresh_from_db()
    assert world.user.email == "u2@pyros.invalid" and world.user.profile.institute == "CNRS"
    client.post("/users/profile/token/")
    first = world.user.auth_token.key
    client.post("/users/profile/token/")
    world.user.refresh_from_db()
    assert world.user.auth_token.key != first


def test_first_visit_help_until_dismissed(world):
    world.user.profile.first_visit_done = False
    world.user.profile.save()
    client = Client()
    client.force_login(world.user)
    assert b"Welcome to PyROS" in client.get("/routines/").content
    client.post("/users/help/dismiss/", {"next": "/routines/"})
    assert b"Welcome to PyROS" not in client.get("/routines/").content
    assert b"Welcome to PyROS" in client.get("/users/help/").content

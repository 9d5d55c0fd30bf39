"""The permission matrix of the User Manager: every page and endpoint × anonymous, user,
other user, expert and admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from pyros.accounts import actions

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "other", "expert", "admin")


def _row(*codes):
    return dict(zip(ROLES, codes, strict=True))


PAGES = [
    ("get", "/users/register/", _row(200, 200, 200, 200, 200)),
    ("get", "/users/password-reset/", _row(200, 200, 200, 200, 200)),
    ("get", "/users/profile/", _row(302, 200, 200, 200, 200)),
    ("post", "/users/profile/token/", _row(302, 302, 302, 302, 302)),
    ("get", "/users/help/", _row(302, 200, 200, 200, 200)),
    ("post", "/users/help/dismiss/", _row(302, 302, 302, 302, 302)),
    ("get", "/users/pending/", _row(302, 403, 403, 403, 200)),
    ("post", "/users/{pending}/validate/", _row(302, 403, 403, 403, 302)),
    ("post", "/users/{pending}/reject/", _row(302, 403, 403, 403, 302)),
    ("get", "/users/programmes/", _row(302, 200, 200, 200, 200)),
    ("get", "/users/programmes/stars/", _row(302, 200, 404, 200, 200)),
]

API = [
    ("get", "/users/api/me/", _row(403, 200, 200, 200, 200)),
    ("patch", "/users/api/me/", _row(403, 200, 200, 200, 200)),
    ("get", "/users/api/pending/", _row(403, 403, 403, 403, 200)),
    ("post", "/users/api/{pending}/validate/", _row(403, 403, 403, 403, 200)),
    ("post", "/users/api/{pending}/reject/", _row(403, 403, 403, 403, 204)),
    ("get", "/users/api/programmes/", _row(403, 200, 200, 200, 200)),
    ("get", "/users/api/programmes/stars/quota/", _row(403, 200, 404, 200, 200)),
]


def _pending():
    return actions.register_user("newcomer", "new@pyros.invalid", "a-long-pass-phrase-77",
                                 institute="IRAP")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected"), PAGES,
                         ids=[f"{m} {p}" for m, p, _ in PAGES])
def test_pages(world, role, method, path, expected):
    pending = _pending()
    client = Client()
    if role != "anonymous":
        client.force_login(world.by_role(role))
    resp = getattr(client, method)(path.format(pending=pending.pk))
    assert resp.status_code == expected[role]
    if role == "anonymous" and expected[role] == 302:
        assert resp["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "expected"), API,
                         ids=[f"{m} {p}" for m, p, _ in API])
def test_api(world, role, method, path, expected):
    pending = _pending()
    client = APIClient()
    if role != "anonymous":
        client.force_login(world.by_role(role))
    resp = getattr(client, method)(path.format(pending=pending.pk), {}, format="json")
    assert resp.status_code == expected[role]
    still_waiting = get_user_model().objects.filter(pk=pending.pk, is_active=False).exists()
    decided = role == "admin" and ("validate" in path or "reject" in path)
    assert still_waiting == (not decided)


def test_a_committee_can_be_granted_validation(world):
    from django.contrib.auth.models import Group, Permission

    committee = Group.objects.create(name="committee")
    committee.permissions.add(Permission.objects.get(codename="validate_user"))
    world.expert.groups.add(committee)
    pending = _pending()
    client = Client()
    client.force_login(world.expert)
    assert client.post(f"/users/{pending.pk}/validate/").status_code == 302
    pending.refresh_from_db()
    assert pending.is_active and pending.profile.validated_by == world.expert


def test_expert_capabilities(world):
    from pyros.accounts.roles import can_operate_devices, role_of, sees_all

    assert [role_of(world.by_role(r)) if r != "anonymous" else "anonymous" for r in ROLES] == [
        "anonymous", "user", "user", "expert", "admin"]
    assert [can_operate_devices(world.by_role(r)) for r in ROLES[1:]] == [False, False, True,
                                                                          True]
    assert [sees_all(world.by_role(r)) for r in ROLES[1:]] == [False, False, True, True]


def test_admins_change_roles_and_nobody_else(world):
    from django.core.exceptions import PermissionDenied

    from pyros.accounts.actions import change_role
    from pyros.accounts.roles import can_operate_devices, role_of, sees_all

    change_role(world.user, "expert", world.admin)
    world.user.refresh_from_db()
    assert role_of(world.user) == "expert" and world.user.is_staff
    assert not world.user.is_superuser
    user = type(world.user).objects.get(pk=world.user.pk)  # permissions are cached per object
    assert sees_all(user) and can_operate_devices(user)
    change_role(world.user, "user", world.admin)
    world.user.refresh_from_db()
    assert role_of(world.user) == "user" and not world.user.is_staff
    assert list(world.user.groups.values_list("name", flat=True)) == ["user"]  # exactly one
    change_role(world.expert, "admin", world.admin)
    world.expert.refresh_from_db()
    assert role_of(world.expert) == "admin" and world.expert.is_superuser
    for by in (world.user, world.other):
        with pytest.raises(PermissionDenied):
            change_role(world.other, "admin", by)
    with pytest.raises(ValueError, match="unknown role"):
        change_role(world.user, "god", world.admin)
    with pytest.raises(ValueError, match="own admin role"):
        change_role(world.admin, "user", world.admin)
    world.other.refresh_from_db()
    assert role_of(world.other) == "user" and not world.other.is_staff

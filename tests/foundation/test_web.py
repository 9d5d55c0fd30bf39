"""The web entry points exist and respect authentication."""

from __future__ import annotations

import pytest
from django.test import Client

from pyros.system.models import AgentRun
from pyros.web.demo import DEMO_USERS, load_demo_data

pytestmark = pytest.mark.django_db


def test_home_and_status_api_show_the_agents():
    AgentRun.objects.create(name="monitoring", host="h", pid=1)
    client = Client()
    page = client.get("/")
    assert page.status_code == 200 and b"monitoring" in page.content
    data = client.get("/api/status/").json()
    assert [a["name"] for a in data["agents"]] == ["monitoring"]
    assert data["agents"][0]["state"] == "alive"


def test_dashboard_needs_login_and_admin_works():
    load_demo_data()
    client = Client()
    assert client.get("/dashboard/").status_code == 302
    username, password, _ = DEMO_USERS[0]
    assert client.login(username=username, password=password)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/admin/").status_code == 200


def test_demo_data_is_idempotent_and_has_three_roles():
    from django.contrib.auth.models import Group

    from pyros.routines.models import Request

    load_demo_data()
    load_demo_data()
    assert set(Group.objects.values_list("name", flat=True)) == {"admin", "expert", "user"}
    assert Request.objects.count() == 4


def test_openapi_schema():
    load_demo_data()
    client = Client()
    client.login(username="admin", password="admin-pyros-demo")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/status/" in schema.content

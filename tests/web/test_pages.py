"""Every page × every role (anonymous, user, expert, admin): the expected status codes, and
the content each page exists to show."""

from __future__ import annotations

import html

import pytest

from .conftest import ROLES

pytestmark = pytest.mark.django_db

LOGIN = 302  # anonymous visitors are sent to the login page
OK, FORBIDDEN, NOT_FOUND = 200, 403, 404


def close_file(response) -> bytes:
    """Read a file response (previews) to its end: the test client then closes its file
    (response.close() would also close the test's database connection)."""
    return b"".join(response.streaming_content) if response.streaming else b""


def pages(w) -> list[tuple[str, dict[str, int]]]:
    """(url, {role: status}) for every GET page of the web app."""
    everyone = dict.fromkeys(ROLES, OK)
    members = {"anonymous": LOGIN, "user": OK, "expert": OK, "admin": OK}
    operators = {"anonymous": LOGIN, "user": FORBIDDEN, "expert": OK, "admin": OK}
    admins = {"anonymous": LOGIN, "user": FORBIDDEN, "expert": FORBIDDEN, "admin": OK}
    return [
        ("/", everyone),
        ("/?part=mode", everyone),
        ("/live/top/", everyone),
        ("/health/", everyone),
        ("/api/status/", everyone),
        ("/weather/", everyone),
        ("/weather/?span=7d", everyone),
        ("/weather/?part=now", everyone),
        ("/dashboard/", members),
        ("/dashboard/?part=logs&level=30", members),
        ("/dashboard/?part=pipeline", members),
        ("/devices/", members),
        ("/devices/?part=cards", members),
        ("/devices/mount/", members),
        ("/devices/mount/?span=7d", members),
        ("/devices/no-such-device/", {**members, "user": NOT_FOUND, "expert": NOT_FOUND,
                                      "admin": NOT_FOUND}),
        ("/telescope/", operators),
        ("/telescope/?part=state", operators),
        ("/schedule/", members),
        ("/schedule/?part=plan", members),
        ("/schedule/nights/", members),
        (f"/schedule/{w.schedule_id}/", members),
        ("/data/", members),
        ("/data/?all=1", members),
        (f"/data/sequences/{w.sequence_id}/", members),
        (f"/data/previews/{w.reduced_id}.png", members),
        ("/alerts/", members),
        ("/alerts/?status=active", members),
        (f"/alerts/{w.alert_id}/", members),
        (f"/alerts/{w.alert_id}/?part=status", members),
        ("/alerts/simulate/", admins),
        ("/people/", admins),
        ("/routines/", members),
        ("/users/profile/", members),
        ("/users/programmes/", {**members, "anonymous": LOGIN}),
        ("/admin/", {"anonymous": LOGIN, "user": LOGIN, "expert": OK, "admin": OK}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_expected(world, role):
    client = world.client(role)
    wrong = []
    for url, expected in pages(world):
        response = client.get(url)
        close_file(response)
        got = response.status_code
        if got != expected[role]:
            wrong.append(f"{url}: {got} (expected {expected[role]})")
    assert not wrong, "\n".join(wrong)


def test_posts_need_their_role(world):
    for role in ("anonymous", "user", "expert"):
        c = world.client(role)
        expected = LOGIN if role == "anonymous" else FORBIDDEN
        assert c.post("/dashboard/pause/", {"reason": "x"}).status_code == expected
        assert c.post("/dashboard/resume/").status_code == expected
        assert c.post("/alerts/simulate/", {"sample": "x"}).status_code == expected
        assert c.post("/people/1/role/", {"role": "admin"}).status_code == expected
    assert world.client("user").post("/telescope/park/").status_code == FORBIDDEN
    assert world.client("admin").get("/dashboard/pause/").status_code == 405


def test_a_user_does_not_see_other_programmes_data(world):
    from pyros.alerts.models import Alert

    alert_seq = Alert.objects.get(pk=world.alert_id).request.sequences.first()
    assert world.client("user").get(f"/data/sequences/{alert_seq.pk}/").status_code == 404
    assert world.client("expert").get(f"/data/sequences/{alert_seq.pk}/").status_code == 200


def test_dashboard_shows_agents_mode_sequences_pipeline_and_filtered_logs(world):
    c = world.client("user")
    page = c.get("/dashboard/").content.decode()
    for text in ("monitoring", "OPERATIONAL", "camera_nir", "Next", "1</span> done",
                 "windspeed rising", "schedule made"):
        assert text in page, text
    logs = c.get("/dashboard/?part=logs&level=30").content.decode()
    assert "windspeed rising" in logs and "schedule made" not in logs
    logs = c.get("/dashboard/?part=logs&q=schedule").content.decode()
    assert "schedule made" in logs and "windspeed rising" not in logs
    assert "Pause the observatory" not in page
    assert "Pause the observatory" in world.client("admin").get("/dashboard/").content.decode()


def test_every_page_has_the_alert_banner_while_an_alert_is_in_progress(world):
    from pyros.alerts.actions import set_alert_status
    from pyros.alerts.models import Alert

    alert = Alert.objects.get(pk=world.alert_id)
    assert alert.status in ("active", "preliminary", "observing"), alert.status_reason
    c = world.client("user")
    for url in ("/", "/weather/", "/devices/", "/schedule/", "/live/top/"):
        assert "Alert in progress" in c.get(url).content.decode(), url
    set_alert_status(alert, "done", "follow-up executed")
    assert "Alert in progress" not in c.get("/live/top/").content.decode()


def test_status_api_has_mode_and_sequences(world):
    data = world.client("anonymous").get("/api/status/").json()
    assert data["mode"]["mode"] == "operational"
    assert data["mode"]["unavailable_devices"] == ["camera_nir"]
    assert data["next_sequence"]["name"]
    assert {a["name"] for a in data["agents"]} >= {"monitoring", "scheduler"}


def test_schedule_page_has_the_timeline_with_altitude_curves_and_refusals(world):
    from pyros.scheduler.models import Schedule

    schedule = Schedule.objects.get(pk=world.schedule_id)
    page = world.client("user").get("/schedule/").content.decode()
    assert 'class="chart night"' in page and "<title" in page and "polyline" in page
    for e in schedule.entries.select_related("sequence"):
        assert e.sequence.name in page
        assert f"/routines/{e.sequence.request_id}/" in page
    for r in schedule.rejections.all():
        assert html.escape(r.reason) in page
    history = world.client("user").get("/schedule/nights/").content.decode()
    assert f"/schedule/{schedule.pk}/" in history


def test_weather_page_shows_values_against_limits_and_history(world):
    page = world.client("anonymous").get("/weather/").content.decode()
    assert "windspeed" in page and "≤ 15" in page  # the configured limit
    assert page.count('class="chart timeseries"') >= 5
    assert "max 15" in page  # the limit line on the plot


def test_sequence_data_page_has_frames_results_and_visibility(world):
    page = world.client("user").get(f"/data/sequences/{world.sequence_id}/").content.decode()
    assert "Altitude of M87" in page and "Observable under all its constraints" in page
    assert f"/data/previews/{world.reduced_id}.png" in page
    assert "Afterglow candidate" in page and 'class="chart lightcurve"' in page
    png = world.client("user").get(f"/data/previews/{world.reduced_id}.png")
    body = close_file(png)
    assert png["Content-Type"] == "image/png" and body[:4] == b"\x89PNG"


def test_alert_detail_shows_positions_circles_latency_and_observations(world):
    page = world.client("user").get(f"/alerts/{world.alert_id}/").content.decode()
    assert 'class="chart sky"' in page and "Error circles" in page
    assert "notice received" in page  # latency chain stage
    assert "ECLAIRs" in page or "SVOM" in page
    assert "/data/sequences/" in page  # the follow-up sequence


def test_pages_render_for_a_fresh_database(db, clock):
    """No monitoring, no schedule, no alert yet: pages explain instead of failing."""
    from pyros.web.demo import load_demo_data

    load_demo_data()
    from django.test import Client

    c = Client()
    assert c.login(username="admin", password="admin-pyros-demo")
    for url in ("/", "/dashboard/", "/devices/", "/telescope/", "/weather/", "/schedule/",
                "/schedule/nights/", "/data/", "/alerts/", "/alerts/simulate/", "/people/"):
        assert c.get(url).status_code == 200, url
    assert "monitoring has not run yet" in c.get("/").content.decode()

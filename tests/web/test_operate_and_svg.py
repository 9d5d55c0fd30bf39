"""Manual-operation safety rules (pure and through the pages), and the SVG charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from pyros.web import svg
from pyros.web.operate import Action, refusal

T0 = datetime(2026, 2, 25, 3, 0, tzinfo=UTC)
NS = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(("action", "mode", "executing", "paused", "refused"), [
    (Action.SLEW, "unsafe", None, False, "UNSAFE"),
    (Action.OPEN_DOME, "unsafe", None, True, "UNSAFE"),
    (Action.CLOSE_DOME, "unsafe", None, False, None),
    (Action.PARK, "unsafe", None, False, None),
    (Action.SLEW, "operational", "M1 r", False, "is executing"),
    (Action.EXPOSE, "paused", "M1 r", False, "is executing"),
    (Action.SLEW, "paused", "M1 r", True, None),
    (Action.OPEN_DOME, "day", None, False, None),
])
def test_refusal_rules(action, mode, executing, paused, refused):
    why = refusal(action, mode=mode, reasons=["unsafe: rainrate 2 > 0"],
                  executing=executing, admin_paused=paused)
    if refused is None:
        assert why is None
    else:
        assert refused in why
        if mode == "unsafe":
            assert "rainrate" in why  # the reason is shown


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(markup)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and title.text and desc is not None and desc.text
    assert set(root.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")}
    return root


def test_time_series_breaks_lines_at_gaps_and_draws_limits():
    points = [(T0 + timedelta(minutes=10 * i), None if i == 5 else float(i)) for i in range(10)]
    root = parse(svg.time_series([svg.Series("wind <m/s>", points)], T0,
                                 T0 + timedelta(hours=2), title="wind & gusts", unit="m/s",
                                 limits=[(15.0, "max 15")]))
    assert len(root.findall(f"{NS}polyline")) == 2  # the gap splits the line
    assert any(t.text == "max 15" for t in root.iter(f"{NS}text"))
    assert root.find(f"{NS}title").text == "wind & gusts"  # escaped, then parsed back


def test_empty_charts_say_so():
    root = parse(svg.time_series([], T0, T0 + timedelta(hours=1), title="none"))
    assert any(t.text == "no data" for t in root.iter(f"{NS}text"))
    parse(svg.light_curve([], title="lc"))
    parse(svg.night_chart([], T0, T0 + timedelta(hours=8), title="empty night"))


def test_night_chart_links_bars_and_thickens_the_scheduled_part():
    curve = [(T0 + timedelta(minutes=30 * i), 20.0 + 5 * i) for i in range(17)]
    bar = svg.Bar("M87 r", T0 + timedelta(hours=2), T0 + timedelta(hours=3), href="/r/1/",
                  curve=curve)
    root = parse(svg.night_chart([bar], T0, T0 + timedelta(hours=8), title="plan",
                                 now=T0 + timedelta(hours=1), min_alt_deg=30))
    assert root.find(f"{NS}a").get("href") == "/r/1/"
    lines = root.findall(f"{NS}polyline")
    assert [x.get("class").split()[0] for x in lines] == ["alt", "alt-on"]
    assert len(lines[1].get("points").split()) == 3  # 2:00, 2:30, 3:00


def test_error_circles_put_east_left_and_north_up():
    circles = [svg.Circle("wide", 100.0, 20.0, 0.5), svg.Circle("east", 100.2, 20.0, 0.05),
               svg.Circle("north", 100.0, 20.2, 0.05, adopted=True)]
    root = parse(svg.error_circles(circles, title="circles", centre=(100.0, 20.0)))
    pos = {g.find(f"{NS}title").text: g.find(f"{NS}circle") for g in root.findall(f"{NS}g")}
    cx = {k: float(c.get("cx")) for k, c in pos.items()}
    cy = {k: float(c.get("cy")) for k, c in pos.items()}
    assert cx["east"] < cx["wide"] and cy["north"] < cy["wide"]
    assert "adopted" in pos["north"].get("class")


def test_availability_strip_reports_the_fraction_available():
    root = parse(svg.availability_strip(
        [(T0, True), (T0 + timedelta(hours=3), False)], T0, T0 + timedelta(hours=4),
        title="mount"))
    assert root.find(f"{NS}desc").text == "available 75 % of the time shown"


@pytest.mark.django_db
def test_telescope_action_confirms_then_refuses_when_unsafe(world):
    from .conftest import monitoring_state

    c = world.client("expert")
    page = c.post("/telescope/slew/", {"ra_deg": "187.7", "dec_deg": "12.4"})
    assert page.status_code == 200 and b"Confirm: slew to RA 187.7000" in page.content
    bad = c.post("/telescope/slew/", {"ra_deg": "400", "dec_deg": "0"}, follow=True)
    assert b"RA (deg) must be between 0 and 360" in bad.content
    monitoring_state(world.now, mode="unsafe", reasons=["unsafe: rainrate 2 &gt; 0"])
    refused = c.post("/telescope/slew/", {"ra_deg": "187.7", "dec_deg": "12.4",
                                          "confirm": "yes"}, follow=True)
    assert b"the observatory is UNSAFE" in refused.content
    from pyros.system.models import LogEntry

    assert not LogEntry.objects.filter(logger="pyros.web.operate").exists()  # nothing sent


@pytest.mark.django_db
def test_pause_and_resume_through_the_dashboard(world):
    from pyros.monitoring.state import observatory_mode

    c = world.client("admin")
    c.post("/dashboard/pause/", {"reason": "maintenance"})
    mode = observatory_mode()
    assert mode.admin_paused and mode.mode.value == "paused"
    assert b"maintenance" in c.get("/dashboard/?part=mode").content
    c.post("/dashboard/resume/")
    assert not observatory_mode().admin_paused


@pytest.mark.django_db
def test_admin_changes_a_role(world):
    from django.contrib.auth import get_user_model

    from pyros.accounts.roles import can_operate_devices

    astro = get_user_model().objects.get(username="astro")
    c = world.client("admin")
    c.post(f"/people/{astro.pk}/role/", {"role": "expert"})
    astro = get_user_model().objects.get(username="astro")
    assert can_operate_devices(astro) and astro.is_staff and not astro.is_superuser
    admin = get_user_model().objects.get(username="admin")
    page = c.post(f"/people/{admin.pk}/role/", {"role": "user"}, follow=True)
    assert b"cannot remove their own admin role" in page.content

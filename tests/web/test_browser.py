"""The site in a real browser (Debian's chromium driven by Playwright) against a live server:
log in as each role, submit a request and see it planned, simulate an alert and see its
banner appear on another open page, slew the telescope and watch it move on the devices
page (simulators and the monitoring agent running), pause and resume as admin.

One browser for the session; screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from .conftest import LOGINS, NOW, add_requests, monitoring_state

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
#: Live values must show within 2 s of a change; allow the poll period on top.
LIVE_MS = 3000

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                       "(scripts/system-deps.sh installs it)"),
    pytest.mark.timeout(180),
]


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make meanwhile are synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    yield browser
    browser.close()
    pw.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def observatory(tmp_path, monkeypatch):
    """The default observatory on a free simulator port, small detectors, short weather
    hold times (the configuration file every component of this process loads)."""
    from pyros.config import DEFAULT_CONFIG_PATH

    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    port = free_port()
    for d in raw["devices"]:
        d["address"] = f"http://127.0.0.1:{port}"
        d["timeout_s"] = 2.0
    for ch in raw["channels"]:
        ch.update(width_px=128, height_px=96, readout_time_s=0.5)
    for rule in raw["safety"]["sensors"].values():
        rule["good_after_s"] = 0
    raw["simulator"]["port"] = port
    path = tmp_path / "observatory.yaml"
    path.write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("PYROS_CONFIG", str(path))
    from pyros.config import load_config

    return load_config()


@pytest.fixture
def site(transactional_db, live_server, observatory, settings, tmp_path):
    """Demo data on a simulated clock at the burst's night, the live server's URL."""
    from pyros.clock import SimClock, set_clock
    from pyros.web.demo import load_demo_data

    settings.DATA_DIR = tmp_path
    # The live server serves static files from the apps' folders, by their plain names.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    set_clock(SimClock(NOW, speed=1.0))
    load_demo_data()
    yield live_server.url
    set_clock(None)


class MonitoringThread:
    """Simulators plus the monitoring agent, stepped in a background thread."""

    def __init__(self, config, data_dir):
        from pyros.monitoring.agent import MonitoringAgent

        self.agent = MonitoringAgent(config=config, notifier=lambda *a: None,
                                     data_dir=data_dir)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.is_set():
                self.agent.run_once()
                self.stop.wait(0.2)
        finally:
            connection.close()

    def __enter__(self):
        self.agent.setup()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)
        self.agent.teardown()


def login(browser, base: str, role: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    username, password = LOGINS[role]
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(users/profile/|\?|$|routines/.*|dashboard/.*)"))
    return page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_roles_see_their_pages(browser, site):
    from playwright.sync_api import expect

    anon = browser.new_page()
    anon.goto(f"{site}/")
    expect(anon.get_by_role("link", name="Log in")).to_be_visible()
    expect(anon.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Telescope")).to_have_count(0)
    shot(anon, "home-anonymous")
    anon.close()
    for role, has_telescope, has_users in (("user", False, False), ("expert", True, False),
                                           ("admin", True, True)):
        page = login(browser, site, role)
        page.goto(f"{site}/dashboard/")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Telescope")).to_have_count(int(has_telescope))
        expect(nav.get_by_role("link", name="Users")).to_have_count(int(has_users))
        expect(page.get_by_role("button", name="Pause the observatory")).to_have_count(
            int(role == "admin"))
        shot(page, f"dashboard-{role}")
        page.context.close()


def test_submit_a_request_and_see_it_planned(browser, site):
    from playwright.sync_api import expect

    from pyros.routines.models import Request
    from pyros.scheduler.actions import plan_night

    add_requests(NOW, (("M87", 187.7059, 12.3911),))
    req = Request.objects.get(name="M87 monitoring")
    page = login(browser, site, "user")
    page.goto(f"{site}/routines/{req.pk}/")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("validated").first).to_be_visible()
    schedule_page = page.context.new_page()
    schedule_page.goto(f"{site}/schedule/")
    expect(schedule_page.get_by_text("No schedule for this night yet")).to_be_visible()
    plan_night("browser test")  # the scheduler agent's step
    planned = schedule_page.locator("#plan table").first
    expect(planned.get_by_role("link", name="M87 r")).to_be_visible(timeout=LIVE_MS + 2000)
    expect(schedule_page.locator("#plan svg.chart.night")).to_be_visible()
    shot(schedule_page, "schedule")
    schedule_page.set_viewport_size({"width": 390, "height": 844})
    shot(schedule_page, "schedule-phone")
    page.context.close()


def test_simulated_alert_shows_its_banner_on_open_pages(browser, site):
    from playwright.sync_api import expect

    from pyros.web.views.alerts import sample_notices

    if "voevent/svom/eclairs_299.xml" not in sample_notices():
        pytest.skip("the shared sample notices are not available")
    watcher = login(browser, site, "user")
    watcher.goto(f"{site}/weather/")
    expect(watcher.locator(".alert-banner")).to_have_count(0)
    admin = login(browser, site, "admin")
    admin.goto(f"{site}/alerts/simulate/")
    admin.get_by_label("Sample notice").select_option("voevent/svom/eclairs_299.xml")
    admin.get_by_role("button", name="Send to the alert manager").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("sb26022501")
    expect(admin.locator("svg.chart.sky")).to_be_visible()
    shot(admin, "alert-detail")
    banner = watcher.locator(".alert-banner")
    expect(banner).to_be_visible(timeout=LIVE_MS)  # no reload: the header polls
    expect(banner).to_contain_text("sb26022501")
    shot(watcher, "weather-with-alert-banner")
    watcher.context.close()
    admin.context.close()


def test_slew_from_the_telescope_page_and_watch_it_move(browser, site, observatory,
                                                        tmp_path):
    from playwright.sync_api import expect

    from pyros.simulators.testing import running_simulators

    with running_simulators(observatory, port=observatory.simulator.port), \
            MonitoringThread(observatory, tmp_path):
        page = login(browser, site, "expert")
        page.goto(f"{site}/devices/")
        ra = page.locator("#dev-mount dd[data-field='RA']")
        expect(ra).not_to_have_text("—", timeout=15000)
        before = ra.inner_text()
        tel = page.context.new_page()
        tel.goto(f"{site}/telescope/")
        expect(tel.locator("#telescope-state")).not_to_contain_text("UNSAFE", timeout=15000)
        tel.get_by_label("RA (deg, ICRS)").fill("187.7059")
        tel.get_by_label("Dec (deg)").fill("12.3911")
        tel.get_by_role("button", name="Slew…").click()
        expect(tel.get_by_role("heading", level=1)).to_contain_text("Confirm: slew to RA")
        tel.get_by_role("button", name=re.compile("^Yes")).click()
        expect(tel.locator(".messages")).to_contain_text("command sent")
        # the devices page (not reloaded) follows the mount to the target
        expect(ra).to_have_text("187.7059°", timeout=30000)
        assert before != "187.7059°"
        shot(page, "devices-after-slew")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "devices-phone")
        shot(tel, "telescope")
        page.context.close()


def test_pause_refuses_then_resume(browser, site):
    from playwright.sync_api import expect

    from pyros.clock import get_clock
    from pyros.execution.models import SequenceRun
    from pyros.routines.models import Sequence

    monitoring_state(get_clock().now() - timedelta(seconds=1))
    seq = Sequence.objects.first()
    SequenceRun.objects.create(sequence=seq, frames_expected=5)  # executing
    expert = login(browser, site, "expert")
    expert.goto(f"{site}/telescope/")
    refusal = expert.locator(".refusal").first
    expect(refusal).to_contain_text("is executing")
    admin = login(browser, site, "admin")
    admin.goto(f"{site}/dashboard/")
    admin.get_by_label("Reason").fill("dome maintenance")
    admin.get_by_role("button", name="Pause the observatory").click()
    expect(admin.locator("#mode")).to_contain_text("PAUSED")
    expect(admin.locator("#mode")).to_contain_text("dome maintenance")
    shot(admin, "dashboard-paused")
    # the expert's open page learns of the pause without a reload
    expect(expert.locator("#telescope-state")).to_contain_text(
        "manual commands allowed", timeout=LIVE_MS)
    admin.get_by_role("button", name="Resume").click()
    expect(admin.locator(".messages")).to_contain_text("Pause lifted")
    expect(admin.locator("#mode .paused-note")).to_have_count(0)
    expert.context.close()
    admin.context.close()

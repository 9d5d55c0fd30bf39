"""Outbound: the science-centre drop folder and HTTP POST, e-mail and chat notifications."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from pyros.alerts import dispatch
from pyros.alerts.actions import ingest_notice
from pyros.alerts.notify import notify
from pyros.atomicfile import write_atomically
from pyros.config.alerts import AlertsSettings, FscConfig, NotificationRoute, NotificationsConfig


class Recorder:
    """A loopback HTTP server that records JSON bodies per path."""

    def __init__(self, status: int = 200):
        self.bodies: list[tuple[str, dict]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                recorder.bodies.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


@pytest.mark.django_db
def test_alert_status_goes_to_the_drop_folder_and_the_fsc_url(
        clock, tmp_path, data, recorder, django_capture_on_commit_callbacks):
    drop = tmp_path / "exchange" / "FSC" / "TO"
    settings = AlertsSettings(fsc=FscConfig(drop_dir=drop, url=f"{recorder.url}/fsc"))
    clock.set(data.svom_trigger + timedelta(seconds=63))
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_notice(data.raw(data.svom / "eclairs_299.xml"), "x", settings=settings)
    assert dispatch.drain(10)
    files = list(drop.glob("*.json"))
    assert [f.name for f in files] == [f"pyros_alert_{result.alert_id}_SVOM_sb26022501.json"]
    doc = json.loads(files[0].read_text())
    assert doc["status"] == "active" and doc["missions"] == ["SVOM"]
    assert doc["position"]["ra_deg"] == pytest.approx(204.65)
    assert len(doc["sequences"]) == 2 and doc["latency_s"]["request_created"] is not None
    assert not list(drop.glob(".*.tmp"))  # no temporary file left behind
    assert [p for p, _ in recorder.bodies] == ["/fsc"]
    assert recorder.bodies[0][1]["name"] == "SVOM sb26022501"

    clock.advance(120)
    with django_capture_on_commit_callbacks(execute=True):
        ingest_notice(data.raw(data.svom / "eclairs_300.xml"), "x", settings=settings)
    assert dispatch.drain(10)
    assert len(list(drop.glob("*.json"))) == 1  # one file per event, rewritten
    assert json.loads(files[0].read_text())["position"]["ra_deg"] == pytest.approx(204.6748)
    assert len(recorder.bodies) == 2


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "a" / "doc.json"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second" and sorted(p.name for p in target.parent.iterdir()) \
        == ["doc.json"]


@pytest.mark.django_db
def test_notifications_by_role_and_kind(settings, recorder):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    routes = NotificationsConfig(roles={
        "astronomer": NotificationRoute(kinds=("alert_accepted", "alert_retracted"),
                                        emails=("astro@example.org",),
                                        webhooks=(f"{recorder.url}/chat",)),
        "engineer": NotificationRoute(kinds=("device_lost", "unsafe"),
                                      emails=("eng@example.org",)),
    })
    cfg = AlertsSettings(notifications=routes)
    assert notify("alert_accepted", "SVOM sb1 active", "10 s exposures", cfg) == 2
    assert notify("device_lost", "camera_vis lost", "no reply for 30 s", cfg) == 1
    assert notify("paused", "night paused", "clouds", cfg) == 0
    assert dispatch.drain(10)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("astro@example.org", "[PyROS alert_accepted] SVOM sb1 active"),
        ("eng@example.org", "[PyROS device_lost] camera_vis lost")]
    assert len(recorder.bodies) == 1
    path, body = recorder.bodies[0]
    assert path == "/chat" and body["kind"] == "alert_accepted"
    assert body["text"].startswith("[PyROS alert_accepted] SVOM sb1 active")  # Slack
    assert body["msgtype"] == "m.text" and body["body"] == body["text"]  # Matrix
    with pytest.raises(ValueError, match="unknown event kind"):
        notify("coffee", "s", "b", cfg)


def test_dead_webhook_is_logged_not_raised(caplog):
    cfg = AlertsSettings(notifications=NotificationsConfig(
        timeout_s=1, roles={"x": NotificationRoute(webhooks=("http://127.0.0.1:9/none",))}))
    assert notify("unsafe", "rain", "closing", cfg) == 1
    assert dispatch.drain(10)
    assert any("delivery webhook" in r.getMessage() and "failed" in r.getMessage()
               for r in caplog.records)

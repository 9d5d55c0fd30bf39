"""The VOEvent Transport Protocol subscriber: against a real Comet broker, and a scripted peer
for heartbeats, framing, nak and reconnection."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from pyros.alerts.actions import ingest_notice
from pyros.alerts.agent import AlertsAgent
from pyros.alerts.listeners import ListenerUnavailable
from pyros.alerts.listeners.vtp import TRANSPORT_NS, VtpListener, frame, transport_message
from pyros.alerts.models import Alert, StoredNotice
from pyros.clock import monotonic
from pyros.config.alerts import AlertsSettings, FscConfig, VtpListenerConfig

pytestmark = pytest.mark.timeout(120)
BIN = Path(sys.executable).parent


@pytest.mark.django_db
def test_notices_published_through_comet_are_received_stored_and_acked(comet, clock,
                                                                       tmp_path, data):
    receive, broadcast, log = comet
    cfg = VtpListenerConfig(enabled=True, host="127.0.0.1", port=broadcast, poll_timeout_s=0.3)
    listener = VtpListener(cfg)
    settings = AlertsSettings(vtp=cfg, fsc=FscConfig(drop_dir=tmp_path / "FSC"))
    agent = AlertsAgent(clock=clock, settings=settings, listeners=[listener])
    agent.run_once()  # connect (nothing to read yet)
    assert listener.status()["connected"]
    # comet may validate slowly: wait for it to register the subscriber before sending
    deadline = monotonic() + 10
    while "broadcast" not in log.read_text(errors="replace").lower() and monotonic() < deadline:
        threading.Event().wait(0.1)
    clock.set(data.svom_trigger + timedelta(seconds=63))
    files = [data.svom / "eclairs_299.xml", data.svom / "eclairs_300.xml"]
    for f in files:
        out = subprocess.run([str(BIN / "comet-sendvo"), "-f", str(f), "-h", "127.0.0.1",
                              "-p", str(receive)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
    deadline = monotonic() + 30
    while agent.ingested < len(files) and monotonic() < deadline:
        agent.run_once()
    assert agent.ingested == len(files) and listener.acks == len(files)
    stored = list(StoredNotice.objects.order_by("id"))
    assert [s.ivorn for s in stored] == ["ivo://org.svom/fsc#sb26022501_eclairs-wakeup",
                                         "ivo://org.svom/fsc#sb26022501_slewing"]
    assert {s.source for s in stored} == {f"vtp:127.0.0.1:{broadcast}"}
    assert Alert.objects.get().name == "SVOM sb26022501"
    agent.teardown()


class ScriptedBroker:
    """A VTP broker in a thread: records what the subscriber sends back."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.accepted = 0

    def serve(self, script) -> threading.Thread:
        def run():
            conn, _ = self.server.accept()
            self.accepted += 1
            with conn:
                script(conn, self)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def read(self, conn) -> bytes:
        head = b""
        while len(head) < 4:
            head += conn.recv(4 - len(head))
        (n,) = struct.unpack("!I", head)
        body = b""
        while len(body) < n:
            body += conn.recv(n - len(body))
        self.received.append(body)
        return body


def _role(xml: bytes) -> tuple[str, str, str]:
    root = etree.fromstring(xml)
    return (root.get("role"), root.findtext("Origin"), root.findtext("Response"))


@pytest.mark.django_db
def test_heartbeat_split_frames_ack_nak_and_reconnect(clock, tmp_path, data):
    broker = ScriptedBroker()
    event = data.raw(data.svom / "eclairs_299.xml")
    garbage = b"<VOEvent role='observation' ivorn='ivo://x/y#z'><Who>"  # truncated XML

    def script(conn, b):
        conn.sendall(frame(transport_message("iamalive", "ivo://scripted/broker")))
        b.read(conn)  # our iamalive reply
        whole = frame(event)
        conn.sendall(whole[:3])  # a frame split inside its length prefix...
        threading.Event().wait(0.05)
        conn.sendall(whole[3:500])  # ...and inside its body
        threading.Event().wait(0.05)
        conn.sendall(whole[500:] + frame(garbage))
        b.read(conn)  # ack of the event
        # then the broker goes away

    thread = broker.serve(script)
    cfg = VtpListenerConfig(enabled=True, port=broker.port, poll_timeout_s=0.3,
                            backoff_initial_s=0.05, local_ivo="ivo://pyros.test/sub")
    listener = VtpListener(cfg)
    clock.set(data.svom_trigger + timedelta(seconds=63))
    settings = AlertsSettings(vtp=cfg, fsc=FscConfig(drop_dir=tmp_path / "FSC"))
    agent = AlertsAgent(clock=clock, settings=settings, listeners=[listener])
    deadline = monotonic() + 20
    while agent.ingested < 2 and monotonic() < deadline:
        agent.run_once()
    thread.join(10)
    assert _role(broker.received[0]) == ("iamalive", "ivo://scripted/broker",
                                         "ivo://pyros.test/sub")
    assert _role(broker.received[1]) == ("ack", "ivo://org.svom/fsc#sb26022501_eclairs-wakeup",
                                         "ivo://pyros.test/sub")
    assert etree.fromstring(broker.received[0]).tag == f"{{{TRANSPORT_NS}}}Transport"
    assert listener.heartbeats == 1 and listener.acks == 1
    rejected = StoredNotice.objects.get(outcome="rejected")  # the garbage: stored, not lost
    assert bytes(rejected.raw) == garbage

    # the broker closed: the listener notices, backs off and connects again
    second = broker.serve(lambda conn, b: (
        conn.sendall(frame(event)), b.read(conn)))  # redelivery after reconnect
    deadline = monotonic() + 20
    while broker.accepted < 2 and monotonic() < deadline:
        try:
            listener.fetch(5)
        except ListenerUnavailable:
            threading.Event().wait(0.05)
    assert broker.accepted == 2 and listener.connects == 2
    deadline = monotonic() + 10
    while listener.events < 3 and monotonic() < deadline:
        for item in listener.fetch(5):
            result = ingest_notice(item.raw, item.source, settings=settings)
            assert result.duplicate  # a redelivered event is recognised
            item.ack()
    second.join(10)
    assert _role(broker.received[-1])[0] == "ack"
    listener.close()
    broker.server.close()


def test_oversized_length_prefix_drops_the_connection():
    broker = ScriptedBroker()
    thread = broker.serve(lambda conn, b: (conn.sendall(struct.pack("!I", 2**31)),
                                           threading.Event().wait(1.0)))
    listener = VtpListener(VtpListenerConfig(port=broker.port, poll_timeout_s=0.5,
                                             max_frame_bytes=1024))
    assert listener.fetch(5) == []
    assert not listener.status()["connected"] and "limit" in listener.last_error
    thread.join(5)
    broker.server.close()


def test_nak_carries_the_reason():
    msg = etree.fromstring(transport_message("nak", "ivo://a#b", "ivo://me", "not stored"))
    assert msg.get("role") == "nak" and msg.findtext("Meta/Result") == "not stored"

"""VOEvent Transport Protocol subscriber (IVOA VTP note; Comet, GCN classic, SVOM port 8099).

The wire: each message is a 4-byte big-endian length then that many bytes of XML.  The
broker sends VOEvents and ``<trn:Transport role="iamalive">`` heartbeats (about every
60 s); the subscriber answers each heartbeat with its own ``iamalive`` (``Origin`` = the
broker's, ``Response`` = ours) and each event with ``ack`` once it is stored (``nak``, with a
reason, only when it could not be stored).  No traffic for ``alive_timeout_s`` means the
broker is gone: the connection is dropped and re-made with exponential back-off.

Driven by the agent without threads: :meth:`VtpListener.fetch` reads frames for at most
``poll_timeout_s`` and returns the events; acks are sent when the agent calls them.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import struct
from collections.abc import Callable
from xml.sax.saxutils import escape

from pyros.alerts.listeners.base import Backoff, Incoming, ListenerUnavailable
from pyros.clock import monotonic
from pyros.clock import now as clock_now
from pyros.config.alerts import VtpListenerConfig
from pyros.notices import NoticeRejected
from pyros.notices.xmlsafe import parse_untrusted_xml

log = logging.getLogger("pyros.alerts.vtp")

__all__ = ["VtpListener", "frame", "transport_message"]

TRANSPORT_NS = "http://www.telescope-networks.org/xml/Transport/v1.1"
_LENGTH = struct.Struct("!I")
_VOEVENT_ROLES = ("observation", "prediction", "utility", "test")


def frame(payload: bytes) -> bytes:
    """One VTP frame: the 4-byte network-order length, then the payload."""
    return _LENGTH.pack(len(payload)) + payload


def transport_message(role: str, origin: str, response: str | None = None,
                      result: str | None = None) -> bytes:
    """A ``trn:Transport`` message (iamalive, ack, nak, authenticate)."""
    stamp = clock_now().strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<trn:Transport xmlns:trn="{TRANSPORT_NS}"'
             f' version="1.0" role="{escape(role)}"><Origin>{escape(origin)}</Origin>']
    if response:
        parts.append(f"<Response>{escape(response)}</Response>")
    parts.append(f"<TimeStamp>{stamp}</TimeStamp>")
    if result:
        parts.append(f"<Meta><Result>{escape(result)}</Result></Meta>")
    parts.append("</trn:Transport>")
    return "".join(parts).encode("utf-8")


class VtpListener:
    """A VTP subscriber connection to one broker (see the module docstring)."""

    name = "vtp"

    def __init__(self, cfg: VtpListenerConfig,
                 connect: Callable[..., socket.socket] = socket.create_connection):
        self.cfg = cfg
        self._connect = connect
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._last_traffic = 0.0
        self.backoff = Backoff(cfg.backoff_initial_s, cfg.backoff_max_s)
        self.source = f"vtp:{cfg.host}:{cfg.port}"
        self.events = 0
        self.heartbeats = 0
        self.acks = 0
        self.naks = 0
        self.connects = 0
        self.last_error = ""

    # -- connection ----------------------------------------------------------------------
    def _ensure(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        if not self.backoff.ready():
            raise ListenerUnavailable(f"{self.source}: reconnecting in "
                                      f"{self.backoff.not_before - monotonic():.1f} s")
        try:
            sock = self._connect((self.cfg.host, self.cfg.port),
                                 timeout=self.cfg.connect_timeout_s)
        except OSError as exc:
            wait = self.backoff.failed()
            self.last_error = f"connect: {exc}"
            raise ListenerUnavailable(f"{self.source}: cannot connect ({exc}); "
                                      f"next try in {wait:.0f} s") from exc
        sock.setblocking(False)
        self._sock, self._buf = sock, bytearray()
        self._last_traffic = monotonic()
        self.connects += 1
        self.backoff.succeeded()
        log.info("alerts: connected to VOEvent broker %s:%s", self.cfg.host, self.cfg.port)
        return sock

    def _drop(self, why: str) -> None:
        self.last_error = why
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            wait = self.backoff.failed()
            log.warning("alerts: %s: %s; reconnecting in %.0f s", self.source, why, wait)

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _send(self, payload: bytes) -> bool:
        sock = self._sock
        if sock is None:
            return False
        try:
            sock.setblocking(True)
            sock.settimeout(self.cfg.connect_timeout_s)
            sock.sendall(frame(payload))
            return True
        except OSError as exc:
            self._drop(f"send failed: {exc}")
            return False
        finally:
            if self._sock is not None:
                self._sock.setblocking(False)

    # -- reading -------------------------------------------------------------------------
    def _read_frame(self, deadline: float) -> bytes | None:
        """The next whole frame, or None if none completes before ``deadline``."""
        while True:
            if len(self._buf) >= 4:
                (length,) = _LENGTH.unpack_from(self._buf)
                if length > self.cfg.max_frame_bytes:
                    self._drop(f"frame of {length} bytes over the {self.cfg.max_frame_bytes} "
                               f"limit (byte order?)")
                    return None
                if len(self._buf) >= 4 + length:
                    payload = bytes(self._buf[4:4 + length])
                    del self._buf[:4 + length]
                    return payload
            sock = self._sock
            if sock is None:
                return None
            wait = deadline - monotonic()
            if wait <= 0:
                return None
            readable, _, _ = select.select([sock], [], [], wait)
            if not readable:
                return None
            try:
                chunk = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                self._drop(f"receive failed: {exc}")
                return None
            if not chunk:
                self._drop("connection closed by the broker")
                return None
            self._last_traffic = monotonic()
            self._buf.extend(chunk)

    def fetch(self, max_items: int) -> list[Incoming]:
        self._ensure()
        deadline = monotonic() + self.cfg.poll_timeout_s
        out: list[Incoming] = []
        while len(out) < max_items:
            payload = self._read_frame(deadline)
            if payload is None:
                break
            incoming = self._handle(payload)
            if incoming is not None:
                out.append(incoming)
        if self._sock is not None and monotonic() - self._last_traffic > self.cfg.alive_timeout_s:
            self._drop(f"no traffic for {self.cfg.alive_timeout_s:.0f} s")
        return out

    def _handle(self, payload: bytes) -> Incoming | None:
        """Answer transport messages; turn anything else into a notice to store."""
        try:
            root = parse_untrusted_xml(payload, max_bytes=self.cfg.max_frame_bytes)
        except NoticeRejected:
            root = None  # stored as a rejected notice by the agent: nothing is lost
        if (root is not None and root.tag == f"{{{TRANSPORT_NS}}}Transport") or (
                root is not None and root.tag == "Transport"):
            role = root.get("role", "")
            origin = (root.findtext("Origin") or "").strip()
            if role == "iamalive":
                self.heartbeats += 1
                self._send(transport_message("iamalive", origin, self.cfg.local_ivo))
            elif role == "authenticate":
                self._send(transport_message("authenticate", origin, self.cfg.local_ivo))
            elif role in ("ack", "nak"):
                log.debug("alerts: %s: %s for %s", self.source, role, origin)
            else:
                log.warning("alerts: %s: transport message with role %r ignored",
                            self.source, role)
            return None
        ivorn = root.get("ivorn", "") if root is not None else ""
        if root is not None and root.get("role") not in _VOEVENT_ROLES:
            log.warning("alerts: %s: message with role %r stored for the record",
                        self.source, root.get("role"))
        self.events += 1
        return Incoming(raw=payload, source=self.source, received_at=clock_now(),
                        ack=lambda: self._ack(ivorn), nak=lambda why: self._nak(ivorn, why))

    def _ack(self, ivorn: str) -> None:
        if ivorn and self._send(transport_message("ack", ivorn, self.cfg.local_ivo)):
            self.acks += 1

    def _nak(self, ivorn: str, why: str) -> None:
        if ivorn and self._send(transport_message("nak", ivorn, self.cfg.local_ivo, why)):
            self.naks += 1

    def status(self) -> dict[str, object]:
        return {"connected": self._sock is not None, "broker": f"{self.cfg.host}:{self.cfg.port}",
                "events": self.events, "heartbeats": self.heartbeats, "acks": self.acks,
                "connects": self.connects, "last_error": self.last_error}

"""Alpaca UDP discovery: answer ``alpacadiscovery1`` with ``{"AlpacaPort": N}``."""

from __future__ import annotations

import json
import logging
import socket
import threading

__all__ = ["DISCOVERY_REQUEST", "DiscoveryResponder"]

log = logging.getLogger(__name__)

DISCOVERY_REQUEST = b"alpacadiscovery1"


class DiscoveryResponder:
    """A UDP responder in a background thread.

    Bound to ``host``: the default 127.0.0.1 answers local clients only; bind to 0.0.0.0
    to answer broadcasts from the LAN.  ``port`` 0 takes a free port (tests).
    """

    def __init__(self, host: str, port: int, alpaca_port: int):
        self.alpaca_port = alpaca_port
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="alpaca-discovery",
                                        daemon=True)

    def start(self) -> DiscoveryResponder:
        self._thread.start()
        return self

    def _serve(self) -> None:
        reply = json.dumps({"AlpacaPort": self.alpaca_port}).encode()
        while not self._stop.is_set():
            try:
                data, peer = self._sock.recvfrom(1024)
            except TimeoutError:
                continue
            except OSError:
                break
            # The spec: the request starts with "alpacadiscovery" and a version digit.
            if data.startswith(DISCOVERY_REQUEST):
                try:
                    self._sock.sendto(reply, peer)
                except OSError as exc:
                    log.warning("discovery reply to %s failed: %s", peer, exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._sock.close()

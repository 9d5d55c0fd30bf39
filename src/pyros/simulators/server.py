"""The HTTP server hosting every simulated device, the management API and the controls.

Why the standard library's ``ThreadingHTTPServer``: one thread per connection means a
device stuck in a ``hang`` fault (or a long synchronous slew, or a 100 MB JSON image)
blocks only the client waiting on it, exactly as separate hardware would; HTTP/1.1
keep-alive serves alpyca's pooled sessions; and it adds no dependency.  The simulators
never see more than a handful of clients, so a thread each is cheap.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from pyros import __version__
from pyros.config import ObservatoryConfig, load_config
from pyros.simulators.control import PREFIX as CONTROL_PREFIX
from pyros.simulators.control import handle_control
from pyros.simulators.device import Reply, next_server_tid
from pyros.simulators.discovery import DiscoveryResponder
from pyros.simulators.members import MEMBERS
from pyros.simulators.observatory import Observatory
from pyros.simulators.protocol import (
    AlpacaError,
    BadRequest,
    ErrorCode,
    envelope,
    parse_params,
)

__all__ = ["AlpacaApp", "SimulatorServer"]

log = logging.getLogger(__name__)

_API = re.compile(r"^/api/v1/([^/]+)/([^/]+)/([^/]+)/?$")
_MAX_BODY = 1 << 20


class AlpacaApp:
    """Routes one request to a device, the management API or the control API."""

    def __init__(self, observatory: Observatory):
        self.obs = observatory

    def route(self, verb: str, target: str, body: bytes | None, accept: str = "") -> Reply:
        url = urlsplit(target)
        path = url.path
        if path.startswith(CONTROL_PREFIX):
            return handle_control(self.obs, verb, path, body)
        if path.startswith("/management/"):
            return self._management(verb, path, url.query)
        match = _API.match(path)
        if match is None:
            if path in ("/", "/index.html"):
                return self._index()
            raise BadRequest(f"not an Alpaca path: {path}")
        if verb not in ("GET", "PUT"):
            raise BadRequest(f"Alpaca uses GET and PUT, not {verb}")
        device_type, number_text, member = match.groups()
        if device_type not in MEMBERS:
            raise BadRequest(f"unknown device type {device_type!r} (lower case expected)")
        if not number_text.isdigit():
            raise BadRequest(f"device number {number_text!r} is not a non-negative integer")
        try:
            device = self.obs.device(device_type, int(number_text))
        except KeyError:
            raise BadRequest(f"no {device_type} number {number_text} on this server") from None
        params = parse_params(url.query, body if verb == "PUT" else None)
        return device.handle(verb, member, params, accept)

    def _management(self, verb: str, path: str, query: str) -> Reply:
        if verb != "GET":
            raise BadRequest("the management API is GET only")
        params = parse_params(query, None)
        _, client_tid = params.transaction_ids()
        value: Any
        if path == "/management/apiversions":
            value = [1]
        elif path == "/management/v1/description":
            value = {
                "ServerName": f"PyROS simulators ({self.obs.config.telescope.name})",
                "Manufacturer": "PyROS",
                "ManufacturerVersion": __version__,
                "Location": self.obs.config.site.name,
            }
        elif path == "/management/v1/configureddevices":
            value = [d.configured_device() for d in self.obs.devices.values()]
        else:
            raise BadRequest(f"unknown management path {path}")
        return Reply(envelope(client_tid, next_server_tid(), value))

    def _index(self) -> Reply:
        lines = ["PyROS Alpaca simulators", ""]
        for (dtype, number), dev in sorted(self.obs.devices.items()):
            lines.append(f"/api/v1/{dtype}/{number}/  {dev.name}")
        lines += ["", "/management/v1/configureddevices", f"{CONTROL_PREFIX}status"]
        return Reply("\n".join(lines).encode(), content_type="text/plain; charset=utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"PyROS-Alpaca-Sim/{__version__}"
    #: Idle keep-alive connections are closed after this many wall seconds.
    timeout = 120
    # Headers and body leave in one segment (no Nagle/delayed-ACK 40 ms stalls on
    # keep-alive connections); handle_one_request flushes after each request.
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    server: _HTTPServer

    def do_GET(self) -> None:
        self._serve("GET")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, verb: str) -> None:
        try:
            body = self._read_body()
            reply = self.server.app.route(verb, self.path, body, self.headers.get("Accept", ""))
        except BadRequest as exc:
            reply = Reply.bad_request(str(exc))
        except Exception as exc:  # a simulator bug must not kill the connection or server
            log.exception("internal error on %s %s", verb, self.path)
            error = AlpacaError(ErrorCode.DRIVER_ERROR, f"internal simulator error: {exc!r}")
            reply = Reply(envelope(0, next_server_tid(), error=error))
        self._send(reply)

    def _read_body(self) -> bytes | None:
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b"" if self.command in ("PUT", "POST") else None
        try:
            length = int(length_text)
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        if not 0 <= length <= _MAX_BODY:
            raise BadRequest("request body too large")
        return self.rfile.read(length)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: AlpacaApp):
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SimulatorServer:
    """One Alpaca server for every device of the configuration, plus discovery.

    ``port`` 0 takes a free port; ``discovery_port`` None uses the configuration's and 0
    disables discovery.  Use :meth:`start` (background) or :meth:`serve_forever`.
    """

    def __init__(self, config: ObservatoryConfig | None = None, host: str | None = None,
                 port: int | None = None, discovery_port: int | None = None):
        self.config = config or load_config()
        sim = self.config.simulator
        self.observatory = Observatory(self.config)
        self.app = AlpacaApp(self.observatory)
        self.host = host or sim.host
        self._httpd = _HTTPServer((self.host, sim.port if port is None else port), self.app)
        self.port: int = self._httpd.server_address[1]
        disc_port = sim.discovery_port if discovery_port is None else discovery_port
        self.discovery = (DiscoveryResponder(self.host, disc_port, self.port)
                          if disc_port else None)
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stop_requested = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        """Serve in a background thread and return at once."""
        if self.discovery:
            self.discovery.start()
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="alpaca-sim-http", daemon=True)
        self._thread.start()
        log.info("Alpaca simulators on %s (%d devices)", self.url,
                 len(self.observatory.devices))
        return self

    def serve_forever(self) -> None:
        """Serve until :meth:`request_stop` (safe to call from a signal handler)."""
        self.start()
        try:
            while not self._stop_requested.wait(0.5):
                pass
        finally:
            self.stop()

    def request_stop(self) -> None:
        self._stop_requested.set()

    def stop(self) -> None:
        """Stop serving, release hung requests, close every connection."""
        self.observatory.faults.close()
        self._httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._close()

    def _close(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.discovery:
            self.discovery.stop()
        self._httpd.close_connections()
        self._httpd.server_close()
        for dev in self.observatory.devices.values():
            closer = getattr(dev, "close", None)
            if closer is not None:
                closer()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def describe(reply: Reply) -> Any:
    """Decode a JSON reply (tests and the CLI)."""
    return json.loads(reply.body)

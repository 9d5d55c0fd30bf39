"""Transport edge cases the simulators do not produce, against a tiny real HTTP server
on loopback: NaN readings, HTTP errors, a body that trickles past the deadline,
ImageBytes errors and broken headers."""

from __future__ import annotations

import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from pyros.clock import monotonic
from pyros.config.devices import DeviceConfig
from pyros.devices import DeviceRejected, DeviceUnavailable, driver_for
from pyros.devices.alpaca.transport import AlpacaTransport

ROUTES: dict[str, tuple[int, str, bytes]] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # the PUT form: must be consumed on a kept-alive socket
        path = self.path.split("?")[0].rsplit("/", 1)[-1]
        status, ctype, body = ROUTES.get(path, (400, "text/plain", b"unknown"))
        if ctype == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for byte in body:  # one byte every 0.2 s: each read is short, the whole is not
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _ok(value) -> tuple[int, str, bytes]:
    import json

    return 200, "application/json", json.dumps({"Value": value, "ErrorNumber": 0,
                                                "ErrorMessage": ""}).encode()


def test_nan_and_not_implemented_sensors_are_reported_as_such(stub):
    ROUTES.clear()
    ROUTES.update({"connected": _ok(True), "temperature": _ok(4.5),
                   "humidity": (200, "application/json",
                                b'{"Value": NaN, "ErrorNumber": 0, "ErrorMessage": ""}'),
                   "timesincelastupdate": _ok(12.0)})
    for name in ("cloudcover", "dewpoint", "pressure", "rainrate", "skybrightness",
                 "skyquality", "skytemperature", "starfwhm", "winddirection", "windgust",
                 "windspeed"):
        ROUTES[name] = (200, "application/json",
                        b'{"ErrorNumber": 1024, "ErrorMessage": "not implemented"}')
    weather = driver_for(DeviceConfig(name="wx", kind="observingconditions", address=stub))
    snap = weather.snapshot()
    assert snap.value("temperature") == 4.5
    assert snap.value("humidity") is None and snap.invalid == {"humidity"}
    assert "windspeed" in snap.absent and snap.value("windspeed") is None
    assert snap.age_s(snap.read_at) == pytest.approx(12.0)


def test_http_error_is_unavailable(stub):
    ROUTES.clear()
    ROUTES["position"] = (500, "text/plain", b"internal server error")
    t = AlpacaTransport("foc", stub, "focuser", 0, timeout_s=2.0)
    with pytest.raises(DeviceUnavailable, match="HTTP 500"):
        t.get("position")


def test_trickling_body_is_cut_at_the_deadline(stub):
    ROUTES.clear()
    ROUTES["position"] = (200, "trickle", b'{"Value": 12345, "ErrorNumber": 0}')
    t = AlpacaTransport("foc", stub, "focuser", 0, timeout_s=0.7)
    start = monotonic()
    with pytest.raises(DeviceUnavailable, match="within"):
        t.get("position")
    assert monotonic() - start < 2.0


def _imagebytes(error: int, pixels: np.ndarray | None, message: bytes = b"") -> bytes:
    if pixels is None:
        header = struct.pack("<11i", 1, error, 0, 0, 44, 0, 0, 0, 0, 0, 0)
        return header + message
    d1, d2 = pixels.shape  # ASCOM order: [x][y]
    header = struct.pack("<11i", 1, 0, 0, 0, 44, 2, 8, 2, d1, d2, 0)
    return header + pixels.astype("<u2").tobytes()


def test_imagebytes_is_transposed_to_numpy_order(stub):
    ascom = np.arange(12, dtype=np.uint16).reshape(4, 3)  # x=4 columns, y=3 rows
    ROUTES.clear()
    ROUTES["imagearray"] = (200, "application/imagebytes", _imagebytes(0, ascom))
    image = AlpacaTransport("cam", stub, "camera", 0, timeout_s=2.0).get_image()
    assert image.transport == "imagebytes" and image.data.shape == (3, 4)
    assert image.data[2, 1] == ascom[1, 2]


def test_imagebytes_error_and_broken_header(stub):
    ROUTES.clear()
    ROUTES["imagearray"] = (200, "application/imagebytes",
                            _imagebytes(0x40B, None, b"no image taken"))
    t = AlpacaTransport("cam", stub, "camera", 0, timeout_s=2.0)
    with pytest.raises(DeviceRejected, match="no image taken"):
        t.get_image()
    ROUTES["imagearray"] = (200, "application/imagebytes", b"\x01\x00\x00\x00 garbage")
    with pytest.raises(DeviceUnavailable):
        t.get_image()

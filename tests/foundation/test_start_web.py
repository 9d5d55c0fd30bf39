"""``pyros start`` serves the site with gunicorn, static files through whitenoise."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


@pytest.mark.slow
def test_start_serves_pages_admin_and_static(child_env, pyros_cmd, tmp_path):
    port = free_port()
    log = (tmp_path / "start.log").open("w")
    proc = subprocess.Popen([*pyros_cmd, "start", "--port", str(port), "--agents", "none",
                             "--no-worker"], env=child_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body, _ = get(base + "/")
                break
            except OSError:
                assert proc.poll() is None, Path(log.name).read_text()
                assert time.monotonic() < deadline, "no answer within 60 s"
                time.sleep(0.3)
        assert status == 200 and b"PyROS" in body
        status, body, _ = get(base + "/admin/login/")
        assert status == 200 and b"Django administration" in body
        css = next(line for line in body.decode().splitlines() if ".css" in line)
        assert css  # admin pages link hashed static files
        status, body, headers = get(base + "/health/")
        assert status == 200 and body == b'{"ok": true}'
        page = get(base + "/")[1].decode()
        href = page.split('rel="stylesheet" href="')[1].split('"')[0]
        assert href.startswith("/static/web/pyros.") and href != "/static/web/pyros.css"
        status, body, headers = get(base + href)
        assert status == 200 and b"--accent" in body
        assert "max-age=315360000" in headers.get("Cache-Control", "")  # whitenoise, hashed
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        log.close()

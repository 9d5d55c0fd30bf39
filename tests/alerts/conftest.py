"""Shared fixtures of the alert manager tests: a manual clock, settings, real notices."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.processes import stop

from pyros.clock import ManualClock, monotonic, set_clock
from pyros.config.alerts import AlertsSettings, FscConfig

NOTICES = Path("/work/shared/data/notices")
if not NOTICES.is_dir():  # CI lays shared/ beside the clone
    NOTICES = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"
#: Comet's programs (twistd, comet-sendvo) live beside this interpreter.
BIN = Path(sys.executable).parent
SVOM = NOTICES / "voevent" / "svom"
FERMI = NOTICES / "voevent" / "fermi"

#: sb26022501 (SVOM, 2026-02-25): ECLAIRs trigger 08:51:04.859; night at San Pedro Mártir.
SVOM_TRIGGER = datetime(2026, 2, 25, 8, 51, 4, 859000, tzinfo=UTC)


class Data:
    """Paths of the shared real notices and the reference burst's trigger time."""

    notices = NOTICES
    svom = SVOM
    fermi = FERMI
    svom_trigger = SVOM_TRIGGER

    @staticmethod
    def raw(path: Path) -> bytes:
        return path.read_bytes()


@pytest.fixture
def data() -> type[Data]:
    return Data


@pytest.fixture
def clock():
    c = ManualClock(SVOM_TRIGGER)
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def settings_alerts(tmp_path) -> AlertsSettings:
    """Alerts settings writing the FSC drop folder under the test's tmp_path."""
    return AlertsSettings(fsc=FscConfig(drop_dir=tmp_path / "FSC" / "TO"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout_s: float = 30.0) -> None:
    deadline = monotonic() + timeout_s
    while monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"comet exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            threading.Event().wait(0.1)
    raise TimeoutError(f"port {port} never opened")


@pytest.fixture
def comet(tmp_path):
    if shutil.which("twistd", path=str(BIN)) is None:
        pytest.skip("comet (twistd) is not installed in this environment")
    receive, broadcast = _free_port(), _free_port()
    (tmp_path / "eventdb").mkdir()
    log = tmp_path / "comet.log"
    proc = subprocess.Popen(
        [str(BIN / "twistd"), "-n", "--pidfile=", f"--logfile={log}", "comet", "-v", "-v",
         "--local-ivo=ivo://pyros.test/broker", "--receive", f"--receive-port={receive}",
         "--broadcast", f"--broadcast-port={broadcast}", "--broadcast-test-interval=0",
         f"--eventdb={tmp_path / 'eventdb'}", "--author-whitelist=127.0.0.1/32",
         "--subscriber-whitelist=127.0.0.1/32"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        _wait_port(receive, proc)
        _wait_port(broadcast, proc)
        yield receive, broadcast, log
    finally:
        stop(proc)


def _send_voevent(path: Path, port: int) -> None:
    out = subprocess.run([str(BIN / "comet-sendvo"), "-f", str(path), "-h", "127.0.0.1",
                          "-p", str(port)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture
def send_voevent():
    """Publish one VOEvent file to a broker's receiving port with Comet's own sender."""
    return _send_voevent

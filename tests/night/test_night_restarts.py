"""PostgreSQL and Redis restarted during a night: the observatory rides it out and in the
morning every invariant still holds (nothing lost, nothing left half-done)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("short_night_restarts.yaml")


@pytest.mark.slow
def test_database_and_broker_restarts_during_the_night(tmp_path, night_database_url):
    url = os.environ.get("PYROS_DATABASE_URL", "")
    broker = os.environ.get("PYROS_BROKER_URL", "")
    if not url.startswith("postgres") or not broker.startswith("redis://"):
        pytest.skip("the PostgreSQL + Redis configuration's CI pass runs this")
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster"):
        pytest.skip("restarting the services needs root")
    report = tmp_path / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "pyros.cli", "night", "--scenario", str(SCENARIO),
         "--report", str(report), "--warmup", "25", "--database-url", night_database_url],
        capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    data = json.loads((report / "night.json").read_text())
    restarts = [e for e in data["events"] if e["kind"] == "restart"]
    assert [e["service"] for e in restarts] == ["postgresql", "redis"], out[-2000:]
    failed = [c for c in data["invariants"] if c["status"] != "PASS"]
    agents = [line for line in (report / "processes.log").read_text().splitlines()
              if "WARNING" in line or "ERROR" in line or "stopping" in line]
    assert not failed, f"{failed}\n{out[-3000:]}\nagents:\n" + "\n".join(agents[-40:])
    assert data["frames"]["total"] > 0
    assert proc.returncode == 0, out[-3000:]

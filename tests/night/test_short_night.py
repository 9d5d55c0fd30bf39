"""CI's short night: `pyros night` runs the whole system unattended and every invariant
holds (frames archived and recorded, sequences final, ledger balanced, nothing executed
outside the night or while unsafe, every notice stored once)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIO = Path(__file__).with_name("short_night.yaml")


@pytest.mark.slow
def test_short_night_runs_unattended_and_every_invariant_holds(tmp_path, night_database_url):
    report = tmp_path / "report"
    cmd = [sys.executable, "-m", "pyros.cli", "night", "--scenario", str(SCENARIO),
           "--report", str(report), "--warmup", "25"]
    if night_database_url:
        cmd += ["--database-url", night_database_url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    data = json.loads((report / "night.json").read_text())
    failed = [c for c in data["invariants"] if c["status"] != "PASS"]
    assert not failed, f"{failed}\n{out[-3000:]}"
    assert proc.returncode == 0, out[-3000:]
    # the night did real work
    assert data["frames"]["total"] > 0
    assert data["sequences"]["by_status"].get("executed", 0) > 0
    assert (report / "index.html").read_text().count("PASS") == len(data["invariants"])
    # the weather closure was seen and reacted to
    assert data["weather_closures"], "the rain shower closed nothing"
    assert data["weather_closures"][0]["reaction_s"] is not None
    # the burst: one alert, observed, its latency chain complete
    svom = [a for a in data["alerts"] if "sb26022501" in a["name"]]
    assert len(svom) == 1 and svom[0]["notices"] == 3
    chain = svom[0]["latency_s"]
    assert chain["notice_stored"] is not None and chain["request_created"] is not None
    assert chain["first_exposure"] is not None, chain
    # every key documented in the README is there
    for key in ("run", "night", "time_usage", "sequences", "alerts", "weather_closures",
                "quotas", "frames", "events", "invariants", "all_pass"):
        assert key in data

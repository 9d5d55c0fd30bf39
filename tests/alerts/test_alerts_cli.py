"""``pyros alerts inject`` and ``list`` as an operator runs them (child processes)."""

from __future__ import annotations

import subprocess

import pytest


@pytest.mark.timeout(120)
def test_inject_then_list(child_env, pyros_cmd, data, tmp_path):
    env = dict(child_env, PYROS_CLOCK="sim", PYROS_SIM_START="2026-02-25T08:52:10Z",
               PYROS_SIM_SPEED="1")
    ok = subprocess.run([*pyros_cmd, "alerts", "inject", str(data.svom / "eclairs_299.xml"),
                         "--source", "test-cli"], env=env, capture_output=True, text=True,
                        timeout=90)
    assert ok.returncode == 0, ok.stderr
    assert "new_alert" in ok.stdout and "SVOM sb26022501" in ok.stdout
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<VOEvent><unclosed>")
    refused = subprocess.run([*pyros_cmd, "alerts", "inject", str(bad)], env=env,
                             capture_output=True, text=True, timeout=90)
    assert refused.returncode == 2 and "refused" in refused.stderr
    listed = subprocess.run([*pyros_cmd, "alerts", "list"], env=env, capture_output=True,
                            text=True, timeout=90)
    assert listed.returncode == 0 and "SVOM sb26022501" in listed.stdout

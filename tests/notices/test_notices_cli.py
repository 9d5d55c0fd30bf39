"""``pyros alerts parse`` on real files: JSON out and exit 0, or one stderr line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pyros.cli import build_parser, main
from pyros.notices import cli as notices_cli

DATA = Path("/work/shared/data/notices")
if not DATA.is_dir():
    DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"


def test_parse_prints_notice_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "parse", str(DATA / "voevent/svom/mxt_40.xml")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["event_id"] == "sb26022501" and out["notice_type"] == "position_update"
    assert out["trigger_time"] == "2026-02-25T09:36:39.104000Z"
    assert out["error_radius_deg"] == 0.0643


def test_parse_refuses_hostile_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = tmp_path / "evil.xml"
    evil.write_text('<!DOCTYPE v [<!ENTITY x SYSTEM "file:///etc/passwd">]><v>&x;</v>')
    assert main(["alerts", "parse", str(evil)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"pyros alerts parse: refused {evil}: ")
    assert "DOCTYPE" in captured.err


def test_parse_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "parse", "/nonexistent/notice.xml"]) == 2
    assert "No such file" in capsys.readouterr().err


def test_parse_options(capsys: pytest.CaptureFixture[str]) -> None:
    no_ns = str(DATA / "voevent/other/no_namespace_packet.xml")
    assert main(["alerts", "parse", "--strict-namespace", no_ns]) == 2
    assert "no namespace" in capsys.readouterr().err
    assert main(["alerts", "parse", "--max-bytes", "500", no_ns]) == 2
    assert "limit" in capsys.readouterr().err
    assert main(["alerts", "parse", "--max-bytes", "0", no_ns]) == 2


def test_other_modules_can_add_alerts_subcommands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyros_test_alerts_plugin.py").write_text(
        "def register_alerts(add):\n"
        "    parser = add('inject', 'send a notice to the alerts agent')\n"
        "    parser.add_argument('file')\n"
        "    parser.set_defaults(func=lambda args: 7)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(notices_cli, "ALERTS_COMMAND_MODULES", ("pyros_test_alerts_plugin",))
    args = build_parser().parse_args(["alerts", "inject", "x.xml"])
    assert args.file == "x.xml" and args.func(args) == 7


def test_real_command_line_process() -> None:
    rejected = subprocess.run(
        [sys.executable, "-m", "pyros.cli", "alerts", "parse", "/nonexistent.json"],
        capture_output=True, text=True, timeout=60, check=False)
    assert rejected.returncode == 2 and rejected.stdout == ""
    assert rejected.stderr.strip().startswith("pyros alerts parse: refused /nonexistent.json")
    ok = subprocess.run(
        [sys.executable, "-m", "pyros.cli", "alerts", "parse",
         str(DATA / "json/igwn_gwalert/MS181101ab-preliminary.json")],
        capture_output=True, text=True, timeout=60, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["event_id"] == "MS181101ab"

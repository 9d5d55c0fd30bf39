"""The observatory configuration: the default is valid, errors say where and why."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pyros.config import DEFAULT_CONFIG_PATH, ConfigError, DeviceKind, load_config, parse_config


def test_default_describes_the_demo_observatory():
    cfg = load_config(DEFAULT_CONFIG_PATH)
    assert cfg.site.latitude_deg == pytest.approx(31.0449)
    assert cfg.site.longitude_deg == pytest.approx(-115.4646)
    assert cfg.site.elevation_m == 2792
    assert cfg.telescope.aperture_m == 1.3
    kinds = {d.kind for d in cfg.devices}
    assert kinds == set(DeviceKind)
    assert cfg.device("camera_nir").blocking is False
    assert cfg.device("camera_vis").blocking is True
    assert [c.name for c in cfg.channels] == ["VIS", "NIR"]


def _default_text() -> str:
    return DEFAULT_CONFIG_PATH.read_text()


def _refused(old: str, new: str) -> tuple[str, int]:
    """The error for the default file with ``old`` replaced by ``new``, and that line."""
    text = _default_text().replace(old, new)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if new in t)
    with pytest.raises(ConfigError) as err:
        parse_config(text, "obs.yaml")
    return str(err.value), line


def test_error_names_file_line_and_key():
    message, line = _refused("latitude_deg: 31.0449", "latitude_deg: 131.0449")
    assert f"obs.yaml:{line}: site.latitude_deg" in message
    assert "less than or equal to 90" in message


@pytest.mark.parametrize("edit, expected", [
    (("twilight_deg: -12", "twilight_dge: -12"), "site.twilight_dge: Extra inputs"),
    (("name: dome, kind: dome", "name: mount, kind: dome"), "device names must be unique"),
    (("camera: camera_nir", "camera: focuser"), "is not a camera device"),
    (("filters: [J, H]", "filters: []"), "at least one filter"),
    (("kind: telescope", "kind: telescop"), "devices.0.kind"),
    (('kind: telescope, address: "http://', 'kind: telescope, address: "'),
     "must start with http://"),
    (("rainrate:       {max: 0.0,", "rainrate:       {"), "needs min, max or both"),
])
def test_invalid_configurations_are_refused(edit, expected):
    old, new = edit
    text = _default_text()
    assert old in text
    with pytest.raises(ConfigError, match=expected):
        parse_config(text.replace(old, new, 1))


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_config("site: [unclosed")
    with pytest.raises(ConfigError, match="mapping"):
        parse_config("- a\n- b\n")


def test_pyros_config_command(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(_default_text().replace("port: 11111", "port: 99999"))
    proc = subprocess.run([sys.executable, "-m", "pyros.cli", "config", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "simulator.port" in proc.stderr and str(bad) in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "pyros.cli", "config"], capture_output=True,
                        text=True, check=True)
    assert '"latitude_deg": 31.0449' in ok.stdout


def test_missing_file():
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config("/nonexistent/pyros.yaml")


def test_the_alerts_section_is_validated_with_the_observatory_file():
    message, line = _refused("repoint_factor: 2.0", "repoint_factr: 2.0")
    assert f"obs.yaml:{line}: alerts.matching.repoint_factr: Extra inputs" in message
    message, _ = _refused("field_channel: VIS", "field_channel: UV")
    assert "field_channel 'UV' is not a channel" in message


def test_the_alert_manager_reads_the_observatory_file_then_the_environment(tmp_path,
                                                                           monkeypatch):
    from pyros.config.alerts import load_alerts_settings

    obs = tmp_path / "obs.yaml"
    obs.write_text(_default_text().replace("time_tolerance_s: 60", "time_tolerance_s: 25")
                   .replace("local_ivo: ivo://pyros/alerts", "local_ivo: ivo://colibri/pyros"))
    monkeypatch.setenv("PYROS_CONFIG", str(obs))
    monkeypatch.delenv("PYROS_ALERTS_CONFIG", raising=False)
    monkeypatch.setenv("PYROS_VTP_BROKER", "127.0.0.1:8099")
    monkeypatch.setenv("PYROS_GCN_CLIENT_ID", "colibri")
    monkeypatch.setenv("PYROS_GCN_CLIENT_SECRET", "s3cret")
    s = load_alerts_settings()
    assert s.matching.time_tolerance_s == 25 and s.vtp.local_ivo == "ivo://colibri/pyros"
    assert s.vtp.enabled and s.vtp.port == 8099  # the environment on top
    assert s.kafka.enabled and s.kafka.client_secret.get_secret_value() == "s3cret"
    assert s.kafka.group_id == "pyros-alerts"
    # a separate alerts file, when named, replaces the observatory's section
    separate = tmp_path / "alerts.yaml"
    separate.write_text("alerts:\n  matching: {time_tolerance_s: 90}\n")
    monkeypatch.setenv("PYROS_ALERTS_CONFIG", str(separate))
    assert load_alerts_settings().matching.time_tolerance_s == 90

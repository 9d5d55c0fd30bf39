"""Settings come from the environment through typed helpers that fail loudly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pyros.env import EnvError, env_bool, env_float, env_int


@pytest.mark.parametrize("raw, expected", [("1", True), ("true", True), ("YES", True),
                                           ("off", False), ("0", False), ("", False)])
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_bad_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(EnvError, match="X_FLAG must be a boolean"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_INT", "12a")
    with pytest.raises(EnvError, match="X_INT must be an integer"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_FLOAT", "fast")
    with pytest.raises(EnvError, match="X_FLOAT must be a number"):
        env_float("X_FLOAT", 1.0)


def _settings_in_child(tmp_path, **env: str) -> subprocess.CompletedProcess:
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='pyros.settings'; "
            "from django.conf import settings; "
            "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'], "
            "settings.CELERY_BROKER_URL)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYROS_DATA_DIR": str(tmp_path), **env})


def test_embedded_defaults(tmp_path):
    out = _settings_in_child(tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "django.db.backends.sqlite3", "filesystem://"]
    key = (tmp_path / "secret_key")
    assert key.exists() and len(key.read_text()) > 40
    assert oct(key.stat().st_mode & 0o777) == "0o600"


def test_production_settings(tmp_path):
    out = _settings_in_child(tmp_path, PYROS_DATABASE_URL="postgres://u@db.example:5432/pyros",
                             PYROS_BROKER_URL="redis://127.0.0.1:6379/0", PYROS_DEBUG="true")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "django.db.backends.postgresql",
                                  "redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize("env, message", [
    ({"PYROS_DEBUG": "perhaps"}, "PYROS_DEBUG must be a boolean"),
    ({"PYROS_DATABASE_URL": "oracle-ish://nowhere"}, "PYROS_DATABASE_URL"),
])
def test_bad_settings_fail_at_start(tmp_path, env, message):
    out = _settings_in_child(tmp_path, **env)
    assert out.returncode != 0
    assert message in out.stderr


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only: this run uses " + connection.vendor)
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode")
        assert cur.fetchone()[0].lower() == "wal"

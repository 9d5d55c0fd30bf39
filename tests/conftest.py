"""Shared fixtures: how subprocesses (agents, workers, the supervisor) reach the test DB."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def subprocess_database_url() -> str:
    """A URL for the database the current test uses, for child processes."""
    from django.db import connection

    s = connection.settings_dict
    engine = s["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    if "postgresql" in engine:
        user = s.get("USER") or "postgres"
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        return f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    raise RuntimeError(f"no subprocess URL for engine {engine}")


@pytest.fixture
def child_env(transactional_db) -> dict[str, str]:
    """Environment for a PyROS child process sharing this test's database."""
    env = dict(os.environ)
    env["PYROS_DATABASE_URL"] = subprocess_database_url()
    env["PYTHONUNBUFFERED"] = "1"
    from django.conf import settings

    env["PYROS_DATA_DIR"] = str(settings.DATA_DIR)  # same broker spool and secret key
    return env


@pytest.fixture
def pyros_cmd() -> list[str]:
    return [sys.executable, "-m", "pyros.cli"]


@pytest.fixture(scope="session", autouse=True)
def _collected_static():
    """Pages use hashed static names, as in production: collect them once per run."""
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)

"""The night runs on its own database: a fresh SQLite file in its report by default, or,
in the PostgreSQL configuration, a fresh PostgreSQL database dropped afterwards."""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture
def night_database_url():
    url = os.environ.get("PYROS_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    import psycopg

    base = url.rsplit("/", 1)[0]
    name = f"pyros_night_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{base}/{name}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Shared fixtures of the alert manager tests: a manual clock, settings, real notices."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pyros.alerts.config import AlertsSettings, FscConfig
from pyros.clock import ManualClock, set_clock

NOTICES = Path("/work/shared/data/notices")
if not NOTICES.is_dir():  # CI lays shared/ beside the clone
    NOTICES = Path(__file__).resolve().parents[3] / "shared" / "data" / "notices"
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

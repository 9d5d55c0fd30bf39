"""A logging handler that stores records in the database for the dashboard.

Logging must never break the caller: database errors (database restarting, locked, not
migrated yet) are swallowed, and records emitted while storing a record are ignored.

The handler takes no lock of its own (each thread writes through its own connection).
With the usual per-handler lock, a thread waiting for SQLite's write lock inside ``emit``
held the handler lock, while the thread holding the write lock (inside a transaction)
waited for the handler lock to log: both stood still until SQLite's 30 s timeout.  That
stalled an alert's ingestion for 30 s in the end-to-end test.
"""

from __future__ import annotations

import logging
import os
import threading

_guard = threading.local()


class DatabaseLogHandler(logging.Handler):
    def createLock(self) -> None:
        """No handler lock: see the module docstring (the deadlock it caused)."""
        self.lock = None

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_guard, "busy", False):
            return
        _guard.busy = True
        try:
            from django.apps import apps

            if not apps.ready:
                return
            from pyros.system.models import LogEntry

            LogEntry.objects.create(
                level=record.levelno,
                level_name=record.levelname,
                logger=record.name[:128],
                process=os.environ.get("PYROS_PROCESS_NAME", "")[:64],
                message=self.format(record) if self.formatter else record.getMessage(),
            )

        except Exception:  # noqa: BLE001 - must not propagate
            pass
        finally:
            _guard.busy = False

"""A background sender: outbound HTTP posts, webhooks and e-mail leave the ingestion path.

A slow or dead science-centre endpoint must never delay the next notice, so deliveries are
queued to one daemon thread.  :func:`drain` waits until the queue is empty (commands call
it before exiting; tests call it before looking).  Failures are logged, never raised.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from pyros.clock import monotonic

log = logging.getLogger("pyros.alerts.outbound")

__all__ = ["drain", "post_json", "submit"]

_queue: queue.Queue[tuple[str, Callable[[], None]]] = queue.Queue()
_worker: threading.Thread | None = None
_lock = threading.Lock()


def _run() -> None:
    while True:
        label, job = _queue.get()
        try:
            job()
        except Exception as exc:  # noqa: BLE001 (a delivery failure is logged, never raised)
            log.warning("alerts: delivery %s failed: %s", label, exc)
        finally:
            _queue.task_done()


def submit(label: str, job: Callable[[], None]) -> None:
    """Run ``job()`` on the sender thread (started on first use)."""
    global _worker
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="pyros-alerts-outbound", daemon=True)
            _worker.start()
    _queue.put((label, job))


def drain(timeout_s: float = 10.0) -> bool:
    """Wait (wall time) until every submitted delivery has run; False on timeout."""
    deadline = monotonic() + timeout_s
    while _queue.unfinished_tasks:
        if monotonic() > deadline:
            return False
        threading.Event().wait(0.01)
    return True


def post_json(url: str, payload: dict[str, Any], timeout_s: float) -> int:
    """POST ``payload`` as JSON; returns the HTTP status, raises OSError on failure."""
    body = json.dumps(payload).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "PyROS-alerts"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        raise OSError(f"{url} answered HTTP {exc.code}") from None

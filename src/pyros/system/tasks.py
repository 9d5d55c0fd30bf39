"""System tasks: a round trip through the broker, used by health checks and tests."""

from __future__ import annotations

import os
import socket

from celery import shared_task

from pyros.system.models import LogEntry


@shared_task(name="pyros.system.ping", acks_late=True)
def ping(token: str) -> str:
    """Write a log row naming ``token`` and the worker that ran it; returns the worker."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    LogEntry.objects.create(level=20, level_name="INFO", logger="pyros.system.ping",
                            process="worker", message=f"pong {token} from {worker}")
    return worker

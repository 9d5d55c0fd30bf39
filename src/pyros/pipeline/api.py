"""What the execution agent calls when frames arrive (the pipeline's only entry points).

Each call queues a Celery task once the caller's transaction commits (so the worker sees
the frame rows) and returns at once.  With ``settings.CELERY_TASK_ALWAYS_EAGER`` the task
runs in the calling process instead (tests, single-process debugging).

* :func:`on_frame_archived` — after a frame row is written: lights are reduced; calibration
  frames wait for :func:`on_calibrations_done`.
* :func:`on_calibrations_done` — after a calibration set (bias/dark/flat) of a night and
  channel: builds the masters, then re-reduces lights of that night they improve.
* :func:`on_burst_epoch` — after each epoch of a burst follow-up: (re)analyses every frame
  of it so far (what is reduced at the time it runs).  The ``reduce_frame`` task also
  queues it as an alert's frames are reduced (``actions.burst_analysis_due``).

An alert's frames and its burst analyses go to :data:`URGENT_QUEUE`, which ``pyros start``
gives a worker of its own: a burst's afterglow must not wait behind the night's routine
backlog (CI's short night ended with the alert's analyses still queued behind it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

__all__ = ["DEFAULT_QUEUE", "URGENT_QUEUE", "enqueue", "on_burst_epoch",
           "on_calibrations_done", "on_frame_archived"]

#: Celery's default queue: routine reductions and masters.
DEFAULT_QUEUE = "celery"
#: Alert frames and burst analyses.
URGENT_QUEUE = "pyros.urgent"


def enqueue(task: Any, *args: Any, urgent: bool = False) -> None:
    """Send ``task(*args)`` to the workers after commit (or run it now when eager);
    ``urgent`` sends it to :data:`URGENT_QUEUE`."""

    def send() -> None:
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            task.apply(args=args, throw=True)
        else:
            task.apply_async(args=args, queue=URGENT_QUEUE if urgent else DEFAULT_QUEUE)

    transaction.on_commit(send)


def on_frame_archived(frame_id: int) -> bool:
    """Queue the reduction of a light frame; returns whether anything was queued."""
    from pyros.execution.models import Frame
    from pyros.pipeline.tasks import reduce_frame

    row = (Frame.objects.filter(pk=frame_id)
           .values_list("kind", "sequence__request__from_alert").first())
    if row is None or row[0] != Frame.Kind.LIGHT:
        return False
    enqueue(reduce_frame, frame_id, urgent=bool(row[1]))
    return True


def on_calibrations_done(night: str, channel: str) -> None:
    """Queue the master build of ``night`` ('YYYYMMDD') and ``channel`` ('VIS', 'NIR')."""
    from pyros.pipeline.tasks import build_masters

    enqueue(build_masters, night, channel)


def on_burst_epoch(*, alert_id: int | None = None, request_id: int | None = None,
                   sequence_id: int | None = None, ra_deg: float | None = None,
                   dec_deg: float | None = None, radius_deg: float | None = None,
                   trigger_time: datetime | None = None) -> None:
    """Queue the burst analysis of an alert's follow-up (or a request's, or a sequence's).

    The error circle and trigger default to the alert's (or the sequence's target and first
    frame); give them to override.  Raises ``ValueError`` when no reference is given.
    """
    from pyros.pipeline.actions import BurstRef
    from pyros.pipeline.tasks import analyse_burst

    if alert_id is None and request_id is None and sequence_id is None:
        raise ValueError("on_burst_epoch needs an alert, a request or a sequence id")
    ref = BurstRef(alert_id=alert_id, request_id=request_id, sequence_id=sequence_id,
                   ra_deg=ra_deg, dec_deg=dec_deg, radius_deg=radius_deg,
                   trigger_time=trigger_time.isoformat() if trigger_time else None)
    enqueue(analyse_burst, ref.to_dict(), urgent=True)

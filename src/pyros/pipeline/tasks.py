"""Celery tasks of the pipeline: thin wrappers over :mod:`pyros.pipeline.actions`.

All are ``acks_late`` (settings): a worker that dies mid-task leaves the message to be
redelivered, which is safe because every action is idempotent.  Database hiccups
(SQLite busy, a PostgreSQL failover) are retried with back-off; bad data is not (the
action records it as a failed result instead of raising).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 2, "retry_backoff_max": 60,
          "max_retries": 5, "acks_late": True}


@shared_task(name="pyros.pipeline.build_masters", **_RETRY)
def build_masters(night: str, channel: str, rereduce: bool = True) -> list[int]:
    """Build the night's masters for ``channel``; then re-queue reductions they improve."""
    from pyros.pipeline import actions, api

    masters = actions.build_masters(night, channel)
    if rereduce:
        for frame_id in actions.stale_reductions(night, channel):
            api.on_frame_archived(frame_id)  # an alert's frame goes to the urgent queue
    return [m.pk for m in masters]


@shared_task(name="pyros.pipeline.reduce_frame", **_RETRY)
def reduce_frame(frame_id: int) -> dict[str, Any]:
    """Reduce, measure and calibrate one light frame (and queue the burst analysis of its
    alert when one is due: :func:`pyros.pipeline.actions.burst_analysis_due`)."""
    from pyros.pipeline import actions

    red = actions.reduce_frame(frame_id)
    alert_id = actions.burst_analysis_due(frame_id)
    if alert_id is not None:  # a burst's afterglow is reported as its frames come in
        from pyros.pipeline.api import on_burst_epoch

        on_burst_epoch(alert_id=alert_id)
    return {"frame": frame_id, "status": red.status, "zero_point": red.zero_point,
            "error": red.error, "burst_analysis": alert_id}


@shared_task(name="pyros.pipeline.analyse_burst", **_RETRY)
def analyse_burst(ref: dict[str, Any]) -> dict[str, Any]:
    """Search a burst follow-up's frames for the afterglow (``ref``: see ``BurstRef``)."""
    from pyros.pipeline import actions

    result = actions.analyse_burst(actions.BurstRef.from_dict(ref))
    return {"key": result.key, "found": result.found, "decay_index": result.decay_index}

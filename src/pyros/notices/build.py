"""Final checks shared by the VOEvent and JSON parsers before a Notice is made."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

from pyros.notices.errors import NoticeRejected
from pyros.notices.model import DetailValue, Notice, NoticeType, Role, SourceFormat
from pyros.notices.values import check_error_radius, check_position, plain_text

__all__ = ["assemble"]

_MAX_EVENT_ID_CHARS = 128


def assemble(
    *,
    mission: str,
    instrument: str | None,
    event_id: str | None,
    notice_type: NoticeType,
    packet_type: int | None,
    packet_name: str | None,
    ivorn: str | None,
    author: str | None,
    issued: datetime | None,
    trigger_time: datetime | None,
    ra_deg: float | None,
    dec_deg: float | None,
    error_radius_deg: float | None,
    error_confidence: float | None,
    error_systematic_included: bool | None,
    significance_sigma: float | None,
    far_hz: float | None,
    role: Role,
    is_retraction: bool,
    is_preliminary: bool,
    references: Sequence[str],
    skymap_url: str | None,
    source_format: SourceFormat,
    details: Mapping[str, DetailValue],
) -> Notice:
    """Check the cross-field invariants of :class:`Notice` and build it."""
    if not event_id:
        raise NoticeRejected("notice has no event identifier")
    event_id = plain_text(event_id, "event id", max_chars=_MAX_EVENT_ID_CHARS)
    if not event_id:
        raise NoticeRejected("notice has an empty event identifier")
    if is_retraction:
        notice_type = NoticeType.RETRACTION
    if trigger_time is None and not is_retraction:
        raise NoticeRejected("notice has no trigger time")
    if (ra_deg is None) != (dec_deg is None):
        raise NoticeRejected("notice gives only one of RA and Dec")
    if ra_deg is not None and dec_deg is not None:
        ra_deg, dec_deg = check_position(ra_deg, dec_deg)
        error_radius_deg = check_error_radius(error_radius_deg)
    else:
        error_radius_deg = None
    if error_radius_deg is None:
        error_confidence = error_systematic_included = None
    if error_confidence is not None and not 0.0 < error_confidence < 1.0:
        raise NoticeRejected(f"containment probability {error_confidence!r} is not in (0, 1)")
    for name, value in (("significance", significance_sigma), ("false-alarm rate", far_hz)):
        if value is not None and (not math.isfinite(value) or value < 0.0):
            raise NoticeRejected(f"{name} {value!r} is not a finite non-negative number")
    return Notice(
        mission=mission,
        instrument=instrument or None,
        event_id=event_id,
        notice_type=notice_type,
        packet_type=packet_type,
        packet_name=packet_name or None,
        ivorn=ivorn,
        author=author or None,
        issued=issued,
        trigger_time=trigger_time,
        ra_deg=ra_deg,
        dec_deg=dec_deg,
        error_radius_deg=error_radius_deg,
        error_confidence=error_confidence,
        error_systematic_included=error_systematic_included,
        significance_sigma=significance_sigma,
        far_hz=far_hz,
        role=role,
        is_retraction=is_retraction,
        is_preliminary=is_preliminary and not is_retraction,
        references=tuple(references),
        skymap_url=skymap_url or None,
        source_format=source_format,
        details={k: v for k, v in details.items() if v is not None},
    )

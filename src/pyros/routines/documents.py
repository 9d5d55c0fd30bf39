"""Requests as documents (the tree of ``routines.exchange``) for export, the API and
round trips: what :func:`request_document` writes, ``actions.import_requests`` reads."""

from __future__ import annotations

from typing import Any

from pyros.routines.exchange import FORMAT_TAG
from pyros.routines.models import Request, Sequence


def sequence_document(seq: Sequence) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": seq.name, "target_name": seq.target_name, "ra": seq.ra_deg,
        "dec": seq.dec_deg, "window_start": seq.window_start.isoformat(),
        "window_end": seq.window_end.isoformat(), "max_airmass": seq.max_airmass,
        "min_moon_separation_deg": seq.min_moon_separation_deg, "priority": seq.priority,
        "allow_postpone": seq.allow_postpone,
    }
    if seq.max_seeing_arcsec is not None:
        doc["max_seeing_arcsec"] = seq.max_seeing_arcsec
    if seq.max_moon_illumination is not None:
        doc["max_moon_illumination"] = seq.max_moon_illumination
    doc["albums"] = [
        {"channel": album.channel,
         "plans": [{"filter": p.filter_name, "exposure_s": p.exposure_s, "count": p.count,
                    "dither_arcsec": p.dither_arcsec} for p in album.plans.all()]}
        for album in seq.albums.order_by("channel")]
    return doc


def request_document(request: Request) -> dict[str, Any]:
    """A request as an importable document (repeated copies are written as sequences)."""
    return {"format": FORMAT_TAG, "name": request.name, "programme": request.programme.code,
            "sequences": [sequence_document(s) for s in
                          request.sequences.prefetch_related("albums__plans")]}


def requests_document(requests) -> dict[str, Any]:
    return {"format": FORMAT_TAG, "requests": [request_document(r) for r in requests]}

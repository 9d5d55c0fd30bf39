"""Outbound exchange with the instrument centre (IC) and the science centre (FSC).

The original design used file-drop folders (``GIC/TO/``, ``FSC/TO/``); PyROS keeps them as
the default and always writes there first, so nothing is lost if a remote end is down.
When an HTTP endpoint is configured (``PYROS_IC_URL``, ``PYROS_FSC_URL``) each message is
also POSTed as JSON; a message that could not be posted is listed in ``TO/.pending`` and
retried by :func:`retry_pending`.

Pure of Django: the caller gives the data directory (``settings.DATA_DIR``).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from pyros.atomicfile import write_atomically

log = logging.getLogger("pyros.exchange")

#: Channel name → (folder under <data dir>/exchange, environment variable of the URL).
CHANNELS = {"IC": ("GIC", "PYROS_IC_URL"), "FSC": ("FSC", "PYROS_FSC_URL")}


@dataclass(frozen=True)
class Sent:
    path: Path
    posted: bool | None  # None: no URL configured


def _outbox(data_dir: Path, channel: str) -> Path:
    folder, _ = CHANNELS[channel]
    path = Path(data_dir) / "exchange" / folder / "TO"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _post(url: str, body: bytes, timeout_s: float) -> bool:
    try:
        resp = requests.post(url, data=body, timeout=timeout_s,
                             headers={"Content-Type": "application/json"})
        resp.raise_for_status()
        return True
    except requests.RequestException as exc:
        log.warning("exchange: POST to %s failed: %s (kept for retry)", url, exc)
        return False


def send(data_dir: Path, channel: str, kind: str, payload: dict[str, Any], at: datetime,
         timeout_s: float = 5.0) -> Sent:
    """Send one message ``{"kind", "at", "payload"}`` on ``channel`` ("IC" or "FSC")."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown exchange channel {channel!r}")
    body = json.dumps({"kind": kind, "at": at.isoformat(), "payload": payload},
                      indent=1, default=str).encode()
    outbox = _outbox(data_dir, channel)
    path = outbox / f"{kind}-{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.json"
    write_atomically(path, body)
    url = os.environ.get(CHANNELS[channel][1], "").strip()
    if not url:
        return Sent(path, None)
    posted = _post(url, body, timeout_s)
    if not posted:
        with (outbox / ".pending").open("a", encoding="utf-8") as fh:
            fh.write(path.name + "\n")
    return Sent(path, posted)


def retry_pending(data_dir: Path, channel: str, timeout_s: float = 5.0) -> int:
    """POST again the messages that failed; returns how many are still pending."""
    url = os.environ.get(CHANNELS[channel][1], "").strip()
    outbox = _outbox(data_dir, channel)
    pending_file = outbox / ".pending"
    if not url or not pending_file.exists():
        return 0
    still = []
    for name in dict.fromkeys(pending_file.read_text(encoding="utf-8").split()):
        path = outbox / name
        if path.exists() and not _post(url, path.read_bytes(), timeout_s):
            still.append(name)
    write_atomically(pending_file, "".join(f"{n}\n" for n in still).encode())
    return len(still)

"""The scenario and fault control API (``/pyros/sim/...``), outside the Alpaca namespace.

JSON in, JSON out; a bad request is HTTP 400 with ``{"error": "..."}``.

==========  ========================  ===============================================
verb        path                      body / answer
==========  ========================  ===============================================
GET         /pyros/sim/status         the whole state (devices, weather, faults...)
POST        /pyros/sim/weather        ``{"values": {...}}`` now, and/or ``"timeline":
                                      [{"at": ISO | "offset_s": s, "values": {...}}]``,
                                      ``"replace": true``, ``"updating": bool``
POST        /pyros/sim/fault          ``{"device": name, "mode": m, "duration_s": s}``
POST        /pyros/sim/transient      ``{"ra_deg", "dec_deg", "mag", "t0"?, "alpha"?}``
DELETE      /pyros/sim/transients     remove every injected transient
==========  ========================  ===============================================
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pyros.clock import get_clock, parse_utc
from pyros.simulators.device import Reply
from pyros.simulators.observatory import Observatory

__all__ = ["handle_control"]

PREFIX = "/pyros/sim/"


class ControlError(ValueError):
    """A control request that cannot be honoured (HTTP 400)."""


def _json_reply(data: Any, status: int = 200) -> Reply:
    return Reply(json.dumps(data, default=str).encode(), status)


def _body(raw: bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def _instant(entry: dict[str, Any], now: datetime) -> datetime:
    if "at" in entry:
        try:
            return parse_utc(str(entry["at"]))
        except ValueError as exc:
            raise ControlError(str(exc)) from None
    if "offset_s" in entry:
        try:
            return now + timedelta(seconds=float(entry["offset_s"]))
        except (TypeError, ValueError):
            raise ControlError(f"offset_s must be a number: {entry['offset_s']!r}") from None
    raise ControlError("a timeline entry needs 'at' (ISO instant) or 'offset_s' (seconds)")


def _number(data: dict[str, Any], key: str, default: Any = ...) -> float:
    if data.get(key) is None:
        if default is ...:
            raise ControlError(f"missing {key!r}")
        return default
    try:
        return float(data[key])
    except (TypeError, ValueError):
        raise ControlError(f"{key} must be a number, got {data[key]!r}") from None


def weather(obs: Observatory, data: dict[str, Any]) -> dict[str, Any]:
    now = get_clock().now()
    try:
        if "updating" in data:
            obs.weather.set_updating(bool(data["updating"]))
        if data.get("values"):
            obs.weather.set(dict(data["values"]))
        if "timeline" in data:
            entries = data["timeline"]
            if not isinstance(entries, list):
                raise ControlError("timeline must be a list of {at|offset_s, values}")
            changes = [(_instant(e, now), dict(e.get("values") or {})) for e in entries]
            obs.weather.schedule(changes, replace=bool(data.get("replace", True)))
    except (TypeError, AttributeError) as exc:
        raise ControlError(f"malformed weather request: {exc}") from None
    return obs.weather.describe()


def fault(obs: Observatory, data: dict[str, Any]) -> dict[str, Any]:
    name = data.get("device")
    if name not in obs.by_name:
        raise ControlError(f"unknown device {name!r}; devices: {sorted(obs.by_name)}")
    duration = _number(data, "duration_s", None)
    return {"device": name, **obs.set_fault(name, str(data.get("mode", "")), duration)}


def transient(obs: Observatory, data: dict[str, Any]) -> dict[str, Any]:
    t0 = None
    if data.get("t0"):
        t0 = _instant({"at": data["t0"]}, get_clock().now())
    t = obs.add_transient(_number(data, "ra_deg"), _number(data, "dec_deg"),
                          _number(data, "mag"), t0, _number(data, "alpha", 1.0))
    return t.as_dict()


def handle_control(obs: Observatory, verb: str, path: str, body: bytes | None) -> Reply:
    """Answer one control request (``path`` starts with ``/pyros/sim/``)."""
    action = path[len(PREFIX):].strip("/")
    routes = {
        ("GET", "status"): lambda d: obs.state(),
        ("POST", "weather"): lambda d: weather(obs, d),
        ("POST", "fault"): lambda d: fault(obs, d),
        ("POST", "transient"): lambda d: transient(obs, d),
        ("DELETE", "transients"): lambda d: {"removed": obs.clear_transients()},
    }
    route = routes.get((verb, action))
    if route is None:
        known = ", ".join(f"{v} {PREFIX}{a}" for v, a in routes)
        return _json_reply({"error": f"no {verb} {path}; known: {known}"}, 400)
    try:
        return _json_reply(route(_body(body)))
    except (ControlError, ValueError) as exc:
        return _json_reply({"error": str(exc)}, 400)

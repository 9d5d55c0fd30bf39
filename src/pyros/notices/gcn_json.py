"""GCN Kafka JSON notices (GCN unified schema, IGWN gwalert) to :class:`Notice`.

The mission is read from the ``$schema`` URL (``.../gcn/notices/<mission>/...``), else from
``mission``, else from ``instrument``; IGWN gwalert messages are recognised by their
``superevent_id``.  Field types are checked here one by one (the GCN schemas are not
applied wholesale: a notice is refused only for what PyROS would misread).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pyros.notices.build import assemble
from pyros.notices.errors import NoticeRejected
from pyros.notices.missions import (
    FERMI_JSON_SUBTYPES,
    GCN_PACKETS,
    IGWN_ALERT_TYPES,
    INSTRUMENT_MISSION,
    normalise_mission,
)
from pyros.notices.model import DetailValue, Notice, NoticeType, Role, SourceFormat
from pyros.notices.options import DEFAULT_OPTIONS, ParseOptions
from pyros.notices.values import parse_iso_time, plain_text

__all__ = ["parse_gcn_json"]

_SCHEMA_PATH = re.compile(r"/gcn/notices/(?P<path>[A-Za-z0-9_./-]+?)\.schema\.json$")
#: GCN ``alert_tense`` values that are not real, current sky events.
_TEST_TENSES = frozenset({"test", "injection", "commanded"})
_ROLE_BY_TENSE = {"current": Role.OBSERVATION, "archival": Role.OBSERVATION,
                  "planned": Role.PREDICTION}
#: Default containment of ``ra_dec_error`` and systematic flag (GCN Localization schema).
_DEFAULT_CONTAINMENT = 0.9
_DEFAULT_SYSTEMATIC = False


# ------------------------------------------------------------------------- decoding
def _reject_constant(name: str) -> float:
    raise NoticeRejected(f"JSON notice contains {name}, which is not a number")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise NoticeRejected(f"JSON notice repeats the key {key[:40]!r}")
        out[key] = value
    return out


def decode_json_object(data: bytes | str, *, max_bytes: int) -> dict[str, Any]:
    """Decode strict JSON (no NaN/Infinity, no duplicate keys) that must be an object."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise NoticeRejected(f"JSON notice is {size} bytes, over the {max_bytes}-byte limit")
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        value = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicate_keys
        )
    except NoticeRejected:
        raise
    except UnicodeDecodeError:
        raise NoticeRejected("JSON notice is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise NoticeRejected(f"JSON notice is not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:  # over-long integers, deep nesting
        raise NoticeRejected(f"JSON notice cannot be decoded: {type(exc).__name__}") from None
    if not isinstance(value, dict):
        raise NoticeRejected(f"JSON notice is not an object but {_json_type(value)}")
    return value


def _json_type(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


# ---------------------------------------------------------------------- typed access
class _Fields:
    """Typed getters over a JSON object; a wrong type is a NoticeRejected."""

    def __init__(self, data: Mapping[str, Any], where: str = "") -> None:
        self.data = data
        self.where = where

    def _name(self, key: str) -> str:
        return f"{self.where}{key}"

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str, *, max_chars: int = 2048) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        return plain_text(value, f"field {self._name(key)}", max_chars=max_chars) or None

    def number(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise NoticeRejected(f"field {self._name(key)} must be a number")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise NoticeRejected(f"field {self._name(key)} is not finite")
        return number

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise NoticeRejected(f"field {self._name(key)} must be true or false")
        return value

    def time(self, key: str) -> datetime | None:
        text = self.text(key, max_chars=64)
        return None if text is None else parse_iso_time(text, f"field {self._name(key)}")

    def ids(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(i, str) for i in items):
            raise NoticeRejected(f"field {self._name(key)} must be a string or strings")
        return [plain_text(i, f"field {self._name(key)}", max_chars=128) for i in items[:16]]

    def obj(self, key: str) -> _Fields | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise NoticeRejected(f"field {self._name(key)} must be an object")
        return _Fields(value, f"{self._name(key)}.")


# --------------------------------------------------------------------------- parsing
def parse_gcn_json(data: bytes | str, options: ParseOptions = DEFAULT_OPTIONS) -> Notice:
    """Parse one GCN Kafka JSON notice.  Raises :class:`NoticeRejected` if refused."""
    obj = decode_json_object(data, max_bytes=options.max_json_bytes)
    f = _Fields(obj)
    if "superevent_id" in obj:
        return _igwn_gwalert(f)
    return _unified(f)


def _schema_path(f: _Fields) -> str | None:
    schema = f.text("$schema", max_chars=300)
    if schema is None:
        return None
    match = _SCHEMA_PATH.search(schema)
    return match["path"].lower() if match else None


def _mission_of(f: _Fields, schema_path: str | None) -> str:
    if schema_path:
        first = schema_path.split("/", 1)[0]
        mission = normalise_mission(first)
        if mission:
            return mission
    named = f.text("mission", max_chars=100)
    if named:
        return normalise_mission(named) or named
    instrument = f.text("instrument", max_chars=100)
    if instrument and instrument.upper() in INSTRUMENT_MISSION:
        return INSTRUMENT_MISSION[instrument.upper()]
    raise NoticeRejected("JSON notice names no mission ($schema, mission or instrument)")


def _unified(f: _Fields) -> Notice:
    schema_path = _schema_path(f)
    mission = _mission_of(f, schema_path)
    instrument = f.text("instrument", max_chars=100)
    alert_type = (f.text("alert_type", max_chars=40) or "").lower()
    tense = (f.text("alert_tense", max_chars=40) or "current").lower()
    if tense in _TEST_TENSES:
        role = Role.TEST
    elif tense in _ROLE_BY_TENSE:
        role = _ROLE_BY_TENSE[tense]
    else:
        raise NoticeRejected(f"unknown alert_tense {tense!r}")
    retraction = alert_type == "retraction"

    ra, dec = f.number("ra"), f.number("dec")
    error = _error_radius(f)
    containment = f.number("containment_probability")
    systematic = f.flag("systematic_included")
    ids = f.ids("id")
    names = f.ids("event_name")

    packet_type: int | None = None
    packet_name: str | None = schema_path
    preliminary = False
    notice_type = _generic_type(alert_type)
    details: dict[str, DetailValue] = {
        "alert_type": alert_type or None,
        "record_number": f.number("record_number"),
    }
    if mission == "SVOM":
        notice_type, packet_name = _svom_type(f, instrument, names)
        details["slew_status"] = f.text("slew_status", max_chars=40)
    elif mission == "Fermi":
        subtype = f.text("subtype", max_chars=40)
        if subtype is not None:
            packet_type = FERMI_JSON_SUBTYPES.get(subtype.upper())
            packet_name = subtype
            if packet_type is not None:
                notice_type = GCN_PACKETS[packet_type].notice_type
        details["duration_class"] = f.text("duration_class", max_chars=20)
        details["human_in_the_loop"] = f.flag("human_in_the_loop")
    elif mission == "Swift":
        details["follow_up_event"] = f.text("follow_up_event", max_chars=200)
    elif mission == "EinsteinProbe":
        notice_type = NoticeType.TRIGGER if alert_type in ("", "initial") else notice_type
    if retraction:
        notice_type = NoticeType.RETRACTION

    image_snr, rate_snr = f.number("image_snr"), f.number("rate_snr")
    significance = next((s for s in (image_snr, rate_snr) if s is not None and s > 0), None)
    skymap = f.text("healpix_url", max_chars=1024)
    return assemble(
        mission=mission,
        instrument=instrument,
        event_id=(ids or names or [None])[0],
        notice_type=notice_type,
        packet_type=packet_type,
        packet_name=packet_name,
        ivorn=None,
        author=f.text("mission", max_chars=100) or mission,
        issued=f.time("alert_datetime"),
        trigger_time=f.time("trigger_time"),
        ra_deg=ra,
        dec_deg=dec,
        error_radius_deg=error,
        error_confidence=containment if containment is not None else _DEFAULT_CONTAINMENT,
        error_systematic_included=systematic if systematic is not None else _DEFAULT_SYSTEMATIC,
        significance_sigma=significance,
        far_hz=f.number("far"),
        role=role,
        is_retraction=retraction,
        is_preliminary=preliminary,
        references=(),
        skymap_url=skymap,
        source_format=SourceFormat.GCN_JSON,
        details=details,
    )


def _error_radius(f: _Fields) -> float | None:
    """``ra_dec_error``: a radius [deg], or an ellipse whose semi-major axis is used."""
    value = f.data.get("ra_dec_error")
    if isinstance(value, list):
        if not 1 <= len(value) <= 3:
            raise NoticeRejected("field ra_dec_error must have 1 to 3 values")
        return _Fields({"ra_dec_error": value[0]}).number("ra_dec_error")
    return f.number("ra_dec_error")


def _generic_type(alert_type: str) -> NoticeType:
    return {
        "initial": NoticeType.TRIGGER,
        "subsequent": NoticeType.POSITION_UPDATE,
        "update": NoticeType.POSITION_UPDATE,
        "retraction": NoticeType.RETRACTION,
    }.get(alert_type, NoticeType.OTHER)


def _svom_type(
    f: _Fields, instrument: str | None, names: list[str]
) -> tuple[NoticeType, str]:
    """SVOM JSON notices carry no packet number: infer it from instrument and slew status.

    An ECLAIRs notice that names its source (``event_name``) and asked for no slew is an
    on-board catalogue detection (203); otherwise no slew request means a wake-up (202).
    """
    slew = (f.text("slew_status", max_chars=40) or "").lower()
    key = (instrument or "").upper()
    if key == "GRM":
        return NoticeType.TRIGGER, "grm-trigger"
    if key == "MXT":
        return NoticeType.POSITION_UPDATE, "mxt"
    if key == "ECLAIRS":
        if slew == "accepted":
            return NoticeType.SLEWING, "slewing"
        if slew == "rejected":
            return NoticeType.NOT_SLEWING, "not-slewing"
        if names:
            return NoticeType.CATALOG, "eclairs-catalog"
        return NoticeType.WAKEUP, "eclairs-wakeup"
    return NoticeType.OTHER, "svom"


def _igwn_gwalert(f: _Fields) -> Notice:
    """IGWN ``igwn.gwalert`` message: no position, a superevent id and an alert type."""
    superevent = f.text("superevent_id", max_chars=64)
    if not superevent:
        raise NoticeRejected("IGWN alert has no superevent_id")
    alert_type = (f.text("alert_type", max_chars=40) or "").upper().replace("_", "")
    packet_type = IGWN_ALERT_TYPES.get(alert_type)
    if packet_type is None:
        raise NoticeRejected(f"unknown IGWN alert_type {alert_type[:40]!r}")
    info = GCN_PACKETS[packet_type]
    event = f.obj("event")
    urls = f.obj("urls")
    instruments = None
    far = None
    trigger_time = None
    details: dict[str, DetailValue] = {}
    if event is not None:
        trigger_time = event.time("time")
        far = event.number("far")
        listed = event.data.get("instruments")
        if listed is not None:
            if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
                raise NoticeRejected("field event.instruments must be a list of strings")
            instruments = ",".join(plain_text(i, "instrument", max_chars=8) for i in listed)
        details.update(
            group=event.text("group", max_chars=40),
            pipeline=event.text("pipeline", max_chars=40),
            search=event.text("search", max_chars=40),
            significant=event.flag("significant"),
            skymap_inline=isinstance(event.data.get("skymap"), str) or None,
        )
    if urls is not None:
        details["event_page"] = urls.text("gracedb", max_chars=1024)
    # Superevent ids: S... real, MS... mock (MDC), TS... test.
    role = Role.TEST if superevent[0] in "MT" else Role.OBSERVATION
    return assemble(
        mission="IGWN",
        instrument=instruments,
        event_id=superevent,
        notice_type=info.notice_type,
        packet_type=packet_type,
        packet_name=alert_type,
        ivorn=None,
        author="IGWN",
        issued=f.time("time_created"),
        trigger_time=trigger_time,
        ra_deg=None,
        dec_deg=None,
        error_radius_deg=None,
        error_confidence=None,
        error_systematic_included=None,
        significance_sigma=None,
        far_hz=far,
        role=role,
        is_retraction=packet_type == 164,
        is_preliminary=info.preliminary,
        references=(),
        skymap_url=None,
        source_format=SourceFormat.GCN_JSON,
        details=details,
    )

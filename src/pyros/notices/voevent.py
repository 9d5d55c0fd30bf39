"""VOEvent 2.0 / 1.1 notices (GCN classic, SVOM FSC, IGWN, Gaia...) to :class:`Notice`.

Elements are matched by local name, so VOEvent 2.0 (unqualified children), VOEvent 1.1
(often a default namespace) and, if allowed, namespace-less packets read the same way.
The mission is recognised from the IVORN authority (``org.svom``, ``nasa.gsfc.gcn``,
``gwnet``, ``gaia.cam.uk``); anything else is read generically as mission ``unknown``.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from pyros.notices.build import assemble
from pyros.notices.errors import NoticeRejected
from pyros.notices.missions import (
    GCN_PACKETS,
    IGWN_ALERT_TYPES,
    SVOM_ERROR,
    SVOM_NAMES,
    SVOM_PACKETS,
    UNKNOWN_ERROR,
    ErrorConvention,
    PacketInfo,
)
from pyros.notices.model import DetailValue, Notice, NoticeType, Role, SourceFormat
from pyros.notices.options import DEFAULT_OPTIONS, ParseOptions
from pyros.notices.values import (
    MAX_TEXT_CHARS,
    parse_decimal,
    parse_int,
    parse_iso_time,
    plain_text,
)
from pyros.notices.xmlsafe import parse_untrusted_xml, validate_voevent_2_0

__all__ = ["VOEVENT_1_1_NS", "VOEVENT_2_0_NS", "parse_voevent"]

VOEVENT_2_0_NS = "http://www.ivoa.net/xml/VOEvent/v2.0"
VOEVENT_1_1_NS = "http://www.ivoa.net/xml/VOEvent/v1.1"

_IVORN = re.compile(r"ivo://[A-Za-z0-9][^\s#/]*(?:/[^\s#]*)?(?:#\S*)?")
_MAX_IVORN_CHARS = 1024
_CITE_TYPES = frozenset({"followup", "supersedes", "retraction"})
#: Time scales accepted in AstroCoordSystem ids; all but UTC are converted to UTC.
_TIME_SCALES = frozenset({"UTC", "TT", "TAI", "TDB", "TCB", "TCG", "GPS"})
#: Spatial frames accepted; FK5 (J2000) is taken as ICRS (they differ by < 0.03").
_FRAMES = frozenset({"ICRS", "FK5"})
#: GCN's placeholder when a notice has no position.
_GCN_NO_POSITION = "unavailable"
#: GCN classic significance parameters, best first [sigma].  Zero means "not computed".
_GCN_SIGNIFICANCE = (
    "Image_Signif",
    "Data_Signif",
    "Burst_Signif",
    "Trig_Signif",
    "Det_Signif",
    "Rate_Signif",
)


# ---------------------------------------------------------------------------- reading
def _local(el: Any) -> str | None:
    return etree.QName(el).localname if isinstance(el.tag, str) else None


def _kids(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is None:
        return
    for child in el:
        if _local(child) == name:
            yield child


def _kid(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        el = next(_kids(el, name), None)
        if el is None:
            return None
    return el


def _text(el: etree._Element | None, what: str) -> str | None:
    if el is None or el.text is None:
        return None
    return plain_text(el.text, what) or None


@dataclass(slots=True)
class _Params:
    """The ``<Param>`` values of ``<What>``, top level and per ``<Group>``."""

    top: dict[str, str] = field(default_factory=dict)
    grouped: dict[tuple[str, str], str] = field(default_factory=dict)
    by_ucd: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, what: etree._Element | None) -> _Params:
        params = cls()
        if what is None:
            return params
        for el in what.iter():
            if _local(el) != "Param":
                continue
            value = el.get("value")
            if value is None:
                value = _kid(el, "Value").text if _kid(el, "Value") is not None else None
            if value is None or len(value) > MAX_TEXT_CHARS:
                continue  # over-long values (descriptions, blobs) are never used
            value = value.strip()
            name = el.get("name")
            parent = el.getparent()
            group = parent.get("name") if parent is not None and _local(parent) == "Group" else None
            if name:
                if group:
                    params.grouped.setdefault((group, name), value)
                else:
                    params.top.setdefault(name, value)
            ucd = el.get("ucd")
            if ucd:
                params.by_ucd.setdefault(ucd, value)
        return params

    def get(self, name: str, group: str | None = None) -> str | None:
        """Value of a parameter: in ``group`` if given, else top level, else any group."""
        if group is not None:
            value = self.grouped.get((group, name))
        else:
            value = self.top.get(name)
            if value is None:
                value = next((v for (_, n), v in self.grouped.items() if n == name), None)
        if value is not None:
            value = plain_text(value, f"parameter {name}")
        return value or None

    def number(self, name: str, group: str | None = None) -> float | None:
        value = self.get(name, group)
        return None if value is None else parse_decimal(value, f"parameter {name}")

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        return None if value is None else parse_int(value, f"parameter {name}")

    def flag(self, name: str, group: str | None = None) -> bool | None:
        value = self.get(name, group)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise NoticeRejected(f"parameter {name} is not a boolean: {value[:40]!r}")


@dataclass(slots=True)
class _WhereWhen:
    trigger_time: datetime | None = None
    ra_deg: float | None = None
    dec_deg: float | None = None
    error_deg: float | None = None
    coord_system: str | None = None


def _read_where_when(root: etree._Element) -> _WhereWhen:
    out = _WhereWhen()
    location = _kid(root, "WhereWhen", "ObsDataLocation", "ObservationLocation")
    if location is None:
        return out
    system_el = _kid(location, "AstroCoordSystem")
    coords = _kid(location, "AstroCoords")
    system = None
    if system_el is not None:
        system = system_el.get("id")
    if not system and coords is not None:
        system = coords.get("coord_system_id")
    system = plain_text(system, "coordinate system", max_chars=100) if system else "UTC-ICRS-TOPO"
    out.coord_system = system
    parts = system.upper().split("-")
    scale = parts[0]
    frame = parts[1] if len(parts) > 1 else "ICRS"
    if scale not in _TIME_SCALES:
        raise NoticeRejected(f"unsupported time scale in coordinate system {system!r}")

    iso = _text(_kid(coords, "Time", "TimeInstant", "ISOTime"), "ISOTime")
    if iso is not None:
        out.trigger_time = _to_utc(parse_iso_time(iso, "trigger time"), scale)

    position = _kid(coords, "Position2D")
    if position is None:
        return out
    c1 = _text(_kid(position, "Value2", "C1"), "C1")
    c2 = _text(_kid(position, "Value2", "C2"), "C2")
    if c1 is None or c2 is None:
        return out
    if frame not in _FRAMES:
        raise NoticeRejected(f"unsupported coordinate frame in {system!r} (need ICRS or FK5)")
    for axis, expected in (("Name1", "ra"), ("Name2", "dec")):
        name = _text(_kid(position, axis), axis)
        if name is not None and name.lower() != expected:
            raise NoticeRejected(f"Position2D {axis} is {name!r}, expected {expected.upper()}")
    scale_deg = _angle_unit_deg(position.get("unit"))
    out.ra_deg = parse_decimal(c1, "RA") * scale_deg
    out.dec_deg = parse_decimal(c2, "Dec") * scale_deg
    err = _text(_kid(position, "Error2Radius"), "Error2Radius")
    if err is not None:
        out.error_deg = parse_decimal(err, "Error2Radius") * scale_deg
    return out


def _angle_unit_deg(unit: str | None) -> float:
    """Degrees per unit of a Position2D; a missing unit is taken as degrees."""
    if unit is None or unit.strip().lower() in ("deg", "degree", "degrees"):
        return 1.0
    if unit.strip().lower() in ("rad", "radian", "radians"):
        return 180.0 / math.pi
    raise NoticeRejected(f"unsupported Position2D unit {unit[:20]!r}")


def _to_utc(moment: datetime, scale: str) -> datetime:
    """Convert a time read in ``scale`` to UTC (astropy for the relativistic scales)."""
    if scale == "UTC":
        return moment
    if scale == "GPS":  # GPS = TAI - 19 s exactly
        moment, scale = moment + timedelta(seconds=19), "TAI"
    from astropy.time import Time

    import pyros.astro  # noqa: F401 - configures astropy offline before use

    try:
        with warnings.catch_warnings():
            # ERFA warns of a "dubious year" beyond the leap-second table: a second or
            # two of uncertainty in a far-future time, irrelevant here.
            warnings.simplefilter("ignore")
            converted = Time(moment.replace(tzinfo=None), scale=scale.lower()).utc.to_datetime()
    except (ValueError, ArithmeticError) as exc:
        raise NoticeRejected(f"cannot convert trigger time from {scale} to UTC: {exc}") from None
    return converted.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------- parsing
def parse_voevent(data: bytes | str, options: ParseOptions = DEFAULT_OPTIONS) -> Notice:
    """Parse one VOEvent packet.  Raises :class:`NoticeRejected` for anything refused."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    root = parse_untrusted_xml(data, max_bytes=options.max_xml_bytes)
    source_format = _check_root(root, options)
    if options.validate_xsd and source_format is SourceFormat.VOEVENT_2_0:
        validate_voevent_2_0(root)
    return _Reader(root, source_format, options).notice()


def _check_root(root: etree._Element, options: ParseOptions) -> SourceFormat:
    if not isinstance(root.tag, str) or _local(root) != "VOEvent":
        raise NoticeRejected(f"root element is {root.tag!r}, not VOEvent")
    namespace = etree.QName(root).namespace
    if namespace == VOEVENT_2_0_NS:
        return SourceFormat.VOEVENT_2_0
    if namespace == VOEVENT_1_1_NS:
        return SourceFormat.VOEVENT_1_1
    if namespace is None:
        if options.allow_no_namespace:
            return SourceFormat.VOEVENT_NO_NAMESPACE
        raise NoticeRejected("VOEvent root element has no namespace (refused by options)")
    raise NoticeRejected(f"unsupported VOEvent namespace {namespace[:100]!r}")


class _Reader:
    """Reads one parsed VOEvent; one method per mission family."""

    def __init__(self, root: etree._Element, source_format: SourceFormat, options: ParseOptions):
        self.root = root
        self.source_format = source_format
        self.options = options
        self.ivorn = self._ivorn()
        rest = self.ivorn[len("ivo://") :]
        self.authority = re.split(r"[/#]", rest, maxsplit=1)[0].lower()
        self.resource = rest.split("#", 1)[0][len(self.authority) :].strip("/")
        self.fragment = rest.split("#", 1)[1] if "#" in rest else ""
        self.role = self._role()
        self.params = _Params.read(_kid(root, "What"))
        self.where = _read_where_when(root)
        self.references, self.cites = self._citations()

    # -- common parts ---------------------------------------------------------------
    def _ivorn(self) -> str:
        ivorn = self.root.get("ivorn")
        if not ivorn:
            raise NoticeRejected("VOEvent has no ivorn attribute")
        ivorn = plain_text(ivorn, "ivorn", max_chars=_MAX_IVORN_CHARS)
        if not _IVORN.fullmatch(ivorn):
            raise NoticeRejected(f"ivorn {ivorn[:80]!r} is not an ivo:// identifier")
        return ivorn

    def _role(self) -> Role:
        role = (self.root.get("role") or "observation").strip().lower()
        try:
            return Role(role)
        except ValueError:
            raise NoticeRejected(f"unknown VOEvent role {role[:40]!r}") from None

    def _citations(self) -> tuple[list[str], set[str]]:
        refs: list[str] = []
        cites: set[str] = set()
        for el in _kids(_kid(self.root, "Citations"), "EventIVORN"):
            ivorn = _text(el, "cited IVORN")
            if ivorn is None:
                continue
            if len(ivorn) > _MAX_IVORN_CHARS or not _IVORN.fullmatch(ivorn):
                raise NoticeRejected(f"cited IVORN {ivorn[:80]!r} is not an ivo:// identifier")
            cite = (el.get("cite") or "").strip().lower()
            if cite not in _CITE_TYPES:
                raise NoticeRejected(f"unknown citation type {cite[:40]!r}")
            cites.add(cite)
            if len(refs) < self.options.max_references and ivorn not in refs:
                refs.append(ivorn)
        return refs, cites

    def _who(self) -> tuple[str | None, datetime | None]:
        who = _kid(self.root, "Who")
        author = _text(_kid(who, "AuthorIVORN"), "AuthorIVORN")
        if author is None:
            author = _text(_kid(who, "Author", "shortName"), "author short name")
        date = _text(_kid(who, "Date"), "Who/Date")
        return author, (parse_iso_time(date, "Who/Date") if date else None)

    def notice(self) -> Notice:
        if self.authority == "org.svom":
            fields = self._svom()
        elif self.authority == "nasa.gsfc.gcn":
            fields = self._gcn_classic()
        elif self.authority == "gwnet":
            fields = self._igwn()
        elif self.authority == "gaia.cam.uk":
            fields = self._generic("Gaia")
        else:
            fields = self._generic("unknown")
        return self._assemble(**fields)

    def _assemble(
        self,
        *,
        mission: str,
        instrument: str | None,
        event_id: str | None,
        info: PacketInfo | None,
        packet_type: int | None,
        packet_name: str | None,
        error: ErrorConvention = UNKNOWN_ERROR,
        significance: float | None = None,
        far_hz: float | None = None,
        retraction: bool = False,
        test: bool = False,
        position_known: bool = True,
        skymap_url: str | None = None,
        details: dict[str, DetailValue] | None = None,
    ) -> Notice:
        author, issued = self._who()
        where = self.where
        ra, dec, err = where.ra_deg, where.dec_deg, where.error_deg
        if not position_known or (ra == 0.0 and dec == 0.0 and (err is None or err <= 0.0)):
            ra = dec = err = None  # GCN / broker placeholder for "no position"
        role = Role.TEST if test else self.role
        notice_type = info.notice_type if info else NoticeType.OTHER
        retraction = retraction or "retraction" in self.cites
        extra = dict(details or {})
        if where.coord_system:
            extra.setdefault("coord_system", where.coord_system)
        return assemble(
            mission=mission,
            instrument=instrument or (info.instrument if info else None),
            event_id=event_id,
            notice_type=notice_type,
            packet_type=packet_type,
            packet_name=packet_name or (info.name if info else None),
            ivorn=self.ivorn,
            author=author,
            issued=issued,
            trigger_time=where.trigger_time,
            ra_deg=ra,
            dec_deg=dec,
            error_radius_deg=err,
            error_confidence=error.confidence,
            error_systematic_included=error.systematic_included,
            significance_sigma=significance,
            far_hz=far_hz,
            role=role,
            is_retraction=retraction,
            is_preliminary=bool(info and info.preliminary),
            references=self.references,
            skymap_url=skymap_url,
            source_format=self.source_format,
            details=extra,
        )

    # -- SVOM FSC -------------------------------------------------------------------
    def _svom(self) -> dict[str, Any]:
        p = self.params
        burst_id, _, name = self.fragment.partition("_")
        quality = re.search(r"_qf(\d+)$", name)
        name = name[: quality.start()] if quality else name
        packet_type = p.integer("Packet_Type")
        if packet_type is None:
            packet_type = SVOM_NAMES.get(name)
        info = SVOM_PACKETS.get(packet_type) if packet_type is not None else None
        snr = p.number("SNR")
        return {
            "mission": "SVOM",
            "instrument": p.get("Instrument"),
            "event_id": p.get("Burst_Id", "Svom_Identifiers") or p.get("Burst_Id") or burst_id,
            "info": info,
            "packet_type": packet_type,
            "packet_name": info.name if info else name,
            "error": SVOM_ERROR,
            "significance": snr if snr is not None and snr > 0 else None,
            "retraction": packet_type == 219,
            "details": {
                "notice_level": p.get("Notice_Level"),
                "slew_status": p.get("Slew_Status"),
                "trigger_type": p.get("Trigger_Type"),
                "timescale_s": p.number("Timescale"),
                "quality_flag": int(quality.group(1)) if quality else None,
                "pkt_ser_num": p.integer("Pkt_Ser_Num"),
            },
        }

    # -- GCN classic (Swift, Fermi...) ----------------------------------------------
    def _gcn_classic(self) -> dict[str, Any]:
        p = self.params
        packet_type = p.integer("Packet_Type")
        info = GCN_PACKETS.get(packet_type) if packet_type is not None else None
        if info is not None and info.mission == "IGWN":
            return self._igwn()
        mission = info.mission if info else (self.resource or "GCN")
        instrument = info.instrument if info else self.fragment.split("_", 1)[0] or None
        coords_type = p.get("Coords_Type")
        coords_string = (p.get("Coords_String") or "").lower()
        position_known = coords_type != "0" and _GCN_NO_POSITION not in coords_string
        significance = None
        for name in _GCN_SIGNIFICANCE:
            value = p.number(name)
            if value is not None and value > 0:
                significance = value
                break
        test = bool(info and info.test) or p.flag("Test_Submission", "Trigger_ID") is True
        location_map = p.get("LocationMap_URL")
        skymap = location_map if location_map and _is_fits_url(location_map) else None
        return {
            "mission": mission,
            "instrument": instrument,
            "event_id": p.get("TrigID") or self.fragment,
            "info": info,
            "packet_type": packet_type,
            "packet_name": info.name if info else None,
            "error": info.error if info else UNKNOWN_ERROR,
            "significance": significance,
            "test": test,
            "position_known": position_known,
            "skymap_url": skymap,
            "details": {
                "pkt_ser_num": p.integer("Pkt_Ser_Num"),
                "sequence_num": p.integer("Sequence_Num"),
                "def_not_a_grb": p.flag("Def_NOT_a_GRB", "Trigger_ID")
                or p.flag("Def_NOT_a_GRB", "Solution_Status"),
                "duration_class": p.get("Long_short", "Trigger_ID"),
                "light_curve_url": p.get("LightCurve_URL"),
            },
        }

    # -- IGWN (LIGO / Virgo / KAGRA) ------------------------------------------------
    def _igwn(self) -> dict[str, Any]:
        p = self.params
        alert_type = p.get("AlertType") or ""
        packet_type = p.integer("Packet_Type")
        if packet_type is None:
            packet_type = IGWN_ALERT_TYPES.get(alert_type.upper().replace("_", ""))
        info = GCN_PACKETS.get(packet_type) if packet_type is not None else None
        far = p.number("FAR")
        significant = p.flag("Significant")
        return {
            "mission": "IGWN",
            "instrument": p.get("Instruments"),
            "event_id": p.get("GraceID") or self.fragment.split("-", 1)[0],
            "info": info,
            "packet_type": packet_type,
            "packet_name": alert_type or (info.name if info else None),
            "far_hz": far,
            "retraction": packet_type == 164,
            "test": p.flag("HardwareInj") is True,
            "position_known": False,
            "skymap_url": p.get("skymap_fits", "GW_SKYMAP"),
            "details": {
                "group": p.get("Group"),
                "pipeline": p.get("Pipeline"),
                "search": p.get("Search"),
                "significant": significant,
                "event_page": p.get("EventPage"),
            },
        }

    # -- anything else (Gaia, brokers...) -------------------------------------------
    def _generic(self, mission: str) -> dict[str, Any]:
        p = self.params
        packet_type = p.integer("Packet_Type")
        event_id = self.fragment or self.resource or self.authority
        return {
            "mission": mission,
            "instrument": None,
            "event_id": event_id,
            "info": None,
            "packet_type": packet_type,
            "packet_name": None,
            "significance": None,
        }


def _is_fits_url(url: str) -> bool:
    lowered = url.lower()
    return lowered.startswith(("http://", "https://")) and lowered.endswith(
        (".fits", ".fit", ".fits.gz", ".fit.gz")
    )

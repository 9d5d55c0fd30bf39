"""What each mission's packet numbers and names mean, and how its error circles are stated.

Tables only, no parsing.  Numbers are GCN's notice type numbers (also used by SVOM's FSC);
a number not listed here still parses, as :attr:`NoticeType.OTHER` with the number kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyros.notices.model import NoticeType

__all__ = [
    "FERMI_JSON_SUBTYPES",
    "GCN_PACKETS",
    "IGWN_ALERT_TYPES",
    "INSTRUMENT_MISSION",
    "MISSION_ALIASES",
    "SVOM_NAMES",
    "SVOM_PACKETS",
    "ErrorConvention",
    "PacketInfo",
]


@dataclass(frozen=True, slots=True)
class ErrorConvention:
    """Meaning of a mission's published error radius."""

    #: Containment probability of the circle; None when the mission does not say.
    confidence: float | None
    #: Whether the systematic error is included; None when the mission does not say.
    systematic_included: bool | None


#: Swift BAT/XRT/UVOT positions: 90 % containment, systematic included (GCN docs).
_SWIFT_90_SYS = ErrorConvention(0.9, True)
#: Fermi GBM flight positions: 1-sigma (68 %), systematic included (GCN JSON examples).
_GBM_FLIGHT = ErrorConvention(0.68, True)
#: Fermi GBM ground / final positions: 1-sigma (68 %), statistical only.
_GBM_GROUND = ErrorConvention(0.68, False)
#: SVOM FSC notices: 90 % c.l. (SVOM convention; the packet itself does not say).
SVOM_ERROR = ErrorConvention(0.9, None)
UNKNOWN_ERROR = ErrorConvention(None, None)


@dataclass(frozen=True, slots=True)
class PacketInfo:
    """One mission packet type."""

    name: str
    mission: str
    instrument: str | None
    notice_type: NoticeType
    error: ErrorConvention = UNKNOWN_ERROR
    preliminary: bool = False
    test: bool = False


_P = PacketInfo
_N = NoticeType

#: GCN "classic" notice types as they arrive in VOEvents from ``ivo://nasa.gsfc.gcn``
#: and ``ivo://gwnet`` (only the ones PyROS reacts to or has seen).
GCN_PACKETS: dict[int, PacketInfo] = {
    60: _P("SWIFT_BAT_GRB_ALERT", "Swift", "BAT", _N.TRIGGER, _SWIFT_90_SYS),
    61: _P("SWIFT_BAT_GRB_POS_ACK", "Swift", "BAT", _N.TRIGGER, _SWIFT_90_SYS),
    62: _P("SWIFT_BAT_GRB_POS_NACK", "Swift", "BAT", _N.OTHER, _SWIFT_90_SYS),
    67: _P("SWIFT_XRT_POSITION", "Swift", "XRT", _N.POSITION_UPDATE, _SWIFT_90_SYS),
    81: _P("SWIFT_UVOT_POSITION", "Swift", "UVOT", _N.POSITION_UPDATE, _SWIFT_90_SYS),
    82: _P("SWIFT_BAT_GRB_POS_TEST", "Swift", "BAT", _N.TRIGGER, _SWIFT_90_SYS, test=True),
    110: _P("FERMI_GBM_ALERT", "Fermi", "GBM", _N.TRIGGER),
    111: _P("FERMI_GBM_FLT_POS", "Fermi", "GBM", _N.POSITION_UPDATE, _GBM_FLIGHT),
    112: _P("FERMI_GBM_GND_POS", "Fermi", "GBM", _N.POSITION_UPDATE, _GBM_GROUND),
    115: _P("FERMI_GBM_FIN_POS", "Fermi", "GBM", _N.FINAL, _GBM_GROUND),
    119: _P("FERMI_GBM_POS_TEST", "Fermi", "GBM", _N.POSITION_UPDATE, _GBM_FLIGHT, test=True),
    150: _P("LVC_PRELIMINARY", "IGWN", None, _N.PRELIMINARY, preliminary=True),
    151: _P("LVC_INITIAL", "IGWN", None, _N.INITIAL),
    152: _P("LVC_UPDATE", "IGWN", None, _N.UPDATE),
    163: _P("LVC_EARLY_WARNING", "IGWN", None, _N.EARLY_WARNING, preliminary=True),
    164: _P("LVC_RETRACTION", "IGWN", None, _N.RETRACTION),
}

#: SVOM FSC packet types (VOEvents from ``ivo://org.svom/fsc``).
SVOM_PACKETS: dict[int, PacketInfo] = {
    199: _P("grm-preliminary", "SVOM", "GRM", _N.PRELIMINARY, SVOM_ERROR, preliminary=True),
    200: _P("eclairs-preliminary", "SVOM", "ECLAIRs", _N.PRELIMINARY, SVOM_ERROR,
            preliminary=True),
    201: _P("grm-trigger", "SVOM", "GRM", _N.TRIGGER, SVOM_ERROR),
    202: _P("eclairs-wakeup", "SVOM", "ECLAIRs", _N.WAKEUP, SVOM_ERROR),
    203: _P("eclairs-catalog", "SVOM", "ECLAIRs", _N.CATALOG, SVOM_ERROR),
    204: _P("slewing", "SVOM", "ECLAIRs", _N.SLEWING, SVOM_ERROR),
    205: _P("not-slewing", "SVOM", "ECLAIRs", _N.NOT_SLEWING, SVOM_ERROR),
    209: _P("mxt-initial", "SVOM", "MXT", _N.POSITION_UPDATE, SVOM_ERROR),
    210: _P("mxt-update", "SVOM", "MXT", _N.POSITION_UPDATE, SVOM_ERROR),
    211: _P("vt-candidate", "SVOM", "VT", _N.POSITION_UPDATE, SVOM_ERROR),
    219: _P("retraction", "SVOM", None, _N.RETRACTION, SVOM_ERROR),
}

#: SVOM IVORN fragment names (``sb26022501_<name>``) to packet type, for packets whose
#: ``Packet_Type`` is missing.
SVOM_NAMES: dict[str, int] = {info.name: number for number, info in SVOM_PACKETS.items()}

#: GCN JSON Fermi GBM ``subtype`` to the legacy packet number it replaces.
FERMI_JSON_SUBTYPES: dict[str, int] = {
    "INITIAL_ALERT": 110,
    "FLIGHT_POSITION": 111,
    "GROUND_POSITION": 112,
    "FINAL_POSITION": 115,
}

#: IGWN ``AlertType`` / gwalert ``alert_type`` (upper-cased, underscores removed) to the
#: GCN packet number.
IGWN_ALERT_TYPES: dict[str, int] = {
    "EARLYWARNING": 163,
    "PRELIMINARY": 150,
    "INITIAL": 151,
    "UPDATE": 152,
    "RETRACTION": 164,
}

#: Instrument name (upper case) to mission, for JSON notices that name no mission.
INSTRUMENT_MISSION: dict[str, str] = {
    "ECLAIRS": "SVOM",
    "GRM": "SVOM",
    "MXT": "SVOM",
    "VT": "SVOM",
    "BAT": "Swift",
    "BAT-GUANO": "Swift",
    "XRT": "Swift",
    "UVOT": "Swift",
    "GBM": "Fermi",
    "LAT": "Fermi",
    "WXT": "EinsteinProbe",
    "FXT": "EinsteinProbe",
}

#: Mission names as written in notices (lower case, spaces/underscores/dashes removed)
#: to PyROS's spelling.
MISSION_ALIASES: dict[str, str] = {
    "svom": "SVOM",
    "swift": "Swift",
    "fermi": "Fermi",
    "einsteinprobe": "EinsteinProbe",
    "ep": "EinsteinProbe",
    "igwn": "IGWN",
    "lvk": "IGWN",
    "lvc": "IGWN",
    "gaia": "Gaia",
    "icecube": "IceCube",
}


def normalise_mission(name: str) -> str | None:
    """PyROS's name for a mission written in a notice, None if not one PyROS knows."""
    key = "".join(c for c in name.lower() if c.isalnum())
    return MISSION_ALIASES.get(key)

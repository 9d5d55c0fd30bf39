"""The internal notice: one type for every alert notice PyROS receives, whatever its format.

A :class:`Notice` is immutable and JSON-serialisable (:meth:`Notice.to_dict`,
:meth:`Notice.from_dict`).  Units are in the field names; times are timezone-aware UTC.
See ``docs/notices.md`` for how each mission's packets map onto these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = ["DetailValue", "Notice", "NoticeType", "Role", "SourceFormat"]

#: Value types allowed in :attr:`Notice.details` (JSON scalars).
DetailValue = str | int | float | bool | None


class NoticeType(StrEnum):
    """What a notice says about its event, normalised across missions.

    The mission's own packet number and name are kept in :attr:`Notice.packet_type` and
    :attr:`Notice.packet_name`; this is the vocabulary the alert manager reasons with.
    """

    PRELIMINARY = "preliminary"  # SVOM 199/200, IGWN Preliminary: may well be retracted
    EARLY_WARNING = "early_warning"  # IGWN pre-merger alert
    TRIGGER = "trigger"  # first detection (GRM trigger, GBM alert, BAT position, EP WXT...)
    WAKEUP = "wakeup"  # SVOM ECLAIRs wake-up (202): first ECLAIRs position
    CATALOG = "catalog"  # SVOM ECLAIRs detection of a known catalogue source (203)
    SLEWING = "slewing"  # SVOM platform slews to the burst (204)
    NOT_SLEWING = "not_slewing"  # SVOM platform does not slew (205)
    INITIAL = "initial"  # IGWN Initial (human-vetted) alert
    POSITION_UPDATE = "position_update"  # refined position (MXT, VT, XRT, GBM flight/ground)
    UPDATE = "update"  # IGWN Update (new parameters, same event)
    FINAL = "final"  # last word on the position (Fermi GBM final position)
    RETRACTION = "retraction"  # the event is withdrawn
    OTHER = "other"  # understood as a notice, type not recognised (raw type kept)


class Role(StrEnum):
    """VOEvent role.  Only ``observation`` notices describe real events."""

    OBSERVATION = "observation"
    PREDICTION = "prediction"
    UTILITY = "utility"
    TEST = "test"


class SourceFormat(StrEnum):
    """The wire format the notice arrived in."""

    VOEVENT_2_0 = "voevent-2.0"
    VOEVENT_1_1 = "voevent-1.1"
    VOEVENT_NO_NAMESPACE = "voevent-no-namespace"
    GCN_JSON = "gcn-json"


@dataclass(frozen=True, slots=True)
class Notice:
    """One alert notice from one mission, validated.

    Invariants (checked by the parsers, relied on by callers):
    ``ra_deg`` and ``dec_deg`` are both set or both ``None``; ``0 <= ra_deg < 360``,
    ``-90 <= dec_deg <= 90``; ``error_radius_deg`` is ``None`` or in ``(0, 180]`` and is
    ``None`` whenever the position is; ``trigger_time`` is ``None`` only for retractions;
    every datetime is timezone-aware UTC.
    """

    #: Mission that issued the notice: ``SVOM``, ``Swift``, ``Fermi``, ``EinsteinProbe``,
    #: ``IGWN``, ``Gaia``, or ``unknown``.
    mission: str
    #: Instrument: ``ECLAIRs``, ``GRM``, ``MXT``, ``VT``, ``BAT``, ``BAT-GUANO``, ``XRT``,
    #: ``UVOT``, ``GBM``, ``LAT``, ``WXT``; for IGWN the detectors (``H1,L1,V1``); or None.
    instrument: str | None
    #: The mission's id of the event; every notice about one event carries the same one:
    #: SVOM ``Burst_Id`` (``sb26022501``), Swift/Fermi ``TrigID``, IGWN superevent id.
    event_id: str
    #: Normalised type (see :class:`NoticeType`).
    notice_type: NoticeType
    #: The mission's packet type number (GCN / SVOM numbering), None if it has none.
    packet_type: int | None
    #: The mission's packet name (``FERMI_GBM_FLT_POS``, ``eclairs-wakeup``,
    #: ``FLIGHT_POSITION``, ``Preliminary``...), None if it has none.
    packet_name: str | None
    #: Notice identifier (VOEvent IVORN); None for GCN JSON notices, which have none.
    ivorn: str | None
    #: Who issued it (AuthorIVORN, else the author's short name); None if not stated.
    author: str | None
    #: When the notice was written [UTC]; None if not stated.
    issued: datetime | None
    #: Time of the trigger / event [UTC]; None only for a retraction that gives none.
    trigger_time: datetime | None
    #: Right ascension, ICRS (FK5 J2000 taken as ICRS) [deg, 0 <= ra < 360]; None if unknown.
    ra_deg: float | None
    #: Declination, ICRS [deg, -90..90]; None if unknown.
    dec_deg: float | None
    #: Radius of the error circle as published by the mission [deg], never rescaled;
    #: None if unknown (SVOM -1, GCN 0, no position).  For an error ellipse, the semi-major
    #: axis.  Its meaning is given by the two fields below.
    error_radius_deg: float | None
    #: Containment probability of that circle (0.68, 0.9...); None if the mission does not
    #: say.  Use :func:`pyros.notices.matching.error_radius_90_deg` to compare missions.
    error_confidence: float | None
    #: Whether the radius includes the systematic error (None: not stated).
    error_systematic_included: bool | None
    #: Detection significance [sigma] (SNR for SVOM / Einstein Probe); None if not given.
    significance_sigma: float | None
    #: False-alarm rate [Hz] (IGWN, BAT-GUANO); None if not given.
    far_hz: float | None
    #: VOEvent role; GCN JSON ``alert_tense`` test/injection/commanded and IGWN mock
    #: superevents (``M...``, ``T...``) map to ``test``.
    role: Role
    #: The notice withdraws its event (SVOM 219, IGWN Retraction, GCN ``retraction``).
    is_retraction: bool
    #: The notice is preliminary (SVOM 199/200, IGWN Preliminary / EarlyWarning).
    is_preliminary: bool
    #: IVORNs of the notices this one cites (follow-ups, superseded, retracted), in order.
    references: tuple[str, ...]
    #: URL of a probability sky map (IGWN, Fermi GBM); None if there is none.
    skymap_url: str | None
    #: Wire format the notice arrived in.
    source_format: SourceFormat
    #: Mission-specific extras (scalars only): SVOM ``slew_status``, ``notice_level``;
    #: GBM ``duration_class``; IGWN ``pipeline``...  Not part of equality or hashing.
    details: Mapping[str, DetailValue] = field(
        default_factory=lambda: MappingProxyType({}), hash=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.details, MappingProxyType):
            object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    # -- convenience -----------------------------------------------------------------
    @property
    def is_test(self) -> bool:
        """True when the notice is a test, not a real event."""
        return self.role is Role.TEST

    @property
    def has_position(self) -> bool:
        """True when RA and Dec are known."""
        return self.ra_deg is not None and self.dec_deg is not None

    @property
    def error_radius_arcmin(self) -> float | None:
        """:attr:`error_radius_deg` in arcminutes (the unit COLIBRI's strategies use)."""
        return None if self.error_radius_deg is None else self.error_radius_deg * 60.0

    # -- serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: datetimes as ISO 8601 UTC strings ending in ``Z``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = _iso_utc(value)
            elif isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notice:
        """Rebuild a notice from :meth:`to_dict` output (e.g. read back from storage).

        Raises ``KeyError``/``ValueError`` on a dict that did not come from :meth:`to_dict`.
        """
        kwargs: dict[str, Any] = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for name in ("issued", "trigger_time"):
            if kwargs.get(name) is not None:
                kwargs[name] = datetime.fromisoformat(kwargs[name]).astimezone(UTC)
        kwargs["notice_type"] = NoticeType(kwargs["notice_type"])
        kwargs["role"] = Role(kwargs["role"])
        kwargs["source_format"] = SourceFormat(kwargs["source_format"])
        kwargs["references"] = tuple(kwargs.get("references") or ())
        kwargs["details"] = MappingProxyType(dict(kwargs.get("details") or {}))
        return cls(**kwargs)


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


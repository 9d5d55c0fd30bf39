"""Limits and switches for the notice parsers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_OPTIONS", "ParseOptions"]


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """How strict the parsers are.  The defaults suit a live GCN / VOEvent listener."""

    #: Largest VOEvent accepted [bytes].  Real notices are 3-12 kB.
    max_xml_bytes: int = 1024 * 1024
    #: Largest GCN JSON notice accepted [bytes].  IGWN gwalert notices carry a base64
    #: multi-order sky map inline (the user-guide preliminary is 1.04 MB; real ones reach a
    #: few MB), hence a larger limit than for XML.
    max_json_bytes: int = 4 * 1024 * 1024
    #: Accept a ``<VOEvent>`` root element without the VOEvent namespace (some brokers
    #: emit such packets).  Elements are matched by local name either way.
    allow_no_namespace: bool = True
    #: Validate VOEvent 2.0 packets against the IVOA XSD (shipped with PyROS).  Off by
    #: default: every field PyROS uses is checked on its own, and refusing a burst notice
    #: for a schema nit elsewhere in the packet would cost a follow-up.
    validate_xsd: bool = False
    #: Most cited IVORNs kept from one notice.
    max_references: int = 64

    def __post_init__(self) -> None:
        if self.max_xml_bytes <= 0 or self.max_json_bytes <= 0:
            raise ValueError("size limits must be positive")
        if self.max_references < 0:
            raise ValueError("max_references must be >= 0")


DEFAULT_OPTIONS = ParseOptions()

"""Do two notices describe one astrophysical event?  Pure geometry and arithmetic.

Error circles from different missions mean different things (68 % or 90 %, with or
without systematics), so they are first brought to one footing: the 90 % containment
radius of a circular 2-D Gaussian, with the instrument's systematic error added in
quadrature when the mission says it is not included.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pyros.notices.model import Notice

__all__ = [
    "DEFAULT_SYSTEMATIC_DEG",
    "angular_separation_deg",
    "containment_radius_deg",
    "error_radius_90_deg",
    "same_event",
]

#: 1-sigma (68 %) systematic error [deg] per (mission, instrument), added in quadrature to
#: radii published without it.  Fermi GBM: 3.7 deg (Connaughton et al. 2015, ApJS 216, 32).
DEFAULT_SYSTEMATIC_DEG: Mapping[tuple[str, str], float] = {("Fermi", "GBM"): 3.7}

#: Containment assumed when a mission does not state it.
ASSUMED_CONFIDENCE = 0.9


def angular_separation_deg(ra1_deg: float, dec1_deg: float, ra2_deg: float, dec2_deg: float
                           ) -> float:
    """Great-circle distance between two equatorial positions [deg], in [0, 180].

    Vincenty's formula: accurate for tiny and for antipodal separations alike.
    """
    ra1, dec1, ra2, dec2 = map(math.radians, (ra1_deg, dec1_deg, ra2_deg, dec2_deg))
    dra = ra2 - ra1
    sin_d1, cos_d1 = math.sin(dec1), math.cos(dec1)
    sin_d2, cos_d2 = math.sin(dec2), math.cos(dec2)
    num1 = cos_d2 * math.sin(dra)
    num2 = cos_d1 * sin_d2 - sin_d1 * cos_d2 * math.cos(dra)
    den = sin_d1 * sin_d2 + cos_d1 * cos_d2 * math.cos(dra)
    return math.degrees(math.atan2(math.hypot(num1, num2), den))


def containment_radius_deg(radius_deg: float, from_confidence: float, to_confidence: float
                           ) -> float:
    """Rescale a circular 2-D Gaussian error radius from one containment to another.

    ``r_p = sigma * sqrt(-2 ln(1 - p))``, so 68 % -> 90 % multiplies by about 1.42.
    Raises ValueError for a confidence outside (0, 1).
    """
    for p in (from_confidence, to_confidence):
        if not 0.0 < p < 1.0:
            raise ValueError(f"confidence {p!r} is not in (0, 1)")
    return radius_deg * math.sqrt(math.log1p(-to_confidence) / math.log1p(-from_confidence))


def error_radius_90_deg(
    notice: Notice, systematic_deg: Mapping[tuple[str, str], float] = DEFAULT_SYSTEMATIC_DEG
) -> float | None:
    """The notice's error as a 90 % radius [deg] including systematics; None if unknown.

    A radius of unstated containment is taken as 90 %.  The systematic term is added only
    when the notice says it is *not* included (``error_systematic_included is False``).
    """
    if notice.error_radius_deg is None:
        return None
    confidence = notice.error_confidence or ASSUMED_CONFIDENCE
    radius_68 = containment_radius_deg(notice.error_radius_deg, confidence, 0.68)
    if notice.error_systematic_included is False:
        radius_68 = math.hypot(
            radius_68, systematic_deg.get((notice.mission, notice.instrument or ""), 0.0)
        )
    return containment_radius_deg(radius_68, 0.68, 0.9)


def same_event(
    a: Notice,
    b: Notice,
    time_tolerance_s: float = 60.0,
    *,
    systematic_deg: Mapping[tuple[str, str], float] = DEFAULT_SYSTEMATIC_DEG,
    min_match_radius_deg: float = 1.0 / 3600.0,
) -> bool:
    """Whether ``a`` and ``b`` describe one astrophysical event.

    - Same mission: the mission's own event ids decide (equal ids, same event).
    - Otherwise both trigger times must be known and within ``time_tolerance_s`` [s], and,
      when both notices have a position *and* an error radius, the separation must not
      exceed the 90 % radius of the difference, ``hypot(r90_a, r90_b)`` (at least
      ``min_match_radius_deg``).  When either position or error is unknown (GW, GBM alert,
      GRM trigger), time alone decides.

    Raises ValueError for a negative or non-finite tolerance.
    """
    if not math.isfinite(time_tolerance_s) or time_tolerance_s < 0:
        raise ValueError(f"time tolerance {time_tolerance_s!r} s must be finite and >= 0")
    if a.mission == b.mission:
        return a.event_id == b.event_id
    if a.trigger_time is None or b.trigger_time is None:
        return False
    if abs((a.trigger_time - b.trigger_time).total_seconds()) > time_tolerance_s:
        return False
    radius_a = error_radius_90_deg(a, systematic_deg)
    radius_b = error_radius_90_deg(b, systematic_deg)
    if radius_a is None or radius_b is None:
        return True
    assert a.ra_deg is not None and a.dec_deg is not None  # invariant: radius implies position
    assert b.ra_deg is not None and b.dec_deg is not None
    separation = angular_separation_deg(a.ra_deg, a.dec_deg, b.ra_deg, b.dec_deg)
    return separation <= max(math.hypot(radius_a, radius_b), min_match_radius_deg)

"""Small offsets on the sky: mosaic tiles, dither positions (pure, no Django)."""

from __future__ import annotations

import math

__all__ = ["offset_position"]


def offset_position(ra_deg: float, dec_deg: float, east_deg: float, north_deg: float
                    ) -> tuple[float, float]:
    """Position offset by small tangent-plane steps (gnomonic), [deg]."""
    ra0, dec0 = math.radians(ra_deg), math.radians(dec_deg)
    xi, eta = math.radians(east_deg), math.radians(north_deg)
    denom = math.cos(dec0) - eta * math.sin(dec0)
    ra = ra0 + math.atan2(xi, denom)
    dec = math.atan2(math.sin(dec0) + eta * math.cos(dec0), math.hypot(xi, denom))
    return math.degrees(ra) % 360.0, math.degrees(dec)

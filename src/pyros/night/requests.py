"""Routine requests for a simulated night: many users' work, generated reproducibly.

Targets are drawn where the sky is during the night (right ascensions between the local
sidereal time at dusk − 3 h and at dawn + 3 h, declinations −25°…+65°), with one to
three filters, 30–180 s exposures, priorities 1–10, and windows spanning the night.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import astropy.units as u
from astropy.time import Time

from pyros import astro  # noqa: F401  (offline IERS)
from pyros.astro.night import Night, location


def request_documents(count: int, programmes: list[str], night: Night,
                      site: tuple[float, float, float], seed: int = 7,
                      vis_filters: tuple[str, ...] = ("g", "r", "i", "z"),
                      nir_filters: tuple[str, ...] = ("J", "H")) -> list[dict[str, Any]]:
    """``count`` request documents (the routines import format), round-robin programmes."""
    rng = random.Random(seed)
    loc = location(*site)
    lst0 = Time(night.start).sidereal_time("mean", longitude=loc.lon).to_value(u.deg)
    lst1 = Time(night.end).sidereal_time("mean", longitude=loc.lon).to_value(u.deg)
    span = (lst1 - lst0) % 360.0
    docs = []
    for i in range(count):
        ra = (lst0 - 45.0 + rng.random() * (span + 90.0)) % 360.0
        dec = rng.uniform(-25.0, 65.0)
        filters = rng.sample(list(vis_filters), rng.randint(1, 3))
        exposure = rng.choice([30, 60, 90, 120, 180])
        plans = [{"filter": f, "exposure_s": exposure, "count": rng.randint(2, 5)}
                 for f in filters]
        albums = [{"channel": "VIS", "plans": plans}]
        if rng.random() < 0.4:
            # NIR: short exposures, as the near-infrared sky is bright (H saturates in ~30 s)
            albums.append({"channel": "NIR", "plans": [
                {"filter": rng.choice(list(nir_filters)), "exposure_s": 10,
                 "count": rng.randint(4, 8)}]})
        name = f"T{i + 1:03d}"
        start: datetime = night.start - timedelta(minutes=10)
        docs.append({
            "name": f"{name} monitoring",
            "programme": programmes[i % len(programmes)],
            "sequences": [{
                "name": f"{name} {'/'.join(filters)}", "target_name": name,
                "ra": f"{ra:.5f}", "dec": f"{dec:+.5f}",
                "window_start": start.isoformat(),
                "window_end": (night.end + timedelta(minutes=10)).isoformat(),
                "priority": rng.randint(1, 10), "max_airmass": 2.0,
                "min_moon_separation_deg": 20.0,
                "albums": albums,
            }],
        })
    return docs

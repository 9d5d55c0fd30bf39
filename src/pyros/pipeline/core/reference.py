"""The reference star catalogue the astrometry and the zero point are checked against.

A reference is any callable ``(ra_deg, dec_deg, radius_deg, filter_name) → RefStars``.
Under simulation the truth is the sky model's own catalogue
(:func:`pyros.skymodel.star_catalog` with the simulator's seed), which is exactly what the
simulated camera draws; on the real sky a Gaia/Pan-STARRS cone search would take its place
behind the same signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["RefStars", "ReferenceCatalog", "sky_model_reference"]


@dataclass(frozen=True)
class RefStars:
    """Reference stars, brightest first: ICRS positions [deg], AB mags in the frame's band."""

    ra_deg: np.ndarray
    dec_deg: np.ndarray
    mag: np.ndarray
    star_id: np.ndarray

    def __len__(self) -> int:
        return int(self.ra_deg.size)


ReferenceCatalog = Callable[[float, float, float, str], RefStars]


def sky_model_reference(seed: int = 2016, mag_limit: float | None = 23.0) -> ReferenceCatalog:
    """The sky model's catalogue for ``seed`` (the simulator's ``simulator.seed``)."""
    from pyros.skymodel import star_catalog

    def reference(ra_deg: float, dec_deg: float, radius_deg: float,
                  filter_name: str) -> RefStars:
        cat = star_catalog(ra_deg, dec_deg, radius_deg, filter_name, seed=seed,
                           mag_limit=mag_limit)
        order = np.argsort(cat.mag, kind="stable")
        return RefStars(cat.ra_deg[order], cat.dec_deg[order], cat.mag[order],
                        cat.star_id[order])

    return reference

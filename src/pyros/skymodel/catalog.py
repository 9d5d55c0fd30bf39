"""A synthetic, deterministic star catalogue covering the whole sky.

The sky is cut into cells of equal height (:data:`CELL_DEG` in declination) and about equal
area (each declination band holds ``round(360 cos δ / CELL_DEG)`` cells in right
ascension).  The stars of a cell are drawn from a random generator seeded by
``(seed, band index, cell index)`` alone, so any pointing, any field size and any order of
requests produce the same stars: the frame renderer and :func:`star_catalog` read the same
cells and therefore agree star for star.

Counts: the cumulative surface density in the reference band r is

    N(<m) = 200 deg⁻² × 10^(0.30 (m − 18))   for m ≤ 18,
            200 deg⁻² × 10^(0.20 (m − 18))   for m > 18,

at the galactic poles (the bright-end slope ~0.3 dex/mag and the flattening at the faint
end follow Bahcall & Soneira 1980, ApJS 44, 73, to a factor of ~2), multiplied by
``(sin|b| + 0.05)^−0.9 / 1.05^−0.9`` for galactic latitude b, so the galactic plane holds
~14× more stars than the poles.  Stars are drawn from r = 6 to r = 24.  Each star has a
g − r colour (normal, mean 0.6, σ 0.3, clipped to −0.3…1.8) from which its magnitudes in
the other bands follow by the linear colour terms of :data:`COLOUR_TERMS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pyros.skymodel.photometry import band

__all__ = [
    "CELL_DEG",
    "COLOUR_TERMS",
    "MAG_BRIGHT",
    "MAG_FAINT",
    "StarCatalog",
    "cumulative_density_deg2",
    "star_catalog",
]

CELL_DEG = 0.25
MAG_BRIGHT = 6.0
MAG_FAINT = 24.0
_N18_DEG2 = 200.0
_SLOPE_BRIGHT = 0.30
_SLOPE_FAINT = 0.20
_N_DEC_BANDS = round(180 / CELL_DEG)

#: band magnitude = r + offset + slope × (g − r)
COLOUR_TERMS: dict[str, tuple[float, float]] = {
    "g": (0.0, 1.0),
    "r": (0.0, 0.0),
    "i": (0.0, -0.40),
    "z": (0.0, -0.60),
    "J": (-0.20, -0.90),
    "H": (-0.30, -1.10),
}


@dataclass(frozen=True)
class StarCatalog:
    """Stars of a field: ICRS positions (deg), AB magnitude in one band, stable ids.

    Arrays are parallel and sorted by ``star_id``.
    """

    ra_deg: np.ndarray
    dec_deg: np.ndarray
    mag: np.ndarray
    star_id: np.ndarray
    filter_name: str

    def __len__(self) -> int:
        return int(self.ra_deg.size)

    def to_table(self):  # -> astropy.table.Table
        """The catalogue as an astropy Table (columns star_id, ra_deg, dec_deg, mag)."""
        from astropy.table import Table

        return Table(
            [self.star_id, self.ra_deg, self.dec_deg, self.mag],
            names=("star_id", "ra_deg", "dec_deg", "mag"),
            meta={"filter": self.filter_name},
        )


def _log_n(m: np.ndarray | float) -> np.ndarray:
    m = np.asarray(m, dtype=float)
    return math.log10(_N18_DEG2) + np.where(
        m <= 18.0, _SLOPE_BRIGHT * (m - 18.0), _SLOPE_FAINT * (m - 18.0)
    )


def _inverse_log_n(log_n: np.ndarray) -> np.ndarray:
    x = log_n - math.log10(_N18_DEG2)
    return 18.0 + np.where(x <= 0, x / _SLOPE_BRIGHT, x / _SLOPE_FAINT)


def _latitude_factor(b_deg: np.ndarray | float) -> np.ndarray:
    s = np.abs(np.sin(np.radians(b_deg)))
    return ((s + 0.05) / 1.05) ** -0.9


def cumulative_density_deg2(mag_r: float, gal_lat_deg: float) -> float:
    """Model stars per deg² brighter than ``mag_r`` (r band) at galactic latitude b."""
    m = min(max(mag_r, MAG_BRIGHT), MAG_FAINT)
    n = 10 ** _log_n(m) - 10 ** _log_n(MAG_BRIGHT)
    return float(n * _latitude_factor(gal_lat_deg))


def _band_edges(j: int) -> tuple[float, float]:
    return -90.0 + j * CELL_DEG, -90.0 + (j + 1) * CELL_DEG


@lru_cache(maxsize=_N_DEC_BANDS)
def _n_ra_cells(j: int) -> int:
    lo, hi = _band_edges(j)
    return max(1, round(360.0 * math.cos(math.radians((lo + hi) / 2)) / CELL_DEG))


def _galactic_latitude(ra_deg: np.ndarray, dec_deg: np.ndarray) -> np.ndarray:
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    c = SkyCoord(ra=ra_deg * u.deg, dec=dec_deg * u.deg, frame="icrs")
    return np.asarray(c.galactic.b.deg)


@lru_cache(maxsize=8192)
def _cell_stars(seed: int, j: int, i: int, gal_b_deg: float) -> tuple[np.ndarray, ...]:
    """(ra, dec, r mag, g−r, id) of the stars in cell (j, i); cached, read-only arrays."""
    lo, hi = _band_edges(j)
    n_ra = _n_ra_cells(j)
    width = 360.0 / n_ra
    area_deg2 = math.radians(width) * (
        math.sin(math.radians(hi)) - math.sin(math.radians(lo))
    ) * (180.0 / math.pi) ** 2
    rng = np.random.default_rng([seed % 2**32, j, i, 0x5EED])
    mean = area_deg2 * cumulative_density_deg2(MAG_FAINT, gal_b_deg)
    n = int(rng.poisson(mean))
    ra = (i + rng.random(n)) * width
    s_lo, s_hi = math.sin(math.radians(lo)), math.sin(math.radians(hi))
    dec = np.degrees(np.arcsin(s_lo + rng.random(n) * (s_hi - s_lo)))
    n_lo, n_hi = 10 ** _log_n(MAG_BRIGHT), 10 ** _log_n(MAG_FAINT)
    mag_r = _inverse_log_n(np.log10(n_lo + rng.random(n) * (n_hi - n_lo)))
    colour = np.clip(rng.normal(0.6, 0.3, n), -0.3, 1.8)
    ids = (np.int64(j) * 4096 + i) * 2**20 + np.arange(n, dtype=np.int64)
    out = (ra, dec, mag_r, colour, ids)
    for a in out:
        a.flags.writeable = False
    return out


def _cells_in_cone(ra_deg: float, dec_deg: float, radius_deg: float) -> list[tuple[int, int]]:
    """Cells (j, i) that may hold stars within ``radius_deg`` of (ra, dec)."""
    d_lo = max(-90.0, dec_deg - radius_deg)
    d_hi = min(90.0, dec_deg + radius_deg)
    j_lo = max(0, math.floor((d_lo + 90.0) / CELL_DEG))
    j_hi = min(_N_DEC_BANDS - 1, math.floor((d_hi + 90.0) / CELL_DEG))
    cells: list[tuple[int, int]] = []
    pole = d_lo <= -90.0 + 1e-9 or d_hi >= 90.0 - 1e-9
    for j in range(j_lo, j_hi + 1):
        n_ra = _n_ra_cells(j)
        lo, hi = _band_edges(j)
        extreme = max(abs(max(lo, d_lo)), abs(min(hi, d_hi)))
        cos_ext = math.cos(math.radians(extreme))
        ratio = math.sin(math.radians(radius_deg)) / cos_ext if cos_ext > 0 else 2.0
        if pole or ratio >= 1.0 or radius_deg >= 90:
            cells.extend((j, i) for i in range(n_ra))
            continue
        half = math.degrees(math.asin(ratio))
        width = 360.0 / n_ra
        i_lo = math.floor((ra_deg - half) / width) - 1
        i_hi = math.floor((ra_deg + half) / width) + 1
        if i_hi - i_lo + 1 >= n_ra:
            cells.extend((j, i) for i in range(n_ra))
        else:
            cells.extend((j, i % n_ra) for i in range(i_lo, i_hi + 1))
    return sorted(set(cells))


def _cell_centres(cells: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    ra = np.array([(i + 0.5) * 360.0 / _n_ra_cells(j) for j, i in cells])
    dec = np.array([-90.0 + (j + 0.5) * CELL_DEG for j, _ in cells])
    return ra, dec


def star_catalog(
    ra_deg: float,
    dec_deg: float,
    radius_deg: float,
    filter_name: str,
    seed: int = 2016,
    mag_limit: float | None = None,
) -> StarCatalog:
    """Every synthetic star within ``radius_deg`` of (ra, dec), magnitudes in ``filter_name``.

    These are exactly the stars :func:`pyros.skymodel.render_frame` draws for the same
    ``seed`` (which selects the sky); ``mag_limit`` keeps stars brighter than or equal to it.
    Raises ``ValueError`` for an unknown filter or a negative radius.
    """
    if radius_deg < 0:
        raise ValueError("radius_deg must be >= 0")
    fname = band(filter_name).name
    offset, slope = COLOUR_TERMS[fname]
    cells = _cells_in_cone(ra_deg % 360.0, dec_deg, radius_deg)
    ras, decs, mags, ids = [], [], [], []
    if cells:
        c_ra, c_dec = _cell_centres(cells)
        gal_b = np.round(_galactic_latitude(c_ra, c_dec), 6)
        for (j, i), b in zip(cells, gal_b, strict=True):
            ra, dec, mag_r, colour, sid = _cell_stars(int(seed), j, i, float(b))
            ras.append(ra)
            decs.append(dec)
            mags.append(mag_r + offset + slope * colour)
            ids.append(sid)
    ra = np.concatenate(ras) if ras else np.empty(0)
    dec = np.concatenate(decs) if decs else np.empty(0)
    mag = np.concatenate(mags) if mags else np.empty(0)
    sid = np.concatenate(ids) if ids else np.empty(0, dtype=np.int64)
    r0, d0 = math.radians(ra_deg), math.radians(dec_deg)
    cos_sep = math.sin(d0) * np.sin(np.radians(dec)) + math.cos(d0) * np.cos(
        np.radians(dec)
    ) * np.cos(np.radians(ra) - r0)
    keep = cos_sep >= math.cos(math.radians(min(radius_deg, 180.0)))
    if mag_limit is not None:
        keep &= mag <= mag_limit
    order = np.argsort(sid[keep], kind="stable")
    return StarCatalog(
        ra_deg=ra[keep][order],
        dec_deg=dec[keep][order],
        mag=mag[keep][order],
        star_id=sid[keep][order],
        filter_name=fname,
    )

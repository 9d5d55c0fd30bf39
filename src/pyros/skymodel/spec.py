"""What to render: the frame specification and the transients in the sky."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = ["FRAME_TYPES", "FrameSpec", "Transient"]

FRAME_TYPES = ("light", "bias", "dark", "flat")

#: Reference epoch (s after t0) at which a :class:`Transient` has magnitude ``mag``.
TRANSIENT_REFERENCE_S = 60.0
#: Before this age (s) the light curve is held flat, so the power law never diverges.
TRANSIENT_MIN_AGE_S = 1.0


@dataclass(frozen=True)
class Transient:
    """A burst afterglow: a point source fading as a power law, F ∝ (t − t0)^−alpha.

    Convention: ``mag`` is the AB magnitude at t − t0 = 60 s (in the band being observed;
    the afterglow is taken as grey), so the magnitude at age τ seconds is
    ``mag + 2.5 alpha log10(τ / 60)``.  The source is invisible before ``t0`` and its flux is
    held at its 1 s value for 0 < τ < 1 s.  ``t0`` must be timezone-aware.
    """

    ra_deg: float
    dec_deg: float
    mag: float
    t0: datetime
    alpha: float = 1.0

    def __post_init__(self) -> None:
        if self.t0.tzinfo is None:
            raise ValueError("Transient.t0 must be timezone-aware")

    def mag_at(self, when: datetime) -> float:
        """AB magnitude at the instant ``when`` (``inf`` before t0)."""
        age_s = (when - self.t0).total_seconds()
        if age_s <= 0:
            return math.inf
        age_s = max(age_s, TRANSIENT_MIN_AGE_S)
        return self.mag + 2.5 * self.alpha * math.log10(age_s / TRANSIENT_REFERENCE_S)

    def mean_flux_ratio(self, start: datetime, exposure_s: float) -> float:
        """Mean flux over [start, start + exposure_s] relative to the flux at 60 s.

        The power law is integrated analytically; zero before t0.
        """
        a = (start - self.t0).total_seconds()
        b = a + exposure_s
        if exposure_s <= 0:
            return 10 ** (-0.4 * (self.mag_at(start) - self.mag)) if a > 0 else 0.0
        if b <= 0:
            return 0.0
        a = max(a, 0.0)
        ref, tmin, alpha = TRANSIENT_REFERENCE_S, TRANSIENT_MIN_AGE_S, self.alpha
        total = 0.0
        if a < tmin:  # flat part of the light curve
            total += (min(b, tmin) - a) * (tmin / ref) ** -alpha
            a = tmin
        if b > a:
            if abs(alpha - 1.0) < 1e-12:
                total += ref * math.log(b / a)
            else:
                total += ref**alpha * (b ** (1 - alpha) - a ** (1 - alpha)) / (1 - alpha)
        return total / exposure_s


@dataclass(frozen=True)
class FrameSpec:
    """Everything :func:`pyros.skymodel.render_frame` needs to render one camera frame.

    Geometry: (``ra_deg``, ``dec_deg``) is the centre of the full unbinned detector of
    ``width_px`` × ``height_px`` pixels of ``pixel_scale_arcsec``; ``rotation_deg`` turns the
    detector's +y axis from north through east.  The returned array is the subframe
    (``start_x``, ``start_y``, ``num_x``, ``num_y``) in *binned* pixels.

    ``obs_time`` is the start of the exposure (tz-aware).  ``sky_mag_arcsec2`` None means:
    computed from twilight and moonlight at ``site`` (lat_deg, lon_deg, elevation_m), or the
    band's dark-sky value if ``site`` is None too.  ``defocus_steps`` is the focuser offset
    from best focus (see :mod:`pyros.skymodel.psf` for the scale).  ``seed`` selects the sky
    (the star field) and, together with the rest of the spec, the noise realisation.
    """

    ra_deg: float
    dec_deg: float
    width_px: int
    height_px: int
    pixel_scale_arcsec: float
    exposure_s: float
    filter_name: str
    obs_time: datetime
    frame_type: Literal["light", "bias", "dark", "flat"] = "light"
    seeing_arcsec: float = 1.2
    airmass: float = 1.0
    sky_mag_arcsec2: float | None = None
    site: tuple[float, float, float] | None = None
    gain_e_adu: float = 1.5
    read_noise_e: float = 6.0
    dark_current_e_s: float = 0.01
    bias_adu: float = 1000.0
    full_well_e: float = 90000.0
    flat_level_e: float = 20000.0
    bin_x: int = 1
    bin_y: int = 1
    start_x: int = 0
    start_y: int = 0
    num_x: int | None = None
    num_y: int | None = None
    defocus_steps: float = 0
    transients: tuple[Transient, ...] = ()
    seed: int = 2016
    rotation_deg: float = 0.0
    aperture_m: float = 1.3

    def __post_init__(self) -> None:
        if self.frame_type not in FRAME_TYPES:
            raise ValueError(f"frame_type must be one of {FRAME_TYPES}, not {self.frame_type!r}")
        if self.obs_time.tzinfo is None:
            raise ValueError("obs_time must be timezone-aware")
        if self.width_px <= 0 or self.height_px <= 0:
            raise ValueError("width_px and height_px must be positive")
        if self.bin_x < 1 or self.bin_y < 1:
            raise ValueError("binning must be >= 1")
        if self.pixel_scale_arcsec <= 0:
            raise ValueError("pixel_scale_arcsec must be positive")
        if self.exposure_s < 0:
            raise ValueError("exposure_s must be >= 0")
        if self.airmass < 1:
            raise ValueError("airmass must be >= 1")
        if self.seeing_arcsec <= 0 or self.gain_e_adu <= 0:
            raise ValueError("seeing_arcsec and gain_e_adu must be positive")
        if not -90 <= self.dec_deg <= 90:
            raise ValueError("dec_deg must be within [-90, 90]")
        x0, y0, nx, ny = self.window
        if x0 < 0 or y0 < 0 or nx <= 0 or ny <= 0 or x0 + nx > self.binned_width \
                or y0 + ny > self.binned_height:
            raise ValueError(
                f"subframe {x0},{y0} {nx}x{ny} outside the binned detector "
                f"{self.binned_width}x{self.binned_height}"
            )

    @property
    def binned_width(self) -> int:
        return self.width_px // self.bin_x

    @property
    def binned_height(self) -> int:
        return self.height_px // self.bin_y

    @property
    def window(self) -> tuple[int, int, int, int]:
        """(start_x, start_y, num_x, num_y) of the returned array, in binned pixels."""
        nx = self.binned_width - self.start_x if self.num_x is None else self.num_x
        ny = self.binned_height - self.start_y if self.num_y is None else self.num_y
        return self.start_x, self.start_y, nx, ny

    @property
    def shape(self) -> tuple[int, int]:
        """Shape (rows, columns) of the array :func:`render_frame` returns."""
        _, _, nx, ny = self.window
        return ny, nx

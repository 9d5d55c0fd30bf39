"""Master ("super") calibrations: bias, dark and flat combined with ccdproc.

* **bias**: sigma-clipped average of bias frames [ADU].
* **dark**: each dark minus the master bias, divided by its exposure, then combined: the
  dark current of a 1 s exposure [ADU] (header ``EXPTIME = 1``), so any light frame is
  corrected by scaling it with its own exposure (hot pixels are linear in time).
* **flat**: each flat minus bias and scaled dark, divided by its own median (twilight
  flats differ in level), combined, and normalised to a median of 1 [dimensionless].

Combination is ccdproc's sigma-clipped average (3σ about the median with the MAD as the
width), which rejects cosmic rays and the odd star in a twilight flat.  With fewer than
:data:`MIN_CLIP_FRAMES` frames clipping is meaningless and a plain average is used (the
statistics say so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.stats import mad_std

from pyros.pipeline.core.io import RawFrame

__all__ = [
    "MASTER_KINDS",
    "MIN_CLIP_FRAMES",
    "MasterFrame",
    "build_master_bias",
    "build_master_dark",
    "build_master_flat",
    "load_master",
    "master_hdu",
]

MASTER_KINDS = ("bias", "dark", "flat")
MIN_CLIP_FRAMES = 3
#: Memory ccdproc may use per combination [bytes]; it tiles the stack beyond that.
COMBINE_MEM_LIMIT_B = 2.0e9
#: A hot pixel has a dark current above this many times the median (and 5σ above it).
HOT_PIXEL_FACTOR = 10.0


@dataclass(frozen=True)
class MasterFrame:
    """A master calibration: float32 (y, x) data, its FITS header and quality figures."""

    kind: str
    data: np.ndarray
    header: fits.Header
    n_frames: int
    stats: dict[str, float | int | bool | str] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.data.shape)  # type: ignore[return-value]


def _check_stack(frames: Sequence[RawFrame], kind: str) -> None:
    if not frames:
        raise ValueError(f"no {kind} frames to combine")
    shapes = {f.data.shape for f in frames}
    if len(shapes) != 1:
        raise ValueError(f"{kind} frames differ in shape: {sorted(shapes)}")
    binning = {(f.header.get("BINX", 1), f.header.get("BINY", 1)) for f in frames}
    if len(binning) != 1:
        raise ValueError(f"{kind} frames differ in binning: {sorted(binning)}")


def _combine(arrays: Sequence[np.ndarray], scale: Sequence[float] | None = None) -> np.ndarray:
    """Sigma-clipped average (ccdproc.combine) of same-shape float arrays."""
    if len(arrays) == 1:
        return np.asarray(arrays[0], dtype=np.float32) * np.float32(scale[0] if scale else 1)
    import ccdproc

    ccds = [CCDData(np.asarray(a, dtype=np.float32), unit="adu") for a in arrays]
    clip = len(arrays) >= MIN_CLIP_FRAMES
    kwargs = {}
    if scale is not None:
        kwargs["scale"] = np.asarray(scale, dtype=float)
    combined = ccdproc.combine(
        ccds,
        method="average",
        sigma_clip=clip,
        sigma_clip_low_thresh=3,
        sigma_clip_high_thresh=3,
        sigma_clip_func=np.ma.median,
        sigma_clip_dev_func=mad_std,
        mem_limit=COMBINE_MEM_LIMIT_B,
        dtype=np.float32,
        **kwargs,
    )
    return np.asarray(combined.data, dtype=np.float32)


def _header(kind: str, frames: Sequence[RawFrame], bunit: str) -> fits.Header:
    first = frames[0].header
    h = fits.Header()
    h["IMAGETYP"] = f"MASTER{kind.upper()}"
    for key in ("INSTRUME", "CAMERA", "TELESCOP", "NIGHT", "BINX", "BINY", "GAIN", "RDNOISE"):
        if key in first:
            h[key] = first[key]
    if kind == "flat":
        h["FILTER"] = first.get("FILTER", "")
    h["NCOMBINE"] = (len(frames), "frames combined")
    h["COMBINE"] = ("sigma-clipped average" if len(frames) >= MIN_CLIP_FRAMES else "average")
    h["BUNIT"] = bunit
    starts = sorted(str(f.header.get("DATE-OBS", "")) for f in frames)
    h["DATE-OBS"] = (starts[0], "first frame combined")
    for f in frames:
        h.add_history(f"input {f.path.name}")
    return h


def _robust(data: np.ndarray) -> tuple[float, float]:
    sample = data[::4, ::4] if data.size > 4_000_000 else data
    return float(np.median(sample)), float(mad_std(sample))


def build_master_bias(frames: Sequence[RawFrame]) -> MasterFrame:
    """Combine bias frames; stats: level and noise [ADU], read noise from a frame pair."""
    _check_stack(frames, "bias")
    data = _combine([f.data for f in frames])
    level, noise = _robust(data)
    stats: dict[str, float | int | bool | str] = {
        "level_adu": level,
        "noise_adu": noise,
        "clipped": len(frames) >= MIN_CLIP_FRAMES,
    }
    if len(frames) >= 2:  # the difference of two frames removes the fixed pattern
        diff = frames[0].data - frames[1].data
        stats["read_noise_adu"] = float(mad_std(diff[::2, ::2]) / np.sqrt(2.0))
        stats["read_noise_e"] = stats["read_noise_adu"] * frames[0].gain_e_adu
    h = _header("bias", frames, "adu")
    h["EXPTIME"] = 0.0
    return MasterFrame("bias", data, h, len(frames), stats)


def build_master_dark(frames: Sequence[RawFrame], bias: MasterFrame) -> MasterFrame:
    """Combine darks into the dark current of a 1 s exposure [ADU]; needs the master bias.

    Raises ``ValueError`` for a dark of zero exposure or a bias of another shape.
    """
    _check_stack(frames, "dark")
    if bias.shape != frames[0].data.shape:
        raise ValueError(f"master bias {bias.shape} does not fit darks {frames[0].data.shape}")
    rates = []
    for f in frames:
        if f.exposure_s <= 0:
            raise ValueError(f"{f.path.name}: dark with exposure {f.exposure_s} s")
        rates.append((f.data - bias.data) / np.float32(f.exposure_s))
    data = _combine(rates)
    level, noise = _robust(data)
    gain = frames[0].gain_e_adu
    hot = int(np.count_nonzero(data > max(HOT_PIXEL_FACTOR * level, level + 5 * noise)))
    stats: dict[str, float | int | bool | str] = {
        "dark_adu_s": level,
        "dark_e_s": level * gain,
        "noise_adu_s": noise,
        "hot_pixels": hot,
        "hot_fraction": hot / data.size,
        "exposures_s": ",".join(sorted({f"{f.exposure_s:g}" for f in frames})),
        "clipped": len(frames) >= MIN_CLIP_FRAMES,
    }
    h = _header("dark", frames, "adu")
    h["EXPTIME"] = (1.0, "[s] master dark is the dark of a 1 s exposure")
    return MasterFrame("dark", data, h, len(frames), stats)


def build_master_flat(frames: Sequence[RawFrame], bias: MasterFrame,
                      dark: MasterFrame | None) -> MasterFrame:
    """Combine flats of one filter into a response normalised to median 1.

    Raises ``ValueError`` when the flats mix filters or a flat has no signal.
    """
    _check_stack(frames, "flat")
    filters = {str(f.header.get("FILTER", "")) for f in frames}
    if len(filters) != 1:
        raise ValueError(f"flats of several filters: {sorted(filters)}")
    corrected, scale, levels = [], [], []
    for f in frames:
        img = f.data - bias.data
        if dark is not None and f.exposure_s > 0:
            img = img - dark.data * np.float32(f.exposure_s)
        level = float(np.median(img[::4, ::4]))
        if level <= 0:
            raise ValueError(f"{f.path.name}: flat without signal (median {level:.1f} ADU)")
        corrected.append(img)
        scale.append(1.0 / level)
        levels.append(level)
    data = _combine(corrected, scale)
    data /= np.float32(np.median(data[::2, ::2]))
    ny, nx = data.shape
    cy, cx, m = ny // 2, nx // 2, max(4, min(ny, nx) // 16)
    centre = float(np.median(data[cy - m:cy + m, cx - m:cx + m]))
    corners = [data[:m, :m], data[:m, -m:], data[-m:, :m], data[-m:, -m:]]
    corner = float(np.median([np.median(c) for c in corners]))
    # Pixel-to-pixel rms: the flat minus a smoothed copy of itself.
    from scipy.ndimage import median_filter

    sample = data[cy - 4 * m:cy + 4 * m, cx - 4 * m:cx + 4 * m]
    small_scale = float(mad_std(sample - median_filter(sample, size=9)))
    stats: dict[str, float | int | bool | str] = {
        "level_adu": float(np.mean(levels)),
        "level_min_adu": float(np.min(levels)),
        "corner_to_centre": corner / centre,
        "pixel_rms": small_scale,
        "clipped": len(frames) >= MIN_CLIP_FRAMES,
    }
    h = _header("flat", frames, "")
    h["EXPTIME"] = float(np.mean([f.exposure_s for f in frames]))
    return MasterFrame("flat", data.astype(np.float32), h, len(frames), stats)


def master_hdu(master: MasterFrame) -> fits.PrimaryHDU:
    """The master as a float32 primary HDU, statistics as ``STAT_*`` header cards."""
    hdu = fits.PrimaryHDU(data=master.data.astype(np.float32), header=master.header.copy())
    for key, value in master.stats.items():
        card = ("HIERARCH STAT " + key.upper())[:60]
        hdu.header[card] = value
    return hdu


def load_master(path: Path | str, kind: str) -> MasterFrame:
    """Read a master written by :func:`master_hdu`."""
    with fits.open(path, memmap=False) as hdul:
        data = np.asarray(hdul[0].data, dtype=np.float32)
        header = hdul[0].header.copy()
    return MasterFrame(kind, data, header, int(header.get("NCOMBINE", 1)))

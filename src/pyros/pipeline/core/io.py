"""Files in and out: raw frames, atomic writes of FITS, tables and PNGs.

Every product is written to a temporary file in its destination folder and renamed into
place (``os.replace`` is atomic on POSIX), so a reader — or a retried task — never sees a
half-written file, and re-running a step simply replaces its outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from pyros.atomicfile import atomic_path

__all__ = [
    "RawFrame",
    "atomic_path",
    "read_raw",
    "write_fits_atomic",
    "write_table_atomic",
]


@dataclass(frozen=True)
class RawFrame:
    """A raw frame as archived by the execution agent: float32 ADU (y, x) and its header."""

    data: np.ndarray
    header: fits.Header
    path: Path

    @property
    def exposure_s(self) -> float:
        return float(self.header.get("EXPTIME", 0.0))

    @property
    def gain_e_adu(self) -> float:
        return float(self.header.get("GAIN", 1.0))

    @property
    def image_type(self) -> str:
        return str(self.header.get("IMAGETYP", "LIGHT")).strip().upper()


def read_raw(path: Path | str) -> RawFrame:
    """Read the primary HDU of a raw frame (uint16 on disk) as float32 ADU.

    Raises ``OSError`` if the file is missing or not FITS, ``ValueError`` if it holds no
    2-D image.
    """
    path = Path(path)
    with fits.open(path, memmap=False) as hdul:
        hdu = hdul[0]
        if hdu.data is None or hdu.data.ndim != 2:
            raise ValueError(f"{path}: no 2-D image in the primary HDU")
        data = np.asarray(hdu.data, dtype=np.float32)
        header = hdu.header.copy()
    return RawFrame(data=data, header=header, path=path)


def write_fits_atomic(path: Path | str, hdul: fits.HDUList | fits.PrimaryHDU) -> Path:
    """Write a FITS file atomically (replacing any previous version)."""
    if isinstance(hdul, fits.PrimaryHDU):
        hdul = fits.HDUList([hdul])
    with atomic_path(path) as tmp:
        hdul.writeto(tmp, overwrite=True, output_verify="silentfix")
    return Path(path)


def write_table_atomic(path: Path | str, table: Table) -> Path:
    """Write a table atomically; the format follows the suffix (``.ecsv`` or ``.fits``)."""
    path = Path(path)
    fmt = "ascii.ecsv" if path.suffix == ".ecsv" else "fits"
    with atomic_path(path) as tmp:
        table.write(tmp, format=fmt, overwrite=True)
    return path



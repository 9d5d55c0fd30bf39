"""Frames rendered by the sky model with the execution agent's header contract.

The field is at galactic latitude −10° (l = 150°), where a 1024² VIS frame (6.5′) holds
~80 stars brighter than r = 21: enough for astrometry and a zero point, small enough to
keep the suite fast.  Calibration frames and their masters are made once per session.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import pyros.astro  # noqa: F401  (offline astropy configuration first)
from pyros.pipeline.core.synthetic import FrameMeta, write_raw_frame
from pyros.skymodel import FrameSpec

RA_DEG, DEC_DEG = 51.808, 44.530
SIZE_PX = 1024
SCALE_ARCSEC = 0.381
NIGHT = "20260314"
#: Evening of NIGHT at San Pedro Mártir (UTC), calibrations at dusk, lights later.
DUSK = datetime(2026, 3, 15, 2, 0, tzinfo=UTC)
SKY_MAG = 20.5
N_CALIB = 5
DARK_S = 300.0


def spec(kind: str = "light", at: datetime = DUSK, exposure_s: float = 60.0,
         **kw) -> FrameSpec:
    """A VIS-like spec of the test field (r band unless told)."""
    base = {"ra_deg": RA_DEG, "dec_deg": DEC_DEG, "width_px": SIZE_PX, "height_px": SIZE_PX,
            "pixel_scale_arcsec": SCALE_ARCSEC, "exposure_s": exposure_s, "filter_name": "r",
            "obs_time": at, "frame_type": kind, "sky_mag_arcsec2": SKY_MAG}
    base.update(kw)
    return FrameSpec(**base)


def calibration_specs(filter_name: str = "r", start: datetime = DUSK) -> list[FrameSpec]:
    out = []
    for i in range(N_CALIB):
        t = start + timedelta(minutes=i)
        out.append(spec("bias", t, 0.0))
        out.append(spec("dark", t + timedelta(minutes=10), DARK_S))
        out.append(spec("flat", t + timedelta(minutes=20), 5.0, filter_name=filter_name))
    return out


META = FrameMeta(night=NIGHT)


def frame_name(s: FrameSpec) -> str:
    return f"{s.frame_type}-{s.filter_name}-{s.obs_time:%Y%m%dT%H%M%S}.fits"


def shifted_wcs(s: FrameSpec, east_arcsec: float, north_arcsec: float,
                rotation_deg: float = 0.0):
    """The spec's WCS with CRVAL moved and the CD matrix turned: a wrong header WCS."""
    import numpy as np

    from pyros.skymodel import frame_wcs

    w = frame_wcs(s).deepcopy()
    w.wcs.crval = [s.ra_deg + east_arcsec / 3600 / math.cos(math.radians(s.dec_deg)),
                   s.dec_deg + north_arcsec / 3600]
    th = math.radians(rotation_deg)
    w.wcs.cd = w.wcs.cd @ np.array([[math.cos(th), -math.sin(th)],
                                     [math.sin(th), math.cos(th)]])
    w.wcs.set()
    return w


@pytest.fixture(scope="session")
def calib_masters(tmp_path_factory):
    """Raw calibration frames of the field's detector and their masters (pure core)."""
    from pyros.pipeline.core import masters as mc
    from pyros.pipeline.core.io import read_raw, write_fits_atomic
    from pyros.pipeline.core.process import MasterPaths

    folder = tmp_path_factory.mktemp("calib")
    raws: dict[str, list] = {"bias": [], "dark": [], "flat": []}
    for s in calibration_specs():
        path = write_raw_frame(folder / frame_name(s), s, META)
        raws[s.frame_type].append(read_raw(path))
    bias = mc.build_master_bias(raws["bias"])
    dark = mc.build_master_dark(raws["dark"], bias)
    flat = mc.build_master_flat(raws["flat"], bias, dark)
    paths = {}
    for m in (bias, dark, flat):
        paths[m.kind] = str(write_fits_atomic(folder / f"master-{m.kind}.fits",
                                              mc.master_hdu(m)))
    return {"raws": raws, "bias": bias, "dark": dark, "flat": flat,
            "paths": MasterPaths(**paths), "folder": folder}


# --- Django side -------------------------------------------------------------------------

@pytest.fixture
def clock():
    from pyros.clock import ManualClock, set_clock

    c = ManualClock(DUSK + timedelta(hours=12))
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def data_dir(settings, tmp_path):
    """This test's own data directory (archive, products, exchange folders)."""
    settings.DATA_DIR = tmp_path
    return tmp_path


def archive_frame(data_dir: Path, s: FrameSpec, meta: FrameMeta = META, *, wcs=None,
                  sequence=None):
    """Write a raw frame where the execution agent would and record its Frame row."""
    from pyros.execution.models import Frame

    rel = Path("raw") / meta.night / meta.channel / frame_name(s)
    path = write_raw_frame(data_dir / rel, s, meta, wcs=wcs)
    return Frame.objects.create(
        sequence=sequence, night=meta.night, channel=meta.channel, camera=meta.camera,
        kind=s.frame_type, filter_name=s.filter_name if s.frame_type in ("light", "flat")
        else "", exposure_s=s.exposure_s, date_obs=s.obs_time, ra_deg=s.ra_deg,
        dec_deg=s.dec_deg, airmass=s.airmass, path=str(rel),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(), width_px=s.shape[1],
        height_px=s.shape[0])


def alert_sequence(name: str = "GRB 260315A"):
    """A burst follow-up's sequence (its request made by the alert manager)."""
    from pyros.accounts.models import ScientificProgramme
    from pyros.routines.models import Request, Sequence

    prog, _ = ScientificProgramme.objects.get_or_create(code="grb",
                                                        defaults={"title": "GRB follow-up"})
    req = Request.objects.create(name=name, programme=prog, from_alert=True)
    return Sequence.objects.create(request=req, name=name, target_name="GRB", ra_deg=RA_DEG,
                                   dec_deg=DEC_DEG, window_start=DUSK,
                                   window_end=DUSK + timedelta(hours=8))


def archive_calibrations(data_dir: Path, meta: FrameMeta = META, start: datetime = DUSK):
    return [archive_frame(data_dir, s, meta) for s in calibration_specs(start=start)]

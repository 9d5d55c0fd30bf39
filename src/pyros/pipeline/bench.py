"""``pyros bench pipeline``: frames per second of the per-frame pipeline, 1 and 2 workers.

Frames are rendered by the sky model into a temporary directory (a field at galactic
latitude −10°), masters are built from 3 bias + 3 dark + 3 flat frames, then light frames
go through :func:`pyros.pipeline.core.process.process_light` (reduce, detect, astrometry,
photometry, write FITS + ECSV + PNG).  The worker-count figure uses a
``concurrent.futures.ProcessPoolExecutor`` over the pure core — the same code a Celery
worker with ``--concurrency N`` runs, without the broker and the database.  Each pool is
warmed (imports, masters cached) before it is timed.  No database needed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

RA_DEG, DEC_DEG = 51.808, 44.530
START = datetime(2026, 3, 15, 4, 0, tzinfo=UTC)
#: (label, channel, size, filter) of the frame sizes measured.
SIZES = (("2k", "NIR", 2048, "J"), ("4k", "VIS", 4096, "r"))
QUICK_SIZES = (("1k", "VIS", 1024, "r"), ("2k", "NIR", 2048, "J"))


def _spec(channel, size: int, band: str, kind: str, when: datetime, exposure_s: float):
    from pyros.skymodel import FrameSpec

    return FrameSpec(ra_deg=RA_DEG, dec_deg=DEC_DEG, width_px=size, height_px=size,
                     pixel_scale_arcsec=channel.pixel_scale_arcsec, exposure_s=exposure_s,
                     filter_name=band, obs_time=when, frame_type=kind,
                     gain_e_adu=channel.gain_e_adu, read_noise_e=channel.read_noise_e,
                     dark_current_e_s=channel.dark_current_e_s,
                     full_well_e=channel.full_well_e)


def _prepare(folder: Path, channel, size: int, band: str, n_lights: int):
    """Render calibration and light frames; build the masters.  Returns (masters, lights,
    seconds to build the masters)."""
    from pyros.pipeline.core import masters as mc
    from pyros.pipeline.core.io import read_raw, write_fits_atomic
    from pyros.pipeline.core.process import MasterPaths
    from pyros.pipeline.core.synthetic import FrameMeta, write_raw_frame

    meta = FrameMeta(night="20260314", channel=channel.name, camera=channel.camera)
    raws: dict[str, list[Path]] = {"bias": [], "dark": [], "flat": []}
    for i in range(3):
        for j, (kind, exp) in enumerate((("bias", 0.0), ("dark", 60.0), ("flat", 5.0))):
            s = _spec(channel, size, band, kind, START + timedelta(minutes=10 * j + i), exp)
            raws[kind].append(write_raw_frame(folder / f"{kind}{i}.fits", s, meta))
    t0 = time.perf_counter()
    bias = mc.build_master_bias([read_raw(p) for p in raws["bias"]])
    dark = mc.build_master_dark([read_raw(p) for p in raws["dark"]], bias)
    flat = mc.build_master_flat([read_raw(p) for p in raws["flat"]], bias, dark)
    paths = {m.kind: str(write_fits_atomic(folder / f"master-{m.kind}.fits",
                                           mc.master_hdu(m))) for m in (bias, dark, flat)}
    masters_s = time.perf_counter() - t0
    lights = []
    for i in range(n_lights):
        s = _spec(channel, size, band, "light", START + timedelta(hours=1, minutes=2 * i), 60.0)
        lights.append(str(write_raw_frame(folder / f"light{i}.fits", s, meta)))
    return MasterPaths(**paths), lights, masters_s


def _process(job: tuple) -> dict:
    """One frame in a pool process (top level: picklable)."""
    from pyros.pipeline.core.process import OutputPaths, process_light
    from pyros.pipeline.core.reference import sky_model_reference

    raw, masters, out_dir, tag, full_well_e = job
    stem = Path(raw).stem + tag
    out = OutputPaths(Path(out_dir) / f"{stem}.fits", Path(out_dir) / f"{stem}.ecsv",
                      Path(out_dir) / f"{stem}.png")
    res = process_light(raw, masters, out, sky_model_reference(), full_well_e=full_well_e)
    return {"timings": res.timings_s, "n_sources": res.n_sources, "n_matched": res.n_matched}


def _warm(masters) -> None:
    """Pool initializer: imports and masters loaded in every worker before timing."""
    import ccdproc  # noqa: F401
    import photutils.segmentation  # noqa: F401

    from pyros.pipeline.core.process import cached_master

    for kind in ("bias", "dark", "flat"):
        path = getattr(masters, kind)
        if path:
            cached_master(path, kind)


def _fps(workers: int, lights: list[str], masters, out_dir: Path, full_well_e: float) -> dict:
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm,
                             initargs=(masters,)) as pool:
        # Warm-up: a frame per worker (the pool starts its processes now), not timed.
        list(pool.map(_process, [(lights[0], masters, str(out_dir), f"-w{k}", full_well_e)
                                 for k in range(workers)]))
        t0 = time.perf_counter()
        results = list(pool.map(_process, [(p, masters, str(out_dir), f"-{workers}", full_well_e)
                                           for p in lights]))
        wall = time.perf_counter() - t0
    steps = {k: statistics.median(r["timings"][k] for r in results) for k in results[0]["timings"]}
    return {"workers": workers, "frames": len(lights), "wall_s": wall,
            "fps": len(lights) / wall, "step_s": steps,
            "sources": statistics.median(r["n_sources"] for r in results),
            "matched": statistics.median(r["n_matched"] for r in results)}


def run(args: argparse.Namespace) -> int:
    import pyros.astro  # noqa: F401  (offline astropy first)
    from pyros.config import load_config

    config = load_config()
    channels = {c.name: c for c in config.channels}
    quick = bool(getattr(args, "quick", False))
    n_lights = 4 if quick else 6
    figures = []
    with tempfile.TemporaryDirectory(prefix="pyros-bench-pipeline-") as tmp:
        for label, name, size, band in (QUICK_SIZES if quick else SIZES):
            folder = Path(tmp) / label
            folder.mkdir()
            channel = channels[name]
            masters, lights, masters_s = _prepare(folder, channel, size, band, n_lights)
            one = _fps(1, lights, masters, folder, channel.full_well_e)
            two = _fps(2, lights, masters, folder, channel.full_well_e)
            figures.append({"size": label, "pixels": f"{size}x{size}", "channel": name,
                            "filter": band, "masters_s": masters_s, "one": one, "two": two,
                            "ratio_2_vs_1": two["fps"] / one["fps"]})
    if getattr(args, "json", False):
        print(json.dumps(figures, indent=1))
        return 0
    print("pipeline: reduce + detect + astrometry + photometry + write (FITS, ECSV, PNG)")
    print("workers = processes over the pure core (ProcessPoolExecutor), warmed first")
    print(f"{'frame':>10} {'masters s':>9} {'fps 1':>7} {'fps 2':>7} {'2 vs 1':>7} "
          f"{'reduce':>7} {'detect':>7} {'astrom':>7} {'phot':>6} {'write':>6} {'src':>6}")
    for f in figures:
        s = f["one"]["step_s"]
        print(f"{f['pixels']:>10} {f['masters_s']:9.1f} {f['one']['fps']:7.3f} "
              f"{f['two']['fps']:7.3f} {f['ratio_2_vs_1']:7.2f} {s['reduce']:7.2f} "
              f"{s['detect']:7.2f} {s['astrometry']:7.2f} {s['photometry']:6.3f} "
              f"{s['write']:6.2f} {f['one']['sources']:6.0f}")
    return 0

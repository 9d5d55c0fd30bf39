"""``pyros bench devices``: driver round-trip latency and image download throughput.

Starts the Alpaca simulators itself on loopback, then measures through the real drivers:
p50/p99 latency of a property read, a mount status snapshot and a camera status snapshot;
and for one full VIS frame (4096x4096 by default) the ImageBytes download against the
JSON ImageArray download of the same image (the reference, same run), as MB/s on the
wire, seconds per frame and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

__all__ = ["run"]


def _latency_ms(call: Callable[[], object], n: int) -> dict[str, float]:
    from pyros.clock import monotonic

    call()  # warm the connection
    samples = []
    for _ in range(n):
        t0 = monotonic()
        call()
        samples.append((monotonic() - t0) * 1000.0)
    samples.sort()
    return {"n": n, "p50_ms": round(statistics.median(samples), 3),
            "p99_ms": round(samples[min(n - 1, int(0.99 * n))], 3)}


def _download(camera: Any, imagebytes: bool, repeats: int) -> dict[str, float]:
    from pyros.clock import monotonic

    camera.prefer_imagebytes = imagebytes
    times, wire = [], 0
    for _ in range(repeats):
        t0 = monotonic()
        raw = camera._transport_call(lambda t: t.get_image(imagebytes))
        times.append(monotonic() - t0)
        wire = raw.nbytes_wire
    best = min(times)
    return {"transport": raw.transport, "s_per_frame": round(best, 3),
            "wire_MB": round(wire / 1e6, 1), "MB_per_s": round(wire / 1e6 / best, 1),
            "pixel_MB_per_s": round(raw.data.nbytes / 1e6 / best, 1)}


def run(args: argparse.Namespace) -> int:
    from pyros.clock import SimClock, get_clock, set_clock
    from pyros.config import load_config
    from pyros.devices import open_all
    from pyros.simulators.testing import running_simulators

    quick = bool(getattr(args, "quick", False))
    n = 50 if quick else 300
    cfg = load_config()
    previous = get_clock()
    set_clock(SimClock(datetime(2026, 3, 1, 4, 0, tzinfo=UTC), speed=100.0))
    figures: dict[str, Any] = {}
    try:
        with running_simulators(cfg, port=0) as sims:
            devices = [d.model_copy(update={"address": sims.url, "timeout_s": 30.0,
                                            "download_timeout_s": 600.0})
                       for d in cfg.devices]
            drivers = open_all(cfg.model_copy(update={"devices": devices}),
                               names=["mount", "camera_vis"])
            mount, camera = drivers["mount"], drivers["camera_vis"]
            figures["property_read"] = _latency_ms(mount.tracking, n)
            figures["mount_status"] = _latency_ms(mount.status, max(10, n // 5))
            figures["camera_status"] = _latency_ms(camera.status, max(10, n // 5))
            camera.full_frame()
            camera.start_exposure(1.0)
            camera.wait_for_image()
            width, height = camera.sensor_size_px()
            figures["frame"] = f"{width}x{height}"
            fast = _download(camera, True, 2 if quick else 3)
            slow = _download(camera, False, 1)
            figures["imagebytes"] = fast
            figures["json"] = slow
            figures["imagebytes_speedup"] = round(slow["s_per_frame"] / fast["s_per_frame"], 1)
            for d in drivers.values():
                d.close()
    finally:
        set_clock(previous)
    if getattr(args, "json", False):
        print(json.dumps(figures, indent=2))
        return 0
    print("device driver latency (Alpaca simulators on loopback)")
    for key in ("property_read", "mount_status", "camera_status"):
        f = figures[key]
        print(f"  {key:<14} p50 {f['p50_ms']:8.2f} ms   p99 {f['p99_ms']:8.2f} ms   (n={f['n']})")
    print(f"image download, {figures['frame']} frame")
    for key in ("imagebytes", "json"):
        f = figures[key]
        print(f"  {key:<10} {f['s_per_frame']:7.3f} s/frame  {f['MB_per_s']:8.1f} MB/s on the wire"
              f"  ({f['wire_MB']} MB)")
    print(f"  ImageBytes is {figures['imagebytes_speedup']}x faster than JSON")
    return 0

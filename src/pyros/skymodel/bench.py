"""``pyros bench skymodel``: seconds per rendered frame at 2k and 4k, and stars per frame.

The reference run in the same process is the cost of the noise alone (a bias frame of the
same size), so the ratio shows what stars, sky and detector effects add on top of the
unavoidable per-pixel work.  Each size is rendered at a high and a low galactic latitude
(few and many stars); the first render of a size (which builds the cached detector
patterns) is reported separately from the warm median.
"""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import UTC, datetime, timedelta

__all__ = ["run"]

_FIELDS = {"high-b": (192.86, 27.13), "low-b": (283.8, -5.0)}


def _spec(size: int, ra: float, dec: float, frame_type: str, k: int):
    from pyros.skymodel import FrameSpec

    return FrameSpec(
        ra_deg=ra,
        dec_deg=dec,
        width_px=size,
        height_px=size,
        pixel_scale_arcsec=0.381,
        exposure_s=60.0,
        filter_name="r",
        obs_time=datetime(2026, 3, 1, 6, 0, tzinfo=UTC) + timedelta(minutes=k),
        frame_type=frame_type,  # type: ignore[arg-type]
    )


def _time(spec) -> float:
    from pyros.clock import monotonic
    from pyros.skymodel import render_frame

    t0 = monotonic()
    render_frame(spec)
    return monotonic() - t0


def run(args: argparse.Namespace) -> int:
    from pyros.skymodel.render import field_stars

    quick = bool(getattr(args, "quick", False))
    sizes = (1024, 2048) if quick else (2048, 4096)
    repeats = 2 if quick else 3
    results = []
    for size in sizes:
        cold = _time(_spec(size, 10.0, 10.0, "light", 99))
        bias = statistics.median(
            _time(_spec(size, 10.0, 10.0, "bias", k)) for k in range(repeats)
        )
        for name, (ra, dec) in _FIELDS.items():
            warm = statistics.median(
                _time(_spec(size, ra, dec, "light", k)) for k in range(repeats)
            )
            stars = len(field_stars(_spec(size, ra, dec, "light", 0), margin_px=0.0))
            results.append(
                {
                    "size_px": size,
                    "field": name,
                    "stars_per_frame": stars,
                    "seconds_per_frame": round(warm, 3),
                    "first_frame_s": round(cold, 3),
                    "bias_frame_s": round(bias, 3),
                    "ratio_to_bias": round(warm / bias, 2) if bias > 0 else None,
                }
            )
    if getattr(args, "json", False):
        print(json.dumps({"benchmark": "skymodel", "results": results}, indent=2))
    else:
        print(f"{'size':>6} {'field':>7} {'stars':>7} {'s/frame':>8} {'first':>7} "
              f"{'bias s':>7} {'×bias':>6}")
        for r in results:
            print(
                f"{r['size_px']:>6} {r['field']:>7} {r['stars_per_frame']:>7} "
                f"{r['seconds_per_frame']:>8.3f} {r['first_frame_s']:>7.3f} "
                f"{r['bias_frame_s']:>7.3f} {r['ratio_to_bias']:>6}"
            )
    return 0

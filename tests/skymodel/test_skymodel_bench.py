"""``pyros bench skymodel`` runs and reports its figures (timings are printed, not asserted)."""

from __future__ import annotations

import argparse
import json

from pyros.skymodel import bench


def test_quick_benchmark_prints_figures_as_json(capsys):
    assert bench.run(argparse.Namespace(quick=True, json=True)) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["benchmark"] == "skymodel"
    rows = data["results"]
    assert {r["size_px"] for r in rows} == {1024, 2048}
    by_field = {(r["size_px"], r["field"]): r for r in rows}
    # the low-latitude field holds many more stars than the pole, and bigger frames more
    assert by_field[(2048, "low-b")]["stars_per_frame"] > 3 * by_field[(2048, "high-b")][
        "stars_per_frame"
    ]
    assert by_field[(2048, "high-b")]["stars_per_frame"] > by_field[(1024, "high-b")][
        "stars_per_frame"
    ]
    assert all(r["seconds_per_frame"] > 0 for r in rows)

"""The benchmark runs end to end on a small instance and reports valid plans."""

from __future__ import annotations

from pyros.planning.bench import bench_one


def test_bench_rows_for_a_small_instance():
    result = bench_one(40, time_limit_s=1.0, with_astroplan=False)
    rows = {r["solver"]: r for r in result["rows"]}
    assert set(rows) == {"greedy (cold)", "greedy", "cpsat"}
    assert rows["greedy"]["violations"] == 0 and rows["cpsat"]["violations"] == 0
    assert rows["cpsat"]["objective"] >= rows["greedy"]["objective"] > 0
    assert 0 < rows["cpsat"]["night_used"] <= 1

"""Smoke test of the Figure 2 script on the synthetic presets (a few hundred arrivals)."""

from __future__ import annotations

import csv

import pytest
from recogym_eco.train.market_experiment import main


@pytest.mark.slow
def test_market_experiment_writes_csv_and_figure(tmp_path):
    main(["--preset", "synthetic", "--scale", "0.002", "--runs", "2", "--batch", "50", "--record-every", "200",
          "--num-types", "3", "--num-items", "30", "--out", str(tmp_path)])
    with open(tmp_path / "market_runs.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["strategy"] for r in rows} == {"random", "popularity", "quality"}
    assert {r["setting"] for r in rows} == {"homogeneous", "heterogeneous"}
    assert sorted({int(r["arrivals"]) for r in rows}) == [200, 400, 600]
    assert all(0.0 <= float(r["efficiency"]) <= 1.0 for r in rows)
    with open(tmp_path / "market_summary.csv") as f:
        summary = list(csv.DictReader(f))
    assert len(summary) == 6 and all(int(s["runs"]) == 2 for s in summary)
    assert (tmp_path / "market_figure2.png").stat().st_size > 0

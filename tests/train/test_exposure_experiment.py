"""Smoke test of the exposure audit script on a tiny grid (synthetic demand and the MovieLens fixture)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"


@pytest.mark.slow
def test_exposure_experiment_writes_consistent_outputs(tmp_path):
    from recogym_eco.train.exposure_experiment import main

    out = tmp_path / "audit"
    summary = main(["--sources", "synthetic", "movielens-nmf", "--dims", "3", "--producers", "3", "--taus", "0.1", "1",
                    "--seeds", "2", "--restarts", "1", "--max-steps", "200", "--synthetic-users", "40",
                    "--movielens-path", str(FIXTURE), "--out", str(out), "--quiet"])
    with open(out / "exposure_runs.csv") as f:
        runs = list(csv.DictReader(f))
    assert len(runs) == 2 * 2 * 2 and (out / "exposure_clustering.png").stat().st_size > 0
    assert len(summary) == 4
    for row in summary:
        rs = [r for r in runs if r["source"] == row["source"] and float(r["tau"]) == row["tau"]]
        assert row["runs"] == 2
        sims = [float(r["mean_similarity"]) for r in rs]
        assert row["mean_similarity_mean"] == pytest.approx(np.mean(sims), abs=1e-5)
        assert row["second_order"] == sum(r["second_order"] == "True" for r in rs)
        for r in rs:
            assert int(r["steps"]) <= 200 and float(r["grad_norm"]) >= 0
            assert -1 / 2 - 1e-9 <= float(r["mean_similarity"]) <= 1 + 1e-9
    nmf = [r for r in runs if r["source"] == "movielens-nmf"]
    assert all(float(r["alignment"]) >= 0 for r in nmf)  # non-negative strategies and demand


def test_exposure_experiment_rejects_bad_arguments():
    from recogym_eco.train.exposure_experiment import main

    with pytest.raises(SystemExit):
        main(["--taus", "0"])
    with pytest.raises(SystemExit):
        main(["--seeds", "0"])

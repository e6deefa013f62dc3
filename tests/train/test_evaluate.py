"""train/evaluation.py (``recogym-eco evaluate``): policy specs, the outputs it writes, and its statistics."""

import csv

import numpy as np
import pytest
from scipy import stats

from recogym_eco.train.evaluation import PolicySpec, evaluate_and_write, mean_ci
from recogym_eco.train.presets import env_kwargs


def test_policy_specs_parse_and_reject_unknown_names():
    spec = PolicySpec.parse("MostClick+PMMF+Reweight")
    assert (spec.name, spec.suggestion, spec.ranker, spec.reweight) == ("MostClick+PMMF+Reweight", "MostClick", "PMMF", True)
    assert PolicySpec.parse("FairRec").suggestion == "NoSignal"
    labelled = PolicySpec.parse("mine=runs/a/model.zip+FairRec")
    assert (labelled.name, labelled.suggestion, labelled.ranker) == ("mine", "runs/a/model.zip", "FairRec")
    with pytest.raises(ValueError, match="unknown suggestion policy"):
        PolicySpec.parse("Oracle")
    with pytest.raises(ValueError, match="at most one"):
        PolicySpec.parse("PMMF+FairRec")
    with pytest.raises(ValueError, match="preset"):
        env_kwargs("amazon")


def test_mean_ci_is_the_student_t_interval():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    mean, half = mean_ci(x)
    assert mean == pytest.approx(3.5)
    assert half == pytest.approx(stats.t.ppf(0.975, 3) * x.std(ddof=1) / 2.0)


def test_evaluate_writes_csv_table_and_plots(tmp_path):
    kwargs = dict(num_creators=10, num_users=20, num_genres=4, horizon=12)
    summary = evaluate_and_write(["NoSignal", "MostHistoryClick+PMMF", "Reweight"], kwargs, [1, 2], tmp_path)
    for name in ("rounds.csv", "summary.md", "clicks_per_round.png", "active_creators.png", "genres_per_creator.png"):
        assert (tmp_path / name).stat().st_size > 0
    rows = list(csv.DictReader(open(tmp_path / "rounds.csv")))
    assert len(rows) == 3 * 2 * 12
    per_seed = [sum(float(r["clicks"]) for r in rows if r["policy"] == "NoSignal" and r["seed"] == s) for s in "12"]
    assert f"| NoSignal | {np.mean(per_seed):.2f} ± {mean_ci(np.array(per_seed))[1]:.2f} |" in summary
    assert "Paired differences to NoSignal" in summary and "| Reweight |" in summary

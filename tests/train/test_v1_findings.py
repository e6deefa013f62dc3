"""The v1 findings script runs end to end on a tiny world and reports verdicts from paired intervals."""

import numpy as np
import pytest

from recogym_eco.train.creator_suggestion_v1_findings import Spec, main, mean_ci, truncated_mean, verdict


def test_helpers_by_hand():
    assert verdict((2.0, 1.0)) == "holds" and verdict((-2.0, 1.0)) == "reversed"
    assert verdict((0.5, 1.0)) == "no difference" and verdict((1.0, float("nan"))) == "n/a"
    mean, half = mean_ci(np.array([1.0, 3.0]))
    assert mean == 2.0 and half == pytest.approx(12.7062047 * np.sqrt(2) / np.sqrt(2))
    assert truncated_mean(0.5, 1.0) == pytest.approx(0.5)
    assert truncated_mean(0.4, 0.2) == pytest.approx(0.4, abs=0.02)
    assert 0.49 < truncated_mean(0.4, 1.0) < 0.5
    assert Spec.parse("PMMF") == Spec("NoSignal", "PMMF", False)
    assert Spec.parse("LoRe+FairRec") == Spec("LoRe", "FairRec", False)
    assert Spec.parse("Reweight") == Spec("NoSignal", None, True)


def test_runs_end_to_end(tmp_path, monkeypatch):
    import recogym_eco.train.creator_suggestion_v1_findings as findings

    monkeypatch.setattr(findings, "CREATOR_MODELS", ("feedback", "cfd"))
    text = findings.run_findings([1, 2], tmp_path, env_overrides=dict(num_creators=5, num_users=12, num_genres=3,
                                                                      horizon=4))
    assert "X = DemandAware" in text and "## Verdicts" in text and "OracleDemand" in text
    for name in ("runs.csv", "findings.md", "main.png", "trust.png", "creators.png"):
        assert (tmp_path / name).is_file()
    with pytest.raises(SystemExit):
        main(["--seeds", "0"])
    with pytest.raises(SystemExit):
        main(["--env-kwargs", '{"num_creators": 0}'])


def test_lore_trained_with_a_ranker_is_played_with_it(tmp_path):
    pytest.importorskip("torch")
    import recogym_eco.train.creator_suggestion_v1_findings as findings
    from recogym_eco.agents.shipped import shipped_model

    path = shipped_model("lore_v1_default")
    assert findings.load_lore_model(path)["ranker"] == "PMMF"
    text = findings.run_findings([1, 2], tmp_path, lore_path=path, experiments=["main", "rerank"],
                                 env_overrides=dict(num_creators=5, num_users=12, horizon=3))
    assert "X = LoRe+PMMF" in text
    assert "| LoRe+PMMF > MostHistoryClick+PMMF (clicks) |" in text
    assert "| LoRe+FairRec > LoRe |" in text and "| LoRe+PMMF > LoRe |" in text
    rows = (tmp_path / "runs.csv").read_text()
    for policy in ("LoRe+PMMF", "LoRe", "DemandAware+PMMF", "MostHistoryClick+PMMF"):
        assert f",{policy}," in rows

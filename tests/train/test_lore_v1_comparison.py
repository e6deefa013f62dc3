"""LoRe-on-v1 comparison (train/lore_v1_comparison.py) and the warm-start options of ``recogym-eco train``."""

from __future__ import annotations

import pytest

from recogym_eco.train import train_lore
from recogym_eco.train.lore_v1_comparison import lore_label, main, policies_for


def test_label_names_the_training_ranker():
    assert lore_label({}) == "LoRe"
    assert lore_label({"ranker": "PMMF_CreAgent"}) == "LoRe+PMMF"
    assert lore_label({"ranker": "FairRec_CreAgent"}) == "LoRe+FairRec"
    with pytest.raises(ValueError, match="ranker"):
        lore_label({"ranker": "TopK"})


def test_baselines_are_the_issues_plus_the_same_ranker_combinations():
    alone = policies_for("LoRe")
    assert alone == ["NoSignal", "Random", "MostClick", "MostHistoryClick", "Reweight", "PMMF", "FairRec",
                     "DemandAware"]
    assert policies_for("LoRe+PMMF") == alone + ["DemandAware+PMMF", "MostHistoryClick+PMMF"]


@pytest.mark.parametrize("argv, message", [
    (["--lore", "no/such/model.zip"], "no file"),
    (["--lore", "x.zip", "--seeds", "1"], "--seeds"),
])
def test_comparison_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("extra, message", [
    (["--ranker", "NoSuchRanker"], "--ranker"),
    (["--bc-teacher", "NoSuchHeuristic"], "--bc-teacher"),
    (["--bc-teacher", "MostHistoryClick", "--bc-explore", "2"], "--bc-explore"),
    (["--critic-warmup", "500", "--timesteps", "400"], "--critic-warmup"),
    (["--init-model", "no/such/model.zip"], "--init-model"),
])
def test_train_warm_start_usage_errors(extra, message, tmp_path, capsys):
    argv = ["--env-id", "recogym_eco/CreatorSuggestion-v1", "--features", "log", "--out", str(tmp_path), *extra]
    with pytest.raises(SystemExit) as exit_info:
        train_lore.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err

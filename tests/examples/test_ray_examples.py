"""The Ray examples (``examples/ray/``): their helpers against hand computations, and each script's
``main`` on a minimal configuration (slow: Ray starts a local cluster)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ray")
pytest.importorskip("ray.rllib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ray"
TINY = {"num_creators": 3, "num_users": 12, "num_genres": 3, "horizon": 6}


def load(name: str):
    """The example script ``name`` as a module (registered, so Ray can ship its functions by value)."""
    module_name = f"recogym_eco_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def test_episode_clicks_sums_each_episode(tmp_path):
    tune_lore = load("tune_lore")
    path = tmp_path / "rounds.csv"
    path.write_text("policy,seed,round,clicks,other\nLoRe,7,1,3.0,0\nLoRe,7,2,4.5,0\nLoRe,8,1,1.0,0\n"
                    "NoSignal,7,1,2.0,0\n")
    assert tune_lore.episode_clicks(path) == {"LoRe": {7: 7.5, 8: 1.0}, "NoSignal": {7: 2.0}}


def test_paired_gain_is_the_t_interval_of_the_differences():
    tune_lore = load("tune_lore")
    mean, half = tune_lore.paired_gain(np.array([11.0, 23.0]), np.array([10.0, 20.0]))
    # d = (1, 3): mean 2, s = sqrt(2), n = 2, t_{0.975, 1} = 12.7062: half = t s / sqrt(n)
    assert mean == pytest.approx(2.0) and half == pytest.approx(12.7062 * np.sqrt(2) / np.sqrt(2.0), rel=1e-4)
    assert np.isnan(tune_lore.paired_gain(np.array([5.0]), np.array([1.0]))[1])


def test_trial_argv_is_a_valid_train_command(tmp_path):
    from recogym_eco.train.train_lore import parse_args

    tune_lore = load("tune_lore")
    config = {"preset": "skewed", "trust_mean": 0.8, "learning_rate": 1e-3, "n_steps": 50, "minibatches": 4,
              "ent_coef": 0.01, "base_env": dict(TINY), "timesteps": 1000, "n_envs": 4, "seed": 3,
              "eval_episodes": 2, "eval_seed_base": 500, "env_id": "recogym_eco/CreatorSuggestion-v1"}
    args = parse_args(tune_lore.trial_argv(config, tmp_path / "out"))
    assert args.ppo_kwargs == {"learning_rate": 1e-3, "n_steps": 50, "batch_size": 50, "ent_coef": 0.01}
    assert args.env_kwargs == {**TINY, "trust_mean": 0.8}
    assert (args.preset, args.n_envs, args.seed) == ("skewed", 4, 3)
    assert (args.eval_episodes, args.eval_seed_base) == (2, 500)
    assert args.baselines == "NoSignal" and args.out == tmp_path / "out"
    assert args.env_id == "recogym_eco/CreatorSuggestion-v1"


def test_sweep_rejects_trust_presets_and_out_of_range_trust():
    tune_lore = load("tune_lore")
    parser = tune_lore.build_parser()
    for argv in (["--presets", "trust-0.4"], ["--trust-means", "1.5"], ["--presets", "nope"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)


def test_demand_shares_and_total_variation_by_hand():
    rllib_creators = load("rllib_creators")
    theta = np.array([[0.5, 0.1, 0.0], [0.3, 0.1, 1.0]])
    np.testing.assert_allclose(rllib_creators.demand_shares(theta), [0.8 / 2.0, 0.2 / 2.0, 1.0 / 2.0])
    assert rllib_creators.total_variation([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) == pytest.approx(0.5)
    assert rllib_creators.total_variation([1.0, 0.0], [0.0, 1.0]) == pytest.approx(1.0)


def test_rollout_counts_what_constant_creators_make():
    rllib_creators = load("rllib_creators")

    def game():
        return rllib_creators.make_game(TINY, "NoSignal")

    seeds = [11, 12]
    genre_1 = rllib_creators.rollout(game, lambda obs: {name: 2 for name in obs}, seeds)
    skipping = rllib_creators.rollout(game, lambda obs: {name: 0 for name in obs}, seeds)
    np.testing.assert_array_equal(genre_1["made_share"], [0.0, 1.0, 0.0])
    assert genre_1["skip"] == 0.0
    assert genre_1["made"].sum() > 0
    assert skipping["made"].sum() == 0 and skipping["skip"] == 1.0
    assert skipping["clicks_per_round"] == 0.0
    expected = []
    for seed in seeds:
        g = game()
        g.reset(seed=seed)
        expected.append(g.world.preferences.sum(axis=0) / g.world.preferences.sum())
    np.testing.assert_allclose(genre_1["demand"], np.mean(expected, axis=0))


def test_make_game_rejects_an_unknown_platform_policy():
    rllib_creators = load("rllib_creators")
    with pytest.raises(ValueError, match="platform must be one of"):
        rllib_creators.make_game(TINY, "Oracle")


@pytest.mark.slow
def test_tune_lore_main_runs_a_one_trial_sweep(tmp_path):
    from recogym_eco.train.train_lore import rollout_timesteps

    tune_lore = load("tune_lore")
    rows = tune_lore.main(["--num-samples", "1", "--timesteps", "200", "--presets", "default",
                           "--trust-means", "0.5", "--eval-episodes", "2", "--n-envs", "2", "--num-cpus", "1",
                           "--env-kwargs", json.dumps(TINY), "--storage", str(tmp_path), "--name", "smoke"])
    assert len(rows) == 1
    row = rows[0]
    clicks = tune_lore.episode_clicks(Path(row["trial_dir"]) / "lore" / "eval" / "rounds.csv")
    lore, nosignal = np.array(list(clicks["LoRe"].values())), np.array(list(clicks["NoSignal"].values()))
    assert row["lore_clicks"] == pytest.approx(lore.mean())
    assert row["gain"] == pytest.approx((lore - nosignal).mean())
    assert row["timesteps_run"] == rollout_timesteps(200, row["n_steps"], 2)
    assert (tmp_path / "smoke" / "trials.csv").exists()


@pytest.mark.slow
def test_rllib_creators_main_trains_and_reports(tmp_path):
    rllib_creators = load("rllib_creators")
    out = rllib_creators.main(["--iterations", "1", "--batch", "60", "--minibatch", "30", "--epochs", "1",
                               "--eval-episodes", "2", "--num-cpus", "1", "--env-kwargs", json.dumps(TINY),
                               "--out", str(tmp_path)])
    assert set(out["rows"]) == {"behaviour model", "uniform random", "untrained", "trained"}
    for row in out["rows"].values():
        assert row["made_share"].sum() == pytest.approx(1.0) and 0.0 <= row["skip"] <= 1.0
    assert len(out["curve"]) == 1 and out["curve"][0]["env_steps"] >= 60
    assert (tmp_path / "genre_shares.png").stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rows"]["trained"]["made"] == out["rows"]["trained"]["made"].tolist()

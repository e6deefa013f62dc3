"""The command lines of ``recogym_eco.train`` (``recogym-eco evaluate|train|competition``): one-line
usage errors that name what is allowed, honest statistics with one seed, the preset's own LoRe
model, a progress bar that counts what PPO runs, single-threaded env workers, and readable plots."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from recogym_eco.agents.heuristics import HEURISTICS
from recogym_eco.agents.rankers import RANKERS
from recogym_eco.agents.shipped import shipped_model, shipped_models
from recogym_eco.train import evaluation as ev

SMALL = '{"num_creators": 6, "num_users": 20, "horizon": 5}'


def _usage_error(capsys: pytest.CaptureFixture, main, argv: list[str]) -> str:
    """Runs ``main(argv)``, expects argparse's exit code 2 without a traceback; returns the error line."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "error:" in line, err
    return line


# ----------------------------------------------------------------------------- names that exist


def test_unknown_policy_name_lists_every_known_name(capsys, tmp_path):
    line = _usage_error(capsys, ev.main, ["--policies", "NoSignal", "Oracle", "--env-kwargs", SMALL,
                                          "--seeds", "2", "--out", str(tmp_path)])
    assert "'Oracle'" in line
    for name in [*HEURISTICS, "LoRe", *shipped_models(), *RANKERS.names(), "Reweight", ".zip", "--plugin"]:
        assert name in line, name
    assert not (tmp_path / "rounds.csv").exists()


def test_unknown_ranker_lists_the_registry_including_plugin_rankers(capsys, tmp_path):
    plugin = tmp_path / "tiny_ranker_plugin.py"
    plugin.write_text("from recogym_eco.agents.rankers import TopK, register_ranker\n"
                      "register_ranker('TinyTestRanker', TopK)\n")
    try:
        line = _usage_error(capsys, ev.main, ["--plugin", str(plugin), "--policies", "MostClick+NoSuchRanker",
                                              "--env-kwargs", SMALL, "--seeds", "2", "--out", str(tmp_path)])
        assert "'NoSuchRanker'" in line and "TinyTestRanker" in line and "PMMF" in line and "FairRec" in line
        assert ev.PolicySpec.parse("NoSignal+TinyTestRanker").ranker == "TinyTestRanker"
    finally:
        RANKERS._factories.pop("TinyTestRanker", None)


def test_two_rankers_or_two_suggestion_policies_are_named():
    with pytest.raises(ValueError, match=r"at most one ranker; got \['PMMF', 'FairRec'\]"):
        ev.PolicySpec.parse("PMMF+FairRec")
    with pytest.raises(ValueError, match=r"at most one suggestion policy; got \['Random', 'MostClick'\]"):
        ev.PolicySpec.parse("Random+MostClick")


@pytest.mark.parametrize("module", ["evaluation", "train_lore"])
def test_unknown_preset_lists_the_presets(capsys, module):
    import importlib

    from recogym_eco.train.presets import PRESETS

    main = importlib.import_module(f"recogym_eco.train.{module}").main
    line = _usage_error(capsys, main, ["--preset", "amazon"])
    assert "'amazon'" in line and all(p in line for p in PRESETS)


# ---------------------------------------------------------------------------- counts and JSON


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_seeds_must_be_a_positive_integer(capsys, tmp_path, value):
    line = _usage_error(capsys, ev.main, ["--seeds", value, "--env-kwargs", SMALL, "--out", str(tmp_path)])
    assert "--seeds" in line and "positive integer" in line and repr(value).strip("'") in line


@pytest.mark.parametrize("bad, fragment", [("{num_creators: 6}", "not valid JSON"),
                                           ('{"num_creators": 6', "not valid JSON"),
                                           ("[6, 20]", "got a JSON list"),
                                           ("6", "got a JSON int")])
def test_env_kwargs_must_be_a_json_object(capsys, tmp_path, bad, fragment):
    line = _usage_error(capsys, ev.main, ["--env-kwargs", bad, "--seeds", "2", "--out", str(tmp_path)])
    assert "--env-kwargs" in line and "JSON object" in line and fragment in line


def test_env_kwargs_with_an_unknown_parameter_is_a_usage_error(capsys, tmp_path):
    line = _usage_error(capsys, ev.main, ["--env-kwargs", '{"num_creaters": 6}', "--seeds", "2",
                                          "--out", str(tmp_path)])
    assert "num_creaters" in line


def test_train_rejects_zero_envs_and_bad_json_before_training(capsys, tmp_path):
    from recogym_eco.train.train_lore import main

    line = _usage_error(capsys, main, ["--n-envs", "0", "--out", str(tmp_path)])
    assert "--n-envs" in line and "positive integer" in line
    line = _usage_error(capsys, main, ["--env-kwargs", "{'horizon': 5}", "--out", str(tmp_path)])
    assert "--env-kwargs" in line and "not valid JSON" in line
    line = _usage_error(capsys, main, ["--ppo-kwargs", "[1]", "--out", str(tmp_path)])
    assert "--ppo-kwargs" in line and "JSON object" in line
    line = _usage_error(capsys, main, ["--baselines", "NoSignal,Oracle", "--env-kwargs", SMALL, "--out", str(tmp_path)])
    assert "'Oracle'" in line and "MostHistoryClick" in line
    assert not (tmp_path / "config.json").exists()


def test_competition_rejects_zero_seeds_and_a_plot_seed_not_run(capsys, tmp_path):
    from recogym_eco.train.competition_experiment import main

    line = _usage_error(capsys, main, ["--preset", "toy", "--seeds", "0", "--out", str(tmp_path)])
    assert "--seeds" in line and "positive integer" in line
    line = _usage_error(capsys, main, ["--preset", "toy", "--seeds", "2", "--toy-plot-seed", "2", "--out", str(tmp_path)])
    assert "--toy-plot-seed" in line and "0..1" in line
    line = _usage_error(capsys, main, ["--preset", "synthetic", "--batch", "0", "--out", str(tmp_path)])
    assert "--batch" in line


def test_the_recogym_eco_command_passes_usage_errors_through(capsys):
    from recogym_eco.cli import main

    line = _usage_error(capsys, main, ["evaluate", "--seeds", "0"])
    assert line.startswith("recogym-eco evaluate: error: argument --seeds")


# ---------------------------------------------------------------------------------- one seed


def test_one_seed_says_no_interval_and_prints_n_a(capsys, tmp_path):
    ev.main(["--policies", "NoSignal", "Random", "--env-kwargs", SMALL, "--seeds", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "no confidence interval" in line]
    assert len(notes) == 1 and "one seed" in notes[0]
    table = out[out.index("| policy |"):]
    assert "nan" not in table.lower() and "± n/a" in table
    rows = [r for r in table.splitlines() if r.startswith("| Random |")]
    assert rows[-1].endswith("| n/a |")  # paired difference: no interval, so no verdict
    clicks = sum(float(r["clicks"]) for r in csv.DictReader(open(tmp_path / "rounds.csv")) if r["policy"] == "Random")
    assert f"| Random | {clicks:.2f} ± n/a |" in table
    assert "no confidence interval" in (tmp_path / "summary.md").read_text()


def test_summary_with_two_seeds_keeps_numeric_intervals():
    rows = [{"clicks": c, "content_diversity": 0.0, "active_creators": 1.0, "present_creators": 2.0,
             "genres_per_creator": 1.0} for c in (1.0, 3.0)]
    runs = {"A": {0: rows[:1], 1: rows[1:]}, "B": {0: rows[1:], 1: rows[1:]}}
    table = ev.summarise(runs, "A")
    half = ev.mean_ci(np.array([1.0, 3.0]))[1]
    assert f"| A | 2.00 ± {half:.2f} |" in table and "n/a" not in table
    assert math.isclose(half, 12.706204736 * 1.0, rel_tol=1e-6)  # t_{0.975,1} * s / sqrt(2), s = sqrt(2)


# ------------------------------------------------------------------------------ LoRe by preset


def test_lore_is_the_shipped_model_of_the_preset():
    assert ev.model_path("LoRe", "default") == shipped_model("lore_default")
    assert ev.model_path("LoRe", "skewed") == shipped_model("lore_skewed")
    assert ev.model_path("lore_default_paper_state", "skewed") == shipped_model("lore_default_paper_state")
    assert ev.model_path("MostClick", "skewed") is None


def test_lore_with_a_preset_without_a_model_says_how_to_pass_one(capsys, tmp_path):
    with pytest.raises(ValueError, match=r"preset 'balanced' has no shipped LoRe model.*LoRe=DIR/model\.zip"):
        ev.model_path("LoRe", "balanced")
    line = _usage_error(capsys, ev.main, ["--preset", "balanced", "--policies", "NoSignal", "LoRe",
                                          "--env-kwargs", SMALL, "--seeds", "2", "--out", str(tmp_path)])
    assert "no shipped LoRe model" in line and "'default', 'skewed'" in line and "--preset balanced" in line
    line = _usage_error(capsys, ev.main, ["--policies", str(tmp_path / "missing.zip"), "--env-kwargs", SMALL,
                                          "--out", str(tmp_path)])
    assert "missing.zip" in line


def test_build_plays_the_skewed_preset_with_the_skewed_model():
    from recogym_eco.train.presets import env_kwargs

    models: dict = {}
    kwargs = env_kwargs("skewed", SMALL)
    env, policy = ev.build(ev.PolicySpec.parse("LoRe"), kwargs, 3, models, preset="skewed")
    assert list(models) == [str(shipped_model("lore_skewed"))]
    obs, _ = env.reset(seed=3)
    action, _ = policy.predict(obs)
    assert env.action_space.contains(np.asarray(action))


# ------------------------------------------------------------------------------ progress bar


def test_rollout_timesteps_by_hand():
    from recogym_eco.train.train_lore import rollout_timesteps

    assert rollout_timesteps(50, n_steps=8, n_envs=2) == 64      # ceil(50 / 16) = 4 rollouts
    assert rollout_timesteps(64, n_steps=8, n_envs=2) == 64
    assert rollout_timesteps(65, n_steps=8, n_envs=2) == 80
    assert rollout_timesteps(400_000, n_steps=100, n_envs=16) == 400_000
    assert rollout_timesteps(50_000, n_steps=100, n_envs=16) == 51_200
    assert rollout_timesteps(100, n_steps=8, n_envs=2, start=64) == 48  # 36 more steps: 3 rollouts


def test_progress_bar_total_is_what_ppo_runs(capsys):
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    from recogym_eco.train.train_lore import make_progress_callback

    venv = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    model = PPO("MlpPolicy", venv, n_steps=8, batch_size=16, n_epochs=1, seed=0, device="cpu")
    bar = make_progress_callback(50)
    model.learn(50, callback=bar)
    assert model.num_timesteps == 64
    assert bar.bar.n == bar.bar.total == 64
    rate = bar.bar.format_dict["rate"] or bar.bar.n / bar.bar.format_dict["elapsed"]
    assert rate > 0
    again = make_progress_callback(36)
    model.learn(36, callback=again, reset_num_timesteps=False)  # 64 -> 100 asks for 3 more rollouts
    assert model.num_timesteps == 112 and again.bar.n == again.bar.total == 48
    assert "64/64" in capsys.readouterr().err


# ---------------------------------------------------------------------------- worker threads


def test_worker_env_factory_sets_one_torch_thread(monkeypatch):
    import threadpoolctl
    import torch

    from recogym_eco.train.train_lore import SingleThreadEnvFactory

    blas_limits = []  # recorded, not applied: the limit would otherwise outlive this test in this process
    monkeypatch.setattr(threadpoolctl, "threadpool_limits", lambda limits: blas_limits.append(limits))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(max(2, before))
        made = SingleThreadEnvFactory(lambda: "env")()
        assert made == "env" and torch.get_num_threads() == 1 and blas_limits == [1]
    finally:
        torch.set_num_threads(before)


@pytest.mark.slow
def test_subproc_workers_run_one_torch_thread():
    import gymnasium as gym

    from recogym_eco.train.train_lore import SingleThreadSubprocVecEnv

    def make_probe():
        class Probe(gym.Env):
            observation_space = gym.spaces.Box(0.0, 1.0, (1,))
            action_space = gym.spaces.Discrete(2)

            def reset(self, *, seed=None, options=None):
                return np.zeros(1, dtype=np.float32), {}

            def step(self, action):
                return np.zeros(1, dtype=np.float32), 0.0, False, False, {}

            def threads(self):
                import torch

                return torch.get_num_threads()

        return Probe()

    venv = SingleThreadSubprocVecEnv([make_probe, make_probe])
    try:
        assert venv.env_method("threads") == [1, 1]
    finally:
        venv.close()


def test_subproc_flag_selects_single_thread_workers(monkeypatch, tmp_path):
    import recogym_eco.agents.lore as lore
    from recogym_eco.train import train_lore

    seen = {}

    class Stop(Exception):
        pass

    def fake_vec_env(**kwargs):
        seen.update(kwargs)
        raise Stop

    monkeypatch.setattr(lore, "make_lore_vec_env", fake_vec_env)
    with pytest.raises(Stop):
        train_lore.main(["--subproc", "--env-kwargs", SMALL, "--n-envs", "2", "--out", str(tmp_path)])
    assert seen["vec_env_cls"] is train_lore.SingleThreadSubprocVecEnv


# ------------------------------------------------------------------------------------- plots


def _runs(curves: dict[str, list[float]], seeds: int = 2) -> dict[str, dict[int, list[dict]]]:
    """Runs whose rows carry ``clicks = active_creators = v`` and ``present_creators = 2 v + 1``."""
    return {p: {s: [{"round": r + 1, "clicks": v + s, "active_creators": v + s, "present_creators": 2 * v + 1,
                     "genres_per_creator": 1.0, "content_diversity": 0.0} for r, v in enumerate(vals)]
                for s in range(seeds)} for p, vals in curves.items()}


def _inside(fig) -> None:
    """Everything ``fig`` draws (labels, ticks, titles, legends) lies inside the figure: nothing clipped."""
    fig.canvas.draw()
    drawn = fig.get_tightbbox(fig.canvas.get_renderer())
    full = fig.bbox_inches
    eps = 0.02
    assert drawn.x0 >= full.x0 - eps and drawn.y0 >= full.y0 - eps, (drawn, full)
    assert drawn.x1 <= full.x1 + eps and drawn.y1 <= full.y1 + eps, (drawn, full)


def _right_of_axes(legend, ax) -> bool:
    renderer = ax.figure.canvas.get_renderer()
    return legend.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


def test_curve_plot_legend_outside_and_coinciding_series_distinguishable():
    import matplotlib.pyplot as plt

    runs = _runs({"NoSignal": [1, 2, 3, 4, 5, 6], "Reweight": [1, 2, 3, 4, 5, 6], "MostClick": [2, 2, 2, 2, 2, 2]})
    fig = ev.curve_figure(runs, "active_creators", "active creators", "t")
    ax = fig.axes[0]
    fig.canvas.draw()
    legend = ax.get_legend()
    assert _right_of_axes(legend, ax)
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["NoSignal", "Reweight (same as NoSignal)", "MostClick"]
    lines = ax.get_lines()
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 3
    assert lines[0].get_markersize() > lines[1].get_markersize()
    _inside(fig)
    plt.close(fig)


def test_active_creators_plot_plots_active_creators(tmp_path):
    import matplotlib.pyplot as plt

    assert ("active_creators", "active_creators.png") in [(m, f) for m, _, f in ev.CURVES]
    runs = _runs({"A": [1, 4, 2, 5, 3], "B": [3, 3, 3, 3, 3]})
    fig = ev.curve_figure(runs, "active_creators", "active creators", "t")
    ydata = fig.axes[0].get_lines()[0].get_ydata()
    assert np.allclose(ydata, np.array([1, 4, 2, 5, 3]) + 0.5)  # mean over seeds 0 and 1 of v + s
    plt.close(fig)
    paths = ev.plot(runs, tmp_path, "t")
    assert {p.name for p in paths} == {"clicks_per_round.png", "active_creators.png", "present_creators.png",
                                       "genres_per_creator.png"}


def test_short_episodes_are_not_smoothed_into_garbage():
    import matplotlib.pyplot as plt

    runs = _runs({"A": [1, 2, 3, 4, 5]})  # 5 rounds < the 10-round window
    fig = ev.curve_figure(runs, "clicks", "clicks per round", "t")
    line = fig.axes[0].get_lines()[0]
    assert np.allclose(line.get_xdata(), [1, 2, 3, 4, 5]) and np.allclose(line.get_ydata(), [1.5, 2.5, 3.5, 4.5, 5.5])
    plt.close(fig)


def _toy_result(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"trajectory": rng.normal(size=(6, 5, 2)) * 0.3, "welfare": 1.0, "served": np.ones(5, dtype=bool)}


def test_content_competition_paths_plot_has_axis_labels_and_outside_legend():
    import matplotlib.pyplot as plt

    from recogym_eco.train.competition_experiment import toy_paths_figure

    fig = toy_paths_figure({1.0: _toy_result(0), 0.5: _toy_result(1)}, beta=10.0, top_k=3)
    fig.canvas.draw()
    for ax in fig.axes:
        assert "dimension 1" in ax.get_xlabel() and "dimension 2" in ax.get_ylabel()
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [f"creator {i}" for i in range(1, 6)] + ["users"]
    assert all(_right_of_axes(legend, ax) for ax in fig.axes)
    _inside(fig)
    plt.close(fig)


def test_competition_figure_labels_every_axis_and_names_coinciding_mechanisms():
    import matplotlib.pyplot as plt

    from recogym_eco.train.competition_experiment import competition_figure

    groups = 3
    base = {"group_share": np.array([0.5, 0.3, 0.2]), "weights": np.ones(groups), "group_utility": np.full(groups, 0.4)}
    results = []
    for seed in range(2):
        for m, w in (("none", [0.5, 0.6, 0.7]), ("UIR", [0.5, 0.6, 0.7]), ("HMT", [0.5, 0.65, 0.75])):
            results.append({**base, "mechanism": m, "seed": seed, "welfare": np.array(w) + seed,
                            "welfare_default": np.array([0.5, 0.6, 0.7]) + seed})
    fig = competition_figure("synthetic", results)
    fig.canvas.draw()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is None
    curves, groups_legend = fig.legends
    assert [t.get_text() for t in curves.get_texts()] == [
        "none", "UIR (a: same as none; a': same as none)", "HMT (a': same as none)"]
    lines = fig.axes[0].get_lines()
    assert len({(line.get_linestyle(), line.get_marker()) for line in lines}) == 3
    assert all(_right_of_axes(curves, ax) for ax in fig.axes)
    _inside(fig)
    plt.close(fig)


def _cluster_results(clusters: tuple[int, ...] = (1000, 500, 200)) -> list[dict]:
    groups = 3
    base = {"group_share": np.array([0.5, 0.3, 0.2]), "weights": np.ones(groups),
            "group_utility": np.full(groups, 0.4), "cluster_size": np.array(clusters)}
    results = []
    for seed in range(2):
        for m in ("none", "UIR", "HMT"):
            results.append({**base, "mechanism": m, "seed": seed, "welfare": np.array([0.5, 0.6]) + seed,
                            "welfare_default": np.array([0.5, 0.6]) + seed,
                            "cluster_weight": np.linspace(0.2, 3.0, len(clusters)) + seed,
                            "cluster_utility": np.linspace(0.8, 0.3, len(clusters))})
    return results


def test_competition_figure_has_the_papers_per_cluster_axis():
    """Seed 000's Figure 2 groups users by their generating cluster: panels (d) and (e) show the final
    weights and utilities per cluster, each tick naming the cluster and its size."""
    import matplotlib.pyplot as plt

    from recogym_eco.train.competition_experiment import competition_figure

    fig = competition_figure("synthetic", _cluster_results())
    fig.canvas.draw()
    assert len(fig.axes) == 6
    per_cluster = [ax for ax in fig.axes if "generating cluster" in ax.get_xlabel()]
    assert len(per_cluster) == 2
    for ax in per_cluster:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["c1\n(1000)", "c2\n(500)", "c3\n(200)"]
        assert ax.get_ylabel() and ax.get_title().startswith(("(d)", "(e)"))
    weights_ax = per_cluster[0]
    heights = sorted(round(p.get_height(), 9) for p in weights_ax.patches)  # two mechanisms' mean weights
    assert heights == sorted([0.7, 0.7, 2.1, 2.1, 3.5, 3.5])  # mean of seed 0 and seed 1 (+1)
    assert all(ax.get_legend() is None for ax in fig.axes)
    assert all(_right_of_axes(legend, ax) for legend in fig.legends for ax in fig.axes)
    _inside(fig)
    plt.close(fig)
    fig = competition_figure("movielens", [{k: v for k, v in r.items() if not k.startswith("cluster")}
                                           for r in _cluster_results()])
    assert len(fig.axes) == 4 and not any("cluster" in ax.get_xlabel() for ax in fig.axes)
    plt.close(fig)


def test_competition_cluster_view_averages_back_to_welfare_and_mean_weight():
    """Per-cluster utilities and weights of a real (small) synthetic run, weighted by cluster size,
    give back the run's final welfare and its mean user weight."""
    from recogym_eco.train.competition_experiment import batch_episodes

    small = dict(cluster_sizes=(12, 6, 3), num_creators=5, num_groups=3, dim=2, top_k=2, horizon=6, epoch_length=2)
    (r,) = batch_episodes("synthetic", "UIR", [3], small, checkpoint=0)
    sizes = r["cluster_size"]
    np.testing.assert_array_equal(sizes, [12, 6, 3])
    assert np.dot(sizes, r["cluster_utility"]) / 21 == pytest.approx(r["welfare"][-1], abs=1e-12)
    mean_weight = np.dot(r["group_share"], r["weights"])
    assert np.dot(sizes, r["cluster_weight"]) / 21 == pytest.approx(mean_weight, abs=1e-12)
    assert not np.allclose(r["weights"], 1.0)  # Reweight moved the weights, so the check is not trivial


def test_competition_toy_leads_with_the_toy_beta01_preset(tmp_path, capsys):
    from recogym_eco.train.competition_experiment import main

    main(["--preset", "toy", "--seeds", "1", "--toy-horizon", "3", "--out", str(tmp_path)])
    with open(tmp_path / "toy_runs.csv") as f:
        presets = [row["preset"] for row in csv.DictReader(f)]
    assert presets == ["toy-beta0.1", "toy-beta0.1", "toy", "toy"]
    assert (tmp_path / "toy_paths_beta0.1.png").exists() and (tmp_path / "toy_paths_printed.png").exists()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("toy ")]
    assert "toy-beta0.1 (beta=0.1)" in lines[0] and "toy         (beta=10)" in lines[2]

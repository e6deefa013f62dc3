"""``recogym_eco.train.evaluate``: per-round rows equal a hand-run episode, and every backend (this
process, local worker processes, Ray tasks) returns the very same rows; bad arguments fail first."""

from __future__ import annotations

import json
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.agents.heuristics import MostHistoryClick, Random
from recogym_eco.agents.rankers import RANKERS, WithRanker
from recogym_eco.train import evaluate
from recogym_eco.train.rollouts import METRICS

ENV_ID = "recogym_eco/CreatorSuggestion-v0"
SMALL = {"num_users": 20, "num_creators": 10, "horizon": 5}
POLICIES = ["Random", "MostHistoryClick+PMMF"]
SEEDS = [3, 11]


def _hand_episode(policy: str, seed: int) -> list[dict]:
    """The episode written out without the package's builder: env, lever and policy by hand."""
    if policy == "Random":
        env = gym.make(ENV_ID, **SMALL)
        agent = Random(env, seed=seed)
    else:
        env = WithRanker(gym.make(ENV_ID, observation="log", **SMALL), RANKERS.create("PMMF"))
        agent = MostHistoryClick(env, seed=seed)
    obs, _ = env.reset(seed=seed)
    rows, done = [], False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.predict(obs, deterministic=True)[0])
        rows.append({"policy": policy, "seed": seed, "round": info["round"],
                     **{m: float(np.mean(info[m])) for m in METRICS}})
        done = terminated or truncated
    return rows


def test_rows_are_hand_run_episodes_in_policy_seed_round_order():
    rows = evaluate(POLICIES, ENV_ID, SMALL, SEEDS)
    expected = [row for policy in POLICIES for seed in SEEDS for row in _hand_episode(policy, seed)]
    assert rows == expected
    assert [r["round"] for r in rows[:5]] == [1, 2, 3, 4, 5]
    assert list(rows[0]) == ["policy", "seed", "round", *METRICS]
    assert len({r["clicks"] for r in rows}) > 1


def test_worker_processes_return_the_same_rows():
    in_process = evaluate(POLICIES, ENV_ID, SMALL, SEEDS, n_jobs=1)
    assert evaluate(POLICIES, ENV_ID, SMALL, SEEDS, n_jobs=2) == in_process


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray", reason="the Ray backend needs the [ray] extra")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    if started:
        ray.shutdown()


@pytest.mark.slow
def test_ray_backend_returns_the_rows_of_the_local_backend(local_ray):
    local = evaluate(POLICIES, ENV_ID, SMALL, SEEDS, backend="local")
    assert evaluate(POLICIES, ENV_ID, SMALL, SEEDS, backend="ray") == local
    assert local_ray.cluster_resources()["CPU"] == 2


@pytest.mark.slow
def test_lore_rows_are_the_same_in_worker_processes():
    small = {"num_users": 20, "num_creators": 6, "horizon": 4}
    policies = ["LoRe", "LoRe+FairRec"]
    assert evaluate(policies, ENV_ID, small, [0, 1], n_jobs=2) == evaluate(policies, ENV_ID, small, [0, 1])


@pytest.mark.parametrize("kwargs, fragment", [({"backend": "spark"}, "backend must be one of"),
                                              ({"n_jobs": 0}, "n_jobs must be"),
                                              ({"n_jobs": -2}, "n_jobs must be"),
                                              ({"n_jobs": 1.5}, "n_jobs must be"),
                                              ({"n_jobs": True}, "n_jobs must be")])
def test_bad_backend_or_n_jobs_is_named(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        evaluate(POLICIES, ENV_ID, SMALL, SEEDS, **kwargs)


@pytest.mark.parametrize("args, error, fragment", [
    ((["NoSignal", "NoSignal"], ENV_ID, SMALL, [0]), ValueError, "distinct labels"),
    (("NoSignal", ENV_ID, SMALL, [0]), TypeError, "policies must be a list"),
    ((["Oracle"], ENV_ID, SMALL, [0]), ValueError, "unknown suggestion policy"),
    ((["NoSignal"], ENV_ID, SMALL, []), ValueError, "seeds must be a non-empty"),
    ((["NoSignal"], ENV_ID, SMALL, [1, 1]), ValueError, "seeds must be distinct"),
    ((["NoSignal"], ENV_ID, SMALL, [-1]), ValueError, "non-negative"),
    ((["NoSignal"], "CartPole-v1", SMALL, [0]), ValueError, "env_id must be one of"),
    ((["NoSignal"], ENV_ID, {"num_creaters": 3}, [0]), TypeError, "num_creaters"),
])
def test_bad_arguments_fail_before_any_episode(args, error, fragment):
    with pytest.raises(error, match=fragment):
        evaluate(*args)


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"recogym_eco\[ray\]"):
        evaluate(["NoSignal"], ENV_ID, SMALL, [0], backend="ray")


def test_heuristic_evaluation_imports_neither_torch_nor_sb3():
    code = ("import sys, recogym_eco.train as t; "
            f"rows = t.evaluate(['NoSignal', 'MostClick+PMMF'], {ENV_ID!r}, {SMALL!r}, [0]); "
            "print(len(rows), [m for m in ('torch', 'stable_baselines3') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "10 []"


def test_cli_passes_backend_and_n_jobs(monkeypatch, tmp_path):
    from recogym_eco.train import evaluation

    seen = {}
    real = evaluation.evaluate

    def spy(*args, **kwargs):
        seen.update(backend=args[4], n_jobs=args[5], plugins=kwargs["plugins"])
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation, "evaluate", spy)
    monkeypatch.setattr(evaluation, "plot", lambda runs, out, title: [])
    evaluation.main(["--policies", "Random", "--env-kwargs", json.dumps(SMALL), "--seeds", "2", "--seed-start", "3",
                     "--n-jobs", "2", "--out", str(tmp_path)])
    assert seen == {"backend": "local", "n_jobs": 2, "plugins": []}
    lines = (tmp_path / "rounds.csv").read_text().splitlines()
    hand = _hand_episode("Random", 3)
    assert lines[1] == ",".join(str(hand[0][k]) for k in ["policy", "seed", "round", *METRICS])
    assert len(lines) == 1 + 2 * 5


@pytest.mark.parametrize("argv, fragment", [(["--backend", "spark"], "--backend"),
                                            (["--n-jobs", "0"], "--n-jobs"),
                                            (["--seed-start", "-1"], "--seed-start")])
def test_cli_rejects_bad_backend_and_n_jobs(capsys, tmp_path, argv, fragment):
    from recogym_eco.train import evaluation

    with pytest.raises(SystemExit) as info:
        evaluation.main([*argv, "--env-kwargs", '{"horizon": 5}', "--out", str(tmp_path)])
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err.strip().splitlines()[-1]
    assert not (tmp_path / "rounds.csv").exists()


def test_policy_spec_paths_may_hold_equals_and_plus():
    from recogym_eco.train.rollouts import PolicySpec

    spec = PolicySpec.parse("LoRe=results/trial_lr=0.001+x/model.zip+PMMF")
    assert (spec.name, spec.suggestion, spec.ranker) == ("LoRe", "results/trial_lr=0.001+x/model.zip", "PMMF")

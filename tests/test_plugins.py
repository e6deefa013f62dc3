"""The four plug-in points take a user's class written outside the package, with no edit of it.

The user code is ``examples/plugins/*.py`` (shown verbatim in envs.md, "Extending"), copied to a
temporary folder outside the repository and loaded from there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco
from recogym_eco.components.recommenders import OracleRecommender
from recogym_eco.plugins import load_plugin

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "plugins"
ENV_ID = "recogym_eco/CreatorSuggestion-v0"
SMALL = dict(num_creators=8, num_users=30, num_genres=5, horizon=12)


@pytest.fixture
def user_file(tmp_path):
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(EXAMPLES / name, target)
        return target
    return copy


def test_envs_md_shows_every_example_verbatim():
    text = (EXAMPLES.parents[1] / "envs.md").read_text()
    for name in ("my_creator_model.py", "my_recommender.py", "my_ranker.py", "my_policy.py"):
        assert (EXAMPLES / name).read_text().strip() in text, name


def test_user_creator_model_by_name_and_instance(user_file):
    module = load_plugin(str(user_file("my_creator_model.py")))
    never_follow = dict(SMALL, trust_mean=0.0, trust_std=0.0, creator_activity=1.0)
    for fallback in ("epsilon_greedy", module.EpsilonGreedy(epsilon=0.4, decay=0.5)):
        env = gym.make(ENV_ID, creator_fallback=fallback, **never_follow)
        env.reset(seed=3)
        model = env.unwrapped.world.creator_model
        assert isinstance(model, module.EpsilonGreedy) and model is not fallback
        for _ in range(4):
            env.step(np.zeros(SMALL["num_creators"], dtype=np.int64))
        # every creator is active each round, so epsilon = epsilon0 * decay ** rounds exactly
        np.testing.assert_allclose(model.epsilon, model.epsilon0 * model.decay ** 4)


def test_user_creator_model_choice_is_what_creators_make(user_file):
    module = load_plugin(str(user_file("my_creator_model.py")))
    env = gym.make(ENV_ID, creator_fallback=module.EpsilonGreedy(epsilon=0.0), trust_mean=0.0, trust_std=0.0,
                   creator_activity=1.0, **{k: v for k, v in SMALL.items()})
    env.reset(seed=5)
    world = env.unwrapped.world
    for _ in range(3):
        per_item = np.where(world.made > 0, world.feedback / np.maximum(world.made, 1), -np.inf)
        best = per_item == per_item.max(axis=1, keepdims=True)
        _, _, _, _, info = env.step(np.zeros(SMALL["num_creators"], dtype=np.int64))
        made = info["made_genre"]
        assert best[np.arange(made.size), made].all()


def test_bad_creator_model_is_refused_before_any_state():
    with pytest.raises(ValueError, match="creator_fallback"):
        gym.make(ENV_ID, creator_fallback=object())
    with pytest.raises(ValueError, match="epsilon_greedy_typo|creator_fallback"):
        gym.make(ENV_ID, creator_fallback="epsilon_greedy_typo")


def test_user_recommender_learns_from_what_it_shows(user_file):
    load_plugin(str(user_file("my_recommender.py")))
    env = gym.make(ENV_ID, recommender="genre_ctr", **SMALL)
    env.reset(seed=1)
    shown = clicks = 0.0
    for _ in range(SMALL["horizon"]):
        _, reward, _, _, info = env.step(np.zeros(SMALL["num_creators"], dtype=np.int64))
        shown += info["exposure"].sum()
        clicks += reward
    rec = env.unwrapped.world.recommender
    assert rec.impressions.sum() == shown and rec.clicks.sum() == clicks and clicks > 0


class DenseOracle(OracleRecommender):
    """The oracle's scores as a dense matrix: the world must then rank by plain top-k."""

    factored = False

    def score(self, world, users, slots, rng):
        affinity, weight = super().score(world, users, slots, rng)
        return affinity[:, world.item_genre.ravel()[slots]] * weight[None, :]


@pytest.mark.parametrize("exclude_seen", [True, False])
def test_dense_recommender_matches_the_exact_fast_top_k(exclude_seen):
    """Brute force (dense top-k over every candidate) gives the very trajectory of the factored merge."""
    runs = []
    for recommender in ("oracle", DenseOracle()):
        env = gym.make(ENV_ID, recommender=recommender, exclude_seen=exclude_seen, **dict(SMALL, horizon=20))
        env.reset(seed=9)
        env.action_space.seed(0)
        runs.append([env.step(env.action_space.sample())[1] for _ in range(20)])
    assert runs[0] == runs[1]


def test_user_ranker_by_name_on_the_command_line(user_file, tmp_path):
    plugin = user_file("my_ranker.py")
    out = tmp_path / "eval"
    cmd = [sys.executable, "-m", "recogym_eco.cli", "evaluate", "--plugin", str(plugin), "--policies", "NoSignal",
           "NoSignal+OnePerCreator", "--seeds", "2", "--reference", "NoSignal", "--out", str(out),
           "--env-kwargs", '{"num_creators": 6, "num_users": 20, "horizon": 5}']
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "| NoSignal+OnePerCreator |" in done.stdout
    assert "NoSignal+OnePerCreator" in (out / "rounds.csv").read_text()


def test_user_ranker_slates_have_one_item_per_creator(user_file):
    from recogym_eco.agents.rankers import RANKERS, WithRanker

    load_plugin(str(user_file("my_ranker.py")))
    ranker = RANKERS.create("OnePerCreator")
    seen_slates = []
    original = ranker.rank

    def spy(request):
        slates = original(request)
        seen_slates.append((slates, request.item_creator))
        return slates

    ranker.rank = spy
    env = WithRanker(gym.make(ENV_ID, **SMALL), ranker)
    env.reset(seed=2)
    for _ in range(5):
        env.step(np.zeros(SMALL["num_creators"], dtype=np.int64))
    for slates, creator in seen_slates:
        for row in slates:
            row = row[row >= 0]
            assert len(set(creator[row])) == row.size


def test_user_policy_by_name_on_the_command_line_in_worker_processes(user_file, tmp_path):
    plugin = user_file("my_policy.py")
    out = tmp_path / "eval"
    cmd = [sys.executable, "-m", "recogym_eco.cli", "evaluate", "--plugin", str(plugin), "--policies", "NoSignal",
           "StickToLast", "StickToLast+PMMF", "--seeds", "2", "--n-jobs", "2", "--reference", "NoSignal",
           "--out", str(out), "--env-kwargs", '{"num_creators": 6, "num_users": 20, "horizon": 5}']
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "| StickToLast+PMMF |" in done.stdout
    assert "StickToLast" in (out / "rounds.csv").read_text()


def test_training_with_a_plugin_ranker_in_worker_processes_and_a_plugin_teacher(user_file, tmp_path):
    pytest.importorskip("stable_baselines3")
    ranker, policy = user_file("my_ranker.py"), user_file("my_policy.py")
    out = tmp_path / "train"
    cmd = [sys.executable, "-m", "recogym_eco.cli", "train", "--plugin", str(ranker), "--plugin", str(policy),
           "--ranker", "OnePerCreator", "--bc-teacher", "StickToLast", "--bc-episodes", "1", "--bc-epochs", "1",
           "--subproc", "--n-envs", "2", "--timesteps", "200", "--eval-episodes", "0", "--out", str(out),
           "--env-kwargs", '{"num_creators": 6, "num_users": 20, "horizon": 5}']
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"ranker": "OnePerCreator"' in (out / "model.json").read_text()


def test_user_policy_suggests_what_each_creator_made_last_round(user_file):
    from recogym_eco.agents import SUGGESTION_POLICIES

    load_plugin(str(user_file("my_policy.py")))
    env = gym.make(ENV_ID, **SMALL)
    policy = SUGGESTION_POLICIES.create("StickToLast", env, seed=0)
    obs, _ = env.reset(seed=4)
    assert np.array_equal(policy.predict(obs)[0], np.zeros(SMALL["num_creators"]))
    for _ in range(4):
        action, _ = policy.predict(obs)
        obs, _, _, _, info = env.step(action)
        made = info["made_genre"]
        assert np.array_equal(policy.predict(obs)[0], np.where(made >= 0, made + 1, 0))


def test_unknown_policy_name_lists_the_registered_ones_and_the_plugin_hint():
    from recogym_eco.train.rollouts import PolicySpec

    with pytest.raises(ValueError, match="MostHistoryClick.*register more with --plugin"):
        PolicySpec.parse("NoSuchPolicy+PMMF")


def test_unknown_ranker_name_lists_the_registered_ones():
    from recogym_eco.train.rollouts import PolicySpec

    with pytest.raises(ValueError, match="PMMF"):
        PolicySpec.parse("NoSignal+NoSuchRanker")


def test_plugin_protocols_are_exported():
    assert recogym_eco.CreatorModel and recogym_eco.Recommender and recogym_eco.register_recommender

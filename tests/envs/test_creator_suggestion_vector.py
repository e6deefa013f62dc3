"""The batched CreatorSuggestion env: world i of a batch is the single env seeded with seed + i.

References: Gymnasium's ``SyncVectorEnv`` over single envs (NEXT_STEP autoreset, infos layout) and
SB3's ``DummyVecEnv`` (autoreset inside ``step``, ``terminal_observation``), step for step.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.vec_env import DummyVecEnv

import recogym_eco  # noqa: F401
from recogym_eco.envs.creator_suggestion_vector import CreatorSuggestionVectorEnv
from recogym_eco.envs.sb3_vec_env import SB3VecEnv, make_sb3_vec_env
from recogym_eco.components.metrics import gini, shannon_entropy
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, platform_observation

V0, V1 = "recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1"
SMALL = dict(num_creators=6, num_users=20, num_genres=4, horizon=8)
CASES = {
    "v0": (V0, SMALL, True),
    "v0_log_churn": (V0, dict(num_creators=5, num_users=30, horizon=20, churn_patience=2, observation="log"), True),
    "v0_popularity_clicks": (V0, dict(SMALL, recommender="popularity", trust_dynamics="clicks",
                                      creator_fallback="most_clicked_history"), True),
    "v1_compiled_plugins": (V1, dict(SMALL, recommender="oracle", creator_fallback="random_history",
                                     observation="log"), True),
    "v1_default": (V1, SMALL, False),
    "v1_fast": (V1, dict(SMALL, engine="fast", observation="log"), True),
}
APPROXIMATE = ("content_diversity", "exposure_gini")


def rollout(venv, steps: int, seed: int, num_creators: int, num_genres: int) -> list:
    obs, info = venv.reset(seed=seed)
    rng = np.random.default_rng(99)
    out = [(obs, info)]
    for _ in range(steps):
        out.append(venv.step(rng.integers(0, num_genres + 1, (venv.num_envs, num_creators))))
    return out


def assert_same(x, y, path: str = "") -> None:
    if isinstance(x, dict):
        assert set(x) == set(y), (path, set(x) ^ set(y))
        for key in x:
            if key in APPROXIMATE:
                np.testing.assert_allclose(x[key], y[key], rtol=1e-12, atol=1e-15, err_msg=path + key)
            else:
                assert_same(x[key], y[key], f"{path}/{key}")
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y), path
        for i, (a, b) in enumerate(zip(x, y)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        a, b = np.asarray(x), np.asarray(y)
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), path


@pytest.mark.parametrize("case", sorted(CASES))
def test_batch_is_sync_vector_env_of_single_worlds(case):
    env_id, kwargs, compiled = CASES[case]
    venv = gym.make_vec(env_id, num_envs=3, **kwargs)
    assert isinstance(venv, CreatorSuggestionVectorEnv)
    reference = gym.vector.SyncVectorEnv([lambda: gym.make(env_id, **kwargs)] * 3)
    C, G = venv.single_action_space.shape[0], int(venv.single_action_space.nvec[0]) - 1
    got = rollout(venv, 25, 5, C, G)
    assert venv.compiled == compiled
    assert_same(got, rollout(reference, 25, 5, C, G))
    assert any(step[2].any() or step[3].any() for step in got[1:]), "no episode ended: autoreset untested"


def test_next_step_autoreset_convention():
    venv = gym.make_vec(V0, num_envs=2, **dict(SMALL, horizon=2))
    venv.reset(seed=0)
    a = np.zeros((2, 6), dtype=np.int64)
    venv.step(a)
    _, _, _, truncated, _ = venv.step(a)
    assert truncated.all()
    obs, reward, terminated, truncated, info = venv.step(a)
    assert (reward == 0).all() and not terminated.any() and not truncated.any() and (info["round"] == 0).all()
    assert (obs[:, :, 4] == 1).all()  # made nothing yet: the "made nothing" slot of the one-hot


def test_reset_mask_resets_only_the_masked_worlds():
    venv = gym.make_vec(V0, num_envs=3, **SMALL)
    venv.reset(seed=1)
    venv.step(np.ones((3, 6), dtype=np.int64))
    obs, info = venv.reset(options={"reset_mask": np.array([False, True, False])})
    assert info["_round"].tolist() == [False, True, False]
    single = gym.make(V0, **SMALL)
    expected, _ = single.reset(seed=1)
    single.step(np.ones(6, dtype=np.int64))
    assert np.array_equal(obs[0], single.unwrapped.world.observation())
    assert not np.array_equal(obs[0], expected)


def test_seed_list_and_bad_input_before_state_changes():
    venv = gym.make_vec(V0, num_envs=2, **SMALL)
    obs, _ = venv.reset(seed=[4, 9])
    assert np.array_equal(obs[1], gym.make(V0, **SMALL).reset(seed=9)[0])
    with pytest.raises(ValueError, match="actions must have shape"):
        venv.step(np.zeros((3, 6), dtype=np.int64))
    with pytest.raises(ValueError, match=r"actions entries must be in \[0, 4\]"):
        venv.step(np.full((2, 6), 5))
    with pytest.raises(ValueError, match="num_envs"):
        gym.make_vec(V0, num_envs=0, **SMALL)
    with pytest.raises(ValueError, match="seed must be"):
        venv.reset(seed=[1, 2, 3])
    after_errors = venv.step(np.ones((2, 6), dtype=np.int64))
    fresh = gym.make_vec(V0, num_envs=2, **SMALL)
    fresh.reset(seed=[4, 9])
    assert_same(after_errors, fresh.step(np.ones((2, 6), dtype=np.int64)))


def test_reward_weights_lever_matches_the_single_world():
    weights = np.linspace(0.0, 3.0, 20)
    venv = gym.make_vec(V0, num_envs=2, **SMALL)
    venv.reset(seed=3)
    venv.set_reward_weights(weights)
    single = gym.make(V0, **SMALL)
    single.reset(seed=4)
    single.unwrapped.world.set_reward_weights(weights)
    a = np.arange(6) % 5
    for _ in range(6):
        _, _, _, _, info = venv.step(np.stack([a, a]))
        _, _, _, _, one = single.step(a)
        assert np.array_equal(info["creator_reward"][1], one["creator_reward"])
    assert venv.compiled


@pytest.mark.parametrize("env_id", [V0, V1])
def test_sb3_adapter_is_dummy_vec_env(env_id):
    ours = SB3VecEnv(gym.make_vec(env_id, num_envs=3, **SMALL))
    reference = DummyVecEnv([lambda: gym.make(env_id, **SMALL)] * 3)
    trajectories = []
    for venv in (ours, reference):
        venv.seed(11)
        steps = [venv.reset()]
        rng = np.random.default_rng(0)
        for _ in range(20):
            obs, rewards, dones, infos = venv.step(rng.integers(0, 5, (3, 6)))
            kept = [{k: v for k, v in i.items() if k in ("terminal_observation", "TimeLimit.truncated", "clicks")}
                    for i in infos]
            steps.append((obs, rewards, dones, kept))
        trajectories.append(steps)
    assert_same(*trajectories)
    assert any(step[2].any() for step in trajectories[0][1:])


def test_make_sb3_vec_env_monitors_episodes(tmp_path):
    venv = make_sb3_vec_env(V0, 2, seed=0, monitor_dir=str(tmp_path), **dict(SMALL, horizon=3))
    venv.reset()
    for _ in range(3):
        _, _, dones, infos = venv.step(np.zeros((2, 6), dtype=np.int64))
    assert dones.all() and all("episode" in i for i in infos)
    assert (tmp_path / "monitor.csv").exists()


@pytest.mark.parametrize("C", [9, 70])
def test_batched_diagnostics_match_the_single_metrics(C):
    """The compiled per-world summary against the single world's metric functions, empty rows included
    (70 creators: the Gini by sorting, 9: by pairwise differences)."""
    from recogym_eco.worlds.creator_suggestion_kernel import summarise_worlds

    rng = np.random.default_rng(0)
    N, G = 50, 7
    genre_counts = rng.integers(0, 4, (N, G))
    genre_counts[0] = 0
    out_creator = np.zeros((N, 4, C))
    out_creator[:, 2] = rng.integers(0, 9, (N, C))
    out_creator[:, 3] = rng.random((N, C)) < 0.6
    out_creator[1, 3] = 0
    flags = rng.random((N, 4, C)) < 0.5
    actions = rng.integers(0, G + 1, (N, C))
    follows, ignores = rng.integers(0, 5, (N, C)), rng.integers(0, 5, (N, C))
    made = rng.integers(0, 2, (N, C, G))
    present = rng.random((N, C)) < 0.7
    present[2] = False
    stepping = rng.random(N) < 0.8
    last_genre = rng.integers(-1, G, (N, C))
    round_index = rng.integers(0, 10, N)
    outputs = [np.zeros(N, dtype=bool), np.zeros(N, dtype=bool), np.empty(N), np.empty((N, C), dtype=np.int64),
               np.empty((N, 3), dtype=np.int64), np.empty(N), np.empty((N, C), dtype=np.int64), np.empty(N),
               np.empty((N, C)), np.empty((N, C), dtype=bool), np.zeros((N, C, G + 2), dtype=np.float32)]
    clock = round_index.copy()
    summarise_worlds(stepping, actions, last_genre.copy(), out_creator, flags, genre_counts, present, made, follows,
                     ignores, clock, last_genre, np.zeros((N, C), dtype=np.int64), np.zeros((N, C)), 10, 1.0, 2.0,
                     True, *outputs)
    terminated, truncated, diversity, held, counts, follow_rate, exposure, gini_, estimate, present_out, obs = outputs
    assert np.array_equal(clock, round_index + stepping)
    assert np.allclose(diversity, [shannon_entropy(c) for c in genre_counts], rtol=1e-12, atol=0)
    mask = out_creator[:, 3] > 0
    assert np.array_equal(gini_, [gini(v[m]) for v, m in zip(out_creator[:, 2], mask)])
    sent = (flags[:, 0] & (actions > 0)).sum(axis=1)
    assert np.array_equal(counts, np.stack([flags[:, 0].sum(1), present.sum(1), np.where(stepping, sent, 0)], 1))
    assert np.allclose(follow_rate, np.where(sent > 0, flags[:, 1].sum(1) / np.maximum(sent, 1), 0.0))
    assert np.array_equal(held, (made > 0).sum(axis=2)) and np.array_equal(present_out, present)
    assert np.array_equal(exposure, out_creator[:, 2].astype(np.int64))
    assert np.array_equal(terminated, stepping & ~present.any(axis=1)) and terminated[2] == stepping[2]
    assert np.array_equal(truncated, stepping & (clock >= 10) & ~terminated)
    assert np.array_equal(estimate, (follows + 1.0) / (follows + ignores + 3.0))
    config = CreatorSuggestionConfig(num_creators=C, num_genres=G, num_users=5, trust_prior=(1.0, 2.0))
    assert np.array_equal(obs, platform_observation(config, last_genre, estimate, made, None, None, None))


def test_worlds_on_parallel_threads_are_the_single_worlds():
    from recogym_eco.envs.creator_suggestion_vector import PARALLEL_WORLDS

    n = PARALLEL_WORLDS + 1
    venv = gym.make_vec(V0, num_envs=n, **SMALL)
    reference = gym.vector.SyncVectorEnv([lambda: gym.make(V0, **SMALL)] * n)
    assert_same(rollout(venv, 12, 2, 6, 4), rollout(reference, 12, 2, 6, 4))
    assert venv.compiled

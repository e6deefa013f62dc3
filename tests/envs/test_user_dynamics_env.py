"""Gymnasium face of UserDynamics: conformance, masking, determinism, rendering, the experiment script."""

import copy
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import recogym_eco  # noqa: F401
from recogym_eco.envs.user_dynamics import UserDynamicsEnv
from recogym_eco.registry import entry

ENV_ID = "recogym_eco/UserDynamics-v0"
SMALL = dict(num_users=30, num_items=40, horizon=8, on_masked="resample")


@pytest.mark.parametrize("preset", ["topics-static", "topics-dynamic", "latent-static", "latent-dynamic"])
def test_gymnasium_and_sb3_checkers(preset):
    env = gym.make(ENV_ID, preset=preset, **SMALL)
    gym_check_env(env.unwrapped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sb3_check_env(env)


def test_registry_row_builds():
    row = entry(ENV_ID)
    env = gym.make(ENV_ID, **row.test_kwargs)
    obs, info = env.reset(seed=0)
    assert obs in env.observation_space


def rollout(env, seed, steps=None):
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    trace = [obs["ratings"], obs["online_users"]]
    n = 0
    while True:
        obs, reward, term, trunc, info = env.step(env.action_space.sample())
        trace += [obs["ratings"], reward, info["items"], info["topic_affinity"]]
        n += 1
        if term or trunc or n == steps:
            return trace


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_seeded_and_copied_episodes_are_identical():
    env = gym.make(ENV_ID, **SMALL)
    assert same(rollout(env, 3), rollout(env, 3))
    assert not same(rollout(env, 3), rollout(env, 4))
    env.reset(seed=9)
    env.action_space.seed(9)
    for _ in range(3):
        env.step(env.action_space.sample())
    copies = [copy.deepcopy(env), pickle.loads(pickle.dumps(env))]
    actions = [env.action_space.sample() for _ in range(4)]
    ref = [env.step(a)[0]["ratings"] for a in actions]
    for c in copies:
        assert all(np.array_equal(r, c.step(a)[0]["ratings"]) for r, a in zip(ref, actions))


def test_reset_and_step_info_share_keys_and_mask_is_consistent():
    env = gym.make(ENV_ID, **SMALL)
    obs, info = env.reset(seed=0)
    obs2, reward, term, trunc, info2 = env.step(env.unwrapped.world.action_mask().argmax(axis=1))
    assert set(info) == set(info2)
    mask = info2["action_mask"]
    assert mask.shape == (env.unwrapped.world.num_online, 40)
    np.testing.assert_array_equal(env.unwrapped.action_masks(), mask.ravel())
    np.testing.assert_array_equal(mask, obs2["ratings"][obs2["online_users"]] == 0)
    assert reward == pytest.approx(info2["ratings"].mean())
    np.testing.assert_array_equal(obs2["ratings"][info2["users"], info2["items"]], info2["ratings"].astype(np.float32))


def test_choosing_a_masked_item_raises_value_error_naming_the_user():
    env = gym.make(ENV_ID, num_users=30, num_items=40, horizon=8)
    obs, info = env.reset(seed=0)
    action = info["action_mask"].argmax(axis=1)
    env.step(action)
    world = env.unwrapped.world
    world.online = obs["online_users"]  # the same users again: their last items are now masked
    with pytest.raises(ValueError, match=f"user {obs['online_users'][0]} "):
        env.step(action)


@pytest.mark.parametrize("mode", ["ansi", "rgb_array"])
def test_render_modes(mode):
    env = gym.make(ENV_ID, render_mode=mode, **SMALL)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    out = env.render()
    if mode == "ansi":
        assert "mean rating" in out
    else:
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    with pytest.raises(ValueError, match="render_mode"):
        UserDynamicsEnv(render_mode="human", **SMALL)


@pytest.mark.slow
def test_feedback_experiment_writes_csv_and_figures(tmp_path):
    from recogym_eco.train.feedback_experiment import main

    main(["--envs", "topics-static", "topics-dynamic", "--trials", "2", "--scale", "0.02", "--out", str(tmp_path), "--quiet"])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"online.csv", "summary.csv", "spearman.csv", "affinity.csv", "feedback_mean_rating.png",
            "feedback_toppop_affinity.png", "feedback_offline_online.png"} <= names
    lines = (tmp_path / "summary.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + 2 * 5

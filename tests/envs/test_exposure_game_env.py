"""ExposureGame faces: Gymnasium (platform sets tau) and PettingZoo (producers + platform)."""

from __future__ import annotations

import copy
import pickle
import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from recogym_eco.envs import exposure_game_v0
from recogym_eco.envs.exposure_game import ENV_ID, ExposureGameEnv, observation_layout
from recogym_eco.registry import entry, register_all
from recogym_eco.worlds.exposure_game import gradient_ascent_step

SMALL = dict(num_producers=4, num_users=30, dim=3, num_groups=2, num_epochs=3, epoch_length=2)
INFO_KEYS = {"exposure", "producer_utility", "user_welfare", "group_welfare", "mean_similarity", "content_diversity",
             "num_clusters", "equilibrium_residual", "best_move_gain", "temperature", "epoch", "producer_steps"}
FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"


@pytest.fixture(autouse=True)
def _registered():
    register_all()


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.filterwarnings("ignore", message=".*symmetric and normalized.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="pettingzoo")
    return ctx


@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_gymnasium_and_sb3_checkers_pass(render_mode):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(ENV_ID, render_mode=render_mode, **SMALL)
    ctx = _quiet()
    try:
        check_env(env.unwrapped)
        sb3_check_env(env)
    finally:
        ctx.__exit__(None, None, None)
    env.reset(seed=0)
    frame = env.render()
    if render_mode == "rgb_array":
        assert frame.shape == (96, 96, 3) and frame.dtype == np.uint8 and (frame != 255).any()
    elif render_mode == "ansi":
        assert frame.startswith("epoch 0/3")
    assert entry(ENV_ID).test_kwargs == SMALL


def test_step_contract_info_keys_reward_and_truncation():
    env = ExposureGameEnv(welfare_weight=2.0, diversity_weight=0.5, **SMALL)
    obs, info = env.reset(seed=0)
    assert set(info) == INFO_KEYS
    lay = observation_layout(4, 2)
    np.testing.assert_allclose(obs[lay["temperature"]], 0.1, rtol=1e-6)
    assert obs[lay["progress"]][0] == 0.0
    np.testing.assert_allclose(info["exposure"].sum(1), 1.0)
    seen = []
    for t in range(3):
        tau = np.array([0.02, 0.9], np.float32)
        obs, r, term, trunc, info = env.step(tau)
        assert set(info) == INFO_KEYS
        assert type(r) is float and type(term) is bool and type(trunc) is bool
        assert env.observation_space.contains(obs) and not any(obs is o for o in seen)
        seen.append(obs)
        assert r == pytest.approx(2.0 * info["user_welfare"] + 0.5 * (1 - info["mean_similarity"]))
        np.testing.assert_allclose(info["temperature"], tau, rtol=1e-6)
        assert info["producer_steps"] == 2 * (t + 1) and info["epoch"] == t + 1
        np.testing.assert_allclose(obs[lay["producer_utility"]], info["producer_utility"], rtol=1e-6)
        np.testing.assert_allclose(info["producer_utility"], info["exposure"].mean(0))
    assert trunc and not term
    with pytest.raises(RuntimeError, match="episode has ended"):
        env.step(np.full(2, 0.1, np.float32))


def test_one_step_is_epoch_length_gradient_steps_under_the_group_temperatures():
    env = ExposureGameEnv(**SMALL)
    env.reset(seed=3)
    w = env.world
    theta, C = w.theta.copy(), w.C
    tau = np.array([0.05, 0.5])
    env.step(tau.astype(np.float32))
    user_tau = np.where(w.labels == 0, np.float32(0.05), np.float32(0.5))
    for _ in range(2):
        theta, S, _ = gradient_ascent_step(C, theta, user_tau, 0.1)
    np.testing.assert_allclose(w.S, S, rtol=1e-12, atol=1e-14)
    assert set(np.unique(w.labels)) == {0, 1}


def test_bad_actions_raise_before_state_changes():
    env = ExposureGameEnv(**SMALL)
    env.reset(seed=0)
    S = env.world.S.copy()
    for bad, exc in [(np.full(2, 7.0), ValueError), (np.full(2, 0.0), ValueError), (np.ones(3) * 0.1, ValueError),
                     (np.array([np.nan, 0.1]), ValueError), ("hot", TypeError), (None, TypeError)]:
        with pytest.raises(exc):
            env.step(bad)
    np.testing.assert_array_equal(env.world.S, S)
    assert env.world.steps == 0
    with pytest.raises(ValueError, match="render_mode"):
        ExposureGameEnv(render_mode="human", **SMALL)
    with pytest.raises(TypeError, match="unknown ExposureGame parameter"):
        gym.make(ENV_ID, bogus=3)


def test_same_seed_same_episode_and_mid_episode_copies():
    def episode(seed, env=None, steps=3):
        if env is None:
            env = ExposureGameEnv(**SMALL)
            env.reset(seed=seed)
        env.action_space.seed(7)
        out = []
        for _ in range(steps):
            obs, r, *_ = env.step(env.action_space.sample())
            out += [obs, np.array([r])]
        return np.concatenate(out)

    np.testing.assert_array_equal(episode(5), episode(5))
    assert not np.array_equal(episode(5), episode(6))
    env = ExposureGameEnv(**SMALL)
    env.reset(seed=1)
    env.step(np.full(2, 0.3, np.float32))
    twins = [copy.deepcopy(env), pickle.loads(pickle.dumps(env))]
    ref = episode(None, env, 2)
    for t in twins:
        np.testing.assert_array_equal(episode(None, t, 2), ref)


def test_hardmax_world_through_the_gymnasium_face():
    env = ExposureGameEnv(tau_min=0.0, temperature=0.0, dynamics="best_move", **SMALL)
    obs, info = env.reset(seed=0)
    assert set(np.unique(info["exposure"])) <= {0.0, 0.5, 1.0}
    obs, r, *_ , info = env.step(np.zeros(2, np.float32))
    assert info["equilibrium_residual"] == 0.0  # the hardmax has no gradient
    np.testing.assert_allclose(np.linalg.norm(env.world.S, axis=1), 1.0)


def test_movielens_fixture_through_the_gymnasium_face():
    from gymnasium.utils.env_checker import check_env

    env = ExposureGameEnv(demand="movielens", movielens_path=str(FIXTURE), factorisation="nmf",
                          strategy_set="orthant", num_producers=3, num_epochs=2, epoch_length=2)
    ctx = _quiet()
    try:
        check_env(env)
    finally:
        ctx.__exit__(None, None, None)
    obs, info = env.reset(seed=0)
    assert info["exposure"].shape == (29, 3)
    obs, r, *_ = env.step(np.array([0.5], np.float32))
    assert env.observation_space.contains(obs) and np.all(env.world.S >= 0)


# ----------------------------------------------------------------------------- PettingZoo


def test_pettingzoo_api_tests_pass():
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

    ctx = _quiet()
    try:
        warnings.simplefilter("ignore", UserWarning)
        parallel_api_test(exposure_game_v0.parallel_env(**SMALL), num_cycles=8)
        api_test(exposure_game_v0.env(**SMALL), num_cycles=8)
        parallel_api_test(exposure_game_v0.parallel_env(strategy_set="orthant", render_mode="ansi", **SMALL), num_cycles=5)
        parallel_seed_test(lambda: exposure_game_v0.parallel_env(**SMALL))
    finally:
        ctx.__exit__(None, None, None)


def test_pettingzoo_driven_producers_follow_actions_others_gradient_ascent():
    env = exposure_game_v0.parallel_env(**SMALL)
    obs, infos = env.reset(seed=0)
    assert env.agents[0] == "platform" and len(env.agents) == 5
    assert env.observation_space("producer_0") is env.observation_space("producer_0")
    w = env.world
    theta0 = w.theta.copy()
    move = np.array([0.1, -0.1, 0.05], np.float32)
    obs, rew, term, trunc, infos = env.step({"producer_1": move, "platform": np.array([0.2, 0.4], np.float32)})
    target = w.S[1]
    np.testing.assert_allclose(target, (theta0[1] + move) / np.linalg.norm(theta0[1] + move), atol=1e-12)
    user_tau = np.where(w.labels == 0, np.float32(0.2), np.float32(0.4))  # tau is deployed before the move
    ga, _, _ = gradient_ascent_step(w.C, theta0, user_tau, 0.1)
    for i in (0, 2, 3):
        np.testing.assert_allclose(w.theta[i], ga[i], rtol=1e-12)
    np.testing.assert_allclose(w.group_tau, [0.2, 0.4], rtol=1e-6)
    np.testing.assert_allclose(obs["producer_1"][:3], w.S[1], atol=1e-6)
    assert all(type(r) is float for r in rew.values()) and all(type(f) is bool for f in term.values())
    assert sum(rew[f"producer_{i}"] for i in range(4)) == pytest.approx(1.0)  # exposure shares
    assert rew["platform"] == pytest.approx(infos["platform"]["user_welfare"])
    obs, rew, *_ = env.step({})
    assert np.isfinite(rew["platform"])
    assert env.render() is None
    with pytest.raises(ValueError, match="render_mode"):
        exposure_game_v0.parallel_env(render_mode="human", **SMALL)


def test_pettingzoo_bad_actions_raise_and_episode_end():
    env = exposure_game_v0.parallel_env(max_cycles=2, **SMALL)
    env.reset(seed=0)
    S = env.world.S.copy()
    with pytest.raises(ValueError, match="max_move"):
        env.step({"producer_0": np.ones(3)})
    with pytest.raises(ValueError, match="shape"):
        env.step({"producer_0": np.zeros(2)})
    with pytest.raises(ValueError, match="tau_min, tau_max"):
        env.step({"platform": np.zeros(2)})
    with pytest.raises(ValueError, match="not in the game"):
        env.step({"producer_9": np.zeros(3)})
    np.testing.assert_array_equal(env.world.S, S)
    wide = exposure_game_v0.parallel_env(max_move=1.0, **SMALL)
    wide.reset(seed=0)
    wide.world.set_strategies(np.tile([1.0, 0.0, 0.0], (4, 1)))
    with pytest.raises(ValueError, match="zero vector"):
        wide.step({"producer_0": np.array([-1.0, 0.0, 0.0]), "platform": np.full(2, 0.5)})
    np.testing.assert_allclose(wide.world.group_tau, 0.1)  # nothing deployed
    np.testing.assert_array_equal(env.world.S, S)
    env.step({})
    *_, trunc, _ = env.step({})
    assert all(trunc.values()) and env.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        env.step({})


def test_pettingzoo_registry_and_state():
    import pettingzoo

    env = pettingzoo.make("parallel", "recogym_eco/exposure_game-v0", **SMALL)
    obs, _ = env.reset(seed=0)
    assert set(obs) == set(env.possible_agents)
    st = env.unwrapped.state() if hasattr(env, "unwrapped") else env.state()
    assert st.shape == (12,) and st.dtype == np.float32

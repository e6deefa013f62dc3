"""ContentCompetition faces: Gymnasium (platform view) and PettingZoo (creators + platform)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest

from recogym_eco.envs import content_competition_v0
from recogym_eco.envs.content_competition import ENV_ID, ContentCompetitionEnv
from recogym_eco.registry import register_all

SMALL = dict(cluster_sizes=(30, 20, 10, 5, 3, 2), num_creators=8, top_k=3, num_groups=5, dim=3, horizon=12,
             epoch_length=2)


@pytest.fixture(autouse=True)
def _registered():
    register_all()
    register_all()  # idempotent


@pytest.mark.parametrize("mechanism", ["none", "UIR", "SMT", "HMT"])
def test_gymnasium_and_sb3_checkers_pass(mechanism):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(ENV_ID, mechanism=mechanism, **SMALL)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*symmetric and normalized.*")
        check_env(env.unwrapped)
        sb3_check_env(env)
    assert env.unwrapped.spec.kwargs["mechanism"] == mechanism


def test_step_contract_types_fresh_arrays_and_truncation():
    env = ContentCompetitionEnv(preset="synthetic", mechanism="UIR", **SMALL)
    assert env.observation_space is env.observation_space and env.action_space is env.action_space
    obs, info = env.reset(seed=0)
    L = 5
    assert obs.shape == (3 * L + 1,) and obs.dtype == np.float32 and obs[-1] == 0.0
    np.testing.assert_allclose(obs[L : 2 * L], 1.0)  # initial weights
    np.testing.assert_allclose(obs[2 * L : 3 * L].sum(), 1.0)  # group shares
    seen = []
    for t in range(6):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        assert type(r) is float and type(term) is bool and type(trunc) is bool
        assert env.observation_space.contains(obs)
        assert not any(obs is o for o in seen)
        seen.append(obs)
        assert r == pytest.approx(info["welfare"]) and info["creator_steps"] == 2 * (t + 1)
        for key in ("welfare", "group_utility", "exposure_gini", "content_diversity"):
            assert key in info
    assert trunc and not term  # 12 creator steps / epochs of 2 = 6 env steps
    with pytest.raises(RuntimeError, match="episode has ended"):
        env.step(env.action_space.sample())


def test_bad_actions_raise_before_state_changes():
    env = ContentCompetitionEnv(preset="synthetic", mechanism="HMT", **SMALL)
    env.reset(seed=0)
    S = env.world.S.copy()
    for bad, exc in [(np.full(5, 7.0), ValueError), (np.ones(3), ValueError), (np.full(5, np.inf), ValueError),
                     ("w", TypeError), (None, TypeError)]:
        with pytest.raises(exc):
            env.step(bad)
    np.testing.assert_array_equal(env.world.S, S)
    assert env.world.steps_done == 0
    with pytest.raises(ValueError, match="unknown preset"):
        gym.make(ENV_ID, preset="bogus")
    with pytest.raises(ValueError, match="unknown mechanism"):
        ContentCompetitionEnv(mechanism="ABC", **SMALL)


def test_same_seed_same_episode():
    def episode(seed):
        env = ContentCompetitionEnv(preset="synthetic", mechanism="SMT", **SMALL)
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(3)
        out = [obs]
        done = False
        while not done:
            obs, r, term, trunc, _ = env.step(env.action_space.sample())
            out += [obs, np.array([r])]
            done = term or trunc
        return np.concatenate(out)

    np.testing.assert_array_equal(episode(5), episode(5))
    assert not np.array_equal(episode(5), episode(6))


def test_uir_with_unit_weights_equals_none_through_the_env():
    rewards = {}
    for mech in ("none", "UIR"):
        env = ContentCompetitionEnv(preset="synthetic", mechanism=mech, **SMALL)
        env.reset(seed=1)
        rewards[mech] = [env.step(np.ones(5, np.float32))[1] for _ in range(6)]
    assert rewards["none"] == rewards["UIR"]


@pytest.mark.parametrize("engine", ["auto", "compiled", "numpy", "dense"])
def test_engine_keyword_reaches_the_world_and_info(engine):
    env = gym.make(ENV_ID, mechanism="SMT", engine=engine, **SMALL)
    _, info0 = env.reset(seed=0)
    _, _, _, _, info1 = env.step(env.action_space.sample())
    want = "compiled" if engine == "auto" else engine
    assert info0["engine"] == info1["engine"] == env.unwrapped.world.engine == want
    assert set(info0) == set(info1)


def test_engines_give_the_same_episode_through_the_env():
    runs = {}
    for engine in ("compiled", "numpy", "dense"):
        env = ContentCompetitionEnv(mechanism="HMT", engine=engine, **SMALL)
        env.reset(seed=4)
        env.action_space.seed(4)
        runs[engine] = [(env.step(env.action_space.sample())[1], env.world.strategies) for _ in range(6)]
    for engine in ("numpy", "dense"):
        for (r_a, s_a), (r_b, s_b) in zip(runs["compiled"], runs[engine]):
            np.testing.assert_array_equal(s_a, s_b)  # same accept decisions
            assert r_a == pytest.approx(r_b, abs=1e-12)


def test_both_faces_share_their_defaults():
    import inspect

    gym_sig = inspect.signature(ContentCompetitionEnv.__init__).parameters
    pz_sig = inspect.signature(content_competition_v0.raw_env.__init__).parameters
    for name, want in (("preset", "synthetic"), ("mechanism", "none"), ("engine", "auto"), ("render_mode", None)):
        assert gym_sig[name].default == pz_sig[name].default == want
    assert ContentCompetitionEnv().config == content_competition_v0.parallel_env().config
    for face in (ContentCompetitionEnv, content_competition_v0.parallel_env):  # one exception style
        with pytest.raises(ValueError, match="num_creators must be an int >= 1, got 2.5"):
            face(num_creators=2.5)
        with pytest.raises(ValueError, match="unknown engine 'fast'"):
            face(engine="fast")


def test_toy_preset_shapes():
    env = gym.make(ENV_ID, preset="toy", mechanism="UIR")
    obs, _ = env.reset(seed=0)
    assert env.unwrapped.world.S.shape == (5, 2) and obs.shape == (16,)
    obs, r, *_ = env.step(np.array([0.5, 1, 1, 1, 1], np.float32))
    assert 0 < r <= 2.0


# ----------------------------------------------------------------------------- PettingZoo


PZ_SMALL = dict(preset="synthetic", cluster_sizes=(30, 20, 10, 5, 3, 2), num_creators=5, top_k=3, num_groups=5,
                dim=3, max_cycles=15)


def test_pettingzoo_api_tests_pass():
    from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        parallel_api_test(content_competition_v0.parallel_env(mechanism="UIR", **PZ_SMALL), num_cycles=10)
        api_test(content_competition_v0.env(mechanism="HMT", **PZ_SMALL), num_cycles=10)
        parallel_api_test(content_competition_v0.parallel_env(preset="toy", mechanism="SMT"), num_cycles=10)
        parallel_seed_test(lambda: content_competition_v0.parallel_env(mechanism="SMT", **PZ_SMALL))


def test_pettingzoo_undriven_creators_use_lbr_and_driven_ones_follow_actions():
    env = content_competition_v0.parallel_env(mechanism="UIR", **PZ_SMALL)
    obs, infos = env.reset(seed=0)
    assert infos["platform"]["compiled_engine"] is True
    assert env.agents[0] == "platform" and len(env.agents) == 6
    assert env.observation_space("creator_0") is env.observation_space("creator_0")
    s0 = env.world.S.copy()
    move = np.array([0.05, -0.05, 0.0], np.float32)
    obs, rew, term, trunc, infos = env.step({"creator_1": move, "platform": np.full(5, 2.0, np.float32)})
    target = s0[1] + move
    np.testing.assert_allclose(env.world.S[1], target / max(1.0, np.linalg.norm(target)), atol=1e-7)  # projected
    np.testing.assert_allclose(env.world.weights, 2.0)
    np.testing.assert_allclose(obs["creator_1"][:3], env.world.S[1], atol=1e-6)
    assert all(type(r) is float for r in rew.values()) and all(type(f) is bool for f in term.values())
    assert rew["platform"] == pytest.approx(infos["platform"]["welfare"])
    assert infos["platform"]["compiled_engine"] is False  # a step with creator actions runs on the NumPy engine
    # pure LBR step from an empty action dict
    obs, rew, *_, infos = env.step({})
    assert np.isfinite(rew["platform"]) and infos["platform"]["compiled_engine"] is True


def test_pettingzoo_bad_actions_raise_and_episode_end():
    env = content_competition_v0.parallel_env(**{**PZ_SMALL, "max_cycles": 2})
    env.reset(seed=0)
    S = env.world.S.copy()
    with pytest.raises(ValueError, match="max_move"):
        env.step({"creator_0": np.ones(3)})
    with pytest.raises(ValueError, match="shape"):
        env.step({"creator_0": np.zeros(2)})
    with pytest.raises(ValueError, match="w_min, w_max"):
        env.step({"platform": np.zeros(5)})
    with pytest.raises(ValueError, match="not in the game"):
        env.step({"creator_99": np.zeros(3)})
    np.testing.assert_array_equal(env.world.S, S)
    env.step({})
    *_, trunc, _ = env.step({})
    assert all(trunc.values()) and env.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        env.step({})


# ----------------------------------------------------------------------------- movielens (fixture)


def test_movielens_preset_on_the_fixture(tmp_path):
    from pathlib import Path

    from gymnasium.utils.env_checker import check_env

    fixture = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"
    kw = dict(movielens_path=str(fixture), mf_cache=str(tmp_path), min_user_ratings=10, num_common_items=10,
              num_private_items=5, num_creators=3, num_groups=3, mf_dim=4, horizon=8, epoch_length=2, top_k=2)
    env = ContentCompetitionEnv(preset="movielens", mechanism="HMT", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_env(env)
    obs, _ = env.reset(seed=0)
    w = env.world
    assert w.d == 5 and w.n == 3  # [4 factors, 1] embeddings
    start = set(w.item.tolist())
    assert len(start) == 1  # everybody starts at the best-rated movie
    for _ in range(4):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
    assert trunc and 0 <= r <= 1 and info["engine"] == "numpy"  # auto: finite item sets run on NumPy
    for i in range(3):  # strategies stay inside each creator's item set
        assert w.item[i] in w.instance.members[i]
        np.testing.assert_array_equal(w.S[i], w.instance.items[w.item[i]])
    assert list(tmp_path.glob("movielens_mf_*.npz"))  # embeddings cached
    assert w.instance.extra["rmse"] > 0


def test_pettingzoo_registry():
    import pettingzoo

    env = pettingzoo.make("parallel", "recogym_eco/content_competition-v0", preset="toy", mechanism="UIR")
    obs, _ = env.reset(seed=0)
    assert set(obs) == set(env.possible_agents)

"""Gymnasium and PettingZoo faces of CreatorSuggestion: conformance, seeding, errors, agents."""

import warnings
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from pettingzoo.test import api_test, parallel_api_test
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import recogym_eco  # noqa: F401  (registers the ids)
from recogym_eco.envs import creator_suggestion_v0

ENV_ID = "recogym_eco/CreatorSuggestion-v0"
MOVIELENS_FIXTURE = Path(__file__).parents[1] / "data" / "ml-100k-mini"


@pytest.mark.parametrize("kwargs", [{}, dict(recommender="popularity", creator_fallback="cfd", trust_dynamics="clicks")])
def test_gymnasium_and_sb3_checkers(kwargs):
    env = gym.make(ENV_ID, **kwargs)
    gym_check_env(env.unwrapped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sb3_check_env(env)


def test_pettingzoo_api_tests(small_kwargs):
    parallel_api_test(creator_suggestion_v0.parallel_env(**small_kwargs), num_cycles=40)
    api_test(creator_suggestion_v0.env(**small_kwargs), num_cycles=40)


def rollout(seed, **kwargs):
    env = gym.make(ENV_ID, **kwargs)
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    trace = [obs]
    while True:
        obs, reward, term, trunc, info = env.step(env.action_space.sample())
        trace += [obs, reward, info["exposure"], info["made_genre"], info["trust_estimate"], info["content_diversity"]]
        if term or trunc:
            return trace


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def test_same_seed_same_trajectory_and_different_seeds_differ(small_kwargs):
    kwargs = dict(small_kwargs, creator_fallback="simuline", estimation_noise=0.1)
    assert same(rollout(7, **kwargs), rollout(7, **kwargs))
    assert not same(rollout(7, **kwargs), rollout(8, **kwargs))


def test_episode_truncates_at_horizon_and_step_after_end_raises(small_kwargs):
    env = gym.make(ENV_ID, **small_kwargs)
    env.reset(seed=0)
    steps = 0
    while True:
        _, reward, term, trunc, info = env.step(np.zeros(8, dtype=int))
        steps += 1
        assert isinstance(reward, float) and reward == info["clicks"]
        if term or trunc:
            break
    assert trunc and not term and steps == 25
    with pytest.raises(RuntimeError, match="reset"):
        env.unwrapped.step(np.zeros(8, dtype=int))


def test_terminates_when_every_creator_left():
    env = gym.make(ENV_ID, user_activity=0.0, churn_patience=3, creator_activity=1.0)
    env.reset(seed=0)
    for t in range(3):
        _, _, term, trunc, info = env.step(np.zeros(50, dtype=int))
    assert term and not trunc and info["present_creators"] == 0


@pytest.mark.parametrize("bad, match", [
    (dict(num_creators=0), "num_creators"), (dict(num_users=-3), "num_users"), (dict(num_genres=2.5), "num_genres"),
    (dict(trust_mean=1.5), "trust_mean"), (dict(trust_std=-1.0), "trust_std"),
    (dict(creator_fallback="greedy"), "creator_fallback"), (dict(trust_dynamics="bayes"), "trust_dynamics"),
    (dict(user_preferences=np.ones((3, 3))), "user_preferences"), (dict(user_preferences="netflix"), "user_preferences"),
    (dict(creator_activity=1.2), "creator_activity"), (dict(user_activity=np.ones(7)), "user_activity"),
    (dict(recommender="din"), "recommender"), (dict(slate_size=0), "slate_size"),
    (dict(freshness_window=0), "freshness_window"), (dict(churn_patience=0), "churn_patience"),
])
def test_bad_keywords_raise_naming_the_parameter(bad, match):
    with pytest.raises(ValueError, match=match):
        gym.make(ENV_ID, **bad)


def test_edge_activities_and_exact_trust():
    env = gym.make(ENV_ID, creator_activity=0.0, user_activity=1.0, trust_std=0.0, trust_mean=0.7)
    env.reset(seed=1)
    assert np.all(env.unwrapped.world.trust == 0.7)
    obs, reward, *_ , info = env.step(np.zeros(50, dtype=int))
    assert reward == 0.0 and info["active_creators"] == 0 and np.all(obs[:, 14] == 1.0)


def test_movielens_preferences_from_fixture():
    env = gym.make(ENV_ID, user_preferences="movielens", movielens_path=str(MOVIELENS_FIXTURE), num_users=20)
    env.reset(seed=0)
    prefs = env.unwrapped.world.preferences
    assert prefs.shape == (20, 14) and prefs.min() >= 0 and prefs.max() <= 1
    with pytest.raises(ValueError, match="num_genres"):
        gym.make(ENV_ID, user_preferences="movielens", movielens_path=str(MOVIELENS_FIXTURE), num_genres=30)


def test_pettingzoo_driven_creators_and_departures():
    env = creator_suggestion_v0.parallel_env(num_creators=4, num_users=10, num_genres=3, user_activity=0.0,
                                             churn_patience=2, horizon=10, creator_activity=1.0)
    obs, infos = env.reset(seed=0)
    assert env.agents == ["platform", "creator_0", "creator_1", "creator_2", "creator_3"]
    obs, rewards, terms, truncs, infos = env.step({"creator_0": 3, "creator_1": 0})
    assert infos["creator_0"]["made_genre"] == 2 and infos["creator_1"]["made_genre"] == -1
    obs, rewards, terms, truncs, infos = env.step({"creator_0": 1})
    assert terms["creator_0"] and terms["creator_2"] and not terms["creator_1"]
    assert env.agents == ["platform", "creator_1"]
    with pytest.raises(ValueError, match="creator_0"):
        env.step({"creator_0": 1})
    with pytest.raises(ValueError, match="creator_1"):
        env.step({"creator_1": 9})


def test_pettingzoo_registry_makes_both_apis():
    import pettingzoo

    par = pettingzoo.make("parallel", "recogym_eco/creator_suggestion-v0", num_creators=3, num_genres=4)
    obs, _ = par.reset(seed=0)
    assert set(obs) == {"platform", "creator_0", "creator_1", "creator_2"} and obs["platform"].shape == (3, 6)
    aec = pettingzoo.make("aec", "recogym_eco/creator_suggestion-v0", num_creators=3)
    aec.reset(seed=0)
    assert aec.agent_selection == "platform"

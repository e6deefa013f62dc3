"""Heuristic suggestion baselines: their rules, and that evaluate_policy runs them."""

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

import recogym_eco  # noqa: F401
from recogym_eco.agents.heuristics import HEURISTICS, MostClick, MostHistoryClick, NoSignal, Random


@pytest.mark.parametrize("name", sorted(HEURISTICS))
def test_evaluate_policy_runs_every_heuristic(name):
    env = Monitor(gym.make("recogym_eco/CreatorSuggestion-v0", horizon=20, observation="log"))
    policy = HEURISTICS[name](env, seed=0)
    mean, std = evaluate_policy(policy, env, n_eval_episodes=2)
    assert mean > 0


def test_rules_read_the_platform_log():
    env = gym.make("recogym_eco/CreatorSuggestion-v0", num_creators=3, num_genres=4, observation="log")
    obs, _ = env.reset(seed=0)
    world = env.unwrapped.world
    assert np.all(NoSignal(env).predict(obs)[0] == 0)
    assert np.all(MostClick(env).predict(obs)[0] == 0)
    world.made[:] = np.array([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    world.click_log[:] = np.array([[1, 4, 9, 0], [2, 0, 0, 0], [0, 0, 0, 0]])
    world.genre_click_log[:] = 0
    world.genre_click_log[0] = [0, 0, 3, 1]
    obs = world.observation()
    assert np.array_equal(MostHistoryClick(env).predict(obs)[0], [2, 0, 0])
    assert np.array_equal(MostClick(env).predict(obs)[0], [3, 3, 3])
    batch = Random(env, seed=1).predict(np.stack([obs, obs]))[0]
    assert batch.shape == (2, 3) and batch.min() >= 1 and batch.max() <= 4
    assert np.array_equal(MostHistoryClick(num_genres=4).predict(obs)[0], [2, 0, 0])
    with pytest.raises(ValueError, match="observation='log'"):
        MostClick(env).predict(obs[:, :6])

"""Adaptive reweighting on CreatorSuggestion's creator reward-weight lever."""

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3.common.evaluation import evaluate_policy

import recogym_eco  # noqa: F401
from recogym_eco.agents.heuristics import NoSignal
from recogym_eco.agents.reward_lever import WithReweight
from recogym_eco.components.groups import group_means


def test_lowest_utility_group_gains_weight_and_creators_are_paid_by_it():
    env = WithReweight(gym.make("recogym_eco/CreatorSuggestion-v0", num_users=60, horizon=20), num_groups=4,
                       epoch_length=5)
    env.reset(seed=3)
    world = env.unwrapped.world
    clicks = np.zeros(60)
    for t in range(5):
        _, _, _, _, info = env.step(np.zeros(50, dtype=int))
        clicks += info["user_clicks"]
    utility = group_means(clicks / (5 * world.config.slate_size), env.labels, 4)
    weights = info["group_weights"]
    assert np.argmax(weights) == np.argmin(utility) and np.argmin(weights) == np.argmax(utility)
    expected = np.ones(4) * np.exp(-0.5 * utility)
    expected = np.clip(4 * expected / expected.sum(), 0.2, 5.0)
    assert np.allclose(weights, expected)
    assert np.allclose(world.reward_weights, weights[env.labels])
    _, _, _, _, info = env.step(np.zeros(50, dtype=int))
    assert info["creator_reward"].sum() == pytest.approx((info["user_clicks"] * weights[env.labels]).sum())


def test_reweight_runs_under_evaluate_policy_and_checks_arguments():
    env = WithReweight(gym.make("recogym_eco/CreatorSuggestion-v0", horizon=15))
    mean, _ = evaluate_policy(NoSignal(env), env, n_eval_episodes=2, warn=False)
    assert mean > 0
    with pytest.raises(ValueError, match="num_groups"):
        WithReweight(gym.make("recogym_eco/CreatorSuggestion-v0"), num_groups=0)
    with pytest.raises(TypeError, match="set_reward_weights"):
        WithReweight(gym.make("CartPole-v1"))

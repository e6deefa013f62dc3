"""The click upper bound: its formula by hand, tight where it must be, never exceeded by a policy."""

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.agents.demand_aware import DemandAware
from recogym_eco.agents.heuristics import HEURISTICS
from recogym_eco.agents.rankers import PMMF, WithRanker
from recogym_eco.agents.reward_lever import WithReweight
from recogym_eco.worlds.click_bound import click_upper_bound

SMALL = dict(num_creators=10, num_users=30, num_genres=4, horizon=25)


def test_formula_by_hand():
    env = gym.make("recogym_eco/CreatorSuggestion-v0", **SMALL)
    env.reset(seed=1)
    w = env.unwrapped.world
    b = 1.0 / np.log2(np.arange(2, 7))
    best = np.array([max(w.preferences[u, g] * w.skill[:, g].max() for g in range(4)) for u in range(30)])
    assert click_upper_bound(w) == pytest.approx(25 * (w.user_activity * best).sum() * b.sum())
    env = gym.make("recogym_eco/CreatorSuggestion-v1", **SMALL)
    env.reset(seed=1)
    w = env.unwrapped.world
    assert click_upper_bound(w) == pytest.approx(25 * (w.user_activity * w.preferences.max(axis=1)).sum() * b.sum())


@pytest.mark.parametrize("env_id", ["recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1"])
def test_bound_is_attained_when_every_slot_must_click(env_id):
    env = gym.make(env_id, num_creators=5, num_users=12, num_genres=1, slate_size=1, horizon=10, exclude_seen=False,
                   user_preferences=np.ones((12, 1)), skill_range=(1.0, 1.0), user_activity=1.0, creator_activity=1.0)
    env.reset(seed=0)
    total = sum(env.step(np.zeros(5, dtype=np.int64))[1] for _ in range(10))
    assert total == click_upper_bound(env.unwrapped.world) == 120


def _policies(env):
    yield "NoSignal", env, HEURISTICS["NoSignal"](env)
    yield "Random", env, HEURISTICS["Random"](env, seed=0)
    yield "MostClick", env, HEURISTICS["MostClick"](env)
    yield "Reweight", WithReweight(env, num_groups=3), HEURISTICS["NoSignal"](env)
    yield "PMMF", WithRanker(env, PMMF()), HEURISTICS["NoSignal"](env)
    if env.observation_space.shape[-1] == 5 * 4 + 2:
        yield "DemandAware", env, DemandAware(env)


@pytest.mark.parametrize("env_id", ["recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1"])
def test_no_policy_exceeds_the_bound(env_id):
    for seed in range(2):
        for kwargs in (SMALL, dict(SMALL, preference_skew=0.0, user_activity=1.0, creator_activity=1.0)):
            env = gym.make(env_id, observation="log", **kwargs)
            for name, wrapped, policy in _policies(env):
                obs, _ = wrapped.reset(seed=seed)
                bound = click_upper_bound(env.unwrapped.world)
                total, done = 0.0, False
                while not done:
                    obs, reward, term, trunc, _ = wrapped.step(policy.predict(obs)[0])
                    total, done = total + reward, term or trunc
                assert 0 < total <= bound, (name, total, bound)

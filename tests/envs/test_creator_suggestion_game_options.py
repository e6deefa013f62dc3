"""PettingZoo options of creator_suggestion_v0 for multi-agent libraries: creators-only view, departed
creators kept with zero observations, flat platform observation; SuperSuit's vector conversion."""

from __future__ import annotations

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from recogym_eco.agents.heuristics import MostHistoryClick, NoSignal
from recogym_eco.envs import creator_suggestion_v0

SMALL = dict(num_creators=5, num_users=15, num_genres=4, horizon=12)


def test_creators_only_view_plays_the_given_platform_policy():
    game = creator_suggestion_v0.parallel_env(platform_policy=lambda obs: np.full(obs.shape[0], 2), **SMALL,
                                              trust_mean=1.0, trust_std=0.0, creator_activity=1.0)
    obs, _ = game.reset(seed=0)
    assert "platform" not in game.possible_agents and len(obs) == 5
    _, _, _, _, infos = game.step({})
    assert all(info["made_genre"] == 1 and info["followed"] for info in infos.values())
    parallel_api_test(creator_suggestion_v0.parallel_env(platform_policy=NoSignal(), **SMALL), num_cycles=20)


def test_creators_only_view_with_a_log_reading_heuristic():
    game = creator_suggestion_v0.parallel_env(platform_policy=MostHistoryClick(num_genres=4), observation="log",
                                              **SMALL)
    game.reset(seed=1)
    while game.agents:
        game.step({a: game.action_space(a).sample() for a in game.agents})


def test_departed_creators_stay_with_zero_observations():
    # nobody clicks: every creator leaves after churn_patience active rounds
    kwargs = dict(SMALL, user_activity=0.0, churn_patience=2, creator_activity=1.0, horizon=6)
    game = creator_suggestion_v0.parallel_env(keep_departed=True, **kwargs)
    game.reset(seed=0)
    seen_zero = False
    for _ in range(6):
        if not game.agents:
            break
        live = list(game.agents)
        obs, rewards, terms, truncs, _ = game.step({a: 1 for a in live if a != "platform"})
        assert set(obs) == set(live)
        for i in range(5):
            name = f"creator_{i}"
            if not game.world.present[i] and name in obs:
                assert not obs[name].any() and rewards[name] == 0.0
                seen_zero = True
    assert seen_zero and game.agents == []
    drop = creator_suggestion_v0.parallel_env(**kwargs)
    drop.reset(seed=0)
    drop.step({})
    drop.step({})
    assert "creator_0" not in drop.agents


def test_flat_platform_observation():
    game = creator_suggestion_v0.parallel_env(flat_platform_observation=True, **SMALL)
    obs, _ = game.reset(seed=0)
    assert obs["platform"].shape == (5 * 6,) == game.observation_space("platform").shape
    parallel_api_test(creator_suggestion_v0.parallel_env(flat_platform_observation=True, **SMALL), num_cycles=10)


@pytest.mark.parametrize("bad", [dict(platform_policy=3), dict(keep_departed="yes"), dict(flat_platform_observation=1)])
def test_bad_options_are_named(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        creator_suggestion_v0.parallel_env(**bad, **SMALL)


def test_supersuit_vector_conversion_of_the_creators_only_view():
    ss = pytest.importorskip("supersuit")
    game = creator_suggestion_v0.parallel_env(platform_policy=NoSignal(), keep_departed=True, **SMALL)
    venv = ss.pettingzoo_env_to_vec_env_v1(game)
    venv = ss.concat_vec_envs_v1(venv, 2, num_cpus=0, base_class="stable_baselines3")
    obs = venv.reset()
    assert obs.shape == (2 * 5, 3 * 4 + 2)
    for _ in range(15):
        obs, rewards, dones, infos = venv.step(np.array([venv.action_space.sample() for _ in range(10)]))
    assert obs.shape == (10, 14) and rewards.shape == (10,)
    venv.close()

"""DemandAware: its rule on a hand-built log observation, and that it plays the v1 world."""

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.agents.demand_aware import DemandAware


def hand_observation():
    G = 3
    made = np.array([[2, 0, 0], [0, 2, 0], [1, 1, 0], [0, 0, 0]])
    clicks = np.array([[2, 0, 0], [0, 6, 0], [0, 1, 0], [0, 0, 0]])
    demand, supply = np.array([10, 10, 9]), np.array([9, 4, 0])
    head = np.zeros((4, G + 2))
    return np.hstack([head, made, clicks, np.tile(demand, (4, 1)), np.tile(supply, (4, 1))]).astype(np.float32)


def test_rule_by_hand():
    obs = hand_observation()
    policy = DemandAware(num_genres=3)
    # yields (D + 1) / (S + 1) = [1.1, 2.2, 10]; e = (clicks + 2 y) / (made + 2)
    np.testing.assert_allclose(policy.expected_reward(obs)[0], [4.2 / 4, 4.4 / 2, 10.0], rtol=1e-6)
    # everyone's best is genre 2; at most ceil(4 / 3) = 2 movers, largest gains first (creator 3: no
    # history, creator 0: gain 8.95); the others practise their best own genre (1)
    np.testing.assert_array_equal(policy.predict(obs)[0], [3, 2, 2, 3])
    np.testing.assert_array_equal(DemandAware(num_genres=3, max_moves=4).predict(obs)[0], [3, 3, 3, 3])
    # a creator without history has nothing to stay with: it is always a mover
    np.testing.assert_array_equal(DemandAware(num_genres=3, margin=10.0).predict(obs)[0], [1, 2, 2, 3])


def test_needs_counts_and_plays_v1():
    env = gym.make("recogym_eco/CreatorSuggestion-v1", num_creators=6, num_users=20, num_genres=4, horizon=5,
                   observation="log")
    policy = DemandAware(env)
    obs, _ = env.reset(seed=0)
    for _ in range(5):
        action, _ = policy.predict(obs)
        assert env.action_space.contains(action)
        obs, *_ = env.step(action)
    with pytest.raises(ValueError, match="counts"):
        DemandAware(num_genres=4).predict(np.zeros((6, 4 * 4 + 2), dtype=np.float32))
    with pytest.raises(ValueError, match="margin"):
        DemandAware(num_genres=4, margin=-1.0)


def test_paper_heuristics_read_the_counts_layout():
    from recogym_eco.agents.heuristics import MostClick, MostHistoryClick

    obs = hand_observation()
    # MostClick: argmax of recent platform clicks [10, 10, 9] -> genre 0; MostHistoryClick: best clicked own genre
    np.testing.assert_array_equal(MostClick(num_genres=3).predict(obs)[0], [1, 1, 1, 1])
    np.testing.assert_array_equal(MostHistoryClick(num_genres=3).predict(obs)[0], [1, 2, 2, 0])


def test_v1_game_face_has_v1_defaults():
    from recogym_eco.envs import creator_suggestion_v1

    game = creator_suggestion_v1.parallel_env(num_creators=4, num_users=10, num_genres=3, horizon=3)
    assert game.metadata["name"] == "creator_suggestion_v1"
    assert game.world.config.recommender == "mf" and game.world.config.trust_dynamics == "relative"
    game.reset(seed=0)
    obs, rewards, *_ = game.step({})
    assert set(rewards) == set(game.possible_agents)


def test_creagent_rankers_are_registered_with_warmup():
    from recogym_eco.agents.rankers import RANKERS

    pmmf, fairrec = RANKERS.create("PMMF_CreAgent"), RANKERS.create("FairRec_CreAgent")
    assert (pmmf.warmup_rounds, pmmf.eta0, pmmf.lambd, pmmf.gamma) == (10, 0.01, 0.5, 0.2)
    assert (fairrec.warmup_rounds, fairrec.alpha) == (10, 0.5)

"""CreatorSuggestion-v1's mechanics, each against a hand computation (issue 9, items 1–5)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.components.feedback_creators import FeedbackCreators
from recogym_eco.components.mf_recommender import MatrixFactorisationRecommender, row_mean
from recogym_eco.envs.creator_suggestion_v1 import ENV_ID, V1_DEFAULTS
from recogym_eco.registry import entry
from recogym_eco.worlds import creator_dynamics as dyn
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig

SMALL = dict(num_creators=8, num_users=30, num_genres=4, horizon=20)


def world_of(**kwargs):
    env = gym.make(ENV_ID, **{**SMALL, **kwargs})
    env.reset(seed=0)
    return env, env.unwrapped.world


def test_v1_defaults_are_one_dict_and_v0_defaults_are_off():
    assert entry(ENV_ID).defaults == V1_DEFAULTS
    v0 = CreatorSuggestionConfig()
    assert (v0.skill_growth, v0.skill_decay, v0.initial_genre_skew, v0.log_units) == (0.0, 0.0, None, "shares")
    assert v0.trust_dynamics == "static" and v0.recommender == "oracle" and v0.creator_fallback == "random_history"
    env, world = world_of()
    assert world.config.recommender == "mf" and world.config.creator_fallback == "feedback"


def test_row_mean_matches_a_loop():
    rng = np.random.default_rng(0)
    index, values = rng.integers(0, 5, 40), rng.normal(size=(40, 3))
    expected = np.zeros((6, 3))
    for r in range(6):
        if (index == r).any():
            expected[r] = values[index == r].mean(axis=0)
    np.testing.assert_allclose(row_mean(index, values, 6), expected)


def _pool_items(world):
    genres = world.item_genre.ravel()
    valid = np.flatnonzero(genres >= 0)
    return valid, genres[valid]


def test_recommender_scores_move_toward_clicked_genres():
    env, world = world_of(initial_genre_skew=0.0, recommender="mf")
    env.step(np.zeros(8, dtype=np.int64))
    slots, genres = _pool_items(world)
    a = slots[genres == genres[0]][0]
    b = slots[genres != genres[0]][0]
    rec: MatrixFactorisationRecommender = world.recommender
    users = np.arange(world.config.num_users)
    shown = np.ones((users.size, 2), dtype=bool)
    clicked = np.zeros((users.size, 2), dtype=bool)
    clicked[:, 0] = True
    rng = np.random.default_rng(0)
    before = rec.score(world, users, np.array([a, b]), rng)
    z = before[:, 0]
    bias_before = rec.item_bias[a]
    steps = rec.steps
    rec.steps = 1
    rec.observe(world, users, np.tile([a, b], (users.size, 1)), shown, clicked)
    # one step on the item bias: b_a -= lr * mean_u(sigmoid(z_ua) - 1), by hand
    expected_bias = bias_before - rec.lr * np.mean(1.0 / (1.0 + np.exp(-z)) - 1.0)
    assert rec.item_bias[a] == pytest.approx(expected_bias)
    rec.steps = steps
    for _ in range(30):
        rec.observe(world, users, np.tile([a, b], (users.size, 1)), shown, clicked)
    after = rec.score(world, users, np.array([a, b]), rng)
    assert np.all(after[:, 0] - after[:, 1] > before[:, 0] - before[:, 1])
    assert np.all(after[:, 0] > after[:, 1])
    # cold start: a new item's score is p_u . (q_genre + q_creator) + b_genre, so a new item of the
    # clicked genre outranks a new item of the skipped genre by the same creator
    ga, gb = genres[slots == a][0], genres[slots == b][0]
    cold = rec.user @ (rec.genre[[ga, gb]] + rec.creator[0]).T + rec.genre_bias[[ga, gb]]
    assert np.all(cold[:, 0] > cold[:, 1])


def test_creator_choice_moves_toward_rewarded_genres_closed_form():
    model = FeedbackCreators(lr=0.2, temperature=1.0, explore=0.1, imitation=0.5)
    model.reset(np.random.default_rng(0), 1, 3)
    made = np.array([[1, 1, 0]])
    p0 = model.probabilities(made)
    np.testing.assert_allclose(p0, 0.9 * np.array([[0.5, 0.5, 0]]) + 0.1 / 3)
    model.choose(np.random.default_rng(0), made, np.zeros((1, 3)))
    model.update(made + np.array([[1, 0, 0]]), np.zeros((1, 3)), np.array([[3.0, 0, 0]]), np.array([True]))
    assert model.value[0, 0] == pytest.approx(0.6)
    own = np.exp([0.6, 0.0]) / np.exp([0.6, 0.0]).sum()
    model.observe_platform(np.zeros(3), np.array([8.0, 0.0, 1.0]))
    trending = np.array([9.0, 1.0, 2.0]) / 12.0
    expected = 0.9 * np.array([own[0], own[1], 0.0]) + 0.1 * (0.5 / 3 + 0.5 * trending)
    np.testing.assert_allclose(model.probabilities(made + np.array([[1, 0, 0]]))[0], expected)
    assert expected[0] > p0[0, 0]


def test_creator_values_respond_to_reward_weights():
    values = []
    for weight in (1.0, 2.0):
        env, world = world_of(creator_activity=1.0, user_activity=1.0)
        world.set_reward_weights(np.full(world.config.num_users, weight))
        env.step(np.zeros(8, dtype=np.int64))
        values.append(world.creator_model.value.copy())
    assert values[0].max() > 0
    np.testing.assert_allclose(values[1], 2.0 * values[0])


def test_skill_grows_with_practice_and_decays_without():
    skill = np.array([[0.5, 0.7], [0.5, 0.7]])
    base = np.array([[0.5, 0.5], [0.5, 0.5]])
    out = dyn.practice_skill(skill, base, np.array([0, -1]), np.array([True, False]), 0.1, 0.1)
    np.testing.assert_allclose(out, [[0.55, 0.68], [0.5, 0.68]])
    env, world = world_of(creator_activity=1.0)
    before = world.skill.copy()
    _, _, _, _, info = env.step(np.zeros(8, dtype=np.int64))
    c = np.arange(8)
    g = info["made_genre"]
    np.testing.assert_allclose(world.skill[c, g], before[c, g] + 0.1 * (1 - before[c, g]))
    repeat = world.skill.copy()
    for _ in range(5):
        env.step(np.full(8, 1 + g[0]))
    assert world.skill.max() <= 1.0 and np.all(world.skill >= world.base_skill - 1e-12)
    assert repeat.max() > 0


def test_relative_trust_tie_loss_gain():
    trust = np.full(5, 0.5)
    followed = np.array([True, True, True, True, False])
    out = dyn.relative_trust(trust, followed, np.array([2.0, 1.0, 0.0, 5.0, 0.0]), np.full(5, 2.0), 0.1)
    np.testing.assert_allclose(out, [0.5, 0.5 - 0.1 / 3, 0.5 - 0.2 / 3, 0.5 + 0.1, 0.5])
    assert (0.5 - out[2]) == pytest.approx(2 * (0.5 - out[1]))
    assert dyn.relative_trust(np.zeros(1), np.ones(1, bool), np.zeros(1), np.zeros(1), 1.0)[0] == 0.0
    usual = dyn.update_usual_reward(np.array([1.0, 1.0]), np.array([3.0, 3.0]), np.array([True, False]), 0.2)
    np.testing.assert_allclose(usual, [1.4, 1.0])


def test_relative_trust_in_the_world_never_drops_on_ties():
    env, world = world_of(trust_mean=1.0, trust_std=0.0, creator_activity=1.0, user_activity=0.0)
    for _ in range(5):
        env.step(np.ones(8, dtype=np.int64))
    np.testing.assert_array_equal(world.trust, 1.0)
    env, world = world_of(trust_mean=0.5, trust_std=0.0, creator_activity=1.0, user_activity=0.0)
    env.step(np.ones(8, dtype=np.int64))
    np.testing.assert_array_equal(world.trust, 0.5)


def test_initial_supply_skew():
    env, world = world_of(initial_genre_skew=60.0, initial_genres=(1, 1))
    np.testing.assert_array_equal(world.made[:, 0], 1)
    assert world.made.sum() == 8
    rng = np.random.default_rng(0)
    made = dyn.skewed_initial_history(rng, 20_000, 4, 1, 1, 2.0)
    share = made.sum(axis=0) / made.sum()
    expected = (np.arange(4) + 1.0) ** -2.0
    np.testing.assert_allclose(share, expected / expected.sum(), atol=0.01)


def test_log_observation_in_counts():
    env, world = world_of(observation="log", freshness_window=3)
    G = world.config.num_genres
    supply = []
    for _ in range(4):
        obs, _, _, _, info = env.step(np.zeros(8, dtype=np.int64))
        supply.append(info["genre_counts"])
    assert obs.shape == (8, 5 * G + 2) and env.observation_space.contains(obs)
    np.testing.assert_array_equal(obs[:, G + 2 : 2 * G + 2], world.made)
    np.testing.assert_array_equal(obs[:, 2 * G + 2 : 3 * G + 2], world.click_log)
    np.testing.assert_array_equal(obs[:, 3 * G + 2 : 4 * G + 2], np.broadcast_to(world.genre_click_log.sum(0), (8, G)))
    np.testing.assert_array_equal(obs[:, 4 * G + 2 :], np.broadcast_to(np.sum(supply[-3:], axis=0), (8, G)))


@pytest.mark.parametrize("name,value", [("skill_growth", 1.5), ("feedback_explore", -0.1), ("mf_dim", 0),
                                        ("initial_genre_skew", -1.0), ("log_units", "bits"), ("mf_lr", 0.0),
                                        ("trust_dynamics", "vibes")])
def test_bad_v1_fields_raise(name, value):
    with pytest.raises(ValueError, match=name):
        CreatorSuggestionConfig(**{name: value})

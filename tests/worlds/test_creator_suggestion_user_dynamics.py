"""Drifting, boredom-prone users in CreatorSuggestion (issue 10, item 1; seed 002 Section 2.3), by hand."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.worlds import creator_user_dynamics as udyn
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld

OPTIONS_AT_DEFAULTS = dict(user_drift=0.0, boredom_memory=0, boredom_threshold=1, boredom_penalty=0.0)
SMALL = dict(num_creators=8, num_users=30, num_genres=4, horizon=25)


def make_world(seed: int = 0, **kwargs) -> CreatorSuggestionWorld:
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(**kwargs))
    world.reset(np.random.default_rng(seed))
    return world


def shown_genre(world: CreatorSuggestionWorld, slot: int) -> np.ndarray:
    """Genre of the single item each user was shown in pool slot ``slot`` (slate_size = 1)."""
    return world.item_genre.ravel()[world.seen_slot[:, slot, 0]]


def test_drift_formula_on_a_hand_made_round():
    theta = np.array([[0.5, 0.2, 0.9], [0.3, 0.3, 0.05], [0.4, 0.4, 0.4]])
    users = np.array([0, 1])
    genre = np.array([[0, 2], [1, 1]])
    clicked = np.array([[True, True], [True, False]])
    udyn.drift_preferences(theta, users, genre, clicked, 0.2)
    # a = 0.2, a / (G - 1) = 0.1. User 0: click genre 0 -> (0.7, 0.1, 0.8), then genre 2 -> (0.6, 0.0, 1.0).
    # User 1: one click on genre 1 -> (0.2, 0.5, clip(-0.05) = 0). User 2 was not active.
    np.testing.assert_allclose(theta, [[0.6, 0.0, 1.0], [0.2, 0.5, 0.0], [0.4, 0.4, 0.4]], atol=1e-15)
    single = np.array([[0.95]])
    udyn.drift_preferences(single, np.array([0]), np.array([[0]]), np.array([[True]]), 0.2)
    assert single[0, 0] == 1.0


def test_drift_in_the_world_after_a_round_where_every_shown_item_is_clicked():
    """theta = 1, quality 1, one slot (b = 1): every shown item is clicked, so the clicks are known."""
    a, G = 0.3, 3
    world = make_world(num_creators=6, num_users=12, num_genres=G, slate_size=1, user_preferences=np.ones((12, G)),
                       skill_range=(1.0, 1.0), creator_activity=1.0, user_activity=1.0, user_drift=a)
    result = world.step(np.zeros(6, dtype=np.int64))
    assert np.all(result.user_clicks == 1)
    g = shown_genre(world, 0)
    expected = np.full((12, G), 1.0 - a / (G - 1))
    expected[np.arange(12), g] = 1.0
    np.testing.assert_allclose(world.preferences, expected, atol=1e-15)
    assert world.config.user_preferences.min() == 1.0


def test_bored_exactly_when_the_threshold_is_reached_in_the_window():
    m, k, G, tau = 3, 2, 3, 2
    history = np.full((1, m, k), -1, dtype=np.int64)
    position = np.zeros(1, dtype=np.int64)
    user = np.array([0])
    shown = np.array([[True, True]])
    assert not udyn.bored_genres(history, G, tau).any()
    expected = [([0, 1], [False, False, False]),      # genre 0 once: not yet
                ([0, 2], [True, False, False]),       # genre 0 twice in the window: bored
                ([1, 1], [True, True, False]),
                ([2, 2], [False, True, True])]        # the first slate left the window of 3: genre 0 once again
    for slate, bored in expected:
        udyn.remember_slates(history, position, user, np.array([slate]), shown)
        assert udyn.bored_genres(history, G, tau).tolist() == [bored]
    udyn.remember_slates(history, position, user, np.array([[0, 0]]), np.array([[True, False]]))
    # window (1, 1), (2, 2), (0, empty): genre 0 once, as the slot left empty is not counted
    assert udyn.bored_genres(history, G, tau).tolist() == [[False, True, True]]
    theta = np.array([[0.5, 0.1, 0.8]])
    np.testing.assert_allclose(udyn.bored_propensity(theta, np.array([[True, True, False]]), 0.3),
                               [[0.2, 0.0, 0.8]], atol=1e-15)


def test_click_propensity_of_a_hand_made_memory():
    theta = np.array([[0.6, 0.5, 0.9], [0.2, 0.7, 0.4]])
    world = make_world(num_creators=4, num_users=2, num_genres=3, slate_size=2, user_preferences=theta,
                       boredom_memory=2, boredom_threshold=3, boredom_penalty=0.25)
    world.shown_genres[0] = [[1, 1], [1, 0]]      # genre 1 three times: bored
    world.shown_genres[1] = [[0, 0], [-1, 2]]     # genre 0 twice: one short of tau = 3
    np.testing.assert_allclose(world.click_propensity(np.array([0, 1])), [[0.6, 0.25, 0.9], [0.2, 0.7, 0.4]],
                               atol=1e-15)
    world.shown_genres[1, 1, 0] = 0
    np.testing.assert_allclose(world.click_propensity(np.array([1])), [[0.0, 0.7, 0.4]], atol=1e-15)


def test_bored_users_stop_clicking_exactly_at_the_threshold():
    """theta = 1, lambda = 1, quality 1, one slot: a user clicks iff the shown genre is not bored, so the
    clicks of every round follow from the genres the creators are told to make (trust 1, window 1)."""
    m, tau, U = 2, 2, 5
    world = make_world(num_creators=4, num_users=U, num_genres=2, slate_size=1, user_preferences=np.ones((U, 2)),
                       skill_range=(1.0, 1.0), creator_activity=1.0, user_activity=1.0, trust_mean=1.0,
                       trust_std=0.0, freshness_window=1, churn_patience=50, horizon=8, boredom_memory=m,
                       boredom_threshold=tau, boredom_penalty=1.0)
    schedule = [0, 0, 1, 0, 0, 0, 1, 1]
    for t, g in enumerate(schedule):
        result = world.step(np.full(4, g + 1))
        assert np.all(shown_genre(world, 0) == g)
        seen_before = schedule[max(0, t - m):t].count(g)
        assert np.all(result.user_clicks == (0 if seen_before >= tau else 1)), (t, seen_before)
    clicks = [1, 1, 1, 1, 1, 0, 1, 1]
    assert [int(schedule[max(0, t - m):t].count(g) < tau) for t, g in enumerate(schedule)] == clicks


def trajectory(gym_id: str, seed: int = 3, **kwargs) -> list:
    env = gym.make(gym_id, **{**SMALL, **kwargs})
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = [obs.tolist()]
    for _ in range(SMALL["horizon"]):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out.append((obs.tolist(), reward, info["made_genre"].tolist(), info["user_clicks"].tolist()))
        if terminated or truncated:
            break
    return out


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_options_at_their_defaults_change_nothing(version):
    gym_id = f"recogym_eco/CreatorSuggestion-{version}"
    config = CreatorSuggestionConfig()
    assert {name: getattr(config, name) for name in OPTIONS_AT_DEFAULTS} == OPTIONS_AT_DEFAULTS
    plain = trajectory(gym_id)
    assert trajectory(gym_id, **OPTIONS_AT_DEFAULTS) == plain
    assert trajectory(gym_id, user_drift=0.2, boredom_memory=2, boredom_threshold=3, boredom_penalty=0.5) != plain


def test_deepcopy_mid_episode_continues_like_the_original():
    world = make_world(seed=4, user_drift=0.1, boredom_memory=3, boredom_threshold=4, boredom_penalty=0.3)
    rng = np.random.default_rng(0)
    actions = rng.integers(0, 15, size=(20, 50))
    for a in actions[:8]:
        world.step(a)
    twin = copy.deepcopy(world)
    for a in actions[8:]:
        assert world.step(a).clicks == twin.step(a).clicks
    np.testing.assert_array_equal(world.preferences, twin.preferences)
    np.testing.assert_array_equal(world.shown_genres, twin.shown_genres)


@pytest.mark.parametrize("name, value", [
    ("user_drift", -0.1), ("user_drift", 1.5), ("user_drift", float("nan")), ("user_drift", True),
    ("boredom_memory", -1), ("boredom_memory", 2.0), ("boredom_threshold", 0), ("boredom_threshold", 1.5),
    ("boredom_penalty", -0.01), ("boredom_penalty", 1.01), ("boredom_penalty", "0.5"),
])
def test_bad_values_raise_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=name):
        CreatorSuggestionConfig(**{name: value})


def test_unreachable_threshold_raises():
    with pytest.raises(ValueError, match="boredom_threshold"):
        CreatorSuggestionConfig(slate_size=2, boredom_memory=3, boredom_threshold=7)
    CreatorSuggestionConfig(slate_size=2, boredom_memory=3, boredom_threshold=6)
    CreatorSuggestionConfig(slate_size=2, boredom_memory=0, boredom_threshold=7)


def test_no_active_user_is_bored_of_nothing():
    assert udyn.bored_genres(np.zeros((0, 2, 3), dtype=np.int64), 4, 1).shape == (0, 4)


def test_oracle_ranks_by_the_bored_propensity():
    from recogym_eco.components.recommenders import OracleRecommender

    theta = np.array([[0.6, 0.5, 0.9], [0.2, 0.7, 0.4]])
    world = make_world(num_creators=4, num_users=2, num_genres=3, slate_size=2, user_preferences=theta,
                       boredom_memory=2, boredom_threshold=2, boredom_penalty=0.5)
    world.shown_genres[0] = [[2, -1], [2, 0]]
    affinity, _ = OracleRecommender().score(world, np.array([0, 1]), np.array([0, 1]), np.random.default_rng(0))
    np.testing.assert_allclose(affinity, [[0.6, 0.5, 0.4], [0.2, 0.7, 0.4]], atol=1e-15)


def test_click_bound_allows_theta_to_drift_up_to_one():
    from recogym_eco.worlds.click_bound import round_click_upper_bound

    world = make_world(seed=2, num_users=30, num_genres=4, user_drift=0.1)
    b = 1.0 / np.log2(np.arange(2, 7))
    qmax = world.base_skill.max(axis=0).max()
    assert round_click_upper_bound(world) == pytest.approx(world.user_activity.sum() * qmax * b.sum())
    assert world.preferences.max(axis=1).min() < 1.0

"""UserDynamics world and its user models (seed 002, Section 2.3): formulas against hand computations."""

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest

from recogym_eco.components.user_dynamics import (
    LatentUsers,
    TopicUsers,
    drift_topics,
    expected_clipped_normal,
    push_history,
    synthetic_latent_parameters,
)
from recogym_eco.worlds.user_dynamics import UserDynamicsConfig, UserDynamicsWorld

MOVIELENS_FIXTURE = Path(__file__).parents[1] / "data" / "ml-100k-mini"


def topic_users(prefs, topics, **kw):
    base = dict(noise=0.0, change=0.0, memory=0, threshold=0, penalty=0.0)
    base.update(kw)
    return TopicUsers(np.array(prefs, dtype=float), np.array(topics), **base)


def test_drift_moves_preferences_exactly_by_the_formula():
    prefs = np.array([[3.0, 2.0, 4.0, 1.5], [2.5, 2.5, 2.5, 2.5], [3.3, 3.1, 2.9, 2.7]])
    before = prefs.copy()
    drift_topics(prefs, np.array([0, 2]), np.array([2, 1]), 0.3, (1.0, 5.0))
    expected = before.copy()
    expected[0] = [3.0 - 0.1, 2.0 - 0.1, 4.0 + 0.3, 1.5 - 0.1]
    expected[2] = [3.3 - 0.1, 3.1 + 0.3, 2.9 - 0.1, 2.7 - 0.1]
    np.testing.assert_allclose(prefs, expected, rtol=0, atol=1e-15)


def test_drift_is_clipped_to_the_bounds():
    prefs = np.array([[4.95, 1.02, 3.0]])
    drift_topics(prefs, np.array([0]), np.array([0]), 0.2, (1.0, 5.0))
    np.testing.assert_allclose(prefs, [[5.0, 1.0, 2.9]])
    users = topic_users([[4.9, 1.05, 1.0]], [0, 1, 2], change=0.5)
    for _ in range(5):
        users.consume(np.array([0]), np.array([0]))
        assert users.preferences.min() >= 1.0 and users.preferences.max() <= 5.0
    np.testing.assert_allclose(users.preferences, [[5.0, 1.0, 1.0]])


def test_ratings_are_clipped_to_1_5():
    users = topic_users([[5.4, 0.6]], [0, 1])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(users.rate(np.array([0]), np.array([0]), rng), [5.0])
    np.testing.assert_array_equal(users.rate(np.array([0]), np.array([1]), rng), [1.0])
    noisy = topic_users(np.full((500, 2), 3.0), [0, 1], noise=10.0)
    r = noisy.rate(np.arange(500), np.zeros(500, dtype=int), rng)
    assert r.min() == 1.0 and r.max() == 5.0 and ((r > 1) & (r < 5)).any()


def test_boredom_penalises_exactly_at_the_threshold_not_one_step_earlier():
    # items 0..5 are topic 0, items 6..9 topic 1; tau = 3 within the last m = 4 items
    topics = [0] * 6 + [1] * 4
    users = topic_users([[4.0, 3.0]], topics, memory=4, threshold=3, penalty=1.5)
    u = np.array([0])
    seen = []
    for item in (0, 1):
        users.consume(u, np.array([item]))
        seen.append(users.mean_ratings(u, np.array([5]))[0])
    assert seen == [4.0, 4.0]  # 1 and 2 topic-0 items remembered: below tau
    users.consume(u, np.array([2]))
    assert users.mean_ratings(u, np.array([5]))[0] == 4.0 - 1.5  # 3 remembered: bored
    assert users.mean_ratings(u, np.array([6]))[0] == 3.0  # other topic unaffected
    users.consume(u, np.array([6]))  # window [0, 1, 2, 6]: still 3 of topic 0
    assert users.mean_ratings(u, np.array([5]))[0] == 2.5
    users.consume(u, np.array([7]))  # window [1, 2, 6, 7]: 2 of topic 0, item 0 forgotten
    assert users.mean_ratings(u, np.array([5]))[0] == 4.0


def test_history_ring_buffer_keeps_the_last_m_items():
    hist = np.full((2, 3), -1)
    pos = np.zeros(2, dtype=int)
    for item in range(5):
        push_history(hist, pos, np.array([1]), np.array([item]))
    assert sorted(hist[1]) == [2, 3, 4] and (hist[0] == -1).all() and pos.tolist() == [0, 5]


def test_expected_clipped_normal_matches_monte_carlo_and_limits():
    rng = np.random.default_rng(1)
    for mean in (0.2, 3.0, 4.8, 6.0):
        x = np.clip(mean + 0.7 * rng.standard_normal(400_000), 1, 5)
        assert abs(expected_clipped_normal(np.array(mean), 0.7, 1, 5) - x.mean()) < 4 * x.std() / np.sqrt(x.size)
    np.testing.assert_allclose(expected_clipped_normal(np.array([0.0, 3.0, 9.0]), 0.0, 1, 5), [1, 3, 5])


def test_topic_expected_ratings_include_boredom_like_a_brute_force():
    rng = np.random.default_rng(2)
    topics = rng.integers(0, 3, size=12)
    users = topic_users(rng.uniform(0.5, 5.5, (4, 3)), topics, noise=0.5, memory=3, threshold=2, penalty=1.0)
    for step in range(3):
        users.consume(np.arange(4), rng.integers(0, 12, size=4))
    expected = users.expected_ratings(np.array([1, 3]))
    for row, u in enumerate((1, 3)):
        brute = [expected_clipped_normal(users.mean_ratings(np.array([u]), np.array([i])), 0.5, 1, 5)[0] for i in range(12)]
        np.testing.assert_allclose(expected[row], brute, atol=1e-12)


def test_latent_parameters_have_the_thesis_variances():
    d = 10
    p = synthetic_latent_parameters(np.random.default_rng(3), 20_000, 20_000, d)
    for key in ("user_bias", "item_bias"):
        v = p[key].var()
        assert abs(v - 0.25) < 5 * 0.25 * np.sqrt(2 / p[key].size)
    fvar = np.sqrt(0.5 / d)
    for key in ("user_factors", "item_factors"):
        assert abs(p[key].var() - fvar) < 5 * fvar * np.sqrt(2 / p[key].size)
    dots = (p["user_factors"] * p["item_factors"]).sum(1)
    assert abs(dots.var() - 0.5) < 0.05
    assert p["offset"] == 3.0


def test_latent_drift_and_rating_formula():
    users = LatentUsers(3.0, [0.5], [-0.25, 0.0], [[1.0, 0.0]], [[0.0, 2.0], [1.0, 1.0]], noise=0.0, change=0.25)
    assert users.mean_ratings(np.array([0]), np.array([1]))[0] == 3.0 + 0.5 + 0.0 + 1.0
    users.consume(np.array([0]), np.array([0]))
    np.testing.assert_allclose(users.user_factors, [[0.75, 0.5]])
    assert users.rate(np.array([0]), np.array([0]), np.random.default_rng(0))[0] == pytest.approx(3.0 + 0.5 - 0.25 + 1.0)


def test_latent_boredom_counts_similar_items():
    Q = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.05]]
    users = LatentUsers(3.0, [0.0], [0.0] * 4, [[0.0, 0.0]], Q, noise=0.0, memory=3, threshold=2, penalty=1.0, similarity=0.9)
    u = np.array([0])
    users.consume(u, np.array([0]))
    users.consume(u, np.array([2]))
    assert users.mean_ratings(u, np.array([3]))[0] == 3.0  # one similar item remembered
    users.consume(u, np.array([1]))
    assert users.mean_ratings(u, np.array([3]))[0] == 2.0
    assert users.expected_ratings(u)[0, 3] == 2.0


def small_world(**kw):
    base = dict(preset="topics-dynamic", num_users=30, num_items=40, horizon=12, on_masked="resample")
    base.update(kw)
    seed = base.pop("seed", 5)
    world = UserDynamicsWorld(UserDynamicsConfig(**base))
    world.reset(np.random.default_rng(seed))
    return world


def play(world, steps, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        mask = world.action_mask()
        action = np.where(mask, rng.random(mask.shape), -1).argmax(axis=1)
        res = world.step(action)
        out += [res.ratings, res.items, world.users.preferences.copy(), world.online.copy()]
    return out


def test_seeded_worlds_reproduce_and_copies_continue_identically():
    a, b = small_world(), small_world()
    assert all(np.array_equal(x, y) for x, y in zip(play(a, 5), play(b, 5)))
    c = small_world(seed=6)
    assert not np.array_equal(a.ratings, c.ratings)
    mid = small_world()
    play(mid, 3)
    clone, pickled = copy.deepcopy(mid), pickle.loads(pickle.dumps(mid))
    ref = play(mid, 4, seed=1)
    for other in (clone, pickled):
        assert all(np.array_equal(x, y) for x, y in zip(ref, play(other, 4, seed=1)))


def test_static_and_dynamic_share_population_and_initial_data():
    s, d = small_world(preset="topics-static"), small_world(preset="topics-dynamic")
    np.testing.assert_array_equal(s.ratings, d.ratings)
    np.testing.assert_array_equal(s.users.preferences, d.users.preferences)
    assert (s.rated.sum() == s.config.num_init_ratings) and s.config.num_init_ratings == round(100_000 / 1.7e6 * 1200)


def test_masked_item_raises_naming_the_user_and_changes_nothing():
    world = small_world(on_masked="raise")
    user = world.online[2]
    item = int(np.flatnonzero(world.rated[user])[0]) if world.rated[user].any() else None
    if item is None:
        world.rated[user, 0] = True
        item = 0
    action = world.action_mask().argmax(axis=1)
    action[2] = item
    before = (world.ratings.copy(), world.users.preferences.copy(), world.step_index)
    with pytest.raises(ValueError, match=f"masked for user {user} "):
        world.step(action)
    assert np.array_equal(before[0], world.ratings) and np.array_equal(before[1], world.users.preferences)
    assert world.step_index == before[2]


def test_resample_replaces_masked_choices_with_unmasked_items():
    world = small_world()
    users = world.online.copy()
    world.rated[users, 0] = True
    res = world.step(np.zeros(world.num_online, dtype=np.int64))
    assert res.masked_replaced == world.num_online and (res.items != 0).all()
    assert len(set(zip(users.tolist(), res.items.tolist()))) == world.num_online


def test_homogenisation_matches_pairwise_cosine_and_coverage_counts_items():
    world = small_world(horizon=30)
    play(world, 6)
    X = world.profile[np.linalg.norm(world.profile, axis=1) > 0]
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = X @ X.T
    n = len(X)
    assert world.homogenisation() == pytest.approx((S.sum() - np.trace(S)) / (n * (n - 1)), abs=1e-12)
    assert world.metrics()["coverage"] == world.recommended.sum() / world.num_items
    np.testing.assert_allclose(world.metrics()["topic_affinity"], world.users.preferences.mean(0))


def test_users_who_rated_everything_go_offline_and_the_episode_ends_when_too_few_remain():
    world = small_world(num_users=4, num_items=3, rating_frequency=0.5, num_init_ratings=0, horizon=100)
    steps = 0
    while not world.terminated:
        assert (world.rated_count[world.online] < 3).all()
        play(world, 1)
        steps += 1
    assert (world.rated_count < 3).sum() < 2 and world.rated.sum() == 2 * steps and not world.truncated
    UserDynamicsConfig(num_users=30, num_items=40, num_init_ratings=(30 - 6 + 1) * 40 - 1)


def test_episode_truncates_at_horizon_and_then_refuses_steps():
    world = small_world(horizon=3)
    play(world, 3)
    assert world.truncated
    with pytest.raises(RuntimeError, match="episode is over"):
        world.step(world.action_mask().argmax(axis=1))


@pytest.mark.parametrize("kwargs, name", [
    (dict(preset="nope"), "preset"),
    (dict(num_users=1), "num_users"),
    (dict(num_items=2.5), "num_items"),
    (dict(num_topics=1), "num_topics"),
    (dict(noise=-0.1), "noise"),
    (dict(memory_length=2, boredom_threshold=3), "boredom_threshold"),
    (dict(rating_frequency=0.0), "rating_frequency"),
    (dict(rating_frequency=0.01), "rating_frequency"),
    (dict(num_init_ratings=(30 - 6 + 1) * 40), "num_init_ratings"),
    (dict(on_masked="skip"), "on_masked"),
    (dict(affinity_bounds=(5, 1)), "affinity_bounds"),
    (dict(preset="latent-dynamic", affinity_change=1.5), "affinity_change"),
    (dict(horizon=0), "horizon"),
])
def test_bad_parameters_raise_naming_the_parameter(kwargs, name):
    base = dict(num_users=30, num_items=40)
    base.update(kwargs)
    with pytest.raises(ValueError, match=name):
        UserDynamicsConfig(**base)


def test_bad_actions_raise():
    world = small_world()
    with pytest.raises(ValueError, match="shape"):
        world.step(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="lie in"):
        world.step(np.full(world.num_online, 40))


def test_ml100k_preset_uses_the_suites_factorisation(tmp_path):
    cfg = UserDynamicsConfig(preset="ml-100k", movielens_path=str(MOVIELENS_FIXTURE), mf_dim=2, mf_cache=str(tmp_path),
                             horizon=3)
    world = UserDynamicsWorld(cfg)
    assert np.isfinite(world._ml["rmse"])
    world.reset(np.random.default_rng(0))
    assert world.num_users == 30 and world.num_items == 40
    assert world.users.offset == pytest.approx(world._ml["offset"])
    with pytest.raises(ValueError, match="num_users"):
        UserDynamicsWorld(UserDynamicsConfig(preset="ml-100k", movielens_path=str(MOVIELENS_FIXTURE), num_users=31,
                                             mf_dim=2, mf_cache=str(tmp_path)))

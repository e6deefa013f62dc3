"""Dynamics of the creator-suggestion world, checked against hand computations."""

import numpy as np
import pytest

from recogym_eco.components.metrics import gini, shannon_entropy
from recogym_eco.components.ranking import TopK
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld


def make_world(seed: int = 0, **kwargs) -> CreatorSuggestionWorld:
    world = CreatorSuggestionWorld(CreatorSuggestionConfig(**kwargs))
    world.reset(np.random.default_rng(seed))
    return world


def test_trust_one_always_follows():
    world = make_world(trust_mean=1.0, trust_std=0.0, creator_activity=0.7, horizon=60)
    rng = np.random.default_rng(1)
    for _ in range(60):
        a = rng.integers(0, 15, size=50)
        r = world.step(a)
        got = r.active & (a > 0)
        assert np.array_equal(r.made_genre[got], a[got] - 1)
        assert r.info["follow_rate"] == (1.0 if got.any() else 0.0)


def test_trust_zero_never_follows_beyond_fallback():
    world = make_world(trust_mean=0.0, trust_std=0.0, initial_genres=(1, 2), num_genres=10)
    for _ in range(40):
        never_made = np.argmin(world.made, axis=1)
        assert np.all(world.made[np.arange(50), never_made] == 0)
        r = world.step(never_made + 1)
        assert not np.any(r.made_genre == never_made)
        assert r.followed.sum() == 0 and r.info["follow_rate"] == 0.0


def test_churn_after_exactly_patience_active_rounds():
    world = make_world(user_activity=0.0, creator_activity=0.6, churn_patience=4, horizon=200, seed=3)
    active_rounds = np.zeros(50, dtype=int)
    left_at = np.full(50, -1)
    for t in range(200):
        if world.done:
            break
        r = world.step(np.zeros(50, dtype=int))
        active_rounds += r.active
        left_at[r.departed] = active_rounds[r.departed]
        assert r.clicks == 0
    assert world.terminated and not world.present.any()
    assert np.all(left_at == 4)


def test_clicks_bounded_and_hand_computed_rate():
    prefs = np.full((200, 3), 0.0)
    prefs[:, 1] = 0.5
    world = make_world(num_creators=4, num_users=200, num_genres=3, slate_size=2, user_preferences=prefs,
                       skill_range=(0.8, 0.8), initial_genres=(1, 1), creator_activity=1.0, user_activity=1.0,
                       trust_mean=1.0, trust_std=0.0, horizon=400, churn_patience=400)
    clicks = []
    for _ in range(400):
        r = world.step(np.full(4, 2))
        assert r.clicks <= r.info["active_users"] * 2
        clicks.append(r.clicks)
    expected = 200 * 0.5 * 0.8 * (1.0 + 1.0 / np.log2(3.0))
    assert abs(np.mean(clicks[20:]) - expected) < 0.03 * expected


def test_content_diversity_is_entropy_of_genre_counts():
    world = make_world(creator_fallback="simuline")
    for _ in range(20):
        r = world.step(np.random.default_rng(0).integers(0, 15, 50))
        counts = np.bincount(r.made_genre[r.made_genre >= 0], minlength=14)
        p = counts[counts > 0] / counts.sum()
        assert r.info["content_diversity"] == pytest.approx(-(p * np.log(p)).sum())
        assert r.info["active_creators"] == int((r.made_genre >= 0).sum())


def test_trust_estimate_converges_to_true_trust():
    world = make_world(trust_mean=0.3, trust_std=0.0, churn_patience=1000, horizon=600, creator_activity=1.0)
    errors = []
    for t in range(600):
        world.step(np.full(50, 1))
        errors.append(np.abs(world.trust_estimate() - 0.3).mean())
    assert errors[-1] < 0.04
    assert errors[-1] < errors[9] / 2


def test_fast_topk_equals_full_topk_ranker():
    kwargs = dict(num_creators=30, num_users=60, slate_size=4, estimation_noise=0.1, horizon=30)
    fast, full = make_world(5, **kwargs), make_world(5, **kwargs)
    full.set_ranker(TopK())
    rng = np.random.default_rng(0)
    for _ in range(30):
        a = rng.integers(0, 15, 30)
        r1, r2 = fast.step(a), full.step(a)
        assert np.array_equal(r1.exposure, r2.exposure)
        assert np.array_equal(r1.user_clicks, r2.user_clicks)


def test_reward_weights_pay_clicks_by_user_weight():
    world = make_world(num_users=40, seed=2)
    weights = np.where(np.arange(40) < 20, 2.0, 0.5)
    world.set_reward_weights(weights)
    snapshot = world.rng.bit_generator.state
    r = world.step(np.zeros(50, dtype=int))
    assert r.creator_reward.sum() == pytest.approx((r.user_clicks * weights).sum())
    with pytest.raises(ValueError, match="reward weights"):
        world.set_reward_weights(np.ones(3))
    assert snapshot != world.rng.bit_generator.state


def test_bad_action_leaves_world_unchanged():
    world = make_world()
    before = (world.rng.bit_generator.state, world.made.copy(), world.round_index)
    for bad in (np.zeros(49, int), np.full(50, 15), np.full(50, -1), np.full(50, 0.5)):
        with pytest.raises(ValueError, match="action"):
            world.step(bad)
    assert world.rng.bit_generator.state == before[0]
    assert np.array_equal(world.made, before[1]) and world.round_index == before[2]


@pytest.mark.parametrize("fallback", ["random_history", "most_clicked_history", "cfd", "simuline"])
def test_fallbacks_are_valid_and_history_bound(fallback):
    world = make_world(creator_fallback=fallback, trust_mean=0.0, trust_std=0.0)
    initial = world.made > 0
    for _ in range(15):
        r = world.step(np.zeros(50, dtype=int))
        made = r.made_genre[r.active]
        assert made.min() >= 0 and made.max() < 14
        if fallback in ("random_history", "most_clicked_history"):
            assert np.all(initial[np.flatnonzero(r.active), made])


def test_most_clicked_history_picks_best_genre():
    world = make_world(creator_fallback="most_clicked_history", trust_mean=0.0, trust_std=0.0)
    world.made[:] = 1
    world.feedback[:] = 0.0
    world.feedback[np.arange(50), np.arange(50) % 14] = 5.0
    assert np.array_equal(world.fallback_genres(), np.arange(50) % 14)


def test_metrics_helpers():
    assert shannon_entropy(np.array([1, 1, 0, 2])) == pytest.approx(-(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)))
    assert gini(np.array([0, 0, 0, 4])) == pytest.approx(0.75)
    assert gini(np.ones(5)) == 0.0


def test_trust_std_zero_and_click_dynamics():
    world = make_world(trust_mean=0.5, trust_std=0.0, trust_dynamics="clicks", trust_lr=0.1)
    assert np.all(world.trust == 0.5)
    previous = world.previous_reward.copy()
    r = world.step(np.full(50, 1))
    moved = world.trust - 0.5
    assert np.allclose(moved[r.followed], np.where(r.creator_reward[r.followed] > previous[r.followed], 0.1, -0.1))
    assert np.all(moved[~r.followed] == 0)


def test_users_are_never_shown_an_item_twice():
    world = make_world(num_creators=6, num_users=20, num_genres=3, freshness_window=4, user_activity=1.0,
                       creator_activity=1.0, churn_patience=1000)
    shown = [set() for _ in range(20)]
    for t in range(30):
        world.step(np.zeros(6, dtype=int))
        slot = (world.round_index - 1) % 4
        for u in range(20):
            serials = {int(s) for s, sl in zip(world.seen_serial[u, slot], world.seen_slot[u, slot]) if sl >= 0}
            assert not serials & shown[u]
            shown[u] |= serials


def test_seen_exclusion_can_be_switched_off():
    world = make_world(exclude_seen=False, num_creators=3, num_users=5, num_genres=2, initial_genres=(1, 2), user_activity=1.0,
                       creator_activity=1.0, churn_patience=1000, trust_mean=1.0, trust_std=0.0)
    exposures = [world.step(np.full(3, 1)).exposure.sum() for _ in range(12)]
    assert exposures[-1] == 5 * 5

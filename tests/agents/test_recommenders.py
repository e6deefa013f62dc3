"""RecLab recommender baselines (seed 002, Section 2.4) against brute-force references."""

import gymnasium as gym
import numpy as np
import pytest

import recogym_eco  # noqa: F401
from recogym_eco.agents.recommenders import (
    ItemKNN,
    OnlineMF,
    Oracle,
    RandomRec,
    TopPop,
    als_dense,
    cross_validate,
    ndcg_at_k,
)
from recogym_eco.data.mf import fit_als

ENV_ID = "recogym_eco/UserDynamics-v0"


def random_ratings(seed, U=40, I=30, density=0.3):
    rng = np.random.default_rng(seed)
    R = np.zeros((U, I))
    m = rng.random((U, I)) < density
    R[m] = rng.integers(1, 6, m.sum())
    return R


def test_batched_als_equals_the_suites_loop_als():
    R = random_ratings(0)
    R[7] = 0  # a user without ratings
    u, i = np.nonzero(R)
    ref = fit_als(np.c_[u, i, R[u, i]], 40, 30, dim=4, reg=0.1, iters=6, seed=3)
    got = als_dense(R, dim=4, reg=0.1, iters=6, seed=3)
    for a, b in ((ref.P, got["P"]), (ref.Q, got["Q"]), (ref.user_bias, got["user_bias"]), (ref.item_bias, got["item_bias"])):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_online_mf_heldout_rmse_approaches_the_noise_level_on_a_low_rank_matrix():
    rng = np.random.default_rng(4)
    U, I, d, sigma = 300, 200, 3, 0.1
    truth = 3.0 + rng.normal(0, 0.6, (U, d)) @ rng.normal(0, 0.6, (I, d)).T
    noisy = truth + sigma * rng.standard_normal((U, I))
    observed = rng.random((U, I)) < 0.5
    train = np.where(observed, noisy, 0.0)
    mf = OnlineMF(dim=d, reg=0.01, iters=30)
    mf.fit(train)
    pred = mf.scores(np.arange(U))
    rmse = np.sqrt(np.mean((pred - noisy)[~observed] ** 2))
    assert sigma <= rmse < 1.25 * sigma
    assert np.sqrt(np.mean((noisy.mean() - noisy) ** 2)) > 5 * rmse  # far better than a constant


def test_tuning_picks_the_lowest_cv_rmse():
    R = random_ratings(1, 30, 25, 0.5)
    best, table = OnlineMF.tune(R, grid=dict(dim=(1, 2), reg=(0.1, 1.0)), iters=3)
    assert len(table) == 4
    low = min(table, key=lambda r: r["rmse"])
    assert best == dict(dim=low["dim"], reg=low["reg"])
    assert low["rmse"] == cross_validate(lambda: OnlineMF(dim=low["dim"], reg=low["reg"], iters=3), R)["rmse"]


def test_toppop_recommends_the_best_mean_unrated_item():
    R = np.array([[5, 0, 1, 0], [4, 2, 0, 0], [0, 3, 1, 0]], dtype=float)
    rec = TopPop()
    rec.fit(R)
    np.testing.assert_allclose(rec.item_mean, [4.5, 2.5, 1.0, 16 / 6])  # unrated item: the global mean
    action, _ = rec.predict({"ratings": R, "online_users": np.array([0, 1, 2])})
    assert action.tolist() == [3, 3, 0]


def test_random_never_recommends_a_rated_item():
    R = random_ratings(2, 10, 8, 0.8)
    R[:, 0] = 0
    for seed in range(5):
        action, _ = RandomRec(seed=seed).predict({"ratings": R, "online_users": np.arange(10)})
        assert (R[np.arange(10), action] == 0).all()


def test_itemknn_prediction_matches_a_brute_force_neighbourhood_sum():
    R = random_ratings(3, 25, 12, 0.5)
    knn = ItemKNN(neighbours=3, shrinkage=2.0)
    knn.fit(R)
    obs = R > 0
    mu = np.array([R[obs[:, i], i].mean() for i in range(12)])
    C = (R - mu) * obs
    for i in range(12):
        for j in range(12):
            if i != j:
                co = (obs[:, i] & obs[:, j]).sum()
                cos = C[:, i] @ C[:, j] / np.sqrt((C[:, i] @ C[:, i]) * (C[:, j] @ C[:, j]))
                s = knn.sim[i, j]
                assert s == 0 or s == pytest.approx(cos * co / (co + 2.0), rel=1e-5)
        assert (knn.sim[i] != 0).sum() <= 3
    u = 4
    scores = knn.scores(np.array([u]))[0]
    for i in range(12):
        num = sum(knn.sim[i, j] * C[u, j] for j in range(12) if obs[u, j])
        den = sum(abs(knn.sim[i, j]) for j in range(12) if obs[u, j])
        assert scores[i] == pytest.approx(mu[i] + (num / den if den > 1e-12 else 0.0), rel=1e-5, abs=1e-6)


def test_oracle_is_privileged_and_greedy_on_the_true_expected_rating():
    env = gym.make(ENV_ID, num_users=30, num_items=40, horizon=5)
    obs, info = env.reset(seed=0)
    assert Oracle.privileged and not TopPop.privileged
    action, _ = Oracle(env).predict(obs)
    expected = env.unwrapped.world.expected_ratings(obs["online_users"])
    expected[~info["action_mask"]] = -np.inf
    np.testing.assert_array_equal(action, expected.argmax(axis=1))
    with pytest.raises(ValueError, match="Oracle"):
        Oracle()


def test_ndcg_is_one_for_the_true_order_and_matches_a_hand_value():
    truth = np.array([[5.0, 3.0, 1.0]])
    held = np.ones((1, 3), dtype=bool)
    assert ndcg_at_k(truth, truth, held, k=3) == pytest.approx(1.0)
    ideal = 5 + 3 / np.log2(3) + 1 / 2
    assert ndcg_at_k(-truth, truth, held, k=3) == pytest.approx((1 + 3 / np.log2(3) + 5 / 2) / ideal)


@pytest.mark.parametrize("cls", [RandomRec, TopPop, ItemKNN, OnlineMF])
def test_recommenders_play_masked_episodes(cls):
    env = gym.make(ENV_ID, num_users=30, num_items=40, horizon=6)  # on_masked="raise"
    obs, info = env.reset(seed=1)
    rec = cls(env, seed=0)
    done = False
    while not done:
        action, _ = rec.predict(obs)
        assert info["action_mask"][np.arange(action.size), action].all()
        obs, reward, term, trunc, info = env.step(action)
        done = term or trunc


def test_bad_hyperparameters_raise():
    with pytest.raises(ValueError, match="dim"):
        OnlineMF(dim=0)
    with pytest.raises(ValueError, match="reg"):
        OnlineMF(reg=-1.0)
    with pytest.raises(ValueError, match="neighbours"):
        ItemKNN(neighbours=0)

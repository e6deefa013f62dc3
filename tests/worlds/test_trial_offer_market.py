"""TrialOfferMarket world: Eq. (1)-(6) of seed 004 against hand computations, the compiled loop
against its NumPy reference, convergence to the closed-form equilibrium, validation and seeding."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest

from recogym_eco.worlds.trial_offer_market import (
    TrialOfferMarketWorld,
    deterministic_dynamic,
    deterministic_step,
    homogeneous_equilibrium,
    make_config,
    market_efficiency,
    market_entropy,
    next_purchase_probabilities,
    trial_probabilities,
)
from recogym_eco.worlds.trial_offer_market_data import POSITION_FACTORS

MINI = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"

V1 = np.array([[0.9, 0.5, 0.7, 0.3, 0.8, 0.6]])
Q1 = np.array([[0.8, 0.9, 0.3, 0.6, 0.5, 0.7]])


def _world(**kw) -> TrialOfferMarketWorld:
    preset = kw.pop("preset", "custom")
    return TrialOfferMarketWorld(make_config(preset, **kw))


def _random_market(rng: np.random.Generator, T: int, I: int) -> dict:
    w = rng.dirichlet(np.ones(T))
    return dict(appeal=rng.uniform(0.1, 1.0, (T, I)), quality=rng.uniform(0.0, 1.0, (T, I)), type_weights=w)


# ---------------------------------------------------------------- Eq. (1), (2), Def. 2.4, Eq. (5)


def test_trial_probabilities_by_hand_and_sum_to_one():
    phi = np.array([0.5, 0.3, 0.2])
    v = np.array([[1.0, 2.0, 0.0], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]])
    r = np.array([0.5, 1.0, 0.5])
    p = trial_probabilities(phi, v, r)
    a = np.array([1.0 * 0.5**0.5, 2.0 * 0.3**0.5, 0.0])
    np.testing.assert_allclose(p[0], a / a.sum(), rtol=1e-14)
    np.testing.assert_allclose(p[1], phi, rtol=1e-14)  # equal visibility, r = 1: trials follow shares
    np.testing.assert_array_equal(p[2], 0.0)  # zero denominator: nobody tries anything (footnote 1)
    rng = np.random.default_rng(3)
    for _ in range(20):
        phi = rng.dirichlet(np.ones(30))
        v = rng.uniform(0, 1, (7, 30)) * (rng.random((7, 30)) < 0.5)
        v[:, 0] += 0.1
        rows = trial_probabilities(phi, v, rng.uniform(0, 2, 7)).sum(1)
        np.testing.assert_allclose(rows, 1.0, rtol=1e-12)


def test_world_trial_probabilities_sum_to_one_under_rankings():
    rng = np.random.default_rng(0)
    w = _world(**_random_market(rng, 4, 70), num_positions=50, feedback=[0.2, 0.5, 0.9, 1.5])
    w.reset(np.random.default_rng(1))
    for _ in range(5):
        w.set_ranking(rng.standard_normal((4, 70)))
        w.run(500)
        p = w.trial_probabilities()
        np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-12)
        assert np.count_nonzero(p, axis=1).max() <= 50  # only the top 50 positions are visible
        dense = market_efficiency(w.market_shares(), w.type_weights, w.visibility, w.quality, w.feedback)
        assert w.expected_efficiency() == pytest.approx(dense, rel=1e-12)
        np.testing.assert_allclose(w.type_expected_efficiency(), (p * w.quality).sum(1), rtol=1e-12)


def test_purchase_probabilities_efficiency_and_entropy_by_hand():
    phi = np.array([0.6, 0.4])
    w = np.array([0.25, 0.75])
    v = np.array([[1.0, 1.0], [1.0, 3.0]])
    q = np.array([[0.5, 1.0], [0.2, 0.4]])
    r = np.array([1.0, 0.0])
    # type 0 tries (0.6, 0.4); type 1 tries (1/4, 3/4)
    y = np.array([0.25 * 0.5 * 0.6 + 0.75 * 0.2 * 0.25, 0.25 * 1.0 * 0.4 + 0.75 * 0.4 * 0.75])
    assert market_efficiency(phi, w, v, q, r) == pytest.approx(y.sum(), rel=1e-14)
    np.testing.assert_allclose(next_purchase_probabilities(phi, w, v, q, r), y / y.sum(), rtol=1e-14)
    assert market_entropy(np.full(8, 1 / 8)) == pytest.approx(np.log(8))
    assert market_entropy(np.array([1.0, 0.0])) == 0.0
    assert market_entropy(phi) == pytest.approx(-(0.6 * np.log(0.6) + 0.4 * np.log(0.4)))


# ---------------------------------------------------------------- equilibrium: Eq. (4) and Eq. (6)


def test_closed_form_is_a_fixed_point_and_eq6_converges_to_it_exactly():
    rng = np.random.default_rng(5)
    for r in (0.1, 0.5, 0.8):
        v = rng.uniform(0.1, 1, (1, 9))
        q = rng.uniform(0.1, 1, (1, 9))
        star = homogeneous_equilibrium(v, q, r)
        x = (v[0] * q[0]) ** (1 / (1 - r))
        np.testing.assert_allclose(star, x / x.sum(), rtol=1e-12)
        np.testing.assert_allclose(next_purchase_probabilities(star, np.ones(1), v, q, np.array([r])), star, rtol=1e-12)
        b = deterministic_dynamic(np.ones(1), v, q, np.array([r]), steps=400)
        np.testing.assert_allclose(b.sum(0) / b.sum(), star, atol=1e-13)


def test_eq6_single_step_by_hand():
    w = np.array([0.3, 0.7])
    v = np.array([[1.0, 2.0], [3.0, 1.0]])
    q = np.array([[0.5, 0.25], [1.0, 0.5]])
    b = np.array([[0.1, 0.3], [0.2, 0.4]])  # b_j = (0.3, 0.7)
    r = np.array([0.5, 0.5])
    s0 = 1.0 * 0.3**0.5 + 2.0 * 0.7**0.5
    s1 = 3.0 * 0.3**0.5 + 1.0 * 0.7**0.5
    expect = np.array([[0.3 * 0.5 * 0.3**0.5 / s0, 0.3 * 0.25 * 2 * 0.7**0.5 / s0],
                       [0.7 * 1.0 * 3 * 0.3**0.5 / s1, 0.7 * 0.5 * 0.7**0.5 / s1]])
    np.testing.assert_allclose(deterministic_step(b, w, v, q, r), expect, rtol=1e-14)


def test_heterogeneous_common_quality_fixed_point_is_a_tome():
    rng = np.random.default_rng(2)
    T, I = 3, 8
    q = np.tile(rng.uniform(0.2, 1, I), (T, 1))  # Theorem 3.7, condition 2
    mk = dict(appeal=rng.uniform(0.1, 1, (T, I)), quality=q, type_weights=rng.dirichlet(np.ones(T)))
    w = _world(**mk, feedback=0.5, num_positions=I)
    star = w.equilibrium_shares()
    np.testing.assert_allclose(next_purchase_probabilities(star, w.type_weights, w.visibility, w.quality, w.feedback),
                               star, atol=1e-11)


def test_equilibrium_shares_uses_positions():
    w = _world(appeal=V1, quality=Q1, feedback=0.5, num_positions=4)
    w.reset(np.random.default_rng(0))
    scores = np.array([[0.1, 0.9, 0.5, 0.7, 0.0, 0.3]])  # order 1, 3, 2, 5, 0, 4
    w.set_ranking(scores)
    iota = np.zeros(6)
    iota[[1, 3, 2, 5]] = POSITION_FACTORS[:4]
    np.testing.assert_allclose(w.visibility[0], V1[0] * iota)
    x = (V1[0] * iota * Q1[0]) ** 2.0
    np.testing.assert_allclose(w.equilibrium_shares(), x / x.sum(), rtol=1e-12)
    assert w.equilibrium_shares()[[0, 4]].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(w.equilibrium_shares(scores), w.equilibrium_shares())


def test_long_seeded_run_converges_to_closed_form():
    w = _world(appeal=V1, quality=Q1, feedback=0.5, num_positions=6)
    w.reset(np.random.default_rng(11))
    w.run(2_000_000)
    star = w.equilibrium_shares()
    assert np.abs(w.market_shares() - star).max() < 0.01
    far = np.full(6, 1 / 6)
    assert np.abs(far - star).max() > 0.4  # the test can fail: uniform shares are far from phi*


def test_r_zero_shares_track_visibility_times_quality():
    v = np.array([[0.9, 0.2, 0.5, 0.4]])
    q = np.array([[0.3, 0.9, 0.6, 0.5]])
    w = _world(appeal=v, quality=q, feedback=0.0, num_positions=4)
    w.reset(np.random.default_rng(4))
    phi0 = np.array([0.7, 0.1, 0.1, 0.1])
    p = trial_probabilities(phi0, w.visibility, w.feedback)
    np.testing.assert_allclose(p[0], w.visibility[0] / w.visibility[0].sum())  # trials ignore shares
    n = 400_000
    w.run(n)
    vq = w.visibility[0] * q[0]
    np.testing.assert_allclose(w.market_shares(), vq / vq.sum(), atol=0.004)
    # purchases per arrival of item j -> y_j = v_j q_j / sum_k v_k (a binomial count: 5 sd band)
    rate = (w.counts - 1) / n
    y = vq / w.visibility[0].sum()
    assert np.all(np.abs(rate - y) < 5 * np.sqrt(y * (1 - y) / n))


# ---------------------------------------------------------------- compiled loop == NumPy reference


@pytest.mark.parametrize("feedback,shared", [(0.5, False), ([0.3, 0.9, 0.0], False), (1.2, True)])
def test_kernel_matches_numpy_reference(feedback, shared):
    rng = np.random.default_rng(7)
    mk = _random_market(rng, 3, 40)
    mk["appeal"][1, :25] = 0.0  # some visible slots with zero appeal
    worlds = [_world(**mk, feedback=feedback, num_positions=20, shared_ranking=shared, engine=e)
              for e in ("numba", "numpy")]
    for w in worlds:
        w.reset(np.random.default_rng(9))
    for _ in range(4):
        s = rng.standard_normal(40 if shared else (3, 40))
        outs = []
        for w in worlds:
            w.set_ranking(s)
            outs.append(w.run(1500))
        assert outs[0]["purchases"] == outs[1]["purchases"] > 0
        np.testing.assert_array_equal(outs[0]["type_arrivals"], outs[1]["type_arrivals"])
        np.testing.assert_array_equal(outs[0]["type_purchases"], outs[1]["type_purchases"])
        np.testing.assert_array_equal(worlds[0].counts, worlds[1].counts)


def test_type_with_nothing_visible_tries_nothing():
    v = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    q = np.ones((2, 3))
    w = _world(appeal=v, quality=q, type_weights=[0.5, 0.5], num_positions=2)
    w.reset(np.random.default_rng(0))
    w.set_ranking(np.array([[1.0, 0.5, 0.0], [0.0, 0.0, 0.0]]))  # type 0 sees items 0, 1: appeal 0
    st = w.run(4000)
    assert st["type_purchases"][0] == 0 and st["type_arrivals"][0] > 1500
    assert st["type_purchases"][1] == st["type_arrivals"][1]  # q = 1
    np.testing.assert_array_equal(w.trial_probabilities()[0], 0.0)


def test_ranking_order_ties_and_shared():
    mk = _random_market(np.random.default_rng(1), 2, 5)
    w = _world(**mk, num_positions=3, shared_ranking=True)
    w.set_ranking(np.array([0.0, 1.0, 0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(w.positions, [[2, 0, 3, 1, 4]] * 2)
    np.testing.assert_allclose(w.visibility, mk["appeal"] * np.array([POSITION_FACTORS[p] if p < 3 else 0.0
                                                                        for p in [2, 0, 3, 1, 4]])[None, :])
    w.set_ranking(np.arange(5.0))  # flat T*I scores are also accepted when not shared
    w2 = _world(**mk, num_positions=3)
    w2.set_ranking(np.arange(10.0))
    np.testing.assert_array_equal(w2.positions, [[4, 3, 2, 1, 0]] * 2)


# ---------------------------------------------------------------- validation, seeding, copies


@pytest.mark.parametrize("kw,exc,match", [
    (dict(preset="nope"), ValueError, "preset"),
    (dict(num_items=0), ValueError, "num_items"),
    (dict(num_types=2.5), ValueError, "num_types"),
    (dict(batch_size=True), ValueError, "batch_size"),
    (dict(feedback=-0.1), ValueError, "feedback"),
    (dict(feedback=10.5), ValueError, "feedback"),
    (dict(feedback=[0.5, 0.5]), ValueError, "one value per user type"),
    (dict(feedback="high"), ValueError, "feedback"),
    (dict(num_positions=51), ValueError, "num_positions"),
    (dict(num_positions=3, position_factors=[1.0, 0.5]), ValueError, "position_factors"),
    (dict(num_positions=2, position_factors=[1.0, 0.0]), ValueError, "position_factors"),
    (dict(initial_purchases=0), ValueError, "initial_purchases"),
    (dict(engine="cuda"), ValueError, "engine"),
    (dict(shared_ranking=1), ValueError, "shared_ranking"),
    (dict(appeal=V1, quality=Q1), ValueError, "only accepted with preset='custom'"),
    (dict(preset="custom", appeal=V1), ValueError, "needs appeal and quality"),
    (dict(preset="custom", appeal=V1, quality=Q1 + 0.5), ValueError, "quality"),
    (dict(preset="custom", appeal=-V1, quality=Q1), ValueError, "appeal"),
    (dict(preset="custom", appeal=V1, quality=Q1[:, :3]), ValueError, "shape"),
    (dict(preset="custom", appeal=V1, quality=Q1, type_weights=[0.5]), ValueError, "type_weights"),
])
def test_bad_parameters_raise(kw, exc, match):
    kw = dict(kw)
    preset = kw.pop("preset", "synthetic-heterogeneous")
    with pytest.raises(exc, match=match):
        make_config(preset, **kw)


def test_unknown_parameter_and_bad_scores():
    with pytest.raises(TypeError, match="unknown TrialOfferMarket parameter"):
        make_config("synthetic-heterogeneous", num_users=3)
    w = _world(appeal=V1, quality=Q1, num_positions=4)
    before = w.positions.copy()
    for bad, exc in ((np.zeros(5), ValueError), (np.full(6, np.nan), ValueError), ("x", TypeError)):
        with pytest.raises(exc):
            w.set_ranking(bad)
    np.testing.assert_array_equal(w.positions, before)  # nothing changed


def test_seeded_runs_reproduce_and_copies_continue():
    def trace(seed, split=None):
        w = _world(preset="synthetic-heterogeneous", num_items=30, num_types=3, num_positions=10)
        w.reset(np.random.default_rng(seed))
        rng = np.random.default_rng(0)
        out = []
        for t in range(6):
            if t == split:
                w = pickle.loads(pickle.dumps(copy.deepcopy(w)))
            w.set_ranking(rng.standard_normal((3, 30)))
            out.append(w.run(300)["purchases"])
        return out, w.counts.copy()

    a, ca = trace(1)
    b, cb = trace(1, split=3)
    c, cc = trace(2)
    assert a == b and np.array_equal(ca, cb)
    assert a != c or not np.array_equal(ca, cc)


def test_synthetic_presets_pool_the_same_population():
    het = _world(preset="synthetic-heterogeneous", num_items=20, num_types=4)
    hom = _world(preset="synthetic-homogeneous", num_items=20, num_types=4)
    assert hom.num_types == 1 and het.num_types == 4
    np.testing.assert_allclose(hom.appeal[0], het.type_weights @ het.appeal)
    np.testing.assert_allclose(hom.quality[0], het.type_weights @ het.quality)
    assert het.type_weights.sum() == pytest.approx(1.0)


def _mini_ratings():
    rows = [list(map(int, line.split()[:3])) for line in (MINI / "u.data").read_text().splitlines() if line.strip()]
    return np.array(rows)


def test_movielens_preset_from_fixture(tmp_path):
    kw = dict(movielens_path=str(MINI), mf_cache=str(tmp_path), mf_dim=4, num_positions=10)
    hom = _world(preset="movielens", num_types=1, **kw)
    R = _mini_ratings()
    items = np.unique(R[:, 1])
    assert hom.num_items >= items.size and hom.type_weights.tolist() == [1.0]
    # Eq. (18) with one type: v-hat_j = mean over the users who rated j of rating / 5
    ids = sorted({int(line.split("|")[0]) for line in (MINI / "u.item").read_text(encoding="latin-1").splitlines()
                  if line})
    col = {i: n for n, i in enumerate(ids)}
    for item in items[:10]:
        expect = R[R[:, 1] == item, 2].mean() / 5
        assert hom.appeal[0, col[int(item)]] == pytest.approx(expect)
    het = _world(preset="movielens", num_types=3, **kw)
    assert het.appeal.shape == (3, hom.num_items) and het.type_weights.sum() == pytest.approx(1.0)
    assert np.all((het.quality >= 0.2 - 1e-12) & (het.quality <= 1.0))
    unseen = _world(preset="movielens", num_types=3, unseen_only=True, **kw)
    assert np.all((unseen.appeal == 0) | (unseen.appeal == het.appeal))
    assert list(tmp_path.glob("trial_offer_market_*.npz"))

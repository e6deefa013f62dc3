"""Behaviour of the ContentCompetition world core (seed 000): matching, incremental LBR, levers, presets."""

from __future__ import annotations

import numpy as np
import pytest

from recogym_eco.components.groups import group_means, kmeans_groups
from recogym_eco.components.metrics import gini
from recogym_eco.worlds.content_competition import (
    ContentCompetitionBatch,
    ContentCompetitionWorld,
    make_config,
    match_probabilities,
    relevance_matrix,
)

SMALL = dict(cluster_sizes=(30, 20, 10, 5, 3, 2), num_creators=12, top_k=4, num_groups=5, dim=3)


def small(mechanism: str = "none", **kw):
    return make_config("synthetic", mechanism=mechanism, **{**SMALL, **kw})


# ----------------------------------------------------------------------------- matching


def test_match_probabilities_sum_to_one_with_ties_per_user_k_and_beta():
    rng = np.random.default_rng(0)
    sig = rng.uniform(0, 1, (200, 15))
    sig[:50, :6] = 0.5  # ties, some straddling the K-th place
    sig[50:80] = 0.0  # all-zero rows
    sig = np.round(sig, 1)  # many more ties
    k = rng.integers(1, 20, 200)
    inv_beta = rng.uniform(0.5, 40, 200)
    P = match_probabilities(sig, inv_beta, k)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(1), 1.0, atol=1e-12)
    # only the top-K(x) (counting shared slots) receive probability
    assert np.all((P > 0).sum(1) >= np.minimum(k, 15))


def test_ties_at_the_kth_place_share_the_remaining_slots():
    sig = np.array([[0.9, 0.5, 0.5, 0.5, 0.1]])
    P = match_probabilities(sig, 1.0, 2)[0]
    # creator 0 is in; one slot left for three tied creators -> each kept with probability 1/3
    z = np.exp(0.9) + np.exp(0.5)
    np.testing.assert_allclose(P[0], np.exp(0.9) / z)
    np.testing.assert_allclose(P[1:4], np.exp(0.5) / z / 3)
    assert P[4] == 0.0


def test_softmax_temperature_and_truncation():
    sig = np.array([[0.9, 0.6, 0.3]])
    P = match_probabilities(sig, 1 / 0.1, 3)[0]
    e = np.exp(sig[0] / 0.1)
    np.testing.assert_allclose(P, e / e.sum())
    assert np.argmax(match_probabilities(sig, 1e-3, 3)[0]) == 0
    np.testing.assert_allclose(match_probabilities(sig, 1e-6, 3)[0], 1 / 3, atol=1e-5)  # beta -> inf: uniform
    np.testing.assert_allclose(match_probabilities(sig, 10.0, 1)[0], [1, 0, 0])


def test_relevance_functions():
    X = np.array([[0.0, 0.0], [3.0, 0.0]])
    S = np.array([[0.0, 0.0], [1.5, 0.0]])
    np.testing.assert_allclose(relevance_matrix(S, X, "distance", 1.0, 3.0), [[1.0, 0.5], [0.0, 0.5]])
    np.testing.assert_allclose(relevance_matrix(S, X, "distance", 2.0, 1.0), [[2.0, 0.5], [0.0, 0.5]])
    D = relevance_matrix(S, X, "dot", lo=-1.0, hi=5.0)
    assert D.min() >= 0 and D.max() <= 1


# ----------------------------------------------------------------------------- incremental = exact


@pytest.mark.parametrize("mechanism", ["none", "UIR", "SMT", "HMT"])
def test_incremental_lbr_equals_exact_reference(mechanism):
    cfg = small(mechanism)
    inc, ref = ContentCompetitionWorld(cfg), ContentCompetitionWorld(cfg, engine="dense")
    inc.reset(np.random.default_rng(3))
    ref.reset(np.random.default_rng(3))
    rng = np.random.default_rng(5)
    for _ in range(4):
        w = rng.uniform(cfg.w_min, cfg.w_max, cfg.num_groups)
        inc.set_weights(w)
        ref.set_weights(w)
        for _ in range(3):
            inc.creator_step()
            ref.creator_step()
        np.testing.assert_array_equal(inc.S, ref.S)  # same accept decisions, bit for bit
        np.testing.assert_allclose(inc.user_utilities(), ref.user_utilities(), atol=1e-12)
        np.testing.assert_allclose(inc.creator_stats()["utility"], ref.creator_utilities_exact(), atol=1e-12)
    assert inc.check_consistency() < 1e-12  # lists and caches equal a rebuild from scratch


def test_incremental_proposal_utilities_equal_dense_utilities():
    cfg = small("SMT", num_creators=10, top_k=3)
    world = ContentCompetitionWorld(cfg)
    world.reset(np.random.default_rng(1))
    world.set_weights(np.linspace(0.3, 4.0, cfg.num_groups))
    for _ in range(3):
        world.creator_step()
    bt = world.batch
    rng = np.random.default_rng(2)
    rw, invb, k = bt.deployed_world(0)
    for i in range(cfg.num_creators):
        s = world.S[i] + 0.3 * rng.standard_normal(cfg.dim)
        v = bt._columns(np.array([0]), s[None], None)[0]
        R = np.arange(world.m)
        cols = np.stack([world.SigT[i], v])
        ecols = np.exp((cols - bt._peak) * invb)
        u = bt._utilities_rows(R, np.zeros(world.m, dtype=np.int64), np.full(world.m, i), cols, ecols)[:, 0]
        for c_idx in range(2):
            sig = world.SigT.T.copy()
            sig[:, i] = cols[c_idx]
            P = match_probabilities(sig, invb, k)
            np.testing.assert_allclose(u[c_idx], (P[:, i] * sig[:, i] * rw).mean(), rtol=1e-10, atol=1e-14)


def test_finite_ties_between_identical_creators_match_reference():
    """Creators on identical strategies tie exactly; the shared-slot rule must hold incrementally."""
    cfg = small("HMT", num_creators=8, top_k=3)
    inc, ref = ContentCompetitionWorld(cfg), ContentCompetitionWorld(cfg, engine="dense")
    for w in (inc, ref):
        w.reset(np.random.default_rng(4))
    inst = inc.instance
    inst.S0[:] = inst.S0[0]  # everybody starts on the same point
    inc.reset(np.random.default_rng(4), inst)
    ref.reset(np.random.default_rng(4), inst)
    weights = np.array([0.25, 1.0, 2.0, 0.5, 4.0])
    inc.set_weights(weights)
    ref.set_weights(weights)
    for _ in range(4):
        inc.creator_step()
        ref.creator_step()
    np.testing.assert_array_equal(inc.S, ref.S)
    np.testing.assert_allclose(inc.creator_stats()["exposure"].sum(), 1.0)


def test_batch_worlds_are_independent_of_their_neighbours():
    cfg = small("UIR")
    batch = ContentCompetitionBatch(cfg, 3)
    batch.reset([np.random.default_rng(s) for s in (7, 8, 9)])
    alone = ContentCompetitionWorld(cfg)
    alone.reset(np.random.default_rng(8))
    W = np.array([[1.0] * 5, [0.5, 2.0, 1.0, 3.0, 0.2], [5.0] * 5])
    batch.set_weights(W)
    alone.set_weights(W[1])
    for _ in range(4):
        batch.creator_step()
        alone.creator_step()
    np.testing.assert_array_equal(batch.S[1], alone.S)
    np.testing.assert_allclose(batch.user_utilities()[1], alone.user_utilities())


# ----------------------------------------------------------------------------- dynamics and levers


def test_lbr_with_k_equal_n_and_concave_relevance_settles_at_a_local_equilibrium():
    # K = n and sigma = 1 - ||s - x|| / 10 (concave, never clipped): Theorem 1's setting
    cfg = make_config(
        "synthetic", cluster_sizes=(20, 10, 6, 4), num_creators=4, top_k=4, num_groups=4, dim=2,
        relevance_scale=10.0, eta=0.01, init_std=0.3,
    )
    world = ContentCompetitionWorld(cfg)
    world.reset(np.random.default_rng(0))
    for _ in range(350):
        world.creator_step()
    late = [world.creator_step() for _ in range(20)]
    assert np.mean(late) < 0.05  # almost no proposal improves any more

    def utilities(S):
        sig = relevance_matrix(S, world.X, "distance", 1.0, 10.0)
        return (match_probabilities(sig, 1 / cfg.beta, cfg.num_creators) * sig).mean(0)

    S = world.S.copy()
    u0 = utilities(S)
    rng = np.random.default_rng(1)
    for i in range(cfg.num_creators):
        g = rng.standard_normal((100, 2))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        gains = []
        for step in g * cfg.eta:
            S2 = S.copy()
            S2[i] += step
            S2[i] *= min(1.0, 1.0 / np.linalg.norm(S2[i]))
            gains.append(utilities(S2)[i] - u0[i])
        assert max(gains) < 1e-5 * u0[i]  # no small unilateral move pays


def test_uir_with_unit_weights_equals_no_intervention():
    a, b = ContentCompetitionWorld(small("none")), ContentCompetitionWorld(small("UIR"))
    a.reset(np.random.default_rng(11))
    b.reset(np.random.default_rng(11))
    b.set_weights(np.ones(5))
    for _ in range(6):
        a.creator_step()
        b.creator_step()
    np.testing.assert_array_equal(a.S, b.S)
    assert a.welfare() == b.welfare()


def test_same_seed_same_trajectory_and_different_seed_differs():
    def run(seed):
        w = ContentCompetitionWorld(small("HMT"))
        w.reset(np.random.default_rng(seed))
        w.set_weights(np.array([0.2, 0.5, 1.0, 2.5, 5.0]))
        return np.stack([(w.creator_step(), w.S.copy())[1] for _ in range(4)])

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


def test_levers_map_group_weights_to_user_parameters():
    for mech in ("UIR", "SMT", "HMT"):
        w = ContentCompetitionWorld(small(mech))
        w.reset(np.random.default_rng(0))
        weights = np.array([0.2, 0.5, 1.0, 2.5, 5.0])
        w.set_weights(weights)
        dep = w.deployed()
        wx = weights[w.labels]
        if mech == "UIR":
            np.testing.assert_allclose(dep["w"], wx)
        elif mech == "SMT":
            np.testing.assert_allclose(dep["beta"], 0.1 * wx)
        else:
            np.testing.assert_array_equal(dep["k"], np.minimum(np.ceil(4 * wx - 1e-9), 12).astype(int))


@pytest.mark.parametrize("top_k", [12, 2**61, 2**62, 2**63 - 1, 2**64, 10**30, 10**400])
def test_hmt_truncation_is_ceil_k_w_clamped_to_n_for_any_int_k(top_k):
    """K(x) = min(n, max(1, ceil(K w))) in exact rational arithmetic, however large K (int64 overflowed)."""
    from fractions import Fraction
    from math import ceil

    w = ContentCompetitionWorld(small("HMT", top_k=top_k))
    w.reset(np.random.default_rng(0))
    weights = np.array([0.2, 0.5, 1.0, 2.5, 5.0])
    w.set_weights(weights)
    exact = [min(12, max(1, ceil(top_k * Fraction(float(v))))) for v in weights]
    np.testing.assert_array_equal(w.deployed()["k"], np.array(exact)[w.labels])
    assert (w.deployed()["k"] == 12).all() or top_k == 12
    w.creator_step()
    assert np.isfinite(w.welfare()) and w.check_consistency() < 1e-12


def test_hmt_truncation_helper_against_exact_arithmetic():
    from fractions import Fraction
    from math import ceil

    from recogym_eco.worlds.content_competition import hmt_truncation

    rng = np.random.default_rng(0)
    w = np.concatenate([rng.uniform(0.01, 5.0, 50), [0.2, 1.0, 5.0, 1e-300, 3e38]])
    for top_k in (1, 3, 7, 20, 2**53 + 1, 2**70, 10**320):
        for n in (1, 5, 50, 10**6):
            want = [min(n, max(1, ceil(top_k * Fraction(float(v)) - Fraction(1, 10**9)))) for v in w]
            np.testing.assert_array_equal(hmt_truncation(top_k, w, n), want, err_msg=f"K={top_k}, n={n}")


@pytest.mark.parametrize("name, value", [("w_max", 1e39), ("w_max", float("inf")), ("w_min", 1e39),
                                         ("relevance_peak", 1e39), ("strategy_radius", 1e39)])
def test_space_bounds_beyond_float32_are_refused_naming_the_parameter(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number .*3.40282"):
        small(**{name: value})
    with pytest.raises(ValueError, match=r"^w_max must be <= 3.4028235e\+38 / max relevance"):
        make_config("toy", w_max=3e38)  # a creator's utility (relevance 2 x w_max) would not fit a float32


def test_largest_float32_weight_gives_finite_bounded_spaces():
    import gymnasium as gym

    from recogym_eco.envs.content_competition import ContentCompetitionEnv
    from recogym_eco.envs.content_competition_v0 import parallel_env

    big = float(np.finfo(np.float32).max)
    env = ContentCompetitionEnv(config=small("UIR", w_max=big))
    assert isinstance(env.action_space, gym.spaces.Box) and env.action_space.is_bounded()
    assert np.isfinite(env.observation_space.high).all() and env.action_space.high[0] == np.float32(big)
    env.reset(seed=0)
    env.step(env.action_space.high)
    par = parallel_env(config=small("UIR", w_max=big))
    for agent in par.possible_agents:
        assert par.action_space(agent).is_bounded() and np.isfinite(par.observation_space(agent).high).all()


def test_uir_weight_on_a_group_pulls_content_towards_it():
    """Rewarding one (small) group 25x more than the others raises its utility and draws a creator near."""
    for seed in (0, 1):
        out = []
        for weights in (np.ones(5), np.array([0.2, 0.2, 0.2, 0.2, 5.0])):
            w = ContentCompetitionWorld(small("UIR", eta=0.1))
            w.reset(np.random.default_rng(seed))
            w.set_weights(weights)
            for _ in range(40):
                w.creator_step()
            centre = w.X[w.labels == 4].mean(0)
            out.append((group_means(w.user_utilities(), w.labels, 5)[4], np.linalg.norm(w.S - centre, axis=1).min()))
        assert out[1][0] > out[0][0] and out[1][1] < out[0][1]


def test_toy_halving_the_centre_weight_raises_welfare():
    # beta = 0.1 (the printed "beta = 10" read as an inverse temperature; see docs)
    wel = {1.0: [], 0.5: []}
    for seed in range(3):
        for c0 in wel:
            cfg = make_config("toy", mechanism="UIR", beta=0.1, horizon=400)
            w = ContentCompetitionWorld(cfg)
            w.reset(np.random.default_rng(seed))
            w.set_weights(np.array([c0, 1, 1, 1, 1]))
            w.run_epoch(400)
            wel[c0].append(w.welfare())
    assert np.mean(wel[0.5]) > np.mean(wel[1.0])


# ----------------------------------------------------------------------------- validation


def test_bad_presets_mechanisms_and_parameters_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown preset 'nope'.*'toy'"):
        make_config("nope")
    with pytest.raises(ValueError, match="unknown mechanism 'XYZ'.*'UIR'"):
        make_config("synthetic", mechanism="XYZ")
    with pytest.raises(ValueError, match="unknown relevance"):
        make_config("synthetic", relevance="cosine")
    with pytest.raises(TypeError, match="unknown ContentCompetition parameter"):
        make_config("synthetic", temperature=3)
    with pytest.raises(ValueError, match="beta must be a finite number > 0"):
        make_config("synthetic", beta=0.0)
    with pytest.raises(ValueError, match="top_k must be an int >= 1, got 0"):
        make_config("synthetic", top_k=0)
    for bad in (2.5, "3", None, True):  # a value of the wrong kind is a bad value too: ValueError
        with pytest.raises(ValueError, match="num_creators must be an int >= 1"):
            make_config("synthetic", num_creators=bad)
    with pytest.raises(ValueError, match="beta must be a finite number > 0, got 'x'"):
        make_config("synthetic", beta="x")
    with pytest.raises(ValueError, match="cluster_sizes must be a non-empty tuple of positive ints"):
        make_config("synthetic", cluster_sizes=(3, 2.5))
    with pytest.raises(ValueError, match="unknown mechanism None"):
        make_config("synthetic", mechanism=None)
    with pytest.raises(ValueError, match="w_min must be <= w_max"):
        make_config("synthetic", w_min=3.0, w_max=2.0)
    with pytest.raises(ValueError, match="num_groups must be 5 for the toy"):
        make_config("toy", num_groups=3)


def test_out_of_range_weights_raise_before_any_state_change():
    w = ContentCompetitionWorld(small("HMT"))
    w.reset(np.random.default_rng(0))
    w.set_weights(np.full(5, 2.0))
    before = (w.weights.copy(), w.deployed()["k"].copy())
    for bad, exc, msg in [
        (np.full(5, 6.0), ValueError, r"\[w_min, w_max\] = \[0.2, 5.0\]"),
        (np.full(5, 0.1), ValueError, "w_min, w_max"),
        (np.ones(4), ValueError, r"shape \(5,\)"),
        (np.array([1, 1, np.nan, 1, 1]), ValueError, "finite"),
        ("ones", TypeError, "weights must be an array"),
    ]:
        with pytest.raises(exc, match=msg):
            w.set_weights(bad)
    np.testing.assert_array_equal(w.weights, before[0])
    np.testing.assert_array_equal(w.deployed()["k"], before[1])


def test_step_before_reset_raises():
    with pytest.raises(RuntimeError, match="reset"):
        ContentCompetitionWorld(small()).creator_step()


# ----------------------------------------------------------------------------- presets and groups


def test_preset_defaults_follow_the_paper():
    syn = make_config("synthetic")
    assert (syn.dim, syn.num_creators, syn.beta, syn.top_k, syn.eta, syn.epoch_length, syn.horizon) == (
        5, 200, 0.1, 20, 0.2, 5, 3000)
    assert syn.num_users == 2000 and syn.num_groups == 20 and (syn.w_min, syn.w_max) == (0.2, 5.0)
    assert syn.cluster_sizes == tuple(10 * c for c in (100, 50, 20, 10, 10, 5, 2, 1, 1, 1))
    toy = make_config("toy")
    assert (toy.beta, toy.top_k, toy.num_creators, toy.num_users, toy.relevance_peak) == (10.0, 3, 5, 5, 2.0)
    ml = make_config("movielens")
    assert (ml.num_creators, ml.num_common_items, ml.num_private_items, ml.num_groups, ml.relevance) == (
        20, 700, 300, 15, "dot")


def _toy_welfare_and_creator_utilities(cfg, S):
    """Dense W = mean_x sum_i P_i sigma_i and u_i = mean_x sigma_i P_i (seed 000, Eqs. (1), (3), (6))."""
    from recogym_eco.worlds.content_competition import TOY_USERS

    sig = relevance_matrix(S, TOY_USERS, "distance", cfg.relevance_peak, cfg.relevance_scale)
    P = match_probabilities(sig, 1.0 / cfg.beta, cfg.top_k)
    return (P * sig).sum(1).mean(), (P * sig).mean(0)


def test_toy_beta01_preset_is_the_toy_with_the_inverse_temperature_reading():
    toy, cold = make_config("toy"), make_config("toy-beta0.1")
    assert cold.beta == 0.1 and toy.beta == 10.0
    assert {f: getattr(cold, f) for f in toy.__dataclass_fields__ if f not in ("beta", "preset")} == {
        f: getattr(toy, f) for f in toy.__dataclass_fields__ if f not in ("beta", "preset")}
    worlds = [ContentCompetitionWorld(c) for c in (toy, cold)]
    for w in worlds:
        w.reset(np.random.default_rng(4))
    np.testing.assert_array_equal(worlds[0].X, worlds[1].X)  # same users and same starting strategies
    np.testing.assert_array_equal(worlds[0].S, worlds[1].S)


def test_toy_beta01_one_creator_per_user_is_welfare_optimal_and_an_equilibrium():
    """Seed 000, Section 4.1: "welfare is maximized when each creator precisely targets a single user,
    s_i = x_i, which also represents the PNE". Brute force: every creator's unilateral move on a grid
    of 72 directions x 3 radii loses utility, and random joint perturbations lose welfare. Under the
    printed toy (beta = 10: nearly uniform matching among the top 3) the same profile is no equilibrium."""
    from recogym_eco.worlds.content_competition import TOY_USERS

    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    moves = np.concatenate([r * np.stack([np.cos(angles), np.sin(angles)], 1) for r in (0.005, 0.05, 0.2)])
    gains = {}
    for preset in ("toy-beta0.1", "toy"):
        cfg = make_config(preset)
        w0, u0 = _toy_welfare_and_creator_utilities(cfg, TOY_USERS)
        best = -np.inf
        for i in range(5):
            for g in moves:
                S = TOY_USERS.copy()
                S[i] += g
                best = max(best, _toy_welfare_and_creator_utilities(cfg, S)[1][i] - u0[i])
        gains[preset] = best
        if preset == "toy-beta0.1":
            assert w0 > 1.999  # nearly every user matched with the creator on it (sigma = 2)
            rng = np.random.default_rng(0)
            for _ in range(200):
                S = TOY_USERS + rng.uniform(-0.05, 0.05, (5, 2))
                assert _toy_welfare_and_creator_utilities(cfg, S)[0] < w0
    assert gains["toy-beta0.1"] < 0  # no creator gains from any small move: a (local) equilibrium
    assert gains["toy"] > 0.05  # at beta = 10 a creator gains by moving: not an equilibrium


def test_toy_beta01_lbr_stays_at_one_creator_per_user():
    """Started at s_i = x_i, LBR accepts no proposal under toy-beta0.1 and drifts away under toy."""
    from recogym_eco.worlds.content_competition import TOY_USERS, Instance

    moved = {}
    for preset in ("toy-beta0.1", "toy"):
        w = ContentCompetitionWorld(make_config(preset))
        at_users = Instance(X=TOY_USERS.copy(), labels=np.arange(5), S0=TOY_USERS.copy())
        w.reset(np.random.default_rng(0), at_users)
        rates = [w.creator_step() for _ in range(40)]
        moved[preset] = (max(rates), np.abs(w.S - TOY_USERS).max())
    assert moved["toy-beta0.1"] == (0.0, 0.0)
    assert moved["toy"][0] > 0 and moved["toy"][1] > 0.1


def test_synthetic_creators_start_near_the_largest_cluster():
    cfg = small()
    w = ContentCompetitionWorld(cfg)
    w.reset(np.random.default_rng(0))
    truth = w.instance.extra["true_cluster"]
    centres = w.instance.extra["centres"]
    assert np.all(np.linalg.norm(w.S, axis=1) <= 1 + 1e-12)
    d = np.linalg.norm(w.S[:, None, :] - centres[None], axis=2)
    assert np.all(d.argmin(1) == 0) and np.bincount(truth)[0] == 30


def test_kmeans_groups_are_deterministic_and_ordered_by_size():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (20, 2)), rng.normal(-5, 0.1, (5, 2))])
    a = kmeans_groups(X, 3, np.random.default_rng(1))
    b = kmeans_groups(X, 3, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert list(np.bincount(a)) == [50, 20, 5]
    np.testing.assert_allclose(group_means(np.arange(75.0), a, 3), [24.5, 59.5, 72.0])
    with pytest.raises(ValueError, match="num_groups must be in"):
        kmeans_groups(X, 0, rng)


def test_metrics_names_and_ranges():
    w = ContentCompetitionWorld(small())
    w.reset(np.random.default_rng(0))
    m = w.metrics()
    assert set(m) >= {"welfare", "group_utility", "exposure_gini", "content_diversity"}
    assert 0 <= m["exposure_gini"] <= 1 and m["content_diversity"] >= 0
    assert gini(np.ones(4)) == 0.0 and gini(np.array([0, 0, 0, 1.0])) == pytest.approx(0.75)
    np.testing.assert_allclose(w.creator_stats()["exposure"].sum(), 1.0)


# ----------------------------------------------------------------------------- default matching


def test_default_matching_user_utilities_equal_dense_matching_with_ties():
    from recogym_eco.worlds.content_competition import topk_user_utilities

    rng = np.random.default_rng(0)
    sig = np.round(rng.uniform(0, 1, (300, 17)), 1)  # many ties at the K-th place
    sig[:20] = 0.0
    for k in (1, 3, 8, 17, 30):
        want = (match_probabilities(sig, 7.0, k) * sig).sum(1)
        np.testing.assert_allclose(topk_user_utilities(sig, 7.0, k), want, rtol=1e-12, atol=1e-15)
    cfg = small("SMT")
    inc, ref = ContentCompetitionWorld(cfg), ContentCompetitionWorld(cfg, engine="dense")
    for w in (inc, ref):
        w.reset(np.random.default_rng(2))
        w.set_weights(np.array([0.2, 0.5, 1.0, 2.5, 5.0]))
        w.creator_step()
    np.testing.assert_allclose(inc.default_matching_user_utilities(), ref.default_matching_user_utilities(), atol=1e-12)

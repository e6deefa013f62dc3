"""ExposureGame world: exposure, gradients, Hessians, dynamics and diagnostics against brute force."""

from __future__ import annotations

import copy
import math
import pickle
from pathlib import Path

import numpy as np
import pytest

from recogym_eco.worlds import exposure_game_math as xm
from recogym_eco.worlds.exposure_demand import synthetic_demand
from recogym_eco.worlds.exposure_game import ExposureGameWorld, gradient_ascent_step, make_config
from recogym_eco.worlds.exposure_game_kernels import gradient_weights, gradient_weights_numpy, numba_available

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ml-100k-mini"


def _instance(seed=0, m=40, n=5, d=4):
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((m, d))
    S = xm.project_strategies(rng.standard_normal((n, d)))
    return C, S


def _brute_exposure(C, S, tau):
    """One user at a time: softmax with an explicit loop, hardmax with ties split equally."""
    P = np.zeros((C.shape[0], S.shape[0]))
    for j, c in enumerate(C):
        z = np.array([float(c @ s) for s in S])
        if tau[j] == 0:
            top = z == z.max()
            P[j] = top / top.sum()
        else:
            e = np.array([math.exp((v - z.max()) / tau[j]) for v in z])
            P[j] = e / e.sum()
    return P


def _world(seed=0, **kw):
    w = ExposureGameWorld(make_config(**kw))
    w.reset(np.random.default_rng(seed))
    return w


# ----------------------------------------------------------------------------- exposure


def test_exposure_matches_brute_force_and_rows_sum_to_one():
    C, S = _instance()
    tau = np.where(np.arange(40) % 3 == 0, 0.0, np.linspace(0.05, 2.0, 40))  # mixed hardmax and soft users
    S = np.vstack([S, S[:1]])  # a duplicated producer makes hardmax ties
    P = xm.exposure(C, S, tau)
    np.testing.assert_allclose(P, _brute_exposure(C, S, tau), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=0, atol=1e-14)
    hard = tau == 0
    winners = P[hard][:, [0, 5]]
    assert np.all((winners == 0) | (winners == 0.5))  # the tied twins split hardmax users equally


def test_one_minus_p_is_accurate_when_one_producer_dominates():
    C = np.array([[1.0, 0.0]])
    S = np.array([[1.0, 0.0], [0.0, 1.0]])
    parts = xm.exposure_parts(C, S, np.array([0.01]))
    assert parts.Q[0, 0] == pytest.approx(math.exp(-100) / (1 + math.exp(-100)), rel=1e-12)  # 1 - p, not 0
    assert parts.P[0, 1] == pytest.approx(math.exp(-100), rel=1e-12)


def test_small_temperature_gives_the_hardmax():
    C, S = _instance(1, m=200, n=6)
    hard = xm.exposure(C, S, np.zeros(200))
    gap = np.sort(xm.scores(C, S), 1)
    tau = 0.02 * (gap[:, -1] - gap[:, -2]).min()  # exp(-50) below the smallest score gap
    soft = xm.exposure(C, S, np.full(200, tau))
    np.testing.assert_allclose(soft, hard, atol=1e-20)
    assert set(np.unique(hard)) == {0.0, 1.0}


def test_hardmax_utilities_by_hand():
    # d = 2, users at angles 0, 90, 180 degrees; producers at 0 and 135 degrees
    C = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    a = math.radians(135)
    S = np.array([[1.0, 0.0], [math.cos(a), math.sin(a)]])
    u = xm.exposure(C, S, np.zeros(3)).mean(0)
    np.testing.assert_allclose(u, [1 / 3, 2 / 3])  # user 2 scores 0 vs 0.707 -> producer 1
    S2 = np.array([[1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(xm.exposure(C, S2, np.zeros(3)).mean(0), [0.5, 0.5])


def test_single_producer_has_utility_one_for_any_strategy():
    rng = np.random.default_rng(3)
    C = rng.standard_normal((30, 3))
    for tau in (0.0, 0.01, 1.0, 50.0):
        for _ in range(5):
            S = xm.project_strategies(rng.standard_normal((1, 3)))
            parts = xm.exposure_parts(C, S, np.full(30, tau), need_others=True)
            np.testing.assert_array_equal(parts.P.mean(0), [1.0])
            np.testing.assert_array_equal(xm.euclidean_gradient(C, parts), np.zeros((1, 3)))
            V = xm.geodesic_moves(S, xm.tangent_basis(S), 0.3)
            np.testing.assert_array_equal(xm.candidate_utilities(C, parts, V), np.ones((1, 2)))
    w = _world(num_producers=1, temperature=0.05, tau_min=0.01)
    for _ in range(3):
        w.step()
        np.testing.assert_array_equal(w.utilities(), [1.0])


# ----------------------------------------------------------------------------- derivatives


def _utility_of(C, S, tau, i, v):
    T = S.copy()
    T[i] = v
    return xm.exposure(C, T, tau)[:, i].mean()


def test_analytic_gradient_and_hessian_match_finite_differences():
    C, S = _instance(2)
    tau = np.linspace(0.2, 1.5, 40)
    parts = xm.exposure_parts(C, S, tau)
    G = xm.euclidean_gradient(C, parts)
    H = xm.euclidean_hessian(C, parts)
    h = 1e-5
    for i in range(S.shape[0]):
        for k in range(S.shape[1]):
            e = np.zeros(S.shape[1])
            e[k] = h
            fd = (_utility_of(C, S, tau, i, S[i] + e) - _utility_of(C, S, tau, i, S[i] - e)) / (2 * h)
            assert G[i, k] == pytest.approx(fd, rel=1e-6, abs=1e-10)
            Sp, Sm = S.copy(), S.copy()
            Sp[i] += e
            Sm[i] -= e
            gp = xm.euclidean_gradient(C, xm.exposure_parts(C, Sp, tau))[i]
            gm = xm.euclidean_gradient(C, xm.exposure_parts(C, Sm, tau))[i]
            np.testing.assert_allclose(H[i, :, k], (gp - gm) / (2 * h), rtol=1e-5, atol=1e-9)


def test_reparametrised_gradient_matches_finite_differences_in_theta():
    C, S = _instance(4, n=3, d=3)
    tau = np.full(40, 0.3)
    theta = S * np.array([[0.5], [2.0], [1.3]])  # |theta_i| != 1
    alpha = 1e-3
    new, S_new, change = gradient_ascent_step(C, theta, tau, alpha, engine="numpy")
    step = (new - theta) / alpha  # = grad_theta u_i, per producer
    h = 1e-6
    for i in range(3):
        for k in range(3):
            tp, tm = theta.copy(), theta.copy()
            tp[i, k] += h
            tm[i, k] -= h
            up = xm.exposure(C, xm.project_strategies(tp), tau)[:, i].mean()
            um = xm.exposure(C, xm.project_strategies(tm), tau)[:, i].mean()
            assert step[i, k] == pytest.approx((up - um) / (2 * h), rel=1e-5, abs=1e-10)
    np.testing.assert_allclose(np.linalg.norm(S_new, axis=1), 1.0, atol=1e-14)
    assert change == pytest.approx(np.linalg.norm(new - theta))


def test_riemannian_hessian_is_the_second_derivative_along_geodesics():
    C, S = _instance(5, n=4, d=4)
    tau = np.full(40, 0.4)
    parts = xm.exposure_parts(C, S, tau)
    G, H = xm.euclidean_gradient(C, parts), xm.euclidean_hessian(C, parts)
    Pi = np.eye(4) - S[:, :, None] * S[:, None, :]
    RH = Pi @ H @ Pi - np.sum(S * G, 1)[:, None, None] * Pi
    B = xm.tangent_basis(S)
    np.testing.assert_allclose(np.einsum("nkd,nd->nk", B, S), 0.0, atol=1e-14)
    np.testing.assert_allclose(B @ np.swapaxes(B, 1, 2), np.broadcast_to(np.eye(3), (4, 3, 3)), atol=1e-14)
    h = 1e-4
    for i in range(4):
        for v in B[i]:
            f = [_utility_of(C, S, tau, i, math.cos(t) * S[i] + math.sin(t) * v) for t in (-h, 0.0, h)]
            assert v @ RH[i] @ v == pytest.approx((f[0] - 2 * f[1] + f[2]) / h**2, rel=1e-4, abs=1e-7)
    ev = xm.riemannian_hessian_eigenvalues(S, G, H)
    ref = np.stack([np.sort(np.linalg.eigvalsh(B[i] @ RH[i] @ B[i].T))[::-1] for i in range(4)])
    np.testing.assert_allclose(ev, ref, atol=1e-12)


def test_numba_kernel_matches_the_numpy_reference():
    if not numba_available():
        pytest.skip("numba not available")
    rng = np.random.default_rng(6)
    Z = rng.standard_normal((3, 50, 7)) * 3
    inv = np.where(rng.random((3, 50)) < 0.2, 0.0, 1 / rng.uniform(0.01, 2, (3, 50)))
    np.testing.assert_allclose(gradient_weights(Z, inv, "numba"), gradient_weights_numpy(Z, inv), rtol=1e-12, atol=1e-300)
    C, S = _instance(7)
    tau = np.full(40, 0.2)
    W = gradient_weights(xm.scores(C, S), 1 / tau, "numba")
    np.testing.assert_allclose(W.T @ C / 40, xm.euclidean_gradient(C, xm.exposure_parts(C, S, tau)), rtol=1e-11)
    runs = []
    for engine in ("numba", "numpy"):
        w = _world(num_producers=6, temperature=0.1, engine=engine)
        w.run(50)
        runs.append(w.S)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- moves and residuals


def test_candidate_utilities_match_brute_force_soft_and_hard():
    C, S = _instance(8, n=4, d=3)
    S = np.vstack([S, S[1:2]])  # ties in the hardmax
    tau = np.where(np.arange(40) % 2 == 0, 0.0, 0.3)
    parts = xm.exposure_parts(C, S, tau, need_others=True)
    rng = np.random.default_rng(0)
    V = xm.project_strategies(rng.standard_normal((5, 3, 3)))
    V[1, 0] = S[0]  # a candidate equal to another producer's strategy: hardmax tie with it
    got = xm.candidate_utilities(C, parts, V)
    for i in range(5):
        for k in range(3):
            assert got[i, k] == pytest.approx(_utility_of(C, S, tau, i, V[i, k]), rel=1e-12, abs=1e-15)


def test_best_move_gain_is_the_best_probe_and_zero_at_a_local_maximum():
    C, S = _instance(9, n=3, d=3)
    tau = np.full(40, 0.5)
    parts = xm.exposure_parts(C, S, tau, need_others=True)
    R = xm.riemannian_gradient(S, xm.euclidean_gradient(C, parts))
    gain = xm.best_move_gain(C, S, parts, R, 0.05)
    B = xm.tangent_basis(S)
    for i in range(3):
        dirs = list(B[i]) + list(-B[i]) + [R[i] / np.linalg.norm(R[i])]
        best = max(_utility_of(C, S, tau, i, math.cos(0.05) * S[i] + math.sin(0.05) * u) for u in dirs)
        assert gain[i] == pytest.approx(max(best - parts.P[:, i].mean(), 0.0), abs=1e-14)
    assert np.all(gain > 0)  # a random profile is not a local equilibrium


def test_collapse_on_the_mean_demand_is_a_critical_point():
    # Proposition 4: s_1 = ... = s_n = E[c]/|E[c]| has zero Riemannian gradient for every tau > 0
    rng = np.random.default_rng(10)
    C = rng.standard_normal((60, 4)) + np.array([1.0, 0.5, 0.0, 0.0])
    cbar = C.mean(0) / np.linalg.norm(C.mean(0))
    w = ExposureGameWorld(make_config(demand="custom", users=C, num_producers=5, temperature=0.7))
    w.reset(np.random.default_rng(0))
    w.set_strategies(np.tile(cbar, (5, 1)))
    assert w.equilibrium_residual() < 1e-15
    np.testing.assert_allclose(w.utilities(), 0.2)
    # and its Euclidean gradient is E[c] (1/n)(1 - 1/n) / tau, parallel to cbar
    G = xm.euclidean_gradient(C, w.parts())
    np.testing.assert_allclose(G, np.tile(C.mean(0) * 0.2 * 0.8 / 0.7, (5, 1)), rtol=1e-12)


@pytest.mark.parametrize("strategy_set", ["sphere", "orthant"])
def test_gradient_ascent_converges_to_a_residual_below_tolerance(strategy_set):
    w = _world(num_producers=4, num_users=60, temperature=0.2, step_size=0.5, strategy_set=strategy_set)
    start = w.equilibrium_residual()
    steps = w.run(20000, tol=1e-9)
    assert steps < 20000  # converged by the thesis's early-stopping rule
    test = w.second_order_test()
    assert test["grad_norm"] < 1e-5 * math.sqrt(3) < start
    assert test["first_order"]
    np.testing.assert_allclose(np.linalg.norm(w.S, axis=1), 1.0, atol=1e-13)
    if strategy_set == "orthant":
        assert np.all(w.S >= 0)


@pytest.mark.parametrize("dynamics,tau,strategy_set", [("gradient", 0.05, "sphere"), ("gradient", 0.05, "orthant"),
                                                      ("best_move", 0.0, "sphere"), ("best_move", 0.3, "orthant")])
def test_iterates_stay_on_the_strategy_set(dynamics, tau, strategy_set):
    w = _world(num_producers=5, temperature=tau, tau_min=tau, dynamics=dynamics, strategy_set=strategy_set,
               step_size=1.0)
    start = w.utilities().copy()
    for t in range(40):
        w.step({0: np.full(3, 0.2 * (-1) ** t)})  # a driven producer too
        np.testing.assert_allclose(np.linalg.norm(w.S, axis=1), 1.0, atol=1e-13)
        if strategy_set == "orthant":
            assert np.all(w.S >= 0)
        np.testing.assert_allclose(w.exposure().sum(1), 1.0, atol=1e-13)
    if dynamics == "best_move":
        assert not np.allclose(w.utilities()[1:], start[1:])  # producers moved


def test_best_move_dynamics_never_lowers_a_lone_movers_utility():
    w = _world(num_producers=2, temperature=0.0, tau_min=0.0, dynamics="best_move", num_probes=8, probe_radius=0.2)
    w.set_strategies(np.array([[1.0, 0, 0], [0, 1.0, 0]]))
    u0 = w.utilities()[1]
    S0 = w.S[0].copy()
    for _ in range(10):
        w.step({0: np.zeros(3)})  # producer 0 stays put
    np.testing.assert_allclose(w.S[0], S0)
    assert w.utilities()[1] >= u0


# ----------------------------------------------------------------------------- Theorem 4 behaviour


def test_high_temperature_collapses_low_temperature_specialises():
    C = synthetic_demand(np.random.default_rng(0), 120, 3, 3, 0.1)
    C = C + 0.0  # writable copy
    out = {}
    for tau in (0.02, 3.0):
        w = ExposureGameWorld(make_config(demand="custom", users=C, num_producers=6, temperature=tau, tau_max=5,
                                          tau_min=0.01, step_size=0.2 if tau < 1 else 5.0))
        w.reset(np.random.default_rng(1))
        w.run(3000, tol=1e-8)
        out[tau] = w.metrics()
    cbar = C.mean(0) / np.linalg.norm(C.mean(0))
    assert out[3.0]["mean_similarity"] > 0.999 and out[3.0]["num_clusters"] == 1
    assert out[0.02]["mean_similarity"] < 0.5 and out[0.02]["num_clusters"] >= 3
    w_hi = ExposureGameWorld(make_config(demand="custom", users=C, num_producers=6, temperature=3.0, tau_max=5))
    w_hi.reset(np.random.default_rng(0))
    w_hi.set_strategies(np.tile(cbar, (6, 1)))
    assert w_hi.equilibrium_residual() < 1e-14


# ----------------------------------------------------------------------------- metrics


def test_similarity_clusters_and_diversity_by_hand():
    S = np.array([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    assert xm.mean_similarity(S) == pytest.approx(2 / 12)
    np.testing.assert_array_equal(xm.cluster_labels(S, 1e-3), [0, 0, 1, 2])
    w = ExposureGameWorld(make_config(demand="custom", users=np.eye(3), num_producers=4, temperature=0.1))
    w.reset(np.random.default_rng(0))
    w.set_strategies(S)
    m = w.metrics()
    assert m["num_clusters"] == 3
    assert m["content_diversity"] == pytest.approx(-(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)))
    P = m["exposure"]
    assert m["user_welfare"] == pytest.approx(np.mean(np.sum(P * (np.eye(3) @ S.T), 1)))
    np.testing.assert_allclose(m["producer_utility"], P.mean(0))


# ----------------------------------------------------------------------------- seeding, copies, demand


def test_seeding_and_mid_run_copies():
    def run(seed, demand_seed=None):
        w = _world(num_producers=5, seed=seed, demand_seed=demand_seed)
        w.run(10)
        return w

    a, b, c = run(0), run(0), run(1)
    np.testing.assert_array_equal(a.S, b.S)
    np.testing.assert_array_equal(a.C, b.C)
    assert not np.array_equal(a.C, c.C)
    np.testing.assert_array_equal(run(0, demand_seed=7).C, run(1, demand_seed=7).C)  # demand fixed, start differs
    assert not np.array_equal(run(0, demand_seed=7).S, run(1, demand_seed=7).S)
    w = _world(num_producers=5, dynamics="best_move", temperature=0.0, tau_min=0.0)
    w.run(3)
    twins = [copy.deepcopy(w), pickle.loads(pickle.dumps(w))]
    for x in [w, *twins]:
        x.run(5)
    for t in twins:
        np.testing.assert_array_equal(t.S, w.S)


def test_synthetic_demand_lies_on_the_sphere_and_orthant():
    rng = np.random.default_rng(0)
    X = synthetic_demand(rng, 100, 5, 3, 0.5)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)
    Y = synthetic_demand(rng, 100, 5, 3, 0.5, nonnegative=True)
    assert np.all(Y >= 0)
    assert len(np.unique(np.round(synthetic_demand(rng, 50, 3, 2, 0.0), 12), axis=0)) <= 2  # spread 0: the centres


@pytest.mark.parametrize("factorisation", ["pmf", "nmf"])
def test_movielens_demand_from_the_fixture(factorisation):
    kw = dict(demand="movielens", movielens_path=str(FIXTURE), factorisation=factorisation, dim=3, num_producers=3)
    if factorisation == "nmf":
        kw["strategy_set"] = "orthant"
    w = _world(**kw)
    assert w.C.shape == (29, 3)  # the fixture's users with at least one rating
    if factorisation == "nmf":
        assert np.all(w.C >= 0) and np.all(w.S >= 0)
    else:
        assert np.any(w.C < 0)
    w.run(5)
    np.testing.assert_allclose(w.exposure().sum(1), 1.0)
    w2 = _world(**kw, demand_seed=1)
    assert not np.allclose(w2.C, w.C)  # the recommender's seed changes the demand
    w3 = _world(**kw, num_users=10, normalize_users=True)
    assert w3.C.shape == (10, 3)
    np.testing.assert_allclose(np.linalg.norm(w3.C, axis=1), 1.0)
    with pytest.raises(ValueError, match="num_users must be <= 29"):
        _world(**kw, num_users=100)


@pytest.mark.parametrize("kw,exc,match", [
    (dict(num_producers=0), ValueError, "num_producers must be an int >= 1, got 0"),
    (dict(num_producers=2.5), ValueError, "num_producers must be an int"),
    (dict(temperature=-1.0, tau_min=0.0), ValueError, "temperature must be a finite number >= 0"),
    (dict(temperature=float("nan")), ValueError, "temperature must be a finite number"),
    (dict(temperature=5.0), ValueError, r"temperature must lie in \[tau_min, tau_max\]"),
    (dict(temperature=0.0, tau_min=0.0), ValueError, "use dynamics='best_move'"),
    (dict(tau_min=2.0, tau_max=1.0), ValueError, "tau_min must be <= tau_max"),
    (dict(step_size=0.0), ValueError, "step_size must be a finite number > 0"),
    (dict(demand="lastfm"), ValueError, "unknown demand 'lastfm'"),
    (dict(strategy_set="cube"), ValueError, "unknown strategy_set"),
    (dict(dynamics="newton"), ValueError, "unknown dynamics"),
    (dict(factorisation="svd"), ValueError, "unknown factorisation"),
    (dict(demand="custom"), ValueError, "needs users="),
    (dict(demand="custom", users=np.ones((4, 2)), dim=3), ValueError, "dim=3 does not match"),
    (dict(demand="custom", users=-np.ones((4, 2)), strategy_set="orthant"), ValueError, "non-negative users"),
    (dict(users=np.ones((4, 2))), ValueError, "only used with demand='custom'"),
    (dict(num_groups=500), ValueError, "num_groups must be <= num_users"),
    (dict(probe_radius=3.0), ValueError, "probe_radius must be <= pi/2"),
    (dict(engine="cuda"), ValueError, "unknown engine"),
    (dict(bogus=1), TypeError, "unknown ExposureGame parameter"),
    (dict(demand="movielens", factorisation="pmf", strategy_set="orthant"), ValueError, "needs factorisation='nmf'"),
])
def test_bad_parameters_raise_clear_errors(kw, exc, match):
    with pytest.raises(exc, match=match):
        make_config(**kw)


def test_bad_runtime_inputs_raise_before_state_changes():
    w = _world(num_producers=3, num_groups=2)
    S = w.S.copy()
    for bad, exc, match in [({0: np.ones(2)}, ValueError, "shape"), ({5: np.zeros(3)}, ValueError, "producer index"),
                            ({0: np.full(3, 0.9)}, ValueError, "max_move"), ({0: "x"}, TypeError, "array"),
                            ({0: np.array([np.nan, 0, 0])}, ValueError, "finite")]:
        with pytest.raises(exc, match=match):
            w.step(bad)
    np.testing.assert_array_equal(w.S, S)
    assert w.steps == 0
    for bad, exc in [(5.0, ValueError), (np.ones(3) * 0.1, ValueError), ("hot", TypeError), (None, TypeError)]:
        with pytest.raises(exc):
            w.set_temperature(bad)
    w.set_temperature([0.05, 0.5])
    np.testing.assert_allclose(np.unique(w.user_tau), [0.05, 0.5])
    with pytest.raises(RuntimeError, match="reset"):
        ExposureGameWorld(make_config()).step()

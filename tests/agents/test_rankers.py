"""Tests for recogym_eco.agents.rankers: the exact P-MMF dual projection, PMMF, FairRec, TopK and WithRanker."""

from __future__ import annotations

import itertools
import math
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from recogym_eco.agents.rankers import PMMF, EMPTY_SLOT, FairRec, TopK, WithRanker, project_dual
from recogym_eco.components.ranking import Ranker, RankingRequest


def make_request(
    scores: np.ndarray, item_creator: np.ndarray, k: int, seed: int = 0, num_creators: int | None = None,
    round_index: int = 0,
) -> RankingRequest:
    item_creator = np.asarray(item_creator, dtype=np.int64)
    return RankingRequest(
        scores=np.asarray(scores, dtype=np.float64),
        item_creator=item_creator,
        item_genre=np.zeros(item_creator.size, dtype=np.int64),
        num_creators=int(item_creator.max()) + 1 if num_creators is None else num_creators,
        slate_size=k,
        rng=np.random.default_rng(seed),
        round_index=round_index,
    )


def exposure(slates: np.ndarray, item_creator: np.ndarray, num_creators: int) -> np.ndarray:
    return np.bincount(item_creator[slates[slates != EMPTY_SLOT]], minlength=num_creators)


def random_instance(
    rng: np.random.Generator, m: int, n_items: int, n_creators: int
) -> tuple[np.ndarray, np.ndarray]:
    item_creator = np.concatenate([np.arange(n_creators), rng.integers(0, n_creators, n_items - n_creators)])
    rng.shuffle(item_creator)
    return rng.normal(size=(m, n_items)), item_creator


# ---------------------------------------------------------------------------------------------- projection


def brute_force_projection(mu_tilde: np.ndarray, rho: np.ndarray, lambd: float) -> np.ndarray:
    """min Σ(ρμ − ρμ̃)² s.t. Σ_{p∈S} ρ_p μ_p ≥ −λ for all 2^P − 1 nonempty subsets S."""
    p = mu_tilde.size
    subsets = [np.array(s) for r in range(1, p + 1) for s in itertools.combinations(range(p), r)]
    masks = np.array([np.isin(np.arange(p), s).astype(float) for s in subsets]) * rho[None, :]

    def objective(mu: np.ndarray) -> float:
        return float(np.sum((rho * mu - rho * mu_tilde) ** 2))

    def gradient(mu: np.ndarray) -> np.ndarray:
        return 2.0 * rho**2 * (mu - mu_tilde)

    constraints = {"type": "ineq", "fun": lambda mu: masks @ mu + lambd, "jac": lambda mu: masks}
    optimize = pytest.importorskip("scipy.optimize")
    # SLSQP can stop on a line-search failure from one start (it depends on BLAS threading): try a few
    for start in (np.zeros(p), mu_tilde, np.maximum(mu_tilde, 0.0)):
        res = optimize.minimize(
            objective, start, jac=gradient, constraints=[constraints], method="SLSQP",
            options={"ftol": 1e-15, "maxiter": 1000},
        )
        if res.success:
            return res.x
    raise AssertionError(res.message)


def test_project_dual_matches_brute_force_qp() -> None:
    rng = np.random.default_rng(12345)
    num_projected = 0
    for _ in range(200):
        p = int(rng.integers(2, 7))
        rho = rng.uniform(0.2, 1.0, p)
        rho /= rho.sum()
        lambd = float(rng.uniform(0.05, 1.0))
        mu_tilde = rng.normal(0.0, 0.6, p) / rho
        mu = project_dual(mu_tilde, rho, lambd)
        expected = brute_force_projection(mu_tilde, rho, lambd)
        assert np.sum(np.minimum(rho * mu, 0.0)) >= -lambd - 1e-9
        np.testing.assert_allclose(rho * mu, rho * expected, atol=1e-6)
        np.testing.assert_allclose(mu, expected, atol=1e-6)
        num_projected += not np.allclose(mu, mu_tilde)
    assert 50 < num_projected < 190


def test_project_dual_edge_cases() -> None:
    rho = np.array([0.5, 0.5])
    np.testing.assert_array_equal(project_dual(np.array([1.0, -0.5]), rho, 0.5), [1.0, -0.5])
    np.testing.assert_allclose(project_dual(np.array([2.0, -3.0]), rho, 0.0), [2.0, 0.0])
    np.testing.assert_allclose(project_dual(np.array([-4.0, -2.0]), rho, 1.0), [-2.0, 0.0])
    np.testing.assert_allclose(project_dual(np.array([-4.0, -3.0]), rho, 1.0), [-1.5, -0.5])
    with pytest.raises(ValueError):
        project_dual(np.zeros(2), np.array([0.5, 0.0]), 0.5)
    with pytest.raises(ValueError):
        project_dual(np.zeros(2), rho, -1.0)


# ---------------------------------------------------------------------------------------------- PMMF


def concentrated_world(m: int = 100, n_creators: int = 10, items_per_creator: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    item_creator = np.repeat(np.arange(n_creators), items_per_creator)
    scores = 5.0 * (item_creator == 0) - 0.1 * item_creator + 0.01 * rng.random((m, item_creator.size))
    return scores, item_creator


@pytest.mark.parametrize("ranker", [PMMF(), PMMF(variant="original")], ids=["creagent", "original"])
def test_pmmf_raises_min_exposure(ranker: PMMF) -> None:
    scores, item_creator = concentrated_world()
    k = 5
    base = exposure(TopK().rank(make_request(scores, item_creator, k)), item_creator, 10)
    ranker.reset(10)
    slates = ranker.rank(make_request(scores, item_creator, k))
    fair = exposure(slates, item_creator, 10)
    assert base.min() == 0 and base[0] == 300
    assert fair.min() >= 20 > base.min()
    assert fair.sum() == 100 * k
    np.testing.assert_array_equal(ranker.last_exposure, fair)


def test_pmmf_budget_mask_and_display_order() -> None:
    scores, item_creator = concentrated_world()
    ranker = PMMF()
    slates = ranker.rank(make_request(scores, item_creator, 5))
    fair = exposure(slates, item_creator, 10)
    assert fair.max() <= 100 * 5 * 0.1 + 5
    shown = np.take_along_axis(scores, slates, axis=1)
    assert np.all(np.diff(shown, axis=1) <= 0)


def test_pmmf_warmup_is_topk() -> None:
    scores, item_creator = concentrated_world()
    req = make_request(scores, item_creator, 5, round_index=3)
    np.testing.assert_array_equal(PMMF(warmup_rounds=10).rank(req), TopK().rank(req))
    assert not np.array_equal(PMMF(warmup_rounds=3).rank(req), TopK().rank(req))


def test_pmmf_ignores_creators_without_candidates() -> None:
    scores, item_creator = concentrated_world()
    item_creator = item_creator * 2
    ranker = PMMF()
    ranker.reset(25)
    slates = ranker.rank(make_request(scores, item_creator, 5, num_creators=25))
    assert np.all(np.isfinite(ranker.last_mu)) and ranker.last_mu.size == 25
    assert np.all(ranker.last_mu[1::2] == 0.0)
    assert exposure(slates, item_creator, 25)[::2][:10].min() > 0


# ---------------------------------------------------------------------------------------------- FairRec


@pytest.mark.parametrize("seed", [0, 1, 3, 4, 6, 7, 8, 9])
def test_fairrec_guarantees_ell_exposures(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(20, 120))
    k = int(rng.integers(2, 8))
    n = int(rng.integers(k + 1, 40))
    scores, item_creator = random_instance(rng, m, n * 3, n)
    scores[:, item_creator == 0] += 3.0
    ranker = FairRec(alpha=float(rng.uniform(0.3, 1.0)))
    ranker.reset(n)
    slates = ranker.rank(make_request(scores, item_creator, k, seed=seed))
    ell = math.floor(ranker.alpha * m * k / n)
    assert ranker.last_guarantee == ell >= 1
    assert ranker.last_phase1_complete
    assert exposure(slates, item_creator, n).min() >= ell
    assert np.all(slates != EMPTY_SLOT)
    assert all(len(set(row)) == k for row in item_creator[slates])
    assert all(len(set(row)) == k for row in slates)


def test_fairrec_guarantee_over_many_instances() -> None:
    """ℓ holds whenever phase 1 hands out all ℓn copies; the paper's early stop (a customer whose
    allocation already holds every creator with copies left) is rare and leaves < k creators short."""
    complete = 0
    for seed in range(100, 160):
        rng = np.random.default_rng(seed)
        m, k = int(rng.integers(20, 120)), int(rng.integers(2, 8))
        n = int(rng.integers(k + 1, 40))
        scores, item_creator = random_instance(rng, m, n * 3, n)
        ranker = FairRec()
        slates = ranker.rank(make_request(scores, item_creator, k, seed=seed))
        short = exposure(slates, item_creator, n) < ranker.last_guarantee
        if ranker.last_phase1_complete:
            complete += 1
            assert not short.any()
        else:
            assert short.sum() < k
    assert complete >= 50


def test_fairrec_negative_scores_and_ell_zero_picks_top_creators() -> None:
    rng = np.random.default_rng(7)
    scores, item_creator = random_instance(rng, 4, 60, 30)
    scores -= 100.0
    ranker = FairRec(alpha=0.5)
    slates = ranker.rank(make_request(scores, item_creator, 3))
    assert ranker.last_guarantee == 0
    creator_value = np.full((4, 30), -np.inf)
    np.maximum.at(creator_value, (np.arange(4)[:, None], item_creator[None, :]), scores)
    for u in range(4):
        expected = set(np.argsort(-creator_value[u])[:3])
        assert set(item_creator[slates[u]]) == expected


def test_fairrec_fills_with_same_creator_then_pads() -> None:
    item_creator = np.array([0, 0, 0, 1])
    scores = np.array([[3.0, 2.0, 1.0, 0.5], [3.0, -np.inf, -np.inf, 0.5], [-np.inf] * 4])
    slates = FairRec().rank(make_request(scores, item_creator, 5))
    np.testing.assert_array_equal(slates[0], [0, 1, 2, 3, EMPTY_SLOT])
    np.testing.assert_array_equal(slates[1], [0, 3, EMPTY_SLOT, EMPTY_SLOT, EMPTY_SLOT])
    np.testing.assert_array_equal(slates[2], [EMPTY_SLOT] * 5)


def test_fairrec_prefers_distinct_creators() -> None:
    item_creator = np.array([0, 0, 0, 1, 2])
    scores = np.array([[9.0, 8.0, 7.0, 0.1, 0.2]] * 3)
    slates = FairRec(alpha=0.0).rank(make_request(scores, item_creator, 3))
    np.testing.assert_array_equal(slates, [[0, 4, 3]] * 3)


# ---------------------------------------------------------------------------------------------- common


RANKERS = [TopK, PMMF, lambda: PMMF(variant="original"), FairRec]


@pytest.mark.parametrize("factory", RANKERS, ids=["topk", "pmmf", "pmmf-original", "fairrec"])
@pytest.mark.parametrize("shape", [(40, 60, 12, 5), (7, 3, 2, 5), (0, 10, 3, 4), (5, 0, 1, 3), (6, 9, 4, 0)])
def test_output_contract(factory: Any, shape: tuple[int, int, int, int]) -> None:
    m, n_items, n_creators, k = shape
    rng = np.random.default_rng(3)
    if n_items:
        scores, item_creator = random_instance(rng, m, n_items, min(n_creators, n_items))
        scores[rng.random(scores.shape) < 0.1] = -np.inf
    else:
        scores, item_creator = np.zeros((m, 0)), np.zeros(0, dtype=np.int64)
    ranker = factory()
    assert isinstance(ranker, Ranker)
    ranker.reset(n_creators)
    req = make_request(scores, item_creator, k, seed=11, num_creators=n_creators)
    slates = ranker.rank(req)
    assert slates.shape == (m, k) and np.issubdtype(slates.dtype, np.integer)
    assert np.all((slates == EMPTY_SLOT) | ((slates >= 0) & (slates < n_items)))
    for u, row in enumerate(slates):
        shown = row[row != EMPTY_SLOT]
        assert len(set(shown)) == shown.size
        assert np.all(row[shown.size:] == EMPTY_SLOT)
        assert np.all(np.isfinite(scores[u, shown]))
        assert shown.size == min(k, int(np.isfinite(scores[u]).sum()))
        assert np.all(np.diff(scores[u, shown]) <= 0)
    again = factory()
    again.reset(n_creators)
    repeat = again.rank(make_request(scores, item_creator, k, seed=11, num_creators=n_creators))
    np.testing.assert_array_equal(repeat, slates)


# ---------------------------------------------------------------------------------------------- wrapper


class RecordingWorld:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    def set_ranker(self, ranker: Any) -> None:
        self.calls.append(ranker)


class FakeEnv(gym.Env):
    observation_space = gym.spaces.Box(0.0, 1.0, (2,))
    action_space = gym.spaces.Discrete(2)

    def __init__(self) -> None:
        self.world = RecordingWorld()

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.world = RecordingWorld()
        return np.zeros(2, dtype=np.float32), {}

    def step(self, action: int):
        return np.zeros(2, dtype=np.float32), 0.0, False, False, {}


def test_with_ranker_installs_at_construction_and_reset() -> None:
    env = FakeEnv()
    ranker = PMMF()
    wrapped = WithRanker(env, ranker)
    assert wrapped.ranker is ranker
    assert env.world.calls == [ranker]
    wrapped.reset(seed=0)
    assert env.world.calls == [ranker]
    wrapped.step(0)
    wrapped.reset()
    assert env.world.calls[-1] is ranker
    wrapped.uninstall()
    assert env.world.calls[-1] is None


def test_with_ranker_rejects_env_without_world() -> None:
    class NoWorld(FakeEnv):
        def __init__(self) -> None:
            pass

    with pytest.raises(TypeError):
        WithRanker(NoWorld(), TopK())


def test_with_ranker_on_creator_suggestion_env() -> None:
    import recogym_eco  # noqa: F401

    env_id = "recogym_eco/CreatorSuggestion-v0"
    ranker = PMMF()
    env = WithRanker(gym.make(env_id), ranker)
    assert env.unwrapped.world.ranker is ranker
    env.reset(seed=0)
    assert env.unwrapped.world.ranker is ranker
    for _ in range(3):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            break
    assert ranker.last_exposure.sum() > 0
    env.close()

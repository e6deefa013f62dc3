"""Platform re-rankers that plug into the ranking lever of ``recogym_eco.components.ranking``.

* ``TopK``: the default (re-exported), each user's k best candidates.
* ``PMMF``: online provider max-min fair re-ranking (Xu et al., WWW 2023), one fairness period per
  round, with the exact O(P log P) dual projection ``project_dual`` (baselines spec §1).
* ``FairRec``: two-sided fair allocation (Patro et al., WWW 2020) at provider (creator) level
  (baselines spec §2).
* ``WithRanker``: a Gymnasium wrapper that installs a ranker into an environment's world.
* ``RANKERS`` / ``register_ranker(name, factory)``: the named rankers that scripts and policy specs
  resolve (``TopK``, ``PMMF``, ``FairRec`` and any a user registers).

Every ranker follows the ``Ranker`` protocol: ``reset(num_creators)`` at the start of an episode and
``rank(request) -> (num_requests, slate_size)`` int array of candidate indices in display order,
padded with ``EMPTY_SLOT``. Scores equal to ``-inf`` mark candidates a user may not be shown (for
example already-consumed items); they are never returned. The spec referenced throughout is
the project brief's research notes (``shared/research/baselines-spec.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from recogym_eco.components.ranking import EMPTY_SLOT, Ranker, RankingRequest, TopK, top_k_indices
from recogym_eco.plugins import Registry

__all__ = ["TopK", "PMMF", "FairRec", "WithRanker", "project_dual", "EMPTY_SLOT", "RANKERS", "Ranker",
           "register_ranker"]

PMMFVariant = Literal["creagent", "original"]

_PMMF_PRESETS: dict[str, dict[str, float]] = {
    "creagent": {"lambd": 0.5, "eta0": 0.01, "gamma": 0.2},
    "original": {"lambd": 0.1, "eta0": 1e-3, "gamma": 0.1},
}


def _project_dual_unchecked(mu_tilde: np.ndarray, rho: np.ndarray, lambd: float) -> np.ndarray:
    """``project_dual`` without input validation (the hot path inside ``PMMF.rank``)."""
    y = rho * mu_tilde
    neg = y < 0.0
    w = -y[neg]
    if w.sum() <= lambd:
        return mu_tilde.copy()
    w_desc = np.sort(w)[::-1]
    theta_j = (np.cumsum(w_desc) - lambd) / np.arange(1, w_desc.size + 1)
    valid = np.flatnonzero(w_desc > theta_j)
    theta = theta_j[valid[-1]] if valid.size else w_desc[0]
    y[neg] = np.minimum(y[neg] + theta, 0.0)
    return y / rho


def project_dual(mu_tilde: np.ndarray, rho: np.ndarray, lambd: float) -> np.ndarray:
    """Exact ρ²-norm projection of ``mu_tilde`` onto P-MMF's feasible dual set (spec §1.2, §1.5).

    Solves ``min_μ Σ_p (ρ_p μ_p − ρ_p μ̃_p)²  s.t.  Σ_{p∈S} ρ_p μ_p ≥ −λ  for every S ⊆ P``.
    With ``y = ρ ⊙ μ`` the subset constraints collapse to ``Σ_p min(y_p, 0) ≥ −λ``, so:

    1. if ``Σ_p min(ỹ_p, 0) ≥ −λ`` then ``y = ỹ``;
    2. otherwise nonnegative entries are kept and negative ones are water-filled,
       ``y_p = min(ỹ_p + θ, 0)``, with θ ≥ 0 such that the clipped negative sum equals −λ. θ is the
       simplex-projection threshold of the magnitudes ``w = −ỹ_{<0}`` sorted descending:
       ``θ = (Σ_{i≤j*} w_i − λ)/j*`` with ``j* = max{j : w_j > (Σ_{i≤j} w_i − λ)/j}``;
    3. ``μ = y / ρ``.

    Cost O(P log P) (one sort of the negative entries). ``rho`` must be strictly positive and
    ``lambd`` nonnegative (λ = 0 clips every negative entry to 0).
    """
    mu_tilde = np.asarray(mu_tilde, dtype=np.float64)
    rho = np.asarray(rho, dtype=np.float64)
    if mu_tilde.ndim != 1 or mu_tilde.shape != rho.shape:
        raise ValueError(f"mu_tilde and rho must be 1-D of equal length, got {mu_tilde.shape}, {rho.shape}")
    if np.any(rho <= 0) or not np.all(np.isfinite(rho)):
        raise ValueError("rho must be finite and strictly positive")
    if not lambd >= 0:
        raise ValueError(f"lambd must be >= 0, got {lambd}")
    return _project_dual_unchecked(mu_tilde, rho, float(lambd))


class PMMF:
    """Online provider max-min fair re-ranking (P-MMF, Xu et al. WWW 2023; spec §1.3).

    One fairness period per call of ``rank``: the round's requests (rows of ``request.scores``) are
    processed in an order drawn from ``request.rng``; providers are the creators that own at least
    one candidate item (creators without candidates are left out of the dual, so ``ρ_p > 0``).
    With candidate-item share ``ρ_p = n_p / n``, T requests, K slots, and μ = 0, m = 0 at the start of
    every period, each request t does:

    1. ``ŝ_i = s_{t,i} − μ_{p(i)}``, minus ``mask_penalty`` (10⁴) if ``B_{p(i)} ≤ 0``, where the budget
       starts at ``B = T K ρ``;
    2. ``x_t`` = the K largest ``ŝ`` (``-inf`` scores are never taken), displayed in order of the
       ORIGINAL score ``s_t``;
    3. ``B ← B − Aᵀx_t``;  ``g̃ = ρ − Aᵀx_t / K`` (``variant="creagent"``) or
       ``g̃ = B / (T K) − Aᵀx_t / K`` (``variant="original"``, remaining budget after the step);
    4. ``g ← γ g̃ + (1 − γ) g_prev``;  ``μ ← project_dual(μ − η g / ρ², ρ, λ)``.

    Presets (spec §1.4): ``"creagent"`` (CreAgent ``P_MMF.py``, LoRe's most likely baseline):
    λ = 0.5, η = η₀/√(#candidates), η₀ = 0.01, γ = 0.2, raw scores. ``"original"`` (Xu's
    ``P-MMF.py``): λ = 0.1, η = η₀/√T, η₀ = 1e-3, γ (called α there) = 0.1, sigmoid scores,
    ``ρ`` inflated by ``(1 + 1/P)`` and the remaining-budget gradient; ``ρ`` is the candidate-item
    share here, because the original's interaction-log share does not exist inside a round.
    ``lambd``, ``eta0``, ``gamma`` override the preset. During the first ``warmup_rounds`` rounds
    (``request.round_index < warmup_rounds``) it returns plain top-k; CreAgent used 10.

    After each ``rank`` call, ``last_mu`` (num_creators,) holds the final dual variables (0 for
    creators without candidates) and ``last_exposure`` the slate positions each creator received.
    """

    def __init__(
        self,
        lambd: float | None = None,
        eta0: float | None = None,
        gamma: float | None = None,
        variant: PMMFVariant = "creagent",
        warmup_rounds: int = 0,
        mask_penalty: float = 1e4,
    ) -> None:
        if variant not in _PMMF_PRESETS:
            raise ValueError(f"variant must be one of {sorted(_PMMF_PRESETS)}, got {variant!r}")
        preset = _PMMF_PRESETS[variant]
        self.variant: PMMFVariant = variant
        self.lambd = float(preset["lambd"] if lambd is None else lambd)
        self.eta0 = float(preset["eta0"] if eta0 is None else eta0)
        self.gamma = float(preset["gamma"] if gamma is None else gamma)
        self.warmup_rounds = int(warmup_rounds)
        self.mask_penalty = float(mask_penalty)
        if self.lambd < 0 or self.eta0 < 0 or not 0.0 <= self.gamma <= 1.0:
            raise ValueError("need lambd >= 0, eta0 >= 0 and 0 <= gamma <= 1")
        self.num_creators = 0
        self.last_mu = np.zeros(0)
        self.last_exposure = np.zeros(0, dtype=np.int64)

    def reset(self, num_creators: int) -> None:
        """Start an episode. The dual state already resets every round (one period per round)."""
        self.num_creators = int(num_creators)
        self.last_mu = np.zeros(self.num_creators)
        self.last_exposure = np.zeros(self.num_creators, dtype=np.int64)

    def rank(self, request: RankingRequest) -> np.ndarray:
        """Run one P-MMF fairness period over the round's requests (spec §1.3)."""
        scores = np.asarray(request.scores, dtype=np.float64)
        num_requests, num_items = scores.shape
        k = int(request.slate_size)
        num_creators = max(int(request.num_creators), self.num_creators)
        out = np.full((num_requests, k), EMPTY_SLOT, dtype=np.int64)
        if num_requests == 0 or num_items == 0 or k == 0 or request.round_index < self.warmup_rounds:
            if num_items:
                out = top_k_indices(scores, k)
            self.last_mu = np.zeros(num_creators)
            self.last_exposure = _exposure(out, request.item_creator, num_creators)
            return out

        if self.variant == "original":
            with np.errstate(over="ignore"):
                scores = np.where(np.isneginf(scores), -np.inf, 1.0 / (1.0 + np.exp(-scores)))

        creators, inv, counts = np.unique(
            np.asarray(request.item_creator), return_inverse=True, return_counts=True
        )
        num_providers = creators.size
        rho = counts / num_items
        if self.variant == "original":
            rho = rho * (1.0 + 1.0 / num_providers)
        inv_rho2 = 1.0 / rho**2
        period = num_requests
        budget = period * k * rho
        eta = self.eta0 / math.sqrt(num_items if self.variant == "creagent" else period)
        kk = min(k, num_items)
        cut = num_items - kk

        mu = np.zeros(num_providers)
        g_prev = np.zeros(num_providers)
        exposure = np.zeros(num_providers, dtype=np.int64)
        for t in request.rng.permutation(num_requests):
            s = scores[t]
            shift = mu + np.where(budget <= 0.0, self.mask_penalty, 0.0)
            adjusted = s - shift[inv]
            chosen = np.argpartition(adjusted, cut)[cut:] if cut > 0 else np.arange(num_items)
            chosen = chosen[adjusted[chosen] > -np.inf]
            chosen = chosen[np.argsort(-s[chosen], kind="stable")]
            out[t, : chosen.size] = chosen
            used = np.bincount(inv[chosen], minlength=num_providers)
            exposure += used
            budget -= used
            g_raw = (rho if self.variant == "creagent" else budget / (period * k)) - used / k
            g_prev = self.gamma * g_raw + (1.0 - self.gamma) * g_prev
            mu = _project_dual_unchecked(mu - eta * g_prev * inv_rho2, rho, self.lambd)

        self.last_mu = np.zeros(max(num_creators, int(creators.max()) + 1))
        self.last_mu[creators] = mu
        self.last_exposure = np.zeros(self.last_mu.size, dtype=np.int64)
        self.last_exposure[creators] = exposure
        return out


class FairRec:
    """FairRec (Patro et al., WWW 2020) with creators as producers (spec §2.2, §2.4 adapter).

    Per round: m customers (rows), n creators owning at least one candidate, k = slate size.
    ``V[u, p]`` = best candidate score of creator p for customer u; p is feasible for u iff
    ``V[u, p] > -inf`` and p is not yet allocated to u (explicit boolean masks, so negative scores
    are safe). ``ℓ = ⌊α m k / n⌋`` guaranteed exposures per creator.

    * Phase 1 (greedy round robin, ℓ copies per creator): customers in an order σ drawn from
      ``request.rng``; for up to ``R = ⌈ℓ n / m⌉`` passes, each customer takes its highest-``V``
      feasible creator that still has copies. The phase stops as soon as all ℓn copies are gone or
      the current customer has no feasible creator with copies (the paper's rule).
    * Phase 2: each customer is filled up to k with its best remaining feasible creators (unlimited
      copies; per-customer greedy equals the paper's second GRR pass). If fewer than k distinct
      creators are feasible, the slate is filled with the best remaining items (necessarily of
      already-chosen creators), then ``EMPTY_SLOT``.

    Each creator slot shows that creator's best-scoring candidate for the customer; slates are
    displayed in order of the original score. During the first ``warmup_rounds`` rounds it returns
    plain top-k (CreAgent used 10). Diagnostics of the last round: ``last_guarantee`` (ℓ),
    ``last_phase1_complete`` (all ℓn copies were handed out, so every creator got ≥ ℓ exposures) and
    ``last_exposure`` (slate positions per creator).
    """

    def __init__(self, alpha: float = 0.5, warmup_rounds: int = 0) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.alpha = float(alpha)
        self.warmup_rounds = int(warmup_rounds)
        self.num_creators = 0
        self.last_guarantee = 0
        self.last_phase1_complete = True
        self.last_exposure = np.zeros(0, dtype=np.int64)

    def reset(self, num_creators: int) -> None:
        """Start an episode; FairRec keeps no state across rounds."""
        self.num_creators = int(num_creators)
        self.last_guarantee = 0
        self.last_exposure = np.zeros(self.num_creators, dtype=np.int64)

    def rank(self, request: RankingRequest) -> np.ndarray:
        """Allocate k creators per customer with FairRec and map them to items (spec §2.2)."""
        scores = np.asarray(request.scores, dtype=np.float64)
        m, num_items = scores.shape
        k = int(request.slate_size)
        item_creator = np.asarray(request.item_creator)
        num_creators = max(int(request.num_creators), self.num_creators)
        if m == 0 or num_items == 0 or k == 0 or request.round_index < self.warmup_rounds:
            out = top_k_indices(scores, k) if num_items else np.full((m, k), EMPTY_SLOT, np.int64)
            self.last_guarantee = 0
            self.last_phase1_complete = True
            self.last_exposure = _exposure(out, item_creator, num_creators)
            return out

        creators, inv = np.unique(item_creator, return_inverse=True)
        n = creators.size
        by_creator = np.argsort(inv, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(inv[by_creator]) != 0])
        sorted_scores = scores[:, by_creator]
        value = np.maximum.reduceat(sorted_scores, starts, axis=1)
        is_best = sorted_scores == value[:, inv[by_creator]]
        best_pos = np.minimum.reduceat(np.where(is_best, np.arange(num_items), num_items), starts, axis=1)
        best_item = by_creator[np.minimum(best_pos, num_items - 1)]

        feasible = value > -np.inf
        allocated = np.zeros((m, n), dtype=bool)
        ell = int(self.alpha * m * k / n)
        picks = 0
        if ell > 0:
            picks = self._greedy_round_robin(value, feasible, allocated, ell, request.rng.permutation(m))

        need = k - allocated.sum(axis=1)
        top = top_k_indices(np.where(feasible, value, -np.inf), min(k, n))
        take = (np.arange(top.shape[1])[None, :] < need[:, None]) & (top != EMPTY_SLOT)
        rows = np.broadcast_to(np.arange(m)[:, None], top.shape)
        allocated[rows[take], top[take]] = True

        chosen = top_k_indices(np.where(allocated, value, -np.inf), k)
        valid = chosen != EMPTY_SLOT
        out = np.where(valid, best_item[np.arange(m)[:, None], np.where(valid, chosen, 0)], EMPTY_SLOT)
        out = self._fill_short_rows(scores, out)

        self.last_guarantee = ell
        self.last_phase1_complete = picks == ell * n
        self.last_exposure = _exposure(out, item_creator, num_creators)
        return out

    @staticmethod
    def _greedy_round_robin(
        value: np.ndarray, feasible: np.ndarray, allocated: np.ndarray, ell: int, order: np.ndarray
    ) -> int:
        """Phase 1 in place: ℓ copies per producer, ⌈ℓn/m⌉ passes over ``order``; returns #picks."""
        m, n = value.shape
        copies = np.full(n, ell, dtype=np.int64)
        has_copies = np.ones(n, dtype=bool)
        remaining = ell * n
        for _ in range(math.ceil(ell * n / m)):
            for u in order:
                mask = has_copies & feasible[u]
                p = int(np.argmax(np.where(mask, value[u], -np.inf)))
                if not mask[p]:
                    return ell * n - remaining
                allocated[u, p] = True
                feasible[u, p] = False
                copies[p] -= 1
                if copies[p] == 0:
                    has_copies[p] = False
                remaining -= 1
                if remaining == 0:
                    return ell * n
        return ell * n - remaining

    @staticmethod
    def _fill_short_rows(scores: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Fill rows with fewer than k items by their best unused items; return rows sorted by score."""
        k = out.shape[1]
        count = (out != EMPTY_SLOT).sum(axis=1)
        short = np.flatnonzero(count < k)
        if short.size:
            sub = scores[short].copy()
            r, c = np.nonzero(out[short] != EMPTY_SLOT)
            sub[r, out[short][r, c]] = -np.inf
            extra = top_k_indices(sub, k)
            extra[np.arange(k)[None, :] >= (k - count[short])[:, None]] = EMPTY_SLOT
            merged = np.concatenate([out[short], extra], axis=1)
            merged_scores = np.where(
                merged != EMPTY_SLOT, np.take_along_axis(scores[short], np.maximum(merged, 0), 1), -np.inf
            )
            order = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
            out = out.copy()
            out[short] = np.take_along_axis(merged, order, axis=1)
        return out


def _exposure(slates: np.ndarray, item_creator: np.ndarray, num_creators: int) -> np.ndarray:
    """Slate positions per creator in one round."""
    shown = slates[slates != EMPTY_SLOT]
    size = max(num_creators, int(np.max(item_creator)) + 1 if np.size(item_creator) else 0)
    return np.bincount(np.asarray(item_creator)[shown], minlength=size).astype(np.int64)


class WithRanker(gym.Wrapper):
    """Install ``ranker`` into the wrapped environment's world: ``env.unwrapped.world.set_ranker``.

    The ranker is installed at construction and again around every ``reset`` (before, so a reset that
    ranks already uses it, and after, in case the reset rebuilt the world). Works for any env whose
    ``unwrapped`` has a ``world`` with ``set_ranker``; ``uninstall()`` restores the world's default
    (``set_ranker(None)``, i.e. ``TopK``).
    """

    def __init__(self, env: gym.Env, ranker: Ranker) -> None:
        super().__init__(env)
        self.ranker = ranker
        self._install()

    def _world(self) -> Any:
        world = getattr(self.env.unwrapped, "world", None)
        if world is None or not callable(getattr(world, "set_ranker", None)):
            raise TypeError(
                f"{type(self.env.unwrapped).__name__} has no `world` with `set_ranker`; "
                "cannot install a ranker"
            )
        return world

    def _install(self) -> None:
        self._world().set_ranker(self.ranker)

    def uninstall(self) -> None:
        """Give the world back its default ranker."""
        self._world().set_ranker(None)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Reset the wrapped env with the ranker installed."""
        self._install()
        obs, info = self.env.reset(seed=seed, options=options)
        self._install()
        return obs, info


RANKERS: Registry[Ranker] = Registry("ranker", Ranker)


def register_ranker(name: str, factory: Callable[[], Ranker]) -> None:
    """Registers a ranker: ``factory()`` returns a fresh :class:`~recogym_eco.components.ranking.Ranker`.

    A registered name is usable wherever the suite names rankers, for example in a policy spec of
    ``recogym-eco evaluate`` (``--policies NoSignal+MyRanker --plugin my_rankers.py``).
    """
    RANKERS.register(name, factory)


register_ranker("TopK", TopK)
register_ranker("PMMF", PMMF)
register_ranker("FairRec", FairRec)
#: CreAgent's setting (research/baselines-spec.md Sections 1.4 and 5): re-ranking starts after a 10-round warm-up.
register_ranker("PMMF_CreAgent", lambda: PMMF(variant="creagent", warmup_rounds=10))
register_ranker("FairRec_CreAgent", lambda: FairRec(alpha=0.5, warmup_rounds=10))

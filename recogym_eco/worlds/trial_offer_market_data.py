"""Market instances of TrialOfferMarket: user-type shares, appeal, quality and position factors.

A market instance is what stays fixed over an episode (Zhu, Cheung & Xie, "Stability and Efficiency
of Personalised Cultural Markets", Section 2.1 and Section 5; ``../shared/seeds/004_*``):

* ``type_weights`` w_i (share of arrivals of user type i, sums to 1);
* ``appeal`` v-hat_ij >= 0, the item's visibility to type i before the ranking is applied;
* ``quality`` q_ij in [0, 1], the probability that a type-i user who tries item j purchases it;
* ``position_factors`` iota_k > 0 for the first positions of a ranked list (zero after), so that the
  visibility is v_ij = v-hat_ij * iota_{rank_i(j)} (Eq. 20, the separable click-through model).

Two generators:

* :func:`synthetic_instance` - latent tastes: types u_i and items x_j drawn N(0, I_d), an item
  popularity effect c_j; v-hat_ij = sigmoid(s u_i.x_j / sqrt(d) + c_j / 2 + e_ij / 2) and
  q_ij = sigmoid(s u_i.x_j / sqrt(d) + c_j / 2 + e'_ij / 2 - 1), so appeal and quality are correlated
  but not equal. The homogeneous variant pools the same population into one type (w-weighted means),
  which is how the paper compares homogeneous and heterogeneous markets.
* :func:`movielens_instance` - the paper's Section 5 construction on MovieLens-100K: a completed
  preference matrix Gamma (observed ratings / 5 where observed, the suite's matrix factorisation
  prediction / 5, clipped to [0.2, 1], elsewhere), users clustered into types by k-means on the rows
  of Gamma, v-hat_ij = mean of the observed entries of type i on item j (Eq. 18) and q_ij = mean of the
  unobserved entries (Eq. 19). Missing means (no member rated / every member rated j) fall back to
  the all-users mean, then to the item's mean of Gamma. The "unseen movies only" variant sets
  v-hat_ij = q_ij = 0 where every member of type i has rated item j (as the authors' code does).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recogym_eco.data.mf import cache_dir

__all__ = [
    "POSITION_FACTORS",
    "MarketInstance",
    "movielens_instance",
    "pooled_instance",
    "synthetic_instance",
]

# Position visibility of the top 50 slots of a ranked list, measured in the MusicLab experiment
# (Krumme et al. 2012) and used by the paper's simulations (Section 5, "fixed weights iota_k").
POSITION_FACTORS: tuple[float, ...] = (
    0.83, 0.75, 0.69, 0.62, 0.58, 0.48, 0.44, 0.40, 0.37, 0.35,
    0.338, 0.321, 0.317, 0.3106, 0.2751, 0.2549, 0.2514, 0.2325, 0.2251, 0.2242,
    0.2150, 0.1904, 0.1841, 0.1818, 0.1701, 0.1658, 0.1537, 0.1364, 0.1308, 0.1267,
    0.1243, 0.1236, 0.1184, 0.1067, 0.1002, 0.1038, 0.1019, 0.1048, 0.1061, 0.1142,
    0.1260, 0.1316, 0.1484, 0.1504, 0.1553, 0.1699, 0.1727, 0.1783, 0.1885, 0.2206,
)


@dataclass(frozen=True)
class MarketInstance:
    """Fixed parameters of one market: ``type_weights`` (T,), ``appeal`` (T, I), ``quality`` (T, I)."""

    type_weights: np.ndarray
    appeal: np.ndarray
    quality: np.ndarray

    @property
    def num_types(self) -> int:
        """Number of user types T."""
        return int(self.appeal.shape[0])

    @property
    def num_items(self) -> int:
        """Number of items I."""
        return int(self.appeal.shape[1])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def synthetic_instance(num_types: int, num_items: int, seed: int, latent_dim: int = 4,
                       taste_scale: float = 2.0) -> MarketInstance:
    """A heterogeneous market from latent tastes (module docstring), reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((num_types, latent_dim))
    X = rng.standard_normal((num_items, latent_dim))
    pop = rng.standard_normal(num_items)
    base = taste_scale * (U @ X.T) / np.sqrt(latent_dim) + 0.5 * pop[None, :]
    appeal = _sigmoid(base + 0.5 * rng.standard_normal(base.shape))
    quality = _sigmoid(base + 0.5 * rng.standard_normal(base.shape) - 1.0)
    w = rng.dirichlet(np.full(num_types, 4.0)) if num_types > 1 else np.ones(1)
    return MarketInstance(type_weights=w, appeal=appeal, quality=quality)


def pooled_instance(inst: MarketInstance) -> MarketInstance:
    """The homogeneous market of the same population: one type with the w-weighted mean appeal and quality."""
    w = inst.type_weights
    return MarketInstance(type_weights=np.ones(1), appeal=(w @ inst.appeal)[None, :],
                          quality=(w @ inst.quality)[None, :])


_MEMO: dict[str, MarketInstance] = {}




def _group_mean(onehot: np.ndarray, values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = onehot.T @ (values * mask)
    n = onehot.T @ mask
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / n, n


def movielens_instance(path: str | None, num_types: int, unseen_only: bool = False, mf_dim: int = 32,
                       cluster_seed: int = 0, mf_cache: str | None = None) -> MarketInstance:
    """The paper's Section 5 market on MovieLens-100K (module docstring); cached in a small ``.npz``.

    ``path`` is resolved by :func:`recogym_eco.data.movielens.find_movielens` (``None``: the
    ``RECOGYM_ECO_MOVIELENS`` variable or an installed recbole). The factorisation is
    :func:`recogym_eco.data.mf.fit_als` (ALS-WR, ``mf_dim`` factors, seed 0); k-means uses
    :func:`recogym_eco.components.groups.kmeans_groups` with a generator seeded by ``cluster_seed``.
    """
    from recogym_eco.data.movielens import find_movielens

    src = find_movielens(path)
    key_src = f"tom|{Path(src).resolve()}|{Path(src).stat().st_size}|{mf_dim}|{num_types}|{unseen_only}|{cluster_seed}"
    key = hashlib.sha1(key_src.encode()).hexdigest()[:16]
    if key in _MEMO:
        return _MEMO[key]
    file = cache_dir(mf_cache) / f"trial_offer_market_{key}.npz"
    if file.exists():
        z = np.load(file)
        inst = MarketInstance(type_weights=z["type_weights"], appeal=z["appeal"], quality=z["quality"])
        _MEMO[key] = inst
        return inst
    inst = _build_movielens(src, num_types, unseen_only, mf_dim, cluster_seed)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(file, type_weights=inst.type_weights, appeal=inst.appeal, quality=inst.quality)
    except OSError:
        pass
    _MEMO[key] = inst
    return inst


def _build_movielens(src: Any, num_types: int, unseen_only: bool, mf_dim: int, cluster_seed: int) -> MarketInstance:
    from recogym_eco.components.groups import kmeans_groups
    from recogym_eco.data.mf import fit_als
    from recogym_eco.data.movielens import load_movielens

    ml = load_movielens(src)
    R = ml.ratings
    U, I = ml.num_users, ml.num_items
    model = fit_als(R, U, I, dim=mf_dim, seed=0)
    pred = model.mu + model.user_bias[:, None] + model.item_bias[None, :] + model.P @ model.Q.T
    gamma = np.clip(pred, 1.0, 5.0) / 5.0
    observed = np.zeros((U, I))
    observed[R[:, 0], R[:, 1]] = 1.0
    gamma[R[:, 0], R[:, 1]] = R[:, 2] / 5.0
    num_distinct = np.unique(gamma, axis=0).shape[0]
    if not 1 <= num_types <= num_distinct:
        raise ValueError(f"num_types must be in [1, {num_distinct}] for this MovieLens copy, got {num_types}")
    labels = kmeans_groups(gamma, num_types, np.random.default_rng(cluster_seed))
    onehot = np.zeros((U, num_types))
    onehot[np.arange(U), labels] = 1.0
    everyone = np.ones((U, 1))
    v_hat, _ = _group_mean(onehot, gamma, observed)
    q, n_unobs = _group_mean(onehot, gamma, 1.0 - observed)
    v_all, _ = _group_mean(everyone, gamma, observed)
    q_all, _ = _group_mean(everyone, gamma, 1.0 - observed)
    col = gamma.mean(0)[None, :]
    v_all = np.where(np.isnan(v_all), col, v_all)
    q_all = np.where(np.isnan(q_all), col, q_all)
    v_hat = np.where(np.isnan(v_hat), np.broadcast_to(v_all, v_hat.shape), v_hat)
    q = np.where(np.isnan(q), np.broadcast_to(q_all, q.shape), q)
    if unseen_only:
        seen_by_all = n_unobs == 0
        v_hat = np.where(seen_by_all, 0.0, v_hat)
        q = np.where(seen_by_all, 0.0, q)
    w = onehot.sum(0) / U
    return MarketInstance(type_weights=w, appeal=v_hat, quality=q)

"""Matrix factorisation of MovieLens ratings (NumPy ALS) and the ContentCompetition ``movielens`` world data.

Model: r(u, i) ~ mu + b_u + b_i + p_u . q_i, fitted by alternating least squares with weighted
Tikhonov regularisation (lambda * number of ratings, "ALS-WR") on every factor and bias. The seed of a
fit fixes the random initial item factors, so fits are reproducible.

:func:`movielens_instance_data` turns a fit on the full data into the ContentCompetition population:
users with at least ``min_user_ratings`` ratings become x_u = [p_u, 1]; every movie becomes
s_i = [q_i, b_i], so that <s_i, x_u> = p_u . q_i + b_i is the item-dependent part of u's predicted
rating. The result (and the 5-fold held-out RMSE) is cached in a small ``.npz`` (``mf_cache``, else
``$RECOGYM_ECO_CACHE`` or ``~/.cache/recogym_eco``); nothing is computed at import time.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MFModel", "cross_validated_rmse", "fit_als", "movielens_instance_data"]


class MFModel:
    """Fitted factors: ``mu``, ``user_bias`` (U,), ``item_bias`` (I,), ``P`` (U, d), ``Q`` (I, d)."""

    def __init__(self, mu: float, user_bias: np.ndarray, item_bias: np.ndarray, P: np.ndarray, Q: np.ndarray):
        self.mu, self.user_bias, self.item_bias, self.P, self.Q = mu, user_bias, item_bias, P, Q

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings for (user, item) pairs (not clipped)."""
        return self.mu + self.user_bias[users] + self.item_bias[items] + (self.P[users] * self.Q[items]).sum(1)


def _solve_side(rows: np.ndarray, cols: np.ndarray, target: np.ndarray, F: np.ndarray, n_rows: int, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge-solve [factors, bias] of every row entity given the other side's factors F."""
    d = F.shape[1]
    Fa = np.hstack([F, np.ones((F.shape[0], 1))])
    out = np.zeros((n_rows, d + 1))
    order = np.argsort(rows, kind="stable")
    r_sorted, c_sorted, t_sorted = rows[order], cols[order], target[order]
    bounds = np.searchsorted(r_sorted, np.arange(n_rows + 1))
    eye = np.eye(d + 1)
    for u in range(n_rows):
        a, b = bounds[u], bounds[u + 1]
        if a == b:
            continue
        G = Fa[c_sorted[a:b]]
        A = G.T @ G + lam * (b - a) * eye
        out[u] = np.linalg.solve(A, G.T @ t_sorted[a:b])
    return out[:, :d], out[:, d]


def fit_als(
    ratings: np.ndarray, num_users: int, num_items: int, dim: int = 32, reg: float = 0.1, iters: int = 15, seed: int = 0
) -> MFModel:
    """Fit the biased MF model to ``ratings`` rows (user, item, rating) by ALS-WR."""
    ratings = np.asarray(ratings)
    u, i = ratings[:, 0].astype(np.int64), ratings[:, 1].astype(np.int64)
    r = ratings[:, 2].astype(np.float64)
    mu = float(r.mean())
    rng = np.random.default_rng(seed)
    Q = 0.1 * rng.standard_normal((num_items, dim))
    bi = np.zeros(num_items)
    P = np.zeros((num_users, dim))
    bu = np.zeros(num_users)
    for _ in range(iters):
        P, bu = _solve_side(u, i, r - mu - bi[i], Q, num_users, reg)
        Q, bi = _solve_side(i, u, r - mu - bu[u], P, num_items, reg)
    return MFModel(mu, bu, bi, P, Q)


def cross_validated_rmse(
    ratings: np.ndarray, num_users: int, num_items: int, folds: int = 5, seed: int = 0, **fit_kw: Any
) -> tuple[float, list[float]]:
    """Mean held-out RMSE over a random ``folds``-fold split of the ratings (predictions clipped to [1, 5])."""
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(ratings)) % folds
    scores = []
    for f in range(folds):
        train, test = ratings[fold != f], ratings[fold == f]
        model = fit_als(train, num_users, num_items, seed=seed, **fit_kw)
        pred = np.clip(model.predict(test[:, 0], test[:, 1]), 1.0, 5.0)
        scores.append(float(np.sqrt(np.mean((pred - test[:, 2]) ** 2))))
    return float(np.mean(scores)), scores


def cache_dir(explicit: str | None) -> Path:
    """The folder of cached ``.npz`` instances (ContentCompetition, TrialOfferMarket).

    ``explicit`` if given, else ``$RECOGYM_ECO_CACHE``, else ``~/.cache/recogym_eco``.
    """
    if explicit:
        return Path(explicit)
    env = os.environ.get("RECOGYM_ECO_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "recogym_eco"


_MEMO: dict[str, dict[str, Any]] = {}


def movielens_instance_data(config: Any, with_cv: bool = True) -> dict[str, Any]:
    """Users, items, popularity order, best item and CV RMSE for the ``movielens`` preset (cached).

    Reads ``config.movielens_path`` (None: :func:`recogym_eco.data.movielens.find_movielens`),
    ``config.mf_dim``, ``config.min_user_ratings`` and ``config.mf_cache``.
    """
    from recogym_eco.data.movielens import find_movielens, load_movielens

    src = find_movielens(config.movielens_path)
    reg, iters = 0.1, 15
    key_src = f"{Path(src).resolve()}|{Path(src).stat().st_size}|{config.mf_dim}|{reg}|{iters}|{config.min_user_ratings}"
    key = hashlib.sha1(key_src.encode()).hexdigest()[:16]
    if key in _MEMO:
        return _MEMO[key]
    path = cache_dir(config.mf_cache) / f"movielens_mf_{key}.npz"
    if path.exists():
        z = np.load(path)
        data = {k: z[k] for k in z.files}
        data["rmse"] = float(data["rmse"])
        data["best_item"] = int(data["best_item"])
    else:
        ml = load_movielens(src)
        R = ml.ratings
        model = fit_als(R, ml.num_users, ml.num_items, dim=config.mf_dim, reg=reg, iters=iters)
        rmse, per_fold = cross_validated_rmse(R, ml.num_users, ml.num_items, dim=config.mf_dim, reg=reg, iters=iters) if with_cv else (float("nan"), [])
        counts = np.bincount(R[:, 0], minlength=ml.num_users)
        keep = np.flatnonzero(counts >= config.min_user_ratings)
        users = np.hstack([model.P[keep], np.ones((keep.size, 1))])
        items = np.hstack([model.Q, model.item_bias[:, None]])
        popularity = np.bincount(R[:, 1], minlength=ml.num_items)
        popular = np.argsort(-popularity, kind="stable")
        # "the most preferred movie among all users": highest mean predicted rating over the population,
        # among the common (most-rated) part so that every creator can start there
        pred_mean = (users @ items.T).mean(0) + model.mu + model.user_bias[keep].mean()
        best = int(popular[: config.num_common_items][np.argmax(pred_mean[popular[: config.num_common_items]])])
        data = {
            "users": users, "items": items, "popular": popular, "best_item": best, "rmse": rmse,
            "rmse_folds": np.array(per_fold), "user_ids": keep, "item_popularity": popularity,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **data)
    _MEMO[key] = data
    return data

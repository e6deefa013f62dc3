"""Bias-free matrix factorisations of MovieLens ratings: PMF (centred ratings) and NMF (non-negative).

Seed 002, Section 5.3 ("Setup"): the exposure-game audit builds its demand distribution from the
user embeddings of two rating models, probabilistic matrix factorisation on centred ratings (PMF)
and non-negative matrix factorisation (NMF); the recommender's seed (its random initial factors)
changes the demand. Both models here are fitted to the observed ratings only:

* PMF: r(u, i) - mu ~ p_u . q_i, alternating least squares with weighted Tikhonov regularisation
  (lambda times the number of ratings of the row, "ALS-WR", as in :mod:`recogym_eco.data.mf`), no
  bias terms (the thesis ignores biases when it runs the game);
* NMF: r(u, i) ~ p_u . q_i with P, Q >= 0, masked multiplicative updates (Lee and Seung) with an L2
  penalty lambda on both factors.

:func:`movielens_user_embeddings` loads the data with :func:`recogym_eco.data.movielens.load_movielens`
(so it is found the same way as everywhere in the suite: explicit path, ``$RECOGYM_ECO_MOVIELENS``,
or an installed recbole) and memoises the fitted user embeddings per process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FACTORISATIONS", "fit_nmf", "fit_pmf", "movielens_user_embeddings", "rating_rmse"]

FACTORISATIONS: tuple[str, ...] = ("pmf", "nmf")

_MEMO: dict[tuple[Any, ...], dict[str, Any]] = {}


def _ridge_rows(rows: np.ndarray, cols: np.ndarray, target: np.ndarray, F: np.ndarray, n_rows: int,
                lam: float) -> np.ndarray:
    """Per-row ridge solution x_r = (F_r^T F_r + lam n_r I)^-1 F_r^T t_r (ALS-WR half step)."""
    d = F.shape[1]
    out = np.zeros((n_rows, d))
    order = np.argsort(rows, kind="stable")
    c_sorted, t_sorted = cols[order], target[order]
    bounds = np.searchsorted(rows[order], np.arange(n_rows + 1))
    eye = np.eye(d)
    for r in range(n_rows):
        a, b = bounds[r], bounds[r + 1]
        if a == b:
            continue
        G = F[c_sorted[a:b]]
        out[r] = np.linalg.solve(G.T @ G + lam * (b - a) * eye, G.T @ t_sorted[a:b])
    return out


def _split(ratings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ratings = np.asarray(ratings)
    if ratings.ndim != 2 or ratings.shape[1] < 3 or ratings.shape[0] == 0:
        raise ValueError(f"ratings must be a non-empty (n, 3) array of (user, item, rating), got shape {ratings.shape}")
    return ratings[:, 0].astype(np.int64), ratings[:, 1].astype(np.int64), ratings[:, 2].astype(np.float64)


def fit_pmf(ratings: np.ndarray, num_users: int, num_items: int, dim: int, reg: float = 0.1, iters: int = 15,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray, float]:
    """PMF on centred ratings by ALS-WR: returns (P (U, dim), Q (I, dim), mu).

    Minimises sum_obs (r - mu - p_u . q_i)^2 + reg (n_u |p_u|^2 + n_i |q_i|^2), mu = mean rating
    (seed 002, Section 5.3: PMF trained on centred ratings). ``seed`` draws the initial item factors.
    """
    u, i, r = _split(ratings)
    mu = float(r.mean())
    rng = np.random.default_rng(seed)
    Q = 0.1 * rng.standard_normal((num_items, dim))
    P = np.zeros((num_users, dim))
    for _ in range(iters):
        P = _ridge_rows(u, i, r - mu, Q, num_users, reg)
        Q = _ridge_rows(i, u, r - mu, P, num_items, reg)
    return P, Q, mu


def fit_nmf(ratings: np.ndarray, num_users: int, num_items: int, dim: int, reg: float = 0.1, iters: int = 200,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """NMF of the observed ratings by masked multiplicative updates: returns (P (U, dim), Q (I, dim)) >= 0.

    Minimises sum_obs (r - p_u . q_i)^2 + reg (|P|^2 + |Q|^2) over P, Q >= 0 with the updates
    P <- P * (M*R) Q / ((M*(P Q^T)) Q + reg P) and the same for Q (Lee and Seung, weighted by the
    observation mask M); seed 002, Section 5.3 (NMF rating model). ``seed`` draws the initial factors.
    """
    u, i, r = _split(ratings)
    R = np.zeros((num_users, num_items))
    M = np.zeros((num_users, num_items))
    R[u, i] = r
    M[u, i] = 1.0
    rng = np.random.default_rng(seed)
    scale = np.sqrt(r.mean() / dim)
    P = scale * rng.uniform(0.5, 1.5, (num_users, dim))
    Q = scale * rng.uniform(0.5, 1.5, (num_items, dim))
    MR = M * R
    eps = 1e-12
    for _ in range(iters):
        P *= (MR @ Q) / ((M * (P @ Q.T)) @ Q + reg * P + eps)
        Q *= (MR.T @ P) / ((M * (P @ Q.T)).T @ P + reg * Q + eps)
    return P, Q


def rating_rmse(ratings: np.ndarray, P: np.ndarray, Q: np.ndarray, offset: float = 0.0) -> float:
    """Root-mean-square error of offset + p_u . q_i on the given (user, item, rating) rows."""
    u, i, r = _split(ratings)
    return float(np.sqrt(np.mean((offset + (P[u] * Q[i]).sum(1) - r) ** 2)))


def movielens_user_embeddings(path: str | None, factorisation: str, dim: int, seed: int = 0, reg: float = 0.1,
                              iters: int | None = None) -> dict[str, Any]:
    """User embeddings c_u of MovieLens-100K under a PMF or NMF fit (memoised per process).

    Returns ``{"users": (U, dim), "items": (I, dim), "rmse": train RMSE, "source": path}``. The demand
    of the exposure game is the empirical distribution of ``users`` (seed 002, Section 5.3).
    """
    from recogym_eco.data.movielens import find_movielens, load_movielens

    if factorisation not in FACTORISATIONS:
        raise ValueError(f"unknown factorisation {factorisation!r}; allowed: {', '.join(map(repr, FACTORISATIONS))}")
    src = find_movielens(path)
    n_iter = iters if iters is not None else (15 if factorisation == "pmf" else 200)
    key = (str(Path(src).resolve()), Path(src).stat().st_size, factorisation, int(dim), int(seed), float(reg), n_iter)
    if key in _MEMO:
        return _MEMO[key]
    ml = load_movielens(src)
    if factorisation == "pmf":
        P, Q, mu = fit_pmf(ml.ratings, ml.num_users, ml.num_items, dim, reg=reg, iters=n_iter, seed=seed)
        rmse = rating_rmse(ml.ratings, P, Q, mu)
    else:
        P, Q = fit_nmf(ml.ratings, ml.num_users, ml.num_items, dim, reg=reg, iters=n_iter, seed=seed)
        rmse = rating_rmse(ml.ratings, P, Q)
    rated = np.bincount(ml.ratings[:, 0], minlength=ml.num_users) > 0
    out = {"users": P[rated].copy(), "items": Q, "rmse": rmse, "source": str(src)}
    out["users"].setflags(write=False)
    _MEMO[key] = out
    return out

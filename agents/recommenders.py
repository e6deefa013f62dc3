"""Recommender baselines of RecLab (seed 002, Section 2.4) for ``recogym_eco/UserDynamics-v0``.

Every recommender is greedy (Section 2.6): it predicts a rating for every (online user, item) pair
and recommends the highest-predicted item the user has not rated yet. ``predict(observation)`` is
SB3's interface; it refits on every call from the observation's rating matrix (0 = not observed),
which is the thesis' "retrain on all the data acquired so far". Only :class:`Oracle` reads the
world (``privileged = True``): it is a reference point, not a deployable recommender.

* :class:`RandomRec` - predicts ratings uniformly at random in [1, 5].
* :class:`TopPop` - predicts each item's mean observed rating (popularity by average rating).
* :class:`Oracle` - greedy on the true expected rating E[clip(r + eps)] (privileged).
* :class:`ItemKNN` - item-based neighbourhood model (Sarwar et al.; Surprise's KNNWithMeans with a
  fixed item neighbourhood): r_hat(u, i) = mu_i + sum_j s_ij (r_uj - mu_j) / sum_j |s_ij| over the k
  most similar items j of i that u rated; s = shrunk cosine of item-mean-centred ratings.
* :class:`OnlineMF` - biased matrix factorisation r_hat = mu + b_u + b_i + p_u . q_i fitted by ALS-WR
  (the same model and updates as ``recogym_eco.data.mf.fit_als``, batched over users and items), its
  (dim, reg) tuned by 5-fold cross-validation on the initial data (:meth:`OnlineMF.tune`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RECOMMENDERS", "ItemKNN", "OnlineMF", "Oracle", "RandomRec", "Recommender", "TopPop", "als_dense", "cross_validate", "ndcg_at_k"]


class Recommender:
    """Base class: ``fit`` on a dense rating matrix, ``scores`` for some users, greedy ``predict``."""

    privileged = False

    def __init__(self, env: Any = None, seed: int | None = None) -> None:
        self.env = env
        self.rng = np.random.default_rng(seed)

    def fit(self, ratings: np.ndarray) -> None:
        """Trains on ``ratings`` (U, I), 0 meaning not observed."""

    def scores(self, users: np.ndarray) -> np.ndarray:
        """Predicted ratings (n, I) of every item for ``users``."""
        raise NotImplementedError

    def predict_pairs(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings of the pairs (users[j], items[j])."""
        uniq, inv = np.unique(users, return_inverse=True)
        return self.scores(uniq)[inv, items]

    def recommend(self, ratings: np.ndarray, users: np.ndarray) -> np.ndarray:
        """Greedy choice: per user the highest-scoring item it has not rated (ties: lowest index)."""
        self.fit(ratings)
        s = np.array(self.scores(users), dtype=np.float64)
        s[ratings[users] > 0] = -np.inf
        return s.argmax(axis=1).astype(np.int64)

    def predict(self, observation: dict[str, np.ndarray], state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[np.ndarray, Any]:
        """SB3 ``PolicyPredictor`` interface; accepts one observation or a batch of them."""
        ratings = np.asarray(observation["ratings"])
        users = np.asarray(observation["online_users"]).astype(np.int64)
        if ratings.ndim == 3:
            return np.stack([self.recommend(r, u) for r, u in zip(ratings, users)]), state
        return self.recommend(ratings, users), state


class RandomRec(Recommender):
    """Predicts U(1, 5) ratings: a random unseen item per user."""

    def scores(self, users: np.ndarray) -> np.ndarray:
        return self.rng.uniform(1.0, 5.0, size=(len(users), self._num_items))

    def fit(self, ratings: np.ndarray) -> None:
        self._num_items = ratings.shape[1]


def _item_means(ratings: np.ndarray) -> tuple[np.ndarray, float]:
    observed = ratings > 0
    total = observed.sum()
    mu = float(ratings.sum() / total) if total else 3.0
    counts = observed.sum(axis=0)
    means = np.where(counts > 0, ratings.sum(axis=0) / np.maximum(counts, 1), mu)
    return means, mu


class TopPop(Recommender):
    """Mean observed rating of each item (the global mean for unrated items); the same for every user."""

    def fit(self, ratings: np.ndarray) -> None:
        self.item_mean, _ = _item_means(ratings)

    def scores(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_mean, (len(users), self.item_mean.size))


class Oracle(Recommender):
    """PRIVILEGED: reads the world's true expected ratings (``world.expected_ratings``); greedy, no planning."""

    privileged = True

    def __init__(self, env: Any = None, seed: int | None = None) -> None:
        if env is None:
            raise ValueError("Oracle reads the world's true ratings: construct it with the env, e.g. Oracle(env)")
        super().__init__(env, seed)

    def scores(self, users: np.ndarray) -> np.ndarray:
        return self.env.unwrapped.world.expected_ratings(np.asarray(users))


class ItemKNN(Recommender):
    """Item-based k-nearest-neighbour model with item-mean centring and similarity shrinkage."""

    def __init__(self, env: Any = None, seed: int | None = None, neighbours: int = 40, shrinkage: float = 10.0) -> None:
        super().__init__(env, seed)
        if not (isinstance(neighbours, (int, np.integer)) and neighbours >= 1):
            raise ValueError(f"neighbours must be a positive integer; got {neighbours!r}")
        if not shrinkage >= 0:
            raise ValueError(f"shrinkage must be >= 0; got {shrinkage!r}")
        self.neighbours, self.shrinkage = int(neighbours), float(shrinkage)

    def fit(self, ratings: np.ndarray) -> None:
        """s_ij = cos(rc_i, rc_j) * n_ij / (n_ij + shrinkage), rc = item-centred ratings, n_ij = co-raters; top-k kept."""
        observed = (ratings > 0).astype(np.float32)
        self.item_mean, _ = _item_means(ratings)
        centred = ((ratings - self.item_mean[None, :]) * observed).astype(np.float32)
        gram = centred.T @ centred
        norms = np.sqrt(np.diag(gram))
        co = observed.T @ observed
        sim = gram / np.maximum(norms[:, None] * norms[None, :], 1e-12) * co / (co + self.shrinkage)
        np.fill_diagonal(sim, 0.0)
        k = min(self.neighbours, sim.shape[0] - 1)
        drop = np.argpartition(-np.abs(sim), k, axis=1)[:, k:]
        np.put_along_axis(sim, drop, 0.0, axis=1)
        self.sim = sim
        self.centred, self.observed = centred, observed

    def scores(self, users: np.ndarray) -> np.ndarray:
        num = self.centred[users] @ self.sim.T
        den = self.observed[users] @ np.abs(self.sim).T
        return self.item_mean[None, :] + np.where(den > 1e-12, num / np.maximum(den, 1e-12), 0.0)


def _ridge_side(mask: np.ndarray, target: np.ndarray, other: np.ndarray, reg: float) -> tuple[np.ndarray, np.ndarray]:
    """Batched ALS-WR half step: for every row r solve (G_r^T G_r + reg n_r I) x_r = G_r^T t_r, G = [other, 1]."""
    rows = mask.shape[0]
    F = np.hstack([other, np.ones((other.shape[0], 1))])
    k = F.shape[1]
    A = (mask @ (F[:, :, None] * F[:, None, :]).reshape(F.shape[0], k * k)).reshape(rows, k, k)
    counts = mask.sum(axis=1)
    A += (reg * counts)[:, None, None] * np.eye(k)
    A[counts == 0] = np.eye(k)
    b = (mask * target) @ F
    x = np.linalg.solve(A, b[:, :, None])[:, :, 0]
    return x[:, :-1], x[:, -1]


def als_dense(ratings: np.ndarray, dim: int, reg: float, iters: int, seed: int = 0,
              init: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """ALS-WR for r_hat = mu + b_u + b_i + p_u . q_i on a dense (U, I) matrix (0 = missing).

    The updates of ``recogym_eco.data.mf.fit_als`` (same initial Q = 0.1 N(0, 1) from ``seed``, b_i = 0,
    users first), batched with one matrix product per half step instead of a loop over users.
    ``init = (Q, b_i)`` warm-starts from earlier item parameters.
    """
    mask = (ratings > 0).astype(np.float64)
    R = ratings.astype(np.float64)
    total = mask.sum()
    mu = float(R.sum() / total) if total else 3.0
    U, I = R.shape
    if init is None:
        Q = 0.1 * np.random.default_rng(seed).standard_normal((I, dim))
        bi = np.zeros(I)
    else:
        Q, bi = init[0].copy(), init[1].copy()
    P, bu = np.zeros((U, dim)), np.zeros(U)
    for _ in range(iters):
        P, bu = _ridge_side(mask, R - mu - bi[None, :], Q, reg)
        Q, bi = _ridge_side(mask.T, (R - mu - bu[:, None]).T, P, reg)
    return dict(mu=mu, user_bias=bu, item_bias=bi, P=P, Q=Q)


class OnlineMF(Recommender):
    """Biased MF by ALS-WR, refitted on every ``predict`` from all observed ratings (Section 2.6).

    ``warm_start=True`` starts each refit from the previous item factors with ``warm_iters`` sweeps
    (a cheaper online variant; the thesis retrains from scratch, the default here).
    """

    GRID = dict(dim=(2, 4, 8, 16), reg=(0.1, 0.3, 1.0, 3.0))

    def __init__(self, env: Any = None, seed: int | None = None, dim: int = 8, reg: float = 0.1, iters: int = 10,
                 warm_start: bool = False, warm_iters: int = 2) -> None:
        super().__init__(env, seed)
        for name, value in (("dim", dim), ("iters", iters), ("warm_iters", warm_iters)):
            if not (isinstance(value, (int, np.integer)) and value >= 1):
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        if not (isinstance(reg, (int, float)) and reg > 0):
            raise ValueError(f"reg must be a positive number; got {reg!r}")
        self.dim, self.reg, self.iters = int(dim), float(reg), int(iters)
        self.warm_start, self.warm_iters = bool(warm_start), int(warm_iters)
        self.seed = 0 if seed is None else int(seed)
        self.model: dict[str, Any] | None = None

    def fit(self, ratings: np.ndarray) -> None:
        if self.warm_start and self.model is not None and self.model["Q"].shape[0] == ratings.shape[1]:
            self.model = als_dense(ratings, self.dim, self.reg, self.warm_iters, init=(self.model["Q"], self.model["item_bias"]))
        else:
            self.model = als_dense(ratings, self.dim, self.reg, self.iters, seed=self.seed)

    def scores(self, users: np.ndarray) -> np.ndarray:
        m = self.model
        return m["mu"] + m["user_bias"][users][:, None] + m["item_bias"][None, :] + m["P"][users] @ m["Q"].T

    @classmethod
    def tune(cls, ratings: np.ndarray, grid: dict[str, tuple] | None = None, folds: int = 5, seed: int = 0,
             iters: int = 10) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Grid search of (dim, reg) minimising mean ``folds``-fold held-out RMSE on ``ratings`` (Section 2.6, step 2).

        Returns the best ``dict(dim=, reg=)`` and the table of every setting's mean RMSE.
        """
        grid = cls.GRID if grid is None else grid
        table = []
        for dim in grid["dim"]:
            for reg in grid["reg"]:
                rmse = cross_validate(lambda: cls(dim=dim, reg=reg, iters=iters, seed=seed), ratings, folds, seed)["rmse"]
                table.append(dict(dim=dim, reg=reg, rmse=rmse))
        best = min(table, key=lambda row: row["rmse"])
        return dict(dim=best["dim"], reg=best["reg"]), table


def ndcg_at_k(pred: np.ndarray, truth: np.ndarray, held: np.ndarray, k: int = 20) -> float:
    """Mean over users with held-out pairs of DCG@k / IDCG@k, gain = true rating, discount 1/log2(rank + 1).

    ``pred``, ``truth``: (U, I); ``held``: (U, I) bool, the pairs being ranked.
    """
    users = np.flatnonzero(held.any(axis=1))
    score = np.where(held[users], pred[users], -np.inf)
    gain = np.where(held[users], truth[users], 0.0)
    k = min(k, held.shape[1])
    discount = 1.0 / np.log2(np.arange(k) + 2.0)
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    dcg = (np.take_along_axis(gain, order, axis=1) * discount).sum(axis=1)
    ideal = (-np.sort(-gain, axis=1)[:, :k] * discount).sum(axis=1)
    return float(np.mean(dcg / np.where(ideal > 0, ideal, 1.0)))


def cross_validate(make: Any, ratings: np.ndarray, folds: int = 5, seed: int = 0, k: int = 20) -> dict[str, float]:
    """Offline metrics (Section 2.5): mean over a random ``folds``-fold split of the observed ratings of
    held-out RMSE (predictions clipped to [1, 5]) and nDCG@k; ``make()`` builds a fresh recommender."""
    u, i = np.nonzero(ratings)
    fold = np.random.default_rng(seed).permutation(u.size) % folds
    rmse, ndcg = [], []
    for f in range(folds):
        test = fold == f
        train = ratings.copy()
        train[u[test], i[test]] = 0.0
        rec = make()
        rec.fit(train)
        users = np.unique(u[test])
        pred = np.zeros(ratings.shape)
        pred[users] = rec.scores(users)
        p = np.clip(pred[u[test], i[test]], 1.0, 5.0)
        rmse.append(float(np.sqrt(np.mean((p - ratings[u[test], i[test]]) ** 2))))
        held = np.zeros(ratings.shape, dtype=bool)
        held[u[test], i[test]] = True
        ndcg.append(ndcg_at_k(pred, ratings, held, k))
    return dict(rmse=float(np.mean(rmse)), ndcg=float(np.mean(ndcg)))


RECOMMENDERS = {"Random": RandomRec, "TopPop": TopPop, "Oracle": Oracle, "ItemKNN": ItemKNN, "MF": OnlineMF}

"""Users whose ratings respond to what they are shown: RecLab's topics and latent users (seed 002, Chapter 2.3).

Two user models share one interface (``rate``, ``consume``, ``expected_ratings``, ``profiles``), so any
world can hold a population of them. Every method is vectorised over a batch of *distinct* users (one
item each), which is what makes a batch update exact: no user appears twice in one call.

* :class:`TopicUsers` (``topics-static`` / ``topics-dynamic``): item i has a topic k_i; user u has an
  affinity pi(u, k) ~ U(0.5, 5.5). The rating is ``clip(pi(u, k_i) - lambda * bored + eps, 1, 5)``,
  eps ~ N(0, sigma^2). Consuming topic k moves the affinities (affinity drift, Section 2.3):
  pi(u, k) += a, pi(u, k') -= a / (K - 1) for every k' != k, the whole row then clipped to
  ``affinity_bounds``. Boredom: ``bored = 1`` when the topic is among the user's last m consumed items
  at least tau times (the current item not counted).
* :class:`LatentUsers` (``latent-static`` / ``latent-dynamic`` / ``ml-100k``): rating
  ``clip(mu0 + c_u + b_i + p_u . q_i - lambda * bored + eps, 1, 5)``. Synthetic draws follow the thesis:
  mu0 = 3, c_u, b_i ~ N(0, 0.25), every entry of p_u, q_i ~ N(0, sqrt(0.5 / d)) (variances), so that
  Var(p_u . q_i) = 0.5. Drift moves the user's factor towards the consumed item's (RecLab's latent
  affinity change): p_u <- (1 - a) p_u + a q_i. Boredom counts the last m items whose cosine
  similarity with the current item is at least ``boredom_similarity``.

The history of each user is a ring buffer ``(num_users, m)`` of item ids (-1 = empty). Randomness
comes only from the caller's ``np.random.Generator``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "LatentUsers",
    "TopicUsers",
    "boredom_flags",
    "drift_topics",
    "expected_clipped_normal",
    "fit_movielens_latent",
    "push_history",
    "synthetic_latent_parameters",
]


def drift_topics(preferences: np.ndarray, users: np.ndarray, topics: np.ndarray, change: float,
                 bounds: tuple[float, float]) -> None:
    """Affinity drift in place (seed 002, Section 2.3, topics-dynamic).

    For each (u, k) pair: pi(u, k) <- clip(pi(u, k) + a), pi(u, k') <- clip(pi(u, k') - a / (K - 1))
    for k' != k, clip to ``bounds``. ``users`` must be distinct. With a single topic (K = 1) there
    is no other topic to lower.
    """
    if change == 0.0:
        return
    K = preferences.shape[1]
    rows = preferences[users]
    chosen = rows[np.arange(users.size), topics] + change
    if K > 1:
        rows -= change / (K - 1)
    rows[np.arange(users.size), topics] = chosen
    np.clip(rows, bounds[0], bounds[1], out=rows)
    preferences[users] = rows


def push_history(history: np.ndarray, position: np.ndarray, users: np.ndarray, items: np.ndarray) -> None:
    """Appends ``items[j]`` to user ``users[j]``'s ring buffer of the last m consumed items (in place)."""
    m = history.shape[1]
    if m == 0:
        return
    history[users, position[users] % m] = items
    position[users] += 1


def boredom_flags(similar: np.ndarray, threshold: int) -> np.ndarray:
    """bored = 1{number of remembered items similar to the current one >= tau} (Section 2.3).

    ``similar``: (n, m) bool, True where a remembered item counts as "the same topic" as the item
    being rated (empty slots must be False). ``threshold`` = 0 disables boredom.
    """
    if threshold <= 0 or similar.shape[1] == 0:
        return np.zeros(similar.shape[0], dtype=bool)
    return similar.sum(axis=1) >= threshold


def expected_clipped_normal(mean: np.ndarray, sigma: float, low: float, high: float) -> np.ndarray:
    """E[clip(X, low, high)] for X ~ N(mean, sigma^2), in closed form.

    = low * Phi(alpha) + high * (1 - Phi(beta)) + mean * (Phi(beta) - Phi(alpha))
      + sigma * (phi(alpha) - phi(beta)),   alpha = (low - mean) / sigma, beta = (high - mean) / sigma.
    The Oracle of Section 2.4 is greedy on this "true expected rating".
    """
    mean = np.asarray(mean, dtype=np.float64)
    if sigma == 0.0:
        return np.clip(mean, low, high)
    from scipy.special import ndtr

    a = (low - mean) / sigma
    b = (high - mean) / sigma
    pdf_a = np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi)
    pdf_b = np.exp(-0.5 * b * b) / np.sqrt(2 * np.pi)
    cdf_a, cdf_b = ndtr(a), ndtr(b)
    return low * cdf_a + high * (1.0 - cdf_b) + mean * (cdf_b - cdf_a) + sigma * (pdf_a - pdf_b)


class _History:
    """Per-user ring buffer of recently consumed items, shared by both user models."""

    def __init__(self, num_users: int, memory: int) -> None:
        self.items = np.full((num_users, memory), -1, dtype=np.int64)
        self.position = np.zeros(num_users, dtype=np.int64)

    def push(self, users: np.ndarray, items: np.ndarray) -> None:
        push_history(self.items, self.position, users, items)


class TopicUsers:
    """The topics user model (static when ``change = 0`` and ``threshold = 0``).

    State: ``preferences`` (U, K) float64, ``item_topics`` (I,) int, a (U, m) consumption history.
    """

    def __init__(self, preferences: np.ndarray, item_topics: np.ndarray, noise: float, change: float,
                 memory: int, threshold: int, penalty: float, rating_bounds: tuple[float, float] = (1.0, 5.0),
                 affinity_bounds: tuple[float, float] = (1.0, 5.0)) -> None:
        self.preferences = np.asarray(preferences, dtype=np.float64).copy()
        self.item_topics = np.asarray(item_topics, dtype=np.int64)
        self.num_topics = self.preferences.shape[1]
        self.noise, self.change, self.threshold, self.penalty = float(noise), float(change), int(threshold), float(penalty)
        self.rating_bounds, self.affinity_bounds = tuple(rating_bounds), tuple(affinity_bounds)
        self.history = _History(self.preferences.shape[0], memory)

    @classmethod
    def sample(cls, rng: np.random.Generator, num_users: int, num_items: int, num_topics: int,
               preference_range: tuple[float, float] = (0.5, 5.5), **kwargs: Any) -> TopicUsers:
        """Draws pi(u, k) ~ U(preference_range) and a uniform topic per item (Section 2.3)."""
        prefs = rng.uniform(preference_range[0], preference_range[1], size=(num_users, num_topics))
        topics = rng.integers(0, num_topics, size=num_items)
        return cls(prefs, topics, **kwargs)

    @property
    def num_users(self) -> int:
        """Size of the population."""
        return self.preferences.shape[0]

    def _bored(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        if self.threshold <= 0 or self.history.items.shape[1] == 0:
            return np.zeros(users.size, dtype=bool)
        hist = self.history.items[users]
        similar = (self.item_topics[np.maximum(hist, 0)] == self.item_topics[items][:, None]) & (hist >= 0)
        return boredom_flags(similar, self.threshold)

    def mean_ratings(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """The noise-free rating before clipping: pi(u, k_i) - lambda * bored(u, i)."""
        return self.preferences[users, self.item_topics[items]] - self.penalty * self._bored(users, items)

    def rate(self, users: np.ndarray, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Ratings r = clip(pi(u, k_i) - lambda * bored + eps, 1, 5) of items[j] by users[j]; no state change."""
        raw = self.mean_ratings(users, items) + self.noise * rng.standard_normal(users.size)
        return np.clip(raw, *self.rating_bounds)

    def consume(self, users: np.ndarray, items: np.ndarray) -> None:
        """State update after consumption: affinity drift, then the item enters the user's memory."""
        drift_topics(self.preferences, users, self.item_topics[items], self.change, self.affinity_bounds)
        self.history.push(users, items)

    def expected_ratings(self, users: np.ndarray) -> np.ndarray:
        """(n, I) true expected rating E[r(u, i)] of every item for ``users`` (boredom included)."""
        K = self.num_topics
        per_topic = self.preferences[users].copy()
        if self.threshold > 0 and self.history.items.shape[1] > 0:
            hist = self.history.items[users]
            hist_topics = np.where(hist >= 0, self.item_topics[np.maximum(hist, 0)], K)
            counts = np.zeros((users.size, K + 1), dtype=np.int64)
            np.add.at(counts, (np.repeat(np.arange(users.size), hist.shape[1]), hist_topics.ravel()), 1)
            per_topic -= self.penalty * (counts[:, :K] >= self.threshold)
        per_topic = expected_clipped_normal(per_topic, self.noise, *self.rating_bounds)
        return per_topic[:, self.item_topics]

    def profiles(self, items: np.ndarray) -> np.ndarray:
        """One-hot topic of each item (n, K): what homogenisation compares between users."""
        out = np.zeros((items.size, self.num_topics))
        out[np.arange(items.size), self.item_topics[items]] = 1.0
        return out

    def topic_affinity(self) -> np.ndarray:
        """(K,) mean affinity of each topic over all users (Figure 2.7)."""
        return self.preferences.mean(axis=0)


def synthetic_latent_parameters(rng: np.random.Generator, num_users: int, num_items: int, dim: int,
                                bias_variance: float = 0.25, factor_variance: float | None = None
                                ) -> dict[str, Any]:
    """Thesis draws for latent-static (Section 2.3): c_u, b_i ~ N(0, 0.25); p_u, q_i entries ~ N(0, sqrt(0.5/d)).

    Variances, not standard deviations, so that Var(c_u) = Var(b_i) = 0.25 and Var(p_u . q_i) =
    d * (sqrt(0.5 / d))^2 = 0.5.
    """
    fvar = np.sqrt(0.5 / dim) if factor_variance is None else factor_variance
    return dict(
        offset=3.0,
        user_bias=rng.normal(0.0, np.sqrt(bias_variance), size=num_users),
        item_bias=rng.normal(0.0, np.sqrt(bias_variance), size=num_items),
        user_factors=rng.normal(0.0, np.sqrt(fvar), size=(num_users, dim)),
        item_factors=rng.normal(0.0, np.sqrt(fvar), size=(num_items, dim)),
    )


class LatentUsers:
    """The latent-factor user model; static when ``change = 0`` and ``threshold = 0``."""

    def __init__(self, offset: float, user_bias: np.ndarray, item_bias: np.ndarray, user_factors: np.ndarray,
                 item_factors: np.ndarray, noise: float, change: float = 0.0, memory: int = 0, threshold: int = 0,
                 penalty: float = 0.0, similarity: float = 0.5,
                 rating_bounds: tuple[float, float] = (1.0, 5.0)) -> None:
        self.offset = float(offset)
        self.user_bias = np.asarray(user_bias, dtype=np.float64).copy()
        self.item_bias = np.asarray(item_bias, dtype=np.float64).copy()
        self.user_factors = np.asarray(user_factors, dtype=np.float64).copy()
        self.item_factors = np.asarray(item_factors, dtype=np.float64).copy()
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self._unit_items = self.item_factors / np.where(norms > 0, norms, 1.0)
        self.noise, self.change, self.threshold, self.penalty = float(noise), float(change), int(threshold), float(penalty)
        self.similarity = float(similarity)
        self.rating_bounds = tuple(rating_bounds)
        self.history = _History(self.user_factors.shape[0], memory)

    @property
    def num_users(self) -> int:
        """Size of the population."""
        return self.user_factors.shape[0]

    def _similar(self, users: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        hist = self.history.items[users]
        cos = np.einsum("nmd,nd->nm", self._unit_items[np.maximum(hist, 0)], self._unit_items[candidates])
        return (cos >= self.similarity) & (hist >= 0)

    def _bored(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        if self.threshold <= 0 or self.history.items.shape[1] == 0:
            return np.zeros(users.size, dtype=bool)
        return boredom_flags(self._similar(users, items), self.threshold)

    def mean_ratings(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """mu0 + c_u + b_i + p_u . q_i - lambda * bored(u, i), before noise and clipping."""
        dot = np.einsum("nd,nd->n", self.user_factors[users], self.item_factors[items])
        return (self.offset + self.user_bias[users] + self.item_bias[items] + dot
                - self.penalty * self._bored(users, items))

    def rate(self, users: np.ndarray, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Ratings clip(mu0 + c_u + b_i + p_u . q_i - lambda * bored + eps, 1, 5); no state change."""
        raw = self.mean_ratings(users, items) + self.noise * rng.standard_normal(users.size)
        return np.clip(raw, *self.rating_bounds)

    def consume(self, users: np.ndarray, items: np.ndarray) -> None:
        """Drift p_u <- (1 - a) p_u + a q_i, then the item enters the user's memory."""
        if self.change != 0.0:
            self.user_factors[users] = (1.0 - self.change) * self.user_factors[users] + self.change * self.item_factors[items]
        self.history.push(users, items)

    def expected_ratings(self, users: np.ndarray) -> np.ndarray:
        """(n, I) true expected rating of every item for ``users`` (boredom included)."""
        mean = (self.offset + self.user_bias[users][:, None] + self.item_bias[None, :]
                + self.user_factors[users] @ self.item_factors.T)
        if self.threshold > 0 and self.history.items.shape[1] > 0:
            hist = self.history.items[users]
            cos = np.einsum("nmd,id->nmi", self._unit_items[np.maximum(hist, 0)], self._unit_items)
            count = ((cos >= self.similarity) & (hist >= 0)[:, :, None]).sum(axis=1)
            mean -= self.penalty * (count >= self.threshold)
        return expected_clipped_normal(mean, self.noise, *self.rating_bounds)

    def profiles(self, items: np.ndarray) -> np.ndarray:
        """Unit latent vector of each item: what homogenisation compares between users."""
        return self._unit_items[items]

    def topic_affinity(self) -> np.ndarray:
        """Latent users have no topics: an empty array (the info key keeps one shape per world)."""
        return np.zeros(0)


_MEMO: dict[str, dict[str, Any]] = {}


def fit_movielens_latent(path: str | None = None, dim: int = 32, reg: float = 0.1, iters: int = 15,
                         cache: str | None = None, with_cv: bool = True) -> dict[str, Any]:
    """Biases and factors for the ``ml-100k`` users, fitted by the suite's ALS (``recogym_eco.data.mf``).

    Returns ``offset`` (global mean mu), ``user_bias``, ``item_bias``, ``user_factors``,
    ``item_factors`` and ``rmse`` (mean 5-fold held-out RMSE of the same fit, predictions clipped to
    [1, 5]; NaN when ``with_cv`` is False). Cached as ``.npz`` keyed on the data file and the fit.
    """
    from recogym_eco.data.mf import cache_dir, cross_validated_rmse, fit_als
    from recogym_eco.data.movielens import find_movielens, load_movielens

    src = find_movielens(path)
    key_src = f"{Path(src).resolve()}|{Path(src).stat().st_size}|{dim}|{reg}|{iters}|{with_cv}|user_dynamics"
    key = hashlib.sha1(key_src.encode()).hexdigest()[:16]
    if key in _MEMO:
        return _MEMO[key]
    file = cache_dir(cache) / f"user_dynamics_mf_{key}.npz"
    if file.exists():
        z = np.load(file)
        data: dict[str, Any] = {k: z[k] for k in z.files}
        data["offset"], data["rmse"] = float(data["offset"]), float(data["rmse"])
    else:
        ml = load_movielens(src)
        model = fit_als(ml.ratings, ml.num_users, ml.num_items, dim=dim, reg=reg, iters=iters)
        rmse = (cross_validated_rmse(ml.ratings, ml.num_users, ml.num_items, dim=dim, reg=reg, iters=iters)[0]
                if with_cv else float("nan"))
        data = dict(offset=float(model.mu), user_bias=model.user_bias, item_bias=model.item_bias,
                    user_factors=model.P, item_factors=model.Q, rmse=rmse)
        file.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(file, **data)
    _MEMO[key] = data
    return data

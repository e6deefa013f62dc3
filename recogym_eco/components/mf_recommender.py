"""Online matrix factorisation on the platform's own impressions and clicks (CreatorSuggestion-v1).

The learned, personalised recommender of issue 9, item 1: a logistic matrix factorisation
(implicit feedback: a shown and clicked item is a positive, a shown and skipped item a negative,
as CreAgent trains its recommender, research/baselines-spec.md Section 5, step 7) updated every
round with a few vectorised gradient steps on that round's impressions. It learns only from what it
shows, so what it ranks high gets the clicks that make it rank higher, the feedback loop the paper's
DIN recommender has (seed 001, Section 5.2).

Score of item i for user u (a logit, the estimated click probability is its sigmoid)::

    z_ui = p_u . (q_genre(i) + q_creator(i) + e_i) + b_genre(i) + b_i

A new item starts with e_i = 0, b_i = 0: its vector is its genre's plus its creator's (cold start
from genre and creator). Scores are dense (``factored = False``), ranked by plain top-k.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components.recommenders import register_recommender

__all__ = ["MatrixFactorisationRecommender", "row_mean"]


def row_mean(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Mean of the rows of ``values`` (n, d) that share an ``index`` (n,), shape (size, d); zero rows
    for indices that do not occur. One bincount per column: no Python loop over the n entries."""
    count = np.bincount(index, minlength=size).astype(np.float64)
    d = values.shape[1]
    flat = (index[:, None] * d + np.arange(d)[None, :]).ravel()
    total = np.bincount(flat, weights=values.ravel(), minlength=size * d).reshape(size, d)
    return total / np.maximum(count, 1.0)[:, None]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class MatrixFactorisationRecommender:
    """Logistic MF with genre and creator cold start, trained online (see the module docstring).

    ``dim``: embedding size d; ``lr``: step size; ``steps``: gradient steps per round; ``reg``: L2
    weight; ``init_scale``: std of the random initial user and genre vectors. Each step moves every
    parameter by ``lr`` times the mean gradient of the impressions that touch it (a count-normalised
    step, so a genre vector seen by hundreds of impressions moves as far as a user's).
    """

    factored = False

    def __init__(self, dim: int = 16, lr: float = 0.2, steps: int = 3, reg: float = 0.01,
                 init_scale: float = 0.1) -> None:
        self.dim, self.lr, self.steps, self.reg, self.init_scale = int(dim), float(lr), int(steps), float(reg), \
            float(init_scale)
        self.serial = np.zeros(0, dtype=np.int64)

    def reset(self, world: Any) -> None:
        """Fresh random user and genre vectors (from a generator spawned off the world's), zero
        creator and item vectors and biases."""
        cfg = world.config
        rng = world.rng.spawn(1)[0]
        U, G, C, d = cfg.num_users, cfg.num_genres, cfg.num_creators, self.dim
        slots = cfg.freshness_window * C
        self.num_creators = C
        self.user = rng.normal(0.0, self.init_scale, (U, d))
        self.genre = rng.normal(0.0, self.init_scale, (G, d))
        self.creator = np.zeros((C, d))
        self.item = np.zeros((slots, d))
        self.genre_bias = np.zeros(G)
        self.item_bias = np.zeros(slots)
        self.serial = np.full(slots, -1, dtype=np.int64)

    def _refresh(self, world: Any) -> None:
        """Zeroes the item terms of pool slots that now hold a new item (its serial changed)."""
        serial = world.item_serial.ravel()
        new = serial != self.serial
        self.item[new] = 0.0
        self.item_bias[new] = 0.0
        self.serial = serial.copy()

    def _vectors(self, world: Any, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        genre = world.item_genre.ravel()[slots]
        creator = slots % self.num_creators
        return self.genre[genre] + self.creator[creator] + self.item[slots], genre, creator

    def score(self, world: Any, users: np.ndarray, slots: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Dense logits z[u, i] (users, candidates), see the module docstring."""
        self._refresh(world)
        vectors, genre, _ = self._vectors(world, slots)
        return self.user[users] @ vectors.T + (self.genre_bias[genre] + self.item_bias[slots])[None, :]

    def predict_proba(self, world: Any, users: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Estimated click probabilities sigmoid(z) of ``slots`` for ``users`` (for inspection and tests)."""
        return _sigmoid(self.score(world, users, slots, np.random.default_rng(0)))

    def observe(self, world: Any, users: np.ndarray, slots: np.ndarray, shown: np.ndarray,
                clicked: np.ndarray) -> None:
        """``steps`` gradient steps of the logistic loss on this round's impressions.

        With g = sigmoid(z) - y per impression (y = 1 clicked, 0 skipped): p_u -= lr mean(g v + reg p_u),
        each of q_genre, q_creator, e_i -= lr mean(g p_u + reg q), b_genre, b_i -= lr mean(g).
        """
        self._refresh(world)
        if not shown.any():
            return
        u = np.broadcast_to(users[:, None], shown.shape)[shown]
        i = slots[shown]
        y = clicked[shown].astype(np.float64)
        U, G, C, S = self.user.shape[0], self.genre.shape[0], self.num_creators, self.item.shape[0]
        for _ in range(self.steps):
            vectors, genre, creator = self._vectors(world, i)
            p = self.user[u]
            g = _sigmoid((p * vectors).sum(axis=1) + self.genre_bias[genre] + self.item_bias[i]) - y
            grad_user = row_mean(u, g[:, None] * vectors + self.reg * p, U)
            grad_item = g[:, None] * p
            self.genre -= self.lr * row_mean(genre, grad_item + self.reg * self.genre[genre], G)
            self.creator -= self.lr * row_mean(creator, grad_item + self.reg * self.creator[creator], C)
            self.item -= self.lr * row_mean(i, grad_item + self.reg * self.item[i], S)
            self.user -= self.lr * grad_user
            self.genre_bias -= self.lr * row_mean(genre, g[:, None], G)[:, 0]
            self.item_bias -= self.lr * row_mean(i, g[:, None], S)[:, 0]


register_recommender("mf", lambda config: MatrixFactorisationRecommender(config.mf_dim, config.mf_lr, config.mf_steps,
                                                                         config.mf_reg))

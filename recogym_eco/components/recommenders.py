"""Recommenders as plug-ins: how a world scores its candidate items for each active user.

``score(world, users, slots, rng)`` receives the world (read what the recommender may use: the
oracle reads the true preferences, a learned recommender only the platform's logs), the active users
(indices, one row each) and the candidate items (flat indices into the world's item pool, whose genre
is ``world.item_genre.ravel()[slots]``). It returns either

* ``factored = True``: a pair ``(A, b)`` with score[u, i] = A[u, genre_i] * b_i, ``A`` of shape
  (users, num_genres) with A >= 0 and ``b`` of shape (candidates,) with b > 0. The world then computes
  the exact top-k without scoring every candidate (a k-way merge of per-genre lists); or
* ``factored = False``: the dense score matrix (users, candidates), ranked by plain top-k.

``observe(world, users, slots, shown, clicked)`` is called after the clicks of every round (slots
(users, k) of pool indices, ``shown``/``clicked`` boolean masks of the same shape): a learning
recommender updates itself there. ``reset(world)`` starts an episode.

``register_recommender(name, factory)`` adds one: ``factory(config)`` returns a fresh recommender;
``recommender=`` takes a registered name or an instance (deep-copied by the world).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from recogym_eco.plugins import Registry

__all__ = ["RECOMMENDERS", "OracleRecommender", "PopularityRecommender", "Recommender", "register_recommender"]


@runtime_checkable
class Recommender(Protocol):
    """Scores candidates for users (see the module docstring)."""

    factored: bool

    def reset(self, world: Any) -> None: ...

    def score(self, world: Any, users: np.ndarray, slots: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray] | np.ndarray: ...

    def observe(self, world: Any, users: np.ndarray, slots: np.ndarray, shown: np.ndarray,
                clicked: np.ndarray) -> None: ...


def tie_jitter(rng: np.random.Generator, size: int) -> np.ndarray:
    """1 + 1e-9 U(0, 1) per candidate: multiplied into b, it breaks exact ties uniformly at random."""
    return 1.0 + 1e-9 * rng.random(size)


class OracleRecommender:
    """Knows every user's true click propensity: A = theta (+ N(0, noise^2), clipped to [0, 1]), b = quality.

    seed 001 Section 5.1 (the platform ranks by the click probability it estimates); ``noise`` models
    an imperfect estimate.
    """

    factored = True

    def __init__(self, noise: float = 0.0) -> None:
        self.noise = float(noise)

    def reset(self, world: Any) -> None:
        """Stateless."""

    def score(self, world: Any, users: np.ndarray, slots: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A[u, g] = theta[u, g] (noisy if ``noise`` > 0), b_i = quality_i * jitter_i; theta is the
        propensity users click with this round (``world.click_propensity``: boredom included)."""
        jitter = tie_jitter(rng, slots.size)
        affinity = world.click_propensity(users)
        if self.noise > 0:
            affinity = np.clip(affinity + rng.normal(0.0, self.noise, affinity.shape), 0.0, 1.0)
        return affinity, world.item_quality.ravel()[slots] * jitter

    def observe(self, world: Any, users: np.ndarray, slots: np.ndarray, shown: np.ndarray,
                clicked: np.ndarray) -> None:
        """Learns nothing."""


class PopularityRecommender:
    """Ranks every user's candidates by the item's Beta(1, 1)-smoothed click-through rate
    (clicks + 1) / (impressions + 2): the same list for everyone, so popular items get more popular."""

    factored = True

    def reset(self, world: Any) -> None:
        """Stateless: the counts live in the world's item pool."""

    def score(self, world: Any, users: np.ndarray, slots: np.ndarray,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A = 1, b_i = (clicks_i + 1) / (impressions_i + 2) * jitter_i."""
        jitter = tie_jitter(rng, slots.size)
        ctr = (world.item_clicks.ravel()[slots] + 1.0) / (world.item_impressions.ravel()[slots] + 2.0)
        return np.ones((users.size, world.config.num_genres)), ctr * jitter

    def observe(self, world: Any, users: np.ndarray, slots: np.ndarray, shown: np.ndarray,
                clicked: np.ndarray) -> None:
        """The world counts impressions and clicks itself."""


RECOMMENDERS: Registry[Recommender] = Registry("recommender", Recommender)


def register_recommender(name: str, factory: Callable[[Any], Recommender]) -> None:
    """Registers a recommender: ``factory(config)`` returns a fresh :class:`Recommender`."""
    RECOMMENDERS.register(name, factory)


register_recommender("oracle", lambda config: OracleRecommender(config.estimation_noise))
register_recommender("popularity", lambda config: PopularityRecommender())

from recogym_eco.components import mf_recommender as _mf  # noqa: E402,F401  (registers "mf")

"""Users: genre preferences, activity, and the position-biased click model (seed 001, Section 5.1).

All functions are vectorised over the whole population; randomness comes from the caller's
``np.random.Generator``.
"""

from __future__ import annotations

import numpy as np


def genre_popularity(num_genres: int, skew: float) -> np.ndarray:
    """Share of users whose interests fall on each genre: pi_g proportional to (g + 1)^(-skew).

    ``skew = 0`` gives a balanced population; large ``skew`` makes genre 0 the majority taste
    (the "skewed" population in the spirit of the paper's Amazon data).
    """
    weights = (np.arange(num_genres, dtype=np.float64) + 1.0) ** (-float(skew))
    return weights / weights.sum()


def gumbel_top_k(log_weights: np.ndarray, k: np.ndarray | int, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask of a weighted sample without replacement of k columns per row.

    Gumbel-top-k: the k largest of ``log_weights + Gumbel noise`` are a sample without replacement
    with probabilities proportional to ``exp(log_weights)``. ``k`` may differ per row.
    """
    keys = log_weights + rng.gumbel(size=log_weights.shape)
    ranks = np.argsort(np.argsort(-keys, axis=1), axis=1)
    return ranks < np.asarray(k).reshape(-1, 1)


def synthetic_preferences(
    rng: np.random.Generator,
    num_users: int,
    num_genres: int,
    skew: float,
    interests_per_user: int,
    interest_range: tuple[float, float] = (0.3, 0.9),
    background_range: tuple[float, float] = (0.0, 0.1),
) -> np.ndarray:
    """Per-user click propensities theta[u, g] in [0, 1] for a synthetic population.

    Each user draws ``interests_per_user`` distinct favourite genres with probabilities
    ``genre_popularity(num_genres, skew)`` (the YouTube data of seed 001 lists three interests per
    user); favourites get theta ~ U(interest_range), every other genre theta ~ U(background_range).
    """
    pop = genre_popularity(num_genres, skew)
    k = min(interests_per_user, num_genres)
    favourite = gumbel_top_k(np.broadcast_to(np.log(pop), (num_users, num_genres)), k, rng)
    interest = rng.uniform(*interest_range, size=(num_users, num_genres))
    background = rng.uniform(*background_range, size=(num_users, num_genres))
    return np.where(favourite, interest, background)


def position_bias(slate_size: int) -> np.ndarray:
    """Examination probability of each slate position: b(rank) = 1 / log2(rank + 1), rank = 1..k."""
    return 1.0 / np.log2(np.arange(slate_size, dtype=np.float64) + 2.0)

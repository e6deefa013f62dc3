"""Creators' behaviour models, vectorised over the population (seed 001 Sections 3 and 5.4).

A creator's history is two (C, G) arrays: ``made`` (items made per genre, including the 1–3 seeded
initial genres) and ``feedback`` (reward received per genre: clicks, or clicks weighted by the
platform's reward lever). Every fallback reads only the creator's own history: creators do not see
the platform's data (the information asymmetry LoRe exploits).
"""

from __future__ import annotations

import numpy as np

TRUST_DYNAMICS = ("static", "clicks", "relative")


#: Below this probability of a draw landing in [low, high], rejection sampling gives way to the inverse CDF.
REJECTION_MIN_MASS = 1e-4


def truncated_normal(
    rng: np.random.Generator, mean: float, std: float, size: int, low: float = 0.0, high: float = 1.0
) -> np.ndarray:
    """Draws from N(mean, std^2) truncated to [low, high], vectorised.

    ``std = 0`` returns ``mean`` exactly. While the mass P(low <= X <= high) is at least
    :data:`REJECTION_MIN_MASS` (every ``mean`` in [0, 1] with ``std`` below ~4000), draws are made by
    rejection, as in the first release (so published trajectories replay bit for bit); below it, by
    the inverse CDF, x = F^-1(F(low) + u (F(high) - F(low))), u ~ U(0, 1), which never loops (and
    is the uniform on [low, high] when ``std`` dwarfs the interval, |a|, |b| < 1e-4 in std units).
    """
    if std == 0:
        return np.full(size, float(mean))
    from scipy.special import ndtr

    a, b = (low - mean) / std, (high - mean) / std
    if ndtr(b) - ndtr(a) < REJECTION_MIN_MASS:
        u = rng.random(size)
        if max(abs(a), abs(b)) < 1e-4:  # the density varies by < 1e-8 over [low, high]: uniform
            return low + (high - low) * u
        from scipy.stats import truncnorm

        return np.clip(truncnorm.ppf(u, a, b, loc=mean, scale=std), low, high)
    out = np.empty(size)
    todo = np.arange(size)
    while todo.size:
        draw = rng.normal(mean, std, size=todo.size)
        ok = (draw >= low) & (draw <= high)
        out[todo[ok]] = draw[ok]
        todo = todo[~ok]
    return out


def initial_history(rng: np.random.Generator, num_creators: int, num_genres: int, low: int, high: int) -> np.ndarray:
    """Seeds each creator's history with n_c ~ U{low..high} distinct genres, one item each."""
    counts = rng.integers(low, high + 1, size=num_creators)
    keys = rng.random((num_creators, num_genres))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    return (ranks < np.minimum(counts, num_genres)[:, None]).astype(np.int64)


def sample_categorical(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row from unnormalised non-negative ``weights`` (rows of zeros give genre 0)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)


def random_history(rng: np.random.Generator, made: np.ndarray) -> np.ndarray:
    """Uniform over the genres the creator has made before."""
    return sample_categorical(rng, (made > 0).astype(np.float64))


def most_clicked_history(rng: np.random.Generator, made: np.ndarray, feedback: np.ndarray) -> np.ndarray:
    """The genre of the creator's own history with most feedback; ties broken uniformly at random."""
    score = np.where(made > 0, feedback, -np.inf)
    best = score == score.max(axis=1, keepdims=True)
    return sample_categorical(rng, best.astype(np.float64))


def cfd_update(propensity: np.ndarray, made: np.ndarray, feedback: np.ndarray, lr: float, mask: np.ndarray) -> np.ndarray:
    """Creator Feature Dynamics step: c <- normalise_2(c + lr * f) for creators in ``mask``.

    f[g] = feedback received on genre g / items made in genre g (0 for genres never made), the
    genre-level CFD of CreAgent (research/baselines-spec.md Section 3.1).
    """
    f = np.divide(feedback, made, out=np.zeros_like(feedback, dtype=np.float64), where=made > 0)
    moved = propensity + lr * f
    moved /= np.linalg.norm(moved, axis=1, keepdims=True) + 1e-12
    return np.where(mask[:, None], moved, propensity)


def cfd_choice(rng: np.random.Generator, propensity: np.ndarray, temperature: float) -> np.ndarray:
    """Samples a genre from softmax(propensity / temperature)."""
    logits = propensity / temperature
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return sample_categorical(rng, weights)


def simuline_choice(rng: np.random.Generator, recent_feedback: np.ndarray, smoothing: float) -> np.ndarray:
    """SimuLine at genre level: P(g) proportional to feedback on g in the recent window + smoothing."""
    return sample_categorical(rng, recent_feedback + smoothing)


def update_trust(
    trust: np.ndarray, followed: np.ndarray, reward: np.ndarray, previous_reward: np.ndarray, lr: float
) -> np.ndarray:
    """Click-driven trust (seed 001, Section 5.5): a creator that followed a suggestion raises its
    trust by ``lr`` if this round's reward beat its previous reward and lowers it by ``lr``
    otherwise; clipped to [0, 1]. Creators that did not follow keep their trust."""
    step = np.where(reward > previous_reward, lr, -lr)
    return np.where(followed, np.clip(trust + step, 0.0, 1.0), trust)

"""Top-K softmax matching of users to creators and the utilities it yields (dense, exact).

Seed 000 (Yao et al.), Section 3, Eq. (1): user x draws one of its top-K(x) creators by relevance
with probability P_i(x) = exp(sigma_i(x) / beta(x)) / sum_{j in top-K(x)} exp(sigma_j(x) / beta(x)).
Creators tied with the K-th value share the remaining slots: each is kept with probability
(slots left) / (number tied), the expectation of a uniformly random tie-break.
"""

from __future__ import annotations

import numpy as np

__all__ = ["match_probabilities", "topk_user_utilities"]


def match_probabilities(sig: np.ndarray, inv_beta: np.ndarray | float, k: np.ndarray | int) -> np.ndarray:
    """Exact top-K softmax matching, (m, n) -> (m, n) probabilities; every row sums to 1.

    Row x keeps its K(x) most relevant creators and matches them with probabilities proportional to
    exp(sigma / beta(x)) (seed 000, Eq. (1)); tied creators at the K-th place share the remaining
    slots. This dense O(m n log n) version is the reference every engine is tested against.
    """
    sig = np.asarray(sig, dtype=np.float64)
    m, n = sig.shape
    inv_beta = np.broadcast_to(np.asarray(inv_beta, dtype=np.float64), (m,))
    kx = np.minimum(np.broadcast_to(np.asarray(k, dtype=np.int64), (m,)), n)
    rows = np.arange(m)
    if np.all(kx == kx[0]):
        kk = int(kx[0])
        tau = -np.partition(-sig, kk - 1, axis=1)[:, kk - 1]
        top = sig.max(1)
    else:
        srt = -np.sort(-sig, axis=1)
        tau = srt[rows, kx - 1]
        top = srt[:, 0]
    above = sig > tau[:, None]
    tied = sig == tau[:, None]
    a = above.sum(1)
    t = tied.sum(1)
    r = kx - a
    e = np.exp((sig - top[:, None]) * inv_beta[:, None])
    e_tau = np.exp((tau - top) * inv_beta)
    Z = (e * above).sum(1) + r * e_tau
    return np.where(above, e / Z[:, None], np.where(tied, (r / t * e_tau / Z)[:, None], 0.0))


def topk_user_utilities(sig: np.ndarray, inv_beta: float, k: int) -> np.ndarray:
    """pi(x) = sum_i P_i(x) sigma_i(x) under one (beta, K) for all users, from a partition (no (m, n) P).

    Same matching as :func:`match_probabilities` (tied creators at the K-th place share the remaining
    slots, so together they contribute (slots left) * e_tau * tau / Z), equal to it up to rounding;
    seed 000, Section 3 (user utility).
    """
    m, n = sig.shape
    k = min(int(k), n)
    part = np.partition(sig, n - k, axis=1)
    tau = part[:, n - k]
    top = part[:, n - k :]
    peak = top.max(1)
    above = top > tau[:, None]
    r = k - above.sum(1)
    e = np.where(above, np.exp((top - peak[:, None]) * inv_beta), 0.0)
    e_tau = np.exp((tau - peak) * inv_beta)
    return ((e * top).sum(1) + r * e_tau * tau) / (e.sum(1) + r * e_tau)

"""The dense reference engine: every quantity from the full (m, n) matching, O(m n log n) per proposal.

Seed 000 (Yao et al.): creator utility u_i = mean_x w(x) sigma_i(x) P_i(x) and user utility
pi(x) = sum_i P_i(x) sigma_i(x) (Section 3), with P the top-K softmax matching of Eq. (1) computed
by :func:`~.matching.match_probabilities`. Slow and simple: the incremental engines are tested
against it. Every function takes one world's relevance matrix ``sig_t`` of shape (n, m).
"""

from __future__ import annotations

import numpy as np

from .matching import match_probabilities

__all__ = ["dense_creator_stats", "dense_proposal_utilities", "dense_user_utilities"]


def dense_proposal_utilities(sig_t: np.ndarray, i: int, cols: np.ndarray, invb: np.ndarray, k: np.ndarray,
                             rw_m: np.ndarray) -> np.ndarray:
    """u_i = sum_x (w(x) / m) P_i(x) sigma_i(x) for each candidate column cols[c] (m,) of creator i."""
    out = np.empty(cols.shape[0])
    sig = sig_t.T.copy()
    for c_idx in range(cols.shape[0]):
        sig[:, i] = cols[c_idx]
        P = match_probabilities(sig, invb, k)
        out[c_idx] = (P[:, i] * cols[c_idx]) @ rw_m
    return out


def dense_user_utilities(sig_t: np.ndarray, invb: np.ndarray | float, k: np.ndarray | int) -> np.ndarray:
    """pi(x) = sum_i P_i(x) sigma_i(x) for every user, (m,)."""
    P = match_probabilities(sig_t.T, invb, k)
    return (P * sig_t.T).sum(1)


def dense_creator_stats(sig_t: np.ndarray, rw: np.ndarray, invb: np.ndarray, k: np.ndarray, labels: np.ndarray,
                        num_groups: int) -> dict[str, np.ndarray]:
    """Exposure mean_x P_i(x) (n,), utility u_i (n,) and exposure by user group (n, L)."""
    n, m = sig_t.shape
    P = match_probabilities(sig_t.T, invb, k)
    expo = P.sum(0) / m
    util = (P * sig_t.T * rw[:, None]).sum(0) / m
    by_group = np.stack([np.bincount(labels, weights=P[:, j], minlength=num_groups) for j in range(n)]) / m
    return {"exposure": expo, "utility": util, "exposure_by_group": by_group}

"""Relevance sigma(s, x) of a creator's content s for a user x: the one implementation of each formula.

Seed 000 (Yao et al.), Section 3 and the experiments of Section 5:

* ``"distance"``: sigma = max(peak - ||s - x|| / scale, 0), computed from the squared norms and the
  inner product as ||s - x||^2 = <x, x> - 2 <x, s> + <s, s> (negative rounding clipped to 0);
* ``"dot"``: the min-max normalised inner product sigma = clip((<s, x> - lo) / (hi - lo), 0, 1), with
  lo and hi the smallest and largest user-item inner product of the instance.

Every engine goes through :func:`distance_from_parts` / :func:`dot_from_inner` (the NumPy engines,
whatever way they form the inner products) or through ``engine_compiled.distance_scalar``, the
numba transcription of :func:`distance_from_parts` that the tests compare with it.
"""

from __future__ import annotations

import numpy as np

from .config import RELEVANCES

__all__ = ["RELEVANCES", "distance_from_parts", "dot_from_inner", "relevance_matrix"]


def distance_from_parts(xx: np.ndarray, xs: np.ndarray, ss: np.ndarray, peak: float, scale: float) -> np.ndarray:
    """Distance relevance from its parts: max(peak - sqrt(max(xx - 2 xs + ss, 0)) / scale, 0).

    ``xx`` = <x, x>, ``xs`` = <x, s>, ``ss`` = <s, s>, broadcast against each other (seed 000, Section
    5.1: sigma(s, x) = max(peak - ||s - x|| / scale, 0)).
    """
    d2 = xx - 2.0 * xs + ss
    return np.maximum(peak - np.sqrt(np.maximum(d2, 0.0)) / scale, 0.0)


def dot_from_inner(xs: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """Dot relevance from the inner products: clip((<x, s> - lo) / (hi - lo), 0, 1) (seed 000, Section 5.2)."""
    return np.clip((xs - lo) / (hi - lo), 0.0, 1.0)


def relevance_matrix(
    S: np.ndarray, X: np.ndarray, kind: str, peak: float = 1.0, scale: float = 1.0,
    lo: float = 0.0, hi: float = 1.0,
) -> np.ndarray:
    """sigma(s_i, x_j) for every user j and creator i: an (m, n) array (rows = users)."""
    S = np.atleast_2d(np.asarray(S, dtype=np.float64))
    X = np.asarray(X, dtype=np.float64)
    if kind == "distance":
        return distance_from_parts((X * X).sum(1)[:, None], X @ S.T, (S * S).sum(1)[None, :], peak, scale)
    if kind == "dot":
        return dot_from_inner(X @ S.T, lo, hi)
    raise ValueError(f"unknown relevance {kind!r}; allowed: {', '.join(map(repr, RELEVANCES))}")

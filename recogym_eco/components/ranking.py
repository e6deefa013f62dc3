"""The ranking lever: how a round's candidate items become each user's slate.

A world scores every (request, candidate) pair with its recommender and then asks a *ranker* for the
slates. ``TopK`` is the default; re-rankers (``recogym_eco.agents.rankers.PMMF``, ``recogym_eco.agents.rankers.FairRec``)
implement the same two-method protocol and are installed with ``world.set_ranker(...)`` or the
``recogym_eco.agents.rankers.WithRanker`` Gymnasium wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

EMPTY_SLOT = -1


@dataclass(frozen=True)
class RankingRequest:
    """Everything a ranker may use in one round (one fairness period).

    scores: (num_requests, num_candidates) float, the platform's relevance estimate (higher is better);
        one row per active user, in the order the world serves them.
    item_creator: (num_candidates,) int, index of each candidate's creator in [0, num_creators).
    item_genre: (num_candidates,) int, genre of each candidate in [0, num_genres).
    num_creators: total creators of the world (departed ones included, so indices stay stable).
    slate_size: k, positions per slate.
    rng: the world's generator for any randomness the ranker needs (keeps runs reproducible).
    round_index: 0-based index of the round.
    """

    scores: np.ndarray
    item_creator: np.ndarray
    item_genre: np.ndarray
    num_creators: int
    slate_size: int
    rng: np.random.Generator
    round_index: int


@runtime_checkable
class Ranker(Protocol):
    """Turns a round's scores into slates.

    ``rank`` returns an int array (num_requests, slate_size) of candidate indices in display order
    (position 0 first), distinct within a row, padded with ``EMPTY_SLOT`` (-1) when fewer than
    ``slate_size`` candidates exist. ``reset`` is called at the start of every episode.
    """

    def reset(self, num_creators: int) -> None: ...

    def rank(self, request: RankingRequest) -> np.ndarray: ...


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest entries of each row, best first, padded with ``EMPTY_SLOT``.

    Uses ``argpartition`` (O(n) per row) and sorts only the k winners. Entries equal to ``-inf``
    count as missing and are never returned.
    """
    num_rows, num_cols = scores.shape
    out = np.full((num_rows, k), EMPTY_SLOT, dtype=np.int64)
    if num_cols == 0 or k == 0:
        return out
    kk = min(k, num_cols)
    part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk] if kk < num_cols else np.tile(
        np.arange(num_cols), (num_rows, 1)
    )
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    best = np.take_along_axis(part, order, axis=1)
    best_scores = np.take_along_axis(part_scores, order, axis=1)
    best[~np.isfinite(best_scores) & (best_scores < 0)] = EMPTY_SLOT
    out[:, :kk] = best
    return out


class TopK:
    """Default ranker: each user's k highest-scoring candidates, best first."""

    def reset(self, num_creators: int) -> None:
        """Nothing to reset: TopK is stateless."""

    def rank(self, request: RankingRequest) -> np.ndarray:
        """Top-k of every row of ``request.scores``."""
        return top_k_indices(request.scores, request.slate_size)

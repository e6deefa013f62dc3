"""The yardstick of the scaling report: the least work a CreatorSuggestion round's recommendation can do.

One compiled pass (numba, users on parallel threads) that scores every candidate item for every
active user with the factored score A[u, g_i] * b_i, takes the exact top-k and draws the clicks,
P(click) = theta[u, g_i] q_i / log2(r + 1): the same scoring, exact top-k and click model as the world
(seed 001, Section 5.1), without seen-item exclusion, without creators, histories or bookkeeping, and
without the world's bit-exact random stream (clicks use numba's own generator). Its time is the floor
the world's step is compared with (``env / kernel`` in ``benchmarks/scaling.py``).

The top-k uses the world's idea: items sorted by b within each genre, so a user's k best are found by
merging the heads of the G genre lists (O(G k) per user instead of O(#items)).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


PARALLEL_USERS = 2048
"""As in the world (``creator_suggestion_engine.PARALLEL_USERS``): threads only from this many users."""


def recommend_and_click(affinity: np.ndarray, item_genre: np.ndarray, item_weight: np.ndarray,
                        item_quality: np.ndarray, users: np.ndarray, bias: np.ndarray, seed: int) -> np.ndarray:
    """Slates (len(users), k) of item indices, best first (-1 = empty), with the clicked entries
    flagged by adding ``num_items`` (so one array carries both); see the module docstring."""
    start, by_genre = _genre_lists(item_genre, item_weight, affinity.shape[1])
    out = np.full((users.size, bias.size), -1, dtype=np.int64)
    kernel = _all_users_parallel if users.size >= PARALLEL_USERS else _all_users
    kernel(affinity, start, by_genre, item_weight, item_quality, users, bias, seed, out)
    return out


@njit(cache=True)
def _genre_lists(item_genre, item_weight, G):
    """Items sorted by genre, then by weight descending: ``by_genre[start[g]:start[g + 1]]``."""
    num_items = item_genre.size
    order = np.argsort(-item_weight, kind="mergesort")
    start = np.zeros(G + 1, dtype=np.int64)
    for i in range(num_items):
        start[item_genre[i] + 1] += 1
    for g in range(G):
        start[g + 1] += start[g]
    fill = start[:G].copy()
    by_genre = np.empty(num_items, dtype=np.int64)
    for i in order:
        by_genre[fill[item_genre[i]]] = i
        fill[item_genre[i]] += 1
    return start, by_genre


@njit(cache=True)
def _rows(r0, r1, affinity, start, by_genre, item_weight, item_quality, users, bias, out):
    """Slates and clicks of users[r0:r1]: k rounds of "best head of the G genre lists"."""
    G, k, num_items = affinity.shape[1], bias.size, by_genre.size
    pos = np.empty(G, dtype=np.int64)
    for r in range(r0, r1):
        u = users[r]
        for g in range(G):
            pos[g] = start[g]
        for j in range(k):
            best, best_g = -np.inf, -1
            for g in range(G):
                if pos[g] < start[g + 1]:
                    score = affinity[u, g] * item_weight[by_genre[pos[g]]]
                    if score > best:
                        best, best_g = score, g
            if best_g < 0:
                break
            item = by_genre[pos[best_g]]
            pos[best_g] += 1
            clicked = np.random.random() < affinity[u, best_g] * item_quality[item] * bias[j]
            out[r, j] = item + num_items if clicked else item


@njit(cache=True)
def _all_users(affinity, start, by_genre, item_weight, item_quality, users, bias, seed, out):
    np.random.seed(seed)
    _rows(0, users.size, affinity, start, by_genre, item_weight, item_quality, users, bias, out)


@njit(cache=True, parallel=True)
def _all_users_parallel(affinity, start, by_genre, item_weight, item_quality, users, bias, seed, out):
    n, chunks = users.size, 64
    for chunk in prange(chunks):
        np.random.seed(seed + chunk)
        _rows(chunk * n // chunks, (chunk + 1) * n // chunks, affinity, start, by_genre, item_weight, item_quality,
              users, bias, out)


def reference_top_k(affinity: np.ndarray, item_genre: np.ndarray, item_weight: np.ndarray, users: np.ndarray,
                    k: int) -> np.ndarray:
    """The same top-k by brute force (full scores, stable argsort): the kernel's test reference."""
    scores = affinity[users][:, item_genre] * item_weight[None, :]
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]

"""User groups for the platform's levers: k-means clustering and per-group averages.

The platform never sees the ground-truth clusters of a simulated population; it clusters users by
their features (seed 000, Section 5.1.3) and applies one weight per group.
"""

from __future__ import annotations

import numpy as np


def kmeans_groups(X: np.ndarray, num_groups: int, rng: np.random.Generator) -> np.ndarray:
    """Cluster the rows of ``X`` into ``num_groups`` groups with k-means; return int64 labels.

    Labels are renumbered so that group 0 is the largest, group 1 the next, ... (ties by first
    occurrence), which makes group indices comparable across seeds. The k-means ``random_state`` is
    drawn from ``rng``, so the result is a deterministic function of (X, num_groups, rng state).
    Every label in ``range(num_groups)`` is used (scikit-learn never returns empty clusters).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (users, features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite")
    if not isinstance(num_groups, (int, np.integer)) or isinstance(num_groups, bool):
        raise TypeError(f"num_groups must be an int, got {type(num_groups).__name__}")
    num_groups = int(num_groups)
    num_distinct = np.unique(X, axis=0).shape[0]
    if not 1 <= num_groups <= num_distinct:
        raise ValueError(
            f"num_groups must be in [1, {num_distinct}] (the number of distinct users), got {num_groups}"
        )
    if num_groups == 1:
        return np.zeros(X.shape[0], dtype=np.int64)
    from sklearn.cluster import KMeans  # imported here: keeps `import recogym_eco` light

    seed = int(rng.integers(0, 2**31 - 1))
    # one thread: OpenMP/BLAS pools deadlock in forked workers (async vector envs), and these
    # clusterings are too small for threads to pay (one thread is also much faster here)
    with _thread_pools().limit(limits=1):
        raw = KMeans(n_clusters=num_groups, n_init=4, random_state=seed).fit_predict(X)
    counts = np.bincount(raw, minlength=num_groups)
    # stable order: by size descending, then by label of first occurrence
    first = np.full(num_groups, X.shape[0], dtype=np.int64)
    np.minimum.at(first, raw, np.arange(X.shape[0]))
    order = np.lexsort((first, -counts))
    relabel = np.empty(num_groups, dtype=np.int64)
    relabel[order] = np.arange(num_groups)
    return relabel[raw].astype(np.int64)


def group_means(values: np.ndarray, labels: np.ndarray, num_groups: int) -> np.ndarray:
    """Mean of ``values`` within each group (``np.bincount``); empty groups get 0.

    ``values`` may be (m,) or (..., m): the last axis is the user axis.
    """
    values = np.asarray(values, dtype=np.float64)
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=num_groups).astype(np.float64)
    safe = np.maximum(counts, 1.0)
    if values.ndim == 1:
        return np.bincount(labels, weights=values, minlength=num_groups) / safe
    flat = values.reshape(-1, values.shape[-1])
    out = np.stack([np.bincount(labels, weights=row, minlength=num_groups) for row in flat])
    return (out / safe).reshape(*values.shape[:-1], num_groups)


_CONTROLLER = None


def _thread_pools():
    """One ``threadpoolctl.ThreadpoolController`` per process: finding the loaded thread pools takes
    ~10 ms, limiting them afterwards ~0.1 ms (a reset draws one clustering per world)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER

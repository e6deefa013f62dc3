"""Metrics shared by every environment (DESIGN Section 9)."""

from __future__ import annotations

import numpy as np


def shannon_entropy(counts: np.ndarray) -> float:
    """Shannon entropy (natural log) of the distribution given by non-negative ``counts``; 0 if empty.

    ``content_diversity`` of seed 001 (Table 2, "CD") is this entropy over the round's genre counts.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * np.log(p)).sum())


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` (0 = equal, (n-1)/n = one holder has all).

    G = sum_i (2i - n - 1) x_(i) / (n * sum x), with x sorted ascending and i = 1..n.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(((2 * i - n - 1) * x).sum() / (n * x.sum()))

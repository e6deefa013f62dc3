"""The scaling report's reference kernel takes the exact top-k (checked against a brute-force sort)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from reference_kernel import PARALLEL_USERS, recommend_and_click, reference_top_k  # noqa: E402


@pytest.mark.parametrize("trial", range(12))
def test_kernel_top_k_is_the_brute_force_top_k(trial):
    rng = np.random.default_rng(trial)
    U = PARALLEL_USERS + 7 if trial == 0 else int(rng.integers(1, 60))
    G, I, k = int(rng.integers(1, 6)), int(rng.integers(1, 90)), int(rng.integers(1, 7))
    affinity, genre = rng.random((U, G)), rng.integers(0, G, I)
    weight, quality = rng.random(I) + 0.01, rng.random(I)
    users = np.flatnonzero(rng.random(U) < 0.7)
    out = recommend_and_click(affinity, genre, weight, quality, users, 1 / np.log2(np.arange(k) + 2.0), 1)
    items = np.where(out >= I, out - I, out)
    kk = min(k, I)
    assert np.array_equal(items[:, :kk], reference_top_k(affinity, genre, weight, users, kk))
    assert (items[:, kk:] == -1).all()


def test_clicks_follow_the_click_model():
    U, I = 4000, 30
    affinity = np.full((U, 1), 0.5)
    out = recommend_and_click(affinity, np.zeros(I, dtype=np.int64), np.linspace(1, 2, I), np.full(I, 0.8),
                              np.arange(U), np.array([1.0, 0.5]), 3)
    rate = (out >= I).mean(axis=0)
    assert abs(rate[0] - 0.4) < 0.03 and abs(rate[1] - 0.2) < 0.03

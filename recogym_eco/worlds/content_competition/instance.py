"""Sampling one ContentCompetition population: users, user groups, strategy sets, initial strategies.

Seed 000 (Yao et al.): the toy example of Section 4.1 (five users, creators start between x1 and
x2; presets ``toy`` and ``toy-beta0.1``), the clustered synthetic population of Section 5.1.2
(creators start around the largest cluster's centre) and the MovieLens-1m instance of Section 5.2
(each creator's strategy set is the 700 most rated movies plus 300 private ones; every creator
starts at the best-rated movie). User groups are k-means clusters of the users (Section 5.1.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from recogym_eco.components.groups import kmeans_groups

from .config import TOY_PRESETS, TOY_USERS, ContentCompetitionConfig
from .relevance import dot_from_inner

__all__ = ["Instance", "project_ball", "sample_instance", "unit_sphere"]


@dataclass
class Instance:
    """One sampled population: users, groups, strategy sets, initial strategies."""

    X: np.ndarray  # (m, d) users
    labels: np.ndarray  # (m,) group of each user
    S0: np.ndarray  # (n, d) initial strategies
    items: np.ndarray | None = None  # (N, d) item embeddings (finite strategy sets)
    members: np.ndarray | None = None  # (n, |S_i|) item ids of each creator's strategy set
    item0: np.ndarray | None = None  # (n,) initial item of each creator
    item_relevance: np.ndarray | None = None  # (N, m) sigma of every item for every user
    dot_range: tuple[float, float] = (0.0, 1.0)
    extra: dict = field(default_factory=dict)


def unit_sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n directions uniform on the unit sphere of R^d (normalised Gaussians; LBR's g, Algorithm 2)."""
    g = rng.standard_normal((n, d))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return g / norms


def project_ball(S: np.ndarray, radius: float) -> np.ndarray:
    """Radial projection of the rows of S onto the ball ||s|| <= radius: s * min(1, radius / ||s||)."""
    norms = np.linalg.norm(S, axis=-1, keepdims=True)
    return S * np.minimum(1.0, radius / np.maximum(norms, 1e-300))


def sample_instance(config: ContentCompetitionConfig, rng: np.random.Generator) -> Instance:
    """Draw users, groups and initial strategies for ``config`` from ``rng`` (seed 000, Section 5)."""
    c = config
    if c.preset in TOY_PRESETS:
        X = TOY_USERS.copy()
        labels = np.arange(len(X), dtype=np.int64)
        # creators start "between x1 = (0, 0) and x2 = (1, 0)": uniform along the segment, small offset
        S0 = np.column_stack([rng.uniform(0.0, 1.0, c.num_creators), rng.uniform(-c.init_std, c.init_std, c.num_creators)])
        return Instance(X=X, labels=labels, S0=project_ball(S0, c.strategy_radius))
    if c.preset == "synthetic":
        centres = unit_sphere(rng, len(c.cluster_sizes), c.dim)
        truth = np.repeat(np.arange(len(c.cluster_sizes)), c.cluster_sizes)
        X = centres[truth] + c.cluster_std * rng.standard_normal((truth.size, c.dim))
        biggest = int(np.argmax(c.cluster_sizes))
        S0 = centres[biggest] + c.init_std * rng.standard_normal((c.num_creators, c.dim))
        S0 = project_ball(S0, c.strategy_radius)
        labels = kmeans_groups(X, c.num_groups, rng)
        return Instance(X=X, labels=labels, S0=S0, extra={"true_cluster": truth, "centres": centres})
    if c.preset == "movielens":
        from recogym_eco.data.mf import movielens_instance_data

        data = movielens_instance_data(c)
        X = data["users"]
        items = data["items"]
        common = data["popular"][: c.num_common_items]
        others = np.setdiff1d(np.arange(items.shape[0]), common)
        k_priv = min(c.num_private_items, others.size)
        members = np.stack(
            [np.concatenate([common, rng.choice(others, size=k_priv, replace=False)]) for _ in range(c.num_creators)]
        ).astype(np.int64)
        best = int(data["best_item"])
        # every creator starts at the movie with the highest mean rating among the users; if that movie
        # is not in a creator's set (it is among the common ones by construction) use its nearest member
        item0 = np.empty(c.num_creators, dtype=np.int64)
        for i in range(c.num_creators):
            if np.any(members[i] == best):
                item0[i] = best
            else:
                item0[i] = members[i][np.argmin(((items[members[i]] - items[best]) ** 2).sum(1))]
        raw = X @ items.T
        lo, hi = float(raw.min()), float(raw.max())
        item_rel = dot_from_inner(raw, lo, hi).T.copy()  # (N, m)
        labels = kmeans_groups(X, c.num_groups, rng)
        return Instance(
            X=X, labels=labels, S0=items[item0].copy(), items=items, members=members, item0=item0,
            item_relevance=item_rel, dot_range=(lo, hi), extra={"rmse": data.get("rmse")},
        )
    raise ValueError(f"unknown preset {c.preset!r}")

"""Demand generators of the exposure game: the user embeddings c_j whose empirical distribution is P_c.

* ``synthetic``: Gaussian clusters on the sphere. Cluster centres are uniform on S^{d-1}; a user is
  its centre plus isotropic Gaussian noise of standard deviation ``cluster_spread``, projected back
  onto the sphere; cluster sizes are multinomial with equal probabilities. On the non-negative
  orthant (a non-negative exposure game, Definition 2 of seed 002, Chapter 5) centres and users are
  reflected into the orthant (absolute values) before normalising.
* ``movielens``: MovieLens-100K user embeddings of a PMF (centred ratings) or NMF fit
  (:mod:`recogym_eco.data.factorisation`; seed 002, Section 5.3), optionally a random subset of
  ``num_users`` users, optionally rescaled to unit norm.
* ``custom``: an array given by the caller.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DEMANDS", "movielens_demand", "sample_demand", "synthetic_demand"]

DEMANDS: tuple[str, ...] = ("synthetic", "movielens", "custom")


def synthetic_demand(rng: np.random.Generator, num_users: int, dim: int, num_clusters: int, spread: float,
                     nonnegative: bool = False) -> np.ndarray:
    """Users drawn from ``num_clusters`` Gaussian clusters on the unit sphere (see module doc), (m, d)."""
    centres = rng.standard_normal((num_clusters, dim))
    if nonnegative:
        centres = np.abs(centres)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    label = rng.integers(0, num_clusters, num_users)
    X = centres[label] + spread * rng.standard_normal((num_users, dim))
    if nonnegative:
        X = np.abs(X)
    norm = np.linalg.norm(X, axis=1, keepdims=True)
    X = np.where(norm > 0, X / np.where(norm > 0, norm, 1.0), centres[label])
    return X


def movielens_demand(config: Any, rng: np.random.Generator) -> np.ndarray:
    """MovieLens-100K user embeddings for ``config`` (factorisation, dim, demand_seed, subset, scaling)."""
    from recogym_eco.data.factorisation import movielens_user_embeddings

    seed = 0 if config.demand_seed is None else config.demand_seed
    users = np.array(movielens_user_embeddings(config.movielens_path, config.factorisation, config.dim, seed=seed,
                                               reg=config.mf_reg)["users"], dtype=np.float64)
    if config.num_users is not None:
        if config.num_users > users.shape[0]:
            raise ValueError(f"num_users must be <= {users.shape[0]} (users in the MovieLens data), got {config.num_users}")
        users = users[np.sort(rng.choice(users.shape[0], config.num_users, replace=False))]
    if config.normalize_users:
        norm = np.linalg.norm(users, axis=1, keepdims=True)
        if np.any(norm == 0):
            raise ValueError("normalize_users=True but a MovieLens user embedding is zero")
        users = users / norm
    return users


def sample_demand(config: Any, rng: np.random.Generator) -> np.ndarray:
    """The demand sample C (m, d) of ``config``: drawn from ``demand_seed`` when set, else from ``rng``."""
    src = rng if config.demand_seed is None else np.random.default_rng(config.demand_seed)
    if config.demand == "synthetic":
        return synthetic_demand(src, config.num_users_resolved, config.dim, config.num_clusters, config.cluster_spread,
                                config.strategy_set == "orthant")
    if config.demand == "movielens":
        return movielens_demand(config, src)
    return np.array(config.users, dtype=np.float64)

"""Ranking baselines for TrialOfferMarket (seed 004, Section 5): random, popularity and quality.

Each baseline turns an observation of ``recogym_eco/TrialOfferMarket-v0`` into an action of its
``action_space`` (scores in [-1, 1]; the env ranks by descending score) through SB3's
``predict(observation, state=None, episode_start=None, deterministic=False) -> (action, None)``:

* :class:`RandomRanker` - a fresh uniformly random order every call (one order shared by every type,
  as the paper shuffles one list), drawn from its own seeded generator;
* :class:`PopularityRanker` - items by descending current market share phi (read from the
  observation), shared by every type (MusicLab's ranking by downloads);
* :class:`QualityRanker` - the oracle: for each type i the items by descending q_ij (with
  ``shared_ranking`` the w-weighted mean quality). It reads ``env.unwrapped.quality`` once.

Ties keep the lower item index first (the env's stable ordering).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["PopularityRanker", "QualityRanker", "RandomRanker"]


def _market(env: gym.Env) -> Any:
    base = env.unwrapped
    if not hasattr(base, "world") or not hasattr(base.world, "quality"):
        raise TypeError(f"expected a TrialOfferMarket environment, got {type(base).__name__}")
    return base


def _spread(order_scores: np.ndarray, num_types: int, shared: bool) -> np.ndarray:
    """Map one score vector per item to the env's flat action (repeated per type unless shared)."""
    s = np.asarray(order_scores, dtype=np.float32)
    if shared or s.ndim == 2:
        return s.reshape(-1)
    return np.tile(s, num_types)


def _rank_scores(values: np.ndarray) -> np.ndarray:
    """Scores in [-1, 1] with the same descending order as ``values`` (ties: lower index first)."""
    values = np.atleast_2d(values)
    n = values.shape[1]
    order = np.argsort(-values, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(n)[None, :].repeat(values.shape[0], 0), axis=1)
    return 1.0 - 2.0 * ranks / max(n - 1, 1)


class _Base:
    def __init__(self, env: gym.Env) -> None:
        base = _market(env)
        self.num_items = base.world.num_items
        self.num_types = base.world.num_types
        self.shared = bool(base.config.shared_ranking)
        self.action_space = env.action_space

    def _check_obs(self, observation: Any) -> np.ndarray:
        obs = np.asarray(observation, dtype=np.float64)
        if obs.shape[-1] != self.num_items + 1:
            raise ValueError(f"observation must end with {self.num_items + 1} values (shares, progress), got {obs.shape}")
        return obs

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = False) -> tuple[np.ndarray, None]:
        """SB3-style: the action for ``observation`` (a batch of observations gives a batch of actions)."""
        obs = self._check_obs(observation)
        if obs.ndim == 2:
            return np.stack([self._act(o) for o in obs]), None
        return self._act(obs), None

    def _act(self, obs: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class RandomRanker(_Base):
    """A uniformly random order of the items at every call, one order for all types."""

    def __init__(self, env: gym.Env, seed: int | None = None) -> None:
        super().__init__(env)
        self.rng = np.random.default_rng(seed)

    def _act(self, obs: np.ndarray) -> np.ndarray:
        return _spread(_rank_scores(self.rng.permutation(self.num_items).astype(np.float64))[0],
                       self.num_types, self.shared)


class PopularityRanker(_Base):
    """Items by descending market share (observation ``[:I]``), one order for all types."""

    def _act(self, obs: np.ndarray) -> np.ndarray:
        return _spread(_rank_scores(obs[: self.num_items])[0], self.num_types, self.shared)


class QualityRanker(_Base):
    """Oracle: each type's items by descending q_ij (shared ranking: by sum_i w_i q_ij)."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        base = _market(env)
        q = np.asarray(base.world.quality, dtype=np.float64)
        if self.shared:
            self._action = _spread(_rank_scores(base.world.type_weights @ q)[0], self.num_types, True)
        else:
            self._action = _spread(_rank_scores(q), self.num_types, False)

    def _act(self, obs: np.ndarray) -> np.ndarray:
        return self._action.copy()

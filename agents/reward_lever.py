"""Adaptive reweighting on the creator reward-weight lever of CreatorSuggestion (seed 000, Algorithm 1).

``WithReweight(env)`` clusters the users by the platform's relevance estimates (k-means), starts
every group weight at 1 and, after every epoch of ``epoch_length`` rounds, hands the groups' mean
utility to ``recogym_eco.agents.reweight.Reweight`` (w_l <- w_l * exp(-alpha * utility_l), renormalised to mean
1, clipped to [0.2, 5]). A click by a user of group l then pays its creator w_l instead of 1, so
creators' fallback behaviours (which respond to their reward) drift toward under-served groups.
A user's utility is its click-through rate over the epoch (clicks / (rounds * slate size), in [0, 1]).
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from recogym_eco.components.groups import group_means, kmeans_groups


class WithReweight(gym.Wrapper):
    """Runs adaptive reweighting on the wrapped env's reward lever; adds ``group_weights`` to ``info``."""

    def __init__(self, env: gym.Env, num_groups: int = 10, epoch_length: int = 5, **reweight_kwargs: Any) -> None:
        super().__init__(env)
        if not hasattr(env.unwrapped, "world") or not hasattr(env.unwrapped.world, "set_reward_weights"):
            raise TypeError("WithReweight needs an env whose unwrapped.world has set_reward_weights (CreatorSuggestion)")
        if not isinstance(num_groups, int) or num_groups < 1:
            raise ValueError(f"num_groups must be a positive integer; got {num_groups!r}")
        if not isinstance(epoch_length, int) or epoch_length < 1:
            raise ValueError(f"epoch_length must be a positive integer; got {epoch_length!r}")
        self.num_groups = num_groups
        self.epoch_length = epoch_length
        self.reweight_kwargs = reweight_kwargs

    def reset(self, **kwargs: Any):
        from recogym_eco.agents.reweight import Reweight

        obs, info = self.env.reset(**kwargs)
        world = self.env.unwrapped.world
        distinct = np.unique(world.preferences, axis=0).shape[0]
        groups = min(self.num_groups, distinct)
        self.labels = kmeans_groups(world.preferences, groups, self.env.unwrapped.np_random)
        epochs = math.ceil(world.config.horizon / self.epoch_length)
        self.reweight = Reweight(groups, epochs, **self.reweight_kwargs)
        self.reweight.reset()
        self.group_weights = np.ones(groups)
        self._clicks = np.zeros(world.config.num_users)
        self._rounds = 0
        world.set_reward_weights(self.group_weights[self.labels])
        return obs, info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        world = self.env.unwrapped.world
        self._clicks += info["user_clicks"]
        self._rounds += 1
        if self._rounds == self.epoch_length:
            utility = group_means(self._clicks / (self._rounds * world.config.slate_size), self.labels,
                                  self.group_weights.size)
            self.group_weights = np.asarray(self.reweight.update(utility), dtype=np.float64)
            world.set_reward_weights(self.group_weights[self.labels])
            self._clicks[:] = 0.0
            self._rounds = 0
        info["group_weights"] = self.group_weights.copy()
        return obs, reward, terminated, truncated, info

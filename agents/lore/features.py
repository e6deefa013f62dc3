"""Platform-log features for LoRe: what the platform has logged, appended to each creator's row.

The paper's state (seed 001, Section 4.1) is the genre each creator made last round plus the
estimated trust. The platform also hosts every upload and click, so it legitimately knows, per
creator, the genres it has made and where its clicks came from, and platform-wide which genres
users click. ``PlatformLogFeatures`` appends three blocks of G columns to each row:

- made share: the creator's uploads per genre / its uploads;
- click share: the clicks its items got per genre / its clicks (0 before its first click);
- demand share: platform-wide clicks per genre over the last ``freshness_window`` rounds / their sum,
  the same for every creator.

All entries lie in [0, 1]. Nothing hidden (true trust, preferences, fallback rules) is used.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces


def platform_log_features(observation: np.ndarray, world: Any) -> np.ndarray:
    """The paper's (C, G + 2) observation extended to (C, 4 G + 2) with the platform's logs."""
    log = world.platform_log()
    made, clicks, demand = log["made"], log["clicks"], log["recent_genre_clicks"]
    made_share = made / np.maximum(made.sum(axis=1, keepdims=True), 1)
    click_share = clicks / np.maximum(clicks.sum(axis=1, keepdims=True), 1)
    demand_share = np.broadcast_to(demand / max(demand.sum(), 1.0), made.shape)
    extra = np.hstack([made_share, click_share, demand_share]).astype(np.float32)
    obs = np.asarray(observation, dtype=np.float32)
    if obs.ndim == 3:
        return np.concatenate([obs, np.broadcast_to(extra, (obs.shape[0], *extra.shape))], axis=-1)
    return np.concatenate([obs, extra], axis=-1)


class PlatformLogFeatures(gym.ObservationWrapper):
    """Observation wrapper: ``(C, G + 2)`` -> ``(C, 4 G + 2)`` with :func:`platform_log_features`."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        num_creators, width = env.observation_space.shape
        genres = width - 2
        self.observation_space = spaces.Box(0.0, 1.0, shape=(num_creators, width + 3 * genres), dtype=np.float32)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return platform_log_features(observation, self.env.unwrapped.world)

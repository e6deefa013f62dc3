"""Gymnasium face of ExposureGame: the platform sets the exploration temperature, producers chase exposure.

``gymnasium.make("recogym_eco/ExposureGame-v0", num_producers=10, demand="synthetic")`` (after
``import recogym_eco``, which registers every id of ``recogym_eco.registry``).

* **Action**: ``Box(tau_min, tau_max, (G,), float32)``, the softmax temperature tau of each of the G
  = ``num_groups`` k-means user groups (one by default) for the next epoch; out-of-range values raise.
* **One step** = one epoch: deploy tau, then ``epoch_length`` simultaneous producer updates
  (reparametrised gradient ascent on exposure, seed 002 Section 5.3; ``dynamics="best_move"`` for
  the hardmax).
* **Observation**: ``Box(float32)`` of length 2n + 2G + 2 = [each producer's exposure share u_i (n),
  cosine of each s_i with the mean demand direction (n), tau in force (G), each group's mean user
  welfare (G), mean pairwise similarity of the producers (1), fraction of the episode elapsed (1)].
* **Reward**: ``welfare_weight * user_welfare + diversity_weight * (1 - mean_similarity)`` after the
  epoch (python float). The episode truncates after ``num_epochs`` steps; it never terminates.
* **info** (same keys at reset and step): ``exposure`` (m, n) matrix p_i(c_j), ``producer_utility``
  (n,), ``user_welfare``, ``group_welfare``, ``mean_similarity``, ``content_diversity`` (entropy of
  the collapsed-content groups), ``num_clusters``, ``equilibrium_residual`` (largest Riemannian
  gradient norm), ``best_move_gain`` (largest gain of a small probe move), ``temperature``,
  ``epoch``, ``producer_steps``.

Every field of :class:`~recogym_eco.worlds.exposure_game.ExposureGameConfig` is a keyword. See
``envs.md`` (section ExposureGame-v0).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.envs.faces import RENDER_MODES, check_render_mode
from recogym_eco.worlds.exposure_game import (
    ExposureGameConfig,
    ExposureGameWorld,
    demand_norm_bound,
    draw_profile,
    make_config,
)

ENV_ID = "recogym_eco/ExposureGame-v0"

__all__ = ["ENV_ID", "ExposureGameEnv", "observation_bounds", "observation_layout", "platform_observation"]


def observation_layout(num_producers: int, num_groups: int) -> dict[str, slice]:
    """Where each block sits in the platform observation."""
    n, G = num_producers, num_groups
    return {
        "producer_utility": slice(0, n),
        "alignment": slice(n, 2 * n),
        "temperature": slice(2 * n, 2 * n + G),
        "group_welfare": slice(2 * n + G, 2 * n + 2 * G),
        "mean_similarity": slice(2 * n + 2 * G, 2 * n + 2 * G + 1),
        "progress": slice(2 * n + 2 * G + 1, 2 * n + 2 * G + 2),
    }


def observation_bounds(config: ExposureGameConfig) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds (float32) of the platform observation."""
    n, G = config.num_producers, config.num_groups
    b = demand_norm_bound(config)
    lo = np.concatenate([np.zeros(n), -np.ones(n), np.full(G, config.tau_min), np.full(G, -b), [-1.0, 0.0]])
    hi = np.concatenate([np.ones(n), np.ones(n), np.full(G, config.tau_max), np.full(G, b), [1.0, 1.0]])
    return lo.astype(np.float32), hi.astype(np.float32)


def platform_observation(world: ExposureGameWorld, metrics: dict[str, Any], progress: float,
                         bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The platform observation of the current profile (shared by the Gymnasium and PettingZoo faces)."""
    mean = world.C.mean(0)
    norm = np.linalg.norm(mean)
    align = world.S @ (mean / norm) if norm > 0 else np.zeros(world.n)
    obs = np.concatenate([metrics["producer_utility"], align, metrics["temperature"], metrics["group_welfare"],
                          [metrics["mean_similarity"], progress]])
    return np.clip(obs, bounds[0], bounds[1]).astype(np.float32)  # clip absorbs float rounding only


class ExposureGameEnv(gym.Env):
    """The platform's single-agent view of the exposure game (producers follow their dynamics)."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 4}

    def __init__(self, render_mode: str | None = None, config: ExposureGameConfig | None = None,
                 **overrides: Any) -> None:
        self.config = make_config(config, **overrides)
        self.render_mode = check_render_mode(render_mode)
        c = self.config
        self.world = ExposureGameWorld(c)
        self.action_space = spaces.Box(np.float32(c.tau_min), np.float32(c.tau_max), shape=(c.num_groups,),
                                       dtype=np.float32)
        self._bounds = observation_bounds(c)
        self.observation_space = spaces.Box(self._bounds[0], self._bounds[1], dtype=np.float32)
        self._epoch = 0
        self._done = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Starts an episode; ``seed`` re-seeds the face's generator (Gymnasium's rule)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._epoch = 0
        self._done = False
        m = self.world.metrics()
        return platform_observation(self.world, m, 0.0, self._bounds), self._info(m)

    def step(self, action: Any):
        """Plays one step with the given action(s); see the module docstring for its order."""
        if self._done:
            raise RuntimeError("episode has ended (truncated after num_epochs steps); call reset()")
        tau = self.world.check_temperature(action)  # raises before any state changes
        self.world.set_temperature(tau)
        for _ in range(self.config.epoch_length):
            self.world.step()
        self._epoch += 1
        truncated = self._epoch >= self.config.num_epochs
        self._done = truncated
        m = self.world.metrics()
        obs = platform_observation(self.world, m, self._epoch / self.config.num_epochs, self._bounds)
        return obs, self.world.platform_reward(m), False, bool(truncated), self._info(m)

    def render(self) -> str | np.ndarray | None:
        """The picture of the current state in ``render_mode`` (``ansi`` text or an ``rgb_array`` image)."""
        if self.render_mode is None:
            return None
        if self.world.rng is None:
            return "ExposureGame (not reset)" if self.render_mode == "ansi" else np.full((96, 96, 3), 255, np.uint8)
        if self.render_mode == "rgb_array":
            return draw_profile(self.world)
        m = self.world.metrics(probe=False)
        return (f"epoch {self._epoch}/{self.config.num_epochs} tau={np.array2string(m['temperature'], precision=3)} "
                f"welfare={m['user_welfare']:.4f} similarity={m['mean_similarity']:.3f} "
                f"clusters={m['num_clusters']} residual={m['equilibrium_residual']:.2e}")

    def close(self) -> None:
        """Nothing to release."""
        pass

    def _info(self, m: dict[str, Any]) -> dict[str, Any]:
        info = dict(m)
        info["epoch"] = int(self._epoch)
        info["producer_steps"] = int(self.world.steps)
        return info

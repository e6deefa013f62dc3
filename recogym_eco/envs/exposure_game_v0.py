"""ExposureGame (PettingZoo): producers place content on the sphere to win exposure; the platform sets tau.

| | |
|---|---|
| Import | ``from recogym_eco.envs import exposure_game_v0`` |
| Create | ``exposure_game_v0.parallel_env(num_producers=10)``; AEC: ``exposure_game_v0.env(...)`` |
| Agents | ``"platform"``, ``"producer_0"`` ... ``"producer_{n-1}"`` (n = ``num_producers``) |
| Platform action | ``Box(tau_min, tau_max, (G,), float32)``: softmax temperature of each user group |
| Platform observation | as the Gymnasium face: [u (n), cos(s_i, mean demand) (n), tau (G), group welfare (G), mean similarity, progress] |
| Producer action | ``Box(-max_move, max_move, (d,), float32)``: displacement of s_i, then projected on the strategy set (sphere, or its non-negative part) |
| Producer observation | ``Box(float32)`` of length d + 2: [own strategy s_i (d), own exposure share u_i, own Riemannian gradient norm / (1 + norm)] |
| Rewards | producer: its exposure share u_i after the step; platform: ``welfare_weight * user welfare + diversity_weight * (1 - mean similarity)`` (python floats) |
| Episode | truncates after ``max_cycles`` steps (default ``num_epochs * epoch_length``); never terminates |

Seed 002, Chapter 5 (Krauth, "The Dynamics of Recommender Systems"): exposure p_i(c) =
softmax_i(<c, s_i>/tau), producer utility u_i = mean_c p_i(c).

**One parallel step** = one producer update: (1) if ``"platform"`` acts, its temperatures are
validated and deployed; (2) every producer moves simultaneously: a producer whose action is given
(not None) goes to the projection of s_i + action; every other producer takes its step of the
configured dynamics (gradient ascent on its exposure, or the best probe move for the hardmax)
computed at the pre-step profile. So ``step({})`` is pure gradient-ascent dynamics. (3) Rewards and
observations are computed on the new profile. All actions are validated before any state changes.

**Arguments**: every field of :class:`recogym_eco.worlds.exposure_game.ExposureGameConfig`, plus
``max_cycles`` and ``render_mode`` (``"ansi"``, ``"rgb_array"`` or None). The platform's ``infos``
carry the Gymnasium face's info keys. **Version history**: v0 - first release.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from recogym_eco.envs.exposure_game import observation_bounds, platform_observation
from recogym_eco.envs.faces import PLATFORM, RENDER_MODES, GameFace, check_render_mode
from recogym_eco.worlds.exposure_game import ExposureGameConfig, ExposureGameWorld, draw_profile, make_config

__all__ = ["env", "parallel_env", "raw_env"]


class raw_env(GameFace, ParallelEnv):  # noqa: N801 - PettingZoo naming convention
    """ParallelEnv over the ExposureGame world (producers + platform)."""

    metadata = {"name": "exposure_game_v0", "render_modes": list(RENDER_MODES), "render_fps": 4,
                "is_parallelizable": True}

    def __init__(self, max_cycles: int | None = None, render_mode: str | None = None,
                 config: ExposureGameConfig | None = None, **overrides: Any) -> None:
        self.config = make_config(config, **overrides)
        c = self.config
        if max_cycles is None:
            max_cycles = c.num_epochs * c.epoch_length
        if isinstance(max_cycles, bool) or not isinstance(max_cycles, (int, np.integer)) or max_cycles < 1:
            raise ValueError(f"max_cycles must be a positive int, got {max_cycles!r}")
        self.max_cycles = int(max_cycles)
        self.render_mode = check_render_mode(render_mode)
        self.world = ExposureGameWorld(c)
        self.possible_agents = [PLATFORM] + [f"producer_{i}" for i in range(c.num_producers)]
        self.agents: list[str] = []
        self._index = {f"producer_{i}": i for i in range(c.num_producers)}
        self._bounds = observation_bounds(c)
        d = int(c.dim)
        lo_s = 0.0 if c.orthant else -1.0
        p_lo = np.concatenate([np.full(d, lo_s), [0.0, 0.0]]).astype(np.float32)
        p_hi = np.concatenate([np.ones(d), [1.0, 1.0]]).astype(np.float32)
        self.observation_spaces: dict[str, spaces.Space] = {PLATFORM: spaces.Box(*self._bounds, dtype=np.float32)}
        self.action_spaces: dict[str, spaces.Space] = {
            PLATFORM: spaces.Box(np.float32(c.tau_min), np.float32(c.tau_max), shape=(c.num_groups,), dtype=np.float32)
        }
        for a in self.possible_agents[1:]:
            self.observation_spaces[a] = spaces.Box(p_lo, p_hi, dtype=np.float32)
            self.action_spaces[a] = spaces.Box(-np.float32(c.max_move), np.float32(c.max_move), shape=(d,),
                                                dtype=np.float32)
        self.state_space = spaces.Box(np.float32(lo_s), np.float32(1.0), shape=(c.num_producers * d,), dtype=np.float32)
        self._steps = 0

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode; ``seed`` re-seeds the face's generator (Gymnasium's rule)."""
        self.world.reset(self._seed(seed))
        self.agents = self.possible_agents[:]
        self._steps = 0
        m = self.world.metrics()
        infos: dict[str, dict] = {a: {} for a in self.agents}
        infos[PLATFORM] = self._platform_info(m)
        return self._observations(m), infos

    def step(self, actions: dict[str, Any]):
        """Plays one step with the given action(s); see the module docstring for its order."""
        self._check_actions(actions)
        tau = None
        if actions.get(PLATFORM) is not None:
            tau = self.world.check_temperature(actions[PLATFORM])
        moves = {self._index[a]: act for a, act in actions.items() if a != PLATFORM and act is not None}
        self.world.check_moves(moves)  # raises before any state changes
        if tau is not None:
            self.world.set_temperature(tau)
        self.world.step(moves)
        self._steps += 1
        m = self.world.metrics()
        obs = self._observations(m)
        rewards = {PLATFORM: self.world.platform_reward(m)}
        for a, i in self._index.items():
            rewards[a] = float(m["producer_utility"][i])
        truncated = self._steps >= self.max_cycles
        terminations = {a: False for a in self.agents}
        truncations = {a: bool(truncated) for a in self.agents}
        infos: dict[str, dict] = {a: {} for a in self.agents}
        infos[PLATFORM] = self._platform_info(m)
        if truncated:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def render(self) -> str | np.ndarray | None:
        """The picture of the current state in ``render_mode`` (``ansi`` text or an ``rgb_array`` image)."""
        if self.render_mode is None or self.world.rng is None:
            return None
        if self.render_mode == "rgb_array":
            return draw_profile(self.world)
        m = self.world.metrics(probe=False)
        return (f"step {self._steps}/{self.max_cycles} welfare={m['user_welfare']:.4f} "
                f"similarity={m['mean_similarity']:.3f} clusters={m['num_clusters']}")

    def close(self) -> None:
        """Nothing to release."""
        pass

    def state(self) -> np.ndarray:
        """All producers' strategies, flattened (float32); see ``state_space``."""
        lo = 0.0 if self.config.orthant else -1.0
        return np.clip(self.world.S, lo, 1.0).astype(np.float32).ravel()

    def _platform_info(self, m: dict[str, Any]) -> dict[str, Any]:
        info = dict(m)
        info["producer_steps"] = int(self.world.steps)
        return info

    def _observations(self, m: dict[str, Any]) -> dict[str, np.ndarray]:
        obs = {PLATFORM: platform_observation(self.world, m, min(self._steps / self.max_cycles, 1.0), self._bounds)}
        lo = 0.0 if self.config.orthant else -1.0
        S = np.clip(self.world.S, lo, 1.0)
        u = np.clip(m["producer_utility"], 0.0, 1.0)
        g = np.linalg.norm(self.world.riemannian_gradient(), axis=-1)
        g = g / (1.0 + g)
        for a, i in self._index.items():
            obs[a] = np.concatenate([S[i], [u[i], g[i]]]).astype(np.float32)
        return obs


def parallel_env(**kwargs: Any) -> raw_env:
    """The ParallelEnv (see the module docstring for arguments)."""
    return raw_env(**kwargs)


def env(**kwargs: Any):
    """AEC version (``parallel_to_aec`` of :func:`parallel_env`)."""
    return parallel_to_aec(raw_env(**kwargs))

"""UserDynamics-v0: the platform's view of RecLab-style users who drift and get bored (seed 002, Chapter 2).

| | |
|---|---|
| Creation | ``gym.make("recogym_eco/UserDynamics-v0", preset="topics-dynamic", **kwargs)`` |
| Observation | ``Dict(ratings=Box(0, 5, (U, I), float32), online_users=MultiDiscrete([U] * n_online))``: every rating observed so far (0 = not rated) and the users to serve this step |
| Action | ``MultiDiscrete([I] * n_online)``: one item per online user, in the order of ``online_users`` |
| Masking | items the user has already rated are masked: ``info["action_mask"]`` (n_online, I) and ``action_masks()`` (flat, sb3-contrib ``MaskablePPO`` layout); choosing one raises ``ValueError`` naming the user (``on_masked="resample"`` replaces it instead) |
| Reward | mean rating of the step's recommendations |
| Termination | fewer than n_online users have an unrated item left (online users are drawn among them) |
| Truncation | after ``horizon`` steps (500: 100,000 online ratings at the thesis scale) |
| Source | seed 002, Sections 2.3 and 2.6; ``envs.md`` documents every parameter |

Presets: ``topics-static``, ``topics-dynamic``, ``latent-static``, ``latent-dynamic``, ``ml-100k``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.envs.faces import RENDER_MODES, check_render_mode
from recogym_eco.worlds.user_dynamics import StepResult, UserDynamicsConfig, UserDynamicsWorld


class UserDynamicsEnv(gym.Env):
    """Gymnasium face of ``UserDynamicsWorld``; keyword arguments are ``UserDynamicsConfig``'s."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 4}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.config = UserDynamicsConfig(**kwargs)
        self.world = UserDynamicsWorld(self.config)
        U, I, n = self.world.num_users, self.world.num_items, self.world.num_online
        self.observation_space = spaces.Dict({
            "ratings": spaces.Box(0.0, 5.0, shape=(U, I), dtype=np.float32),
            "online_users": spaces.MultiDiscrete(np.full(n, U, dtype=np.int64)),
        })
        self.action_space = spaces.MultiDiscrete(np.full(n, I, dtype=np.int64))
        self._last: StepResult | None = None

    def _info(self, result: StepResult | None) -> dict[str, Any]:
        n = self.world.num_online
        info: dict[str, Any] = {
            "step": self.world.step_index,
            "users": np.full(n, -1, dtype=np.int64) if result is None else result.users.copy(),
            "items": np.full(n, -1, dtype=np.int64) if result is None else result.items.copy(),
            "ratings": np.zeros(n) if result is None else result.ratings.copy(),
            "mean_rating": 0.0 if result is None else float(result.ratings.mean()),
            "masked_replaced": 0 if result is None else result.masked_replaced,
            "online_users": self.world.online.copy(),
            "action_mask": self.world.action_mask(),
        }
        info.update(self.world.metrics())
        return info

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Draws a population and the initial ratings from the env's generator (seeded by ``seed``)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._last = None
        return self.world.observation(), self._info(None)

    def step(self, action: Any):
        """Serves the online users ``action``; see ``recogym_eco.worlds.user_dynamics`` for the order of events."""
        result = self.world.step(action)
        self._last = result
        return (self.world.observation(), float(result.ratings.mean()), bool(self.world.terminated),
                bool(self.world.truncated), self._info(result))

    def action_masks(self) -> np.ndarray:
        """Flat (n_online * I,) bool mask, True = allowed (sb3-contrib's MultiDiscrete masking layout)."""
        return self.world.action_mask().ravel()

    def render(self) -> str | np.ndarray | None:
        """``ansi``: one line on the last step; ``rgb_array``: the observed rating matrix as a small picture."""
        if self.render_mode == "ansi":
            if self._last is None:
                return f"step {self.world.step_index}: no recommendation yet"
            m = self.world.metrics()
            return (f"step {self.world.step_index}: mean rating {self._last.ratings.mean():.3f}, coverage "
                    f"{m['coverage']:.3f}, homogenisation {m['homogenisation']:.3f}")
        if self.render_mode == "rgb_array":
            R = self.world.ratings
            rows = np.linspace(0, R.shape[0] - 1, min(R.shape[0], 128)).astype(int)
            cols = np.linspace(0, R.shape[1] - 1, min(R.shape[1], 128)).astype(int)
            shade = (R[np.ix_(rows, cols)] / 5.0 * 255).astype(np.uint8)
            return np.stack([shade, shade // 2, 255 - shade], axis=-1)
        return None

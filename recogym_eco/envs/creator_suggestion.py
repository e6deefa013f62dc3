"""CreatorSuggestion-v0: the platform's single-agent view of the creator-suggestion world.

| | |
|---|---|
| Creation | ``gym.make("recogym_eco/CreatorSuggestion-v0", **kwargs)`` |
| Observation | ``Box(0, 1, (num_creators, num_genres + 2), float32)``: one-hot of the genre each creator made last round (slot ``num_genres`` = made nothing: inactive or departed), then the platform's estimated trust |
| Action | ``MultiDiscrete([num_genres + 1] * num_creators)``: 0 = no suggestion, g + 1 = suggest genre g |
| Reward | total clicks of the round (user welfare) |
| Termination | every creator has left the platform |
| Truncation | after ``horizon`` rounds |
| Source | seed 001 (LoRe), Sections 3–5; ``envs.md`` documents every parameter |

Creators follow their behaviour models (see ``recogym_eco.worlds.creator_suggestion``). The
ranking lever and the creator reward-weight lever are reached through ``env.unwrapped.world``
(``set_ranker``, ``set_reward_weights``) or the wrappers in ``agents``.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld, RoundResult


def copy_info(info: dict[str, Any]) -> dict[str, Any]:
    """A fresh info dict with copied arrays (Gymnasium 1.4 rejects data reused across calls)."""
    return {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in info.items()}


class CreatorSuggestionEnv(gym.Env):
    """Gymnasium face of ``CreatorSuggestionWorld``; keyword arguments are ``CreatorSuggestionConfig``'s."""

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.config = CreatorSuggestionConfig(**kwargs)
        self.world = CreatorSuggestionWorld(self.config)
        C, G = self.config.num_creators, self.config.num_genres
        self.observation_space = spaces.Box(0.0, 1.0, shape=(C, G + 2), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.full(C, G + 1, dtype=np.int64))
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}; got {render_mode!r}")
        self.render_mode = render_mode
        self._last: RoundResult | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Starts an episode with a population drawn from the env's generator (seeded by ``seed``)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._last = None
        return self.world.observation(), {"round": 0, "trust_estimate": self.world.trust_estimate()}

    def step(self, action: Any):
        """Plays one round with ``action`` as the suggestions; see the module docstring."""
        result = self.world.step(action)
        self._last = result
        return (self.world.observation(), float(result.clicks), self.world.terminated, self.world.truncated,
                copy_info(result.info))

    def render(self) -> str | None:
        """``ansi``: a one-line summary of the last round."""
        if self.render_mode != "ansi":
            return None
        if self._last is None:
            return f"round {self.world.round_index}: no round played yet"
        info = self._last.info
        return (f"round {info['round']}: clicks {info['clicks']:.0f}, active creators {info['active_creators']}, "
                f"present {info['present_creators']}, diversity {info['content_diversity']:.3f}, "
                f"follow rate {info['follow_rate']:.2f}")


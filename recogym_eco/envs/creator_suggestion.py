"""CreatorSuggestion-v0: the platform's single-agent view of the creator-suggestion world.

| | |
|---|---|
| Creation | ``gym.make("recogym_eco/CreatorSuggestion-v0", **kwargs)`` |
| Observation | ``Box(0, 1, (num_creators, num_genres + 2), float32)``: one-hot of the genre each creator made last round (slot ``num_genres`` = made nothing: inactive or departed), then the platform's estimated trust; ``observation="log"``: ``(num_creators, 4 num_genres + 2)``, plus the platform's logs (shares of uploads and clicks per genre, platform-wide recent clicks per genre) |
| Action | ``MultiDiscrete([num_genres + 1] * num_creators)``: 0 = no suggestion, g + 1 = suggest genre g |
| Reward | total clicks of the round (user welfare) |
| Termination | every creator has left the platform |
| Truncation | after ``horizon`` rounds |
| Render modes | ``"ansi"`` (one line per round), ``"rgb_array"`` (bars: supply per genre, clicks per genre, creators present) |
| Source | seed 001 (LoRe), Sections 3–5; ``envs.md`` documents every parameter |

``CreatorSuggestion-v1`` is this class with ``recogym_eco.envs.creator_suggestion_v1.V1_DEFAULTS``
(learned recommender, feedback creators, skill and relative trust dynamics, logs in absolute counts:
``observation="log"`` then gives ``Box(0, inf, (num_creators, 5 num_genres + 2))``).

Creators follow their behaviour models (see ``recogym_eco.worlds.creator_suggestion``). The
ranking lever and the creator reward-weight lever are reached through ``env.unwrapped.world``
(``set_ranker``, ``set_reward_weights``) or the wrappers in ``recogym_eco.agents``. Reset and step
``info`` carry the same keys.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.components.pictures import bar_picture
from recogym_eco.envs.faces import RENDER_MODES, check_render_mode
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld


def copy_info(info: dict[str, Any]) -> dict[str, Any]:
    """A fresh info dict with copied arrays (Gymnasium 1.4 rejects data reused across calls)."""
    return {key: value.copy() if isinstance(value, np.ndarray) else value for key, value in info.items()}


def render_round(world: CreatorSuggestionWorld, info: dict[str, Any] | None, mode: str | None) -> str | np.ndarray | None:
    """The picture of the last round shared by both faces: an ``ansi`` line or an ``rgb_array`` image."""
    if mode == "ansi":
        if info is None:
            return f"round {world.round_index}: no round played yet"
        return (f"round {info['round']}: clicks {info['clicks']:.0f}, active creators {info['active_creators']}, "
                f"present {info['present_creators']}, diversity {info['content_diversity']:.3f}, "
                f"follow rate {info['follow_rate']:.2f}")
    if mode == "rgb_array":
        G = world.config.num_genres
        if info is None:
            return bar_picture([np.zeros(G), np.zeros(G), np.ones(world.config.num_creators)])
        made = info["made_genre"]
        clicks = np.bincount(made[made >= 0], weights=info["creator_clicks"][made >= 0], minlength=G)
        return bar_picture([info["genre_counts"], clicks, info["present"].astype(np.float64)])
    return None


class CreatorSuggestionEnv(gym.Env):
    """Gymnasium face of ``CreatorSuggestionWorld``; keyword arguments are ``CreatorSuggestionConfig``'s."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 4}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.config = CreatorSuggestionConfig(**kwargs)
        self.world = CreatorSuggestionWorld(self.config)
        C, G = self.config.num_creators, self.config.num_genres
        self.observation_space = spaces.Box(0.0, self.world.observation_high, shape=(C, self.world.observation_width),
                                            dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.full(C, G + 1, dtype=np.int64))
        self._info: dict[str, Any] | None = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Starts an episode with a population drawn from the env's generator (seeded by ``seed``)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._info = None
        return self.world.observation(), self.world.initial_info()

    def step(self, action: Any):
        """Plays one round with ``action`` as the suggestions; see the module docstring."""
        if action is None or isinstance(action, (str, bytes, dict)):
            raise TypeError(f"action must be an integer array of shape ({self.config.num_creators},); "
                            f"got {type(action).__name__}")
        result = self.world.step(action)
        self._info = result.info
        return (self.world.observation(), float(result.clicks), self.world.terminated, self.world.truncated,
                copy_info(result.info))

    def render(self) -> str | np.ndarray | None:
        """``ansi``: a one-line summary of the last round; ``rgb_array``: its bar picture."""
        return render_round(self.world, self._info, self.render_mode)

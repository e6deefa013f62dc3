"""creator_suggestion_v0: the creator-suggestion world as a PettingZoo game (platform + creators).

| | |
|---|---|
| Import | ``from recogym_eco.envs import creator_suggestion_v0`` |
| Parallel API | ``creator_suggestion_v0.parallel_env(**kwargs)`` |
| AEC API | ``creator_suggestion_v0.env(**kwargs)`` |
| Agents | ``"platform"``, ``"creator_0"`` … ``"creator_{C-1}"``; departed creators leave ``agents`` |
| Platform action | ``MultiDiscrete([G + 1] * C)``: 0 = no suggestion, g + 1 = suggest genre g |
| Platform observation | ``Box(0, 1, (C, G + 2), float32)``, as in ``CreatorSuggestion-v0`` |
| Creator action | ``Discrete(G + 1)``: 0 = skip the round, g + 1 = make an item of genre g |
| Creator observation | ``Box(0, inf, (3 G + 2,), float32)``: share of its items per genre (G), share of its reward per genre (G), one-hot of the suggestion it got last round (G + 1), its reward last round |
| Rewards | platform: clicks of the round; creator: its reward (clicks weighted by the reward lever) |

Keyword arguments are those of ``CreatorSuggestion-v0`` (see ``envs.md``). Agents the caller does
not drive act by their behaviour model: a missing platform action means no suggestions, a missing
creator action means the creator's trust-and-fallback model decides. Actions and observations are
simultaneous, so a creator agent sees the suggestion of the previous round. A creator that leaves
is terminated that round; the platform terminates when every creator has left, and every agent is
truncated after ``horizon`` rounds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from recogym_eco.envs.creator_suggestion import copy_info, render_round
from recogym_eco.envs.faces import PLATFORM, RENDER_MODES, GameFace, check_render_mode, creator_agent
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld


class raw_env(GameFace, ParallelEnv):  # noqa: N801 — PettingZoo's naming convention
    """PettingZoo ``ParallelEnv`` over ``CreatorSuggestionWorld``."""

    metadata = {"name": "creator_suggestion_v0", "render_modes": list(RENDER_MODES), "render_fps": 4,
                "is_parallelizable": True}

    def __init__(self, render_mode: str | None = None, **kwargs: Any) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.config = CreatorSuggestionConfig(**kwargs)
        self.world = CreatorSuggestionWorld(self.config)
        C, G = self.config.num_creators, self.config.num_genres
        self.possible_agents = [PLATFORM] + [creator_agent(i) for i in range(C)]
        self._index = {creator_agent(i): i for i in range(C)}
        creator_high = np.ones(3 * G + 2, dtype=np.float32)
        creator_high[-1] = np.inf
        self.observation_spaces: dict[str, spaces.Space] = {
            PLATFORM: spaces.Box(0.0, 1.0, shape=(C, self.world.observation_width), dtype=np.float32)}
        self.action_spaces: dict[str, spaces.Space] = {
            PLATFORM: spaces.MultiDiscrete(np.full(C, G + 1, dtype=np.int64))}
        for name in self.possible_agents[1:]:
            self.observation_spaces[name] = spaces.Box(np.zeros_like(creator_high), creator_high, dtype=np.float32)
            self.action_spaces[name] = spaces.Discrete(G + 1)
        self.agents: list[str] = []
        self._info: dict[str, Any] | None = None

    def _creator_observations(self) -> np.ndarray:
        """(C, 3 G + 2) float32 creator observations, one row per creator."""
        w, G = self.world, self.config.num_genres
        made_share = w.made / w.made.sum(axis=1, keepdims=True)
        total = w.feedback.sum(axis=1, keepdims=True)
        reward_share = np.divide(w.feedback, total, out=np.zeros_like(w.feedback), where=total > 0)
        suggestion = np.eye(G + 1)[w.last_suggestion]
        return np.hstack([made_share, reward_share, suggestion, w.last_reward[:, None]]).astype(np.float32)

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode; ``seed`` seeds the env's generator (kept across unseeded resets)."""
        self.world.reset(self._seed(seed))
        self.agents = list(self.possible_agents)
        self._info = None
        zero = {"exposure": 0, "clicks": 0.0, "made_genre": -1, "followed": False}
        infos = {name: dict(zero) for name in self.agents}
        infos[PLATFORM] = self.world.initial_info()
        return self._observations_for(self.agents), infos

    def step(self, actions: dict[str, Any]):
        """Plays one round with the given actions (missing agents follow their behaviour model)."""
        self._check_actions(actions)
        C = self.config.num_creators
        suggestions = actions.get(PLATFORM, np.zeros(C, dtype=np.int64))
        creator_actions = np.full(C, -1, dtype=np.int64)
        for name, action in actions.items():
            if name == PLATFORM:
                continue
            value = np.asarray(action)
            if value.shape != () or not np.issubdtype(value.dtype, np.integer) or not 0 <= value <= self.config.num_genres:
                raise ValueError(f"action of {name} must be an integer in [0, {self.config.num_genres}] "
                                 f"(0 = skip, g + 1 = make genre g); got {action!r}")
            creator_actions[self._index[name]] = int(value)
        result = self.world.step(suggestions, creator_actions)
        self._info = result.info
        live = list(self.agents)
        obs = self._observations_for(live)
        rewards = {PLATFORM: float(result.clicks)}
        terminations = {PLATFORM: self.world.terminated}
        truncations = {name: self.world.truncated for name in live}
        infos: dict[str, dict] = {PLATFORM: copy_info(result.info)}
        for name in live[1:]:
            i = self._index[name]
            rewards[name] = float(result.creator_reward[i])
            terminations[name] = bool(result.departed[i])
            infos[name] = {"exposure": int(result.exposure[i]), "clicks": float(result.creator_clicks[i]),
                           "made_genre": int(result.made_genre[i]), "followed": bool(result.followed[i])}
        self.agents = [] if self.world.done else [name for name in live if not terminations[name]]
        return obs, rewards, terminations, truncations, infos

    def _observations_for(self, names: list[str]) -> dict[str, np.ndarray]:
        rows = self._creator_observations()
        return {name: self.world.observation() if name == PLATFORM else rows[self._index[name]] for name in names}

    def render(self) -> str | np.ndarray | None:
        """``ansi``: a one-line summary of the last round; ``rgb_array``: its bar picture."""
        return render_round(self.world, self._info, self.render_mode)

    def close(self) -> None:
        """Nothing to release."""


def parallel_env(**kwargs: Any) -> raw_env:
    """The game with PettingZoo's parallel API."""
    return raw_env(**kwargs)


def env(**kwargs: Any):
    """The game with PettingZoo's AEC API (creators and platform take turns within a round)."""
    return parallel_to_aec(raw_env(**kwargs))

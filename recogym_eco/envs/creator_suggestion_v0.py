"""creator_suggestion_v0: the creator-suggestion world as a PettingZoo game (platform + creators).

| | |
|---|---|
| Import | ``from recogym_eco.envs import creator_suggestion_v0`` |
| Parallel API | ``creator_suggestion_v0.parallel_env(**kwargs)`` |
| AEC API | ``creator_suggestion_v0.env(**kwargs)`` |
| Agents | ``"platform"``, ``"creator_0"`` … ``"creator_{C-1}"``; departed creators leave ``agents`` (``keep_departed=True``: they stay, zeroed); ``platform_policy=...``: creators only |
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
    """PettingZoo ``ParallelEnv`` over ``CreatorSuggestionWorld``.

    Options for multi-agent libraries (all off by default):

    * ``platform_policy``: the creators-only view. The platform is not an agent; each round its
      suggestions come from ``platform_policy.predict(platform_observation)[0]`` (any SB3-style
      policy, e.g. ``recogym_eco.agents.heuristics.NoSignal``) or ``platform_policy(observation)``.
      Every agent then has the same spaces (SuperSuit's vector conversion, RLlib shared policies).
    * ``keep_departed``: a creator that leaves stays in ``agents`` until the episode ends, with an
      all-zero observation and reward 0, its actions ignored (the fixed agent set that SuperSuit's
      ``black_death`` and its vector conversion expect). It is terminated when the episode ends.
    * ``flat_platform_observation``: the platform's observation as a 1-D ``Box`` of C × width
      (RLlib has no default encoder for 2-D boxes).
    """

    metadata = {"name": "creator_suggestion_v0", "render_modes": list(RENDER_MODES), "render_fps": 4,
                "is_parallelizable": True}

    def __init__(self, render_mode: str | None = None, platform_policy: Any = None, keep_departed: bool = False,
                 flat_platform_observation: bool = False, **kwargs: Any) -> None:
        self.render_mode = check_render_mode(render_mode)
        if platform_policy is not None and not (callable(platform_policy) or hasattr(platform_policy, "predict")):
            raise ValueError(f"platform_policy must be None, an object with an SB3-style predict(observation) or a "
                             f"callable observation -> suggestions; got {type(platform_policy).__name__}")
        for name, flag in (("keep_departed", keep_departed), ("flat_platform_observation", flat_platform_observation)):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False; got {flag!r}")
        self.config = CreatorSuggestionConfig(**kwargs)
        self.world = CreatorSuggestionWorld(self.config)
        self.platform_policy = platform_policy
        self.keep_departed = bool(keep_departed)
        self.flat_platform_observation = bool(flat_platform_observation)
        C, G = self.config.num_creators, self.config.num_genres
        creators = [creator_agent(i) for i in range(C)]
        self.possible_agents = creators if platform_policy is not None else [PLATFORM] + creators
        self._index = {creator_agent(i): i for i in range(C)}
        creator_high = np.ones(3 * G + 2, dtype=np.float32)
        creator_high[-1] = np.inf
        platform_shape = (C, self.world.observation_width)
        if self.flat_platform_observation:
            platform_shape = (C * self.world.observation_width,)
        self.observation_spaces: dict[str, spaces.Space] = {}
        self.action_spaces: dict[str, spaces.Space] = {}
        if platform_policy is None:
            self.observation_spaces[PLATFORM] = spaces.Box(0.0, self.world.observation_high, shape=platform_shape,
                                                           dtype=np.float32)
            self.action_spaces[PLATFORM] = spaces.MultiDiscrete(np.full(C, G + 1, dtype=np.int64))
        for name in creators:
            self.observation_spaces[name] = spaces.Box(np.zeros_like(creator_high), creator_high, dtype=np.float32)
            self.action_spaces[name] = spaces.Discrete(G + 1)
        self.agents: list[str] = []
        self._info: dict[str, Any] | None = None

    def _creator_observations(self) -> np.ndarray:
        """(C, 3 G + 2) float32 creator observations, one row per creator (zeros for departed ones)."""
        w, G = self.world, self.config.num_genres
        made_share = w.made / w.made.sum(axis=1, keepdims=True)
        total = w.feedback.sum(axis=1, keepdims=True)
        reward_share = np.divide(w.feedback, total, out=np.zeros_like(w.feedback), where=total > 0)
        suggestion = np.eye(G + 1)[w.last_suggestion]
        rows = np.hstack([made_share, reward_share, suggestion, w.last_reward[:, None]]).astype(np.float32)
        return np.where(w.present[:, None], rows, 0.0).astype(np.float32) if self.keep_departed else rows

    def _platform_observation(self) -> np.ndarray:
        obs = self.world.observation()
        return obs.ravel() if self.flat_platform_observation else obs

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode; ``seed`` seeds the env's generator (kept across unseeded resets)."""
        self.world.reset(self._seed(seed))
        self.agents = list(self.possible_agents)
        self._info = None
        zero = {"exposure": 0, "clicks": 0.0, "made_genre": -1, "followed": False}
        infos = {name: dict(zero) for name in self.agents}
        if PLATFORM in infos:
            infos[PLATFORM] = self.world.initial_info()
        return self._observations_for(self.agents), infos

    def _suggestions(self, actions: dict[str, Any]) -> Any:
        C = self.config.num_creators
        if self.platform_policy is None:
            return actions.get(PLATFORM, np.zeros(C, dtype=np.int64))
        obs = self._platform_observation()
        if hasattr(self.platform_policy, "predict"):
            return self.platform_policy.predict(obs)[0]
        return self.platform_policy(obs)

    def step(self, actions: dict[str, Any]):
        """Plays one round with the given actions (missing agents follow their behaviour model)."""
        self._check_actions(actions)
        C, G = self.config.num_creators, self.config.num_genres
        creator_actions = np.full(C, -1, dtype=np.int64)
        for name, action in actions.items():
            if name == PLATFORM:
                continue
            value = np.asarray(action)
            if value.shape != () or not np.issubdtype(value.dtype, np.integer) or not 0 <= value <= G:
                raise ValueError(f"action of {name} must be an integer in [0, {G}] "
                                 f"(0 = skip, g + 1 = make genre g); got {action!r}")
            if self.world.present[self._index[name]]:
                creator_actions[self._index[name]] = int(value)
        result = self.world.step(self._suggestions(actions), creator_actions)
        self._info = result.info
        live = list(self.agents)
        obs = self._observations_for(live)
        rewards, terminations, infos = {}, {}, {}
        truncations = {name: self.world.truncated for name in live}
        for name in live:
            if name == PLATFORM:
                rewards[name], terminations[name] = float(result.clicks), self.world.terminated
                infos[name] = copy_info(result.info)
                continue
            i = self._index[name]
            rewards[name] = float(result.creator_reward[i])
            gone = bool(result.departed[i]) or not self.world.present[i]
            terminations[name] = (self.world.terminated or (gone and self.world.done)) if self.keep_departed else gone
            infos[name] = {"exposure": int(result.exposure[i]), "clicks": float(result.creator_clicks[i]),
                           "made_genre": int(result.made_genre[i]), "followed": bool(result.followed[i])}
        self.agents = [] if self.world.done else [name for name in live if not terminations[name]]
        return obs, rewards, terminations, truncations, infos

    def _observations_for(self, names: list[str]) -> dict[str, np.ndarray]:
        rows = self._creator_observations()
        return {name: self._platform_observation() if name == PLATFORM else rows[self._index[name]]
                for name in names}

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

"""ContentCompetition (PettingZoo): creators compete for users in an embedding space; the platform reweights.

| | |
|---|---|
| Import | ``from recogym_eco.envs import content_competition_v0`` |
| Create | ``content_competition_v0.parallel_env(preset="synthetic", mechanism="UIR")``; AEC: ``content_competition_v0.env(...)`` |
| Agents | ``"platform"``, ``"creator_0"`` ... ``"creator_{n-1}"`` (n = ``num_creators``) |
| Platform action | ``Box(w_min, w_max, (L,), float32)``: one weight per user group, deployed by ``mechanism`` |
| Platform observation | ``Box(0, ., (3L+1,), float32)``: [group utility (L), weights (L), group shares (L), progress] |
| Creator action | ``Box(-max_move, max_move, (d,), float32)``: displacement of the creator's content, then projected onto its strategy set (ball: radial projection; finite item set: nearest item) |
| Creator observation | ``Box(., ., (d+2,), float32)``: [own strategy s_i (d), own utility u_i, own exposure] |
| Rewards | creator: its utility u_i after the step; platform: welfare after the step (python floats) |
| Episode | truncates after ``max_cycles`` steps (default: the preset's ``horizon``); never terminates |

Seed 000 (Yao et al., "User Welfare Optimization in Recommender Systems with Competing Content
Creators") models n creators whose content s_i lives in R^d and m users x_j; user x is matched to one
of its top-K(x) creators by relevance sigma(s, x) with softmax temperature beta(x); a creator earns
u_i = mean_x w(x) sigma_i(x) P_i(x). The platform's levers are UIR (reward weights w), SMT
(beta(x) = beta w) and HMT (K(x) = ceil(K w)), one weight per k-means user group.

**One parallel step** = one creator step: (1) if ``"platform"`` is in the actions, its weights are
validated and deployed; (2) every creator, in a fresh random order, moves once: a creator whose action
is given (not None) adds it to its strategy and projects; any other creator makes one Local Better
Response proposal (s_i + eta g, kept if its utility does not drop). So ``parallel_env().step({})``
runs pure LBR dynamics, and a caller may drive any subset of creators. (3) Rewards and observations
are computed on the new profile.

**Arguments**: every field of :class:`recogym_eco.worlds.content_competition.ContentCompetitionConfig`
(``preset`` selects the defaults: ``"toy"``, ``"toy-beta0.1"``, ``"synthetic"``, ``"movielens"``), plus
``max_cycles``
(steps per episode, default ``horizon``), ``max_move`` (largest creator displacement per coordinate,
default ``eta``), ``render_mode`` (``"ansi"``, ``"rgb_array"`` or None) and ``engine`` (``"auto"``, ``"compiled"``,
``"numpy"`` or ``"dense"``; a step in which some creator's action is given runs on ``"numpy"``). Full parameter table and metrics:
``envs.md`` (section ContentCompetition-v0). The platform's ``infos`` carry ``welfare``, ``group_utility``,
``exposure_gini``, ``content_diversity``, ``accept_rate`` and ``compiled_engine`` (whether the compiled
engine ran the step; the Gymnasium face reports the engine's name in ``info["engine"]``), the same keys
at reset and step.

**Version history**: v0 - first release.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv
from pettingzoo.utils.conversions import parallel_to_aec

from recogym_eco.components.groups import group_means
from recogym_eco.envs.content_competition import render_world
from recogym_eco.envs.faces import PLATFORM, RENDER_MODES, GameFace, check_render_mode, creator_agent
from recogym_eco.worlds.content_competition import ContentCompetitionConfig, ContentCompetitionWorld, resolve_config

__all__ = ["env", "parallel_env", "raw_env"]


class raw_env(GameFace, ParallelEnv):  # noqa: N801 - PettingZoo naming convention
    """ParallelEnv over the ContentCompetition world (creators + platform)."""

    metadata = {"name": "content_competition_v0", "render_modes": list(RENDER_MODES), "render_fps": 4,
                "is_parallelizable": True}

    def __init__(
        self,
        preset: str = "synthetic",
        mechanism: str = "none",
        max_cycles: int | None = None,
        max_move: float | None = None,
        render_mode: str | None = None,
        config: ContentCompetitionConfig | None = None,
        engine: str = "auto",
        **overrides: Any,
    ) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.config = resolve_config(preset, mechanism, config, overrides)
        c = self.config
        if max_cycles is None:
            max_cycles = c.horizon
        if isinstance(max_cycles, bool) or not isinstance(max_cycles, (int, np.integer)) or max_cycles < 1:
            raise ValueError(f"max_cycles must be a positive int, got {max_cycles!r}")
        self.max_cycles = int(max_cycles)
        self.max_move = float(c.eta if max_move is None else max_move)
        if not np.isfinite(self.max_move) or self.max_move <= 0:
            raise ValueError(f"max_move must be a finite number > 0, got {max_move!r}")
        self.world = ContentCompetitionWorld(c, engine=engine)
        self.possible_agents = [PLATFORM] + [creator_agent(i) for i in range(c.num_creators)]
        self.agents: list[str] = []
        self._index = {creator_agent(i): i for i in range(c.num_creators)}
        L, d = c.num_groups, c.dim
        obs_high = np.concatenate([np.full(L, c.max_relevance), np.full(L, c.w_max), np.ones(L), np.ones(1)])
        platform_obs = spaces.Box(np.zeros(3 * L + 1, np.float32), obs_high.astype(np.float32), dtype=np.float32)
        platform_act = spaces.Box(np.float32(c.w_min), np.float32(c.w_max), shape=(L,), dtype=np.float32)
        self._bound = self._strategy_bound()
        lo = np.concatenate([np.full(d, -self._bound), [0.0, 0.0]]).astype(np.float32)
        hi = np.concatenate([np.full(d, self._bound), [c.max_relevance * c.w_max, 1.0]]).astype(np.float32)
        self.observation_spaces = {PLATFORM: platform_obs}
        self.action_spaces = {PLATFORM: platform_act}
        for a in self.possible_agents[1:]:
            self.observation_spaces[a] = spaces.Box(lo, hi, dtype=np.float32)
            self.action_spaces[a] = spaces.Box(-np.float32(self.max_move), np.float32(self.max_move), shape=(d,), dtype=np.float32)
        self.state_space = spaces.Box(-np.float32(self._bound), np.float32(self._bound), shape=(c.num_creators * d,),
                                      dtype=np.float32)
        self._steps = 0

    def _strategy_bound(self) -> float:
        c = self.config
        if not c.finite_strategies:
            return float(c.strategy_radius)
        from recogym_eco.data.mf import movielens_instance_data

        return float(np.abs(movielens_instance_data(c)["items"]).max())

    # ------------------------------------------------------------------ API

    def reset(self, seed: int | None = None, options: dict | None = None):
        """Starts an episode; ``seed`` re-seeds the face's generator (Gymnasium's rule)."""
        self.world.reset(self._seed(seed))
        self.agents = self.possible_agents[:]
        self._steps = 0
        pi = self.world.user_utilities()
        gu = group_means(pi, self.world.labels, self.config.num_groups)
        stats = self.world.creator_stats()
        obs = self._observations(gu, stats)
        infos: dict[str, dict] = {a: {} for a in self.agents}
        infos[PLATFORM] = self._platform_info(float(pi.mean()), gu, 0.0)
        return obs, infos

    def step(self, actions: dict[str, Any]):
        """Plays one step with the given action(s); see the module docstring for its order."""
        self._check_actions(actions)
        c = self.config
        # validate everything before changing any state
        weights = None
        if actions.get(PLATFORM) is not None:
            weights = self.world.check_weights(actions[PLATFORM])
        moves: dict[int, np.ndarray] = {}
        for agent, act in actions.items():
            if agent == PLATFORM or act is None:
                continue
            if isinstance(act, (str, bytes)):
                raise TypeError(f"action of {agent} must be an array of {c.dim} numbers")
            a = np.asarray(act, dtype=np.float64)
            if a.shape != (c.dim,):
                raise ValueError(f"action of {agent} must have shape ({c.dim},), got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"action of {agent} must be finite")
            if np.any(np.abs(a) > self.max_move * (1 + 1e-6)):
                raise ValueError(f"action of {agent} must lie in [-max_move, max_move] = [-{self.max_move}, {self.max_move}]")
            moves[self._index[agent]] = np.clip(a, -self.max_move, self.max_move)
        if weights is not None:
            self.world.set_weights(weights)
        accept = self.world.creator_step(moves)
        self._steps += 1
        pi = self.world.user_utilities()
        gu = group_means(pi, self.world.labels, c.num_groups)
        stats = self.world.creator_stats()
        obs = self._observations(gu, stats)
        welfare = float(pi.mean())
        rewards = {PLATFORM: welfare}
        for a, i in self._index.items():
            rewards[a] = float(stats["utility"][i])
        truncated = self._steps >= self.max_cycles
        terminations = {a: False for a in self.agents}
        truncations = {a: bool(truncated) for a in self.agents}
        infos: dict[str, dict] = {a: {} for a in self.agents}
        infos[PLATFORM] = self._platform_info(welfare, gu, float(accept))
        if truncated:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _platform_info(self, welfare: float, group_utility: np.ndarray, accept_rate: float) -> dict[str, Any]:
        """The platform's info, the same keys at reset and step; numbers only (TorchRL builds specs from
        it), so the engine that ran the step is the flag ``compiled_engine``."""
        m = self.world.metrics()
        return {"welfare": welfare, "group_utility": np.asarray(group_utility, dtype=np.float64),
                "exposure_gini": m["exposure_gini"], "content_diversity": m["content_diversity"],
                "accept_rate": accept_rate, "compiled_engine": self.world.last_engine == "compiled"}

    def render(self) -> str | np.ndarray | None:
        """``ansi``: step and welfare; ``rgb_array``: users and creators in the first two dimensions."""
        if self.render_mode == "rgb_array":
            return render_world(self.world)
        if self.render_mode != "ansi" or self.world.rng is None:
            return None
        return f"step {self._steps}/{self.max_cycles} welfare={self.world.welfare():.4f}"

    def close(self) -> None:
        """Nothing to release."""
        pass

    def state(self) -> np.ndarray:
        """All creators' strategies, flattened (float32); see ``state_space``."""
        return np.clip(self.world.S, -self._bound, self._bound).astype(np.float32).ravel()

    # ------------------------------------------------------------------ helpers

    def _observations(self, gu: np.ndarray, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        c = self.config
        plat = np.concatenate(
            [
                np.clip(gu, 0.0, c.max_relevance),
                np.clip(self.world.weights, c.w_min, c.w_max),
                self.world.group_shares,
                [min(self._steps / self.max_cycles, 1.0)],
            ]
        ).astype(np.float32)
        obs = {PLATFORM: plat}
        S = np.clip(self.world.S, -self._bound, self._bound)
        util = np.clip(stats["utility"], 0.0, c.max_relevance * c.w_max)
        expo = np.clip(stats["exposure"], 0.0, 1.0)
        for a, i in self._index.items():
            obs[a] = np.concatenate([S[i], [util[i], expo[i]]]).astype(np.float32)
        return obs


def parallel_env(**kwargs: Any) -> raw_env:
    """The ParallelEnv (see the module docstring for arguments)."""
    return raw_env(**kwargs)


def env(**kwargs: Any):
    """AEC version (``parallel_to_aec`` of :func:`parallel_env`)."""
    return parallel_to_aec(raw_env(**kwargs))

"""Gymnasium face of ContentCompetition: the platform sets user-group weights once per epoch.

``gymnasium.make("recogym_eco/ContentCompetition-v0", preset="synthetic", mechanism="HMT")``
(after ``import recogym_eco``, which registers every id of ``recogym_eco.registry``).

* **Action**: ``Box(w_min, w_max, (L,), float32)``, one weight per user group, deployed through the
  mechanism fixed at construction: ``"UIR"`` (creator reward weights), ``"SMT"`` (temperature
  beta(x) = beta * w), ``"HMT"`` (truncation K(x) = ceil(K * w)) or ``"none"`` (validated, then ignored).
* **One step** = one epoch: deploy the weights, then ``epoch_length`` (M) creator steps, in each of
  which every creator makes one Local-Better-Response proposal in random order.
* **Observation**: ``Box(0, ., (3L + 1,), float32)`` = [mean utility of each group over the epoch
  (L), the weights in force (L), each group's share of users (L), fraction of the horizon elapsed (1)].
  The reset observation holds the groups' utilities at the initial strategies.
* **Reward**: mean welfare over the epoch (python float). The episode truncates after
  ``horizon // epoch_length`` epochs; it never terminates.
* **info**: ``welfare``, ``group_utility``, ``exposure_gini``, ``content_diversity`` (Section 9 names),
  plus ``welfare_default_matching`` (welfare of the same content under the default beta and K),
  ``creator_utility_mean``, ``accept_rate``, ``weights``, ``epoch``, ``creator_steps``, ``engine`` (the
  engine evaluating the creators' proposals: ``"compiled"``, ``"numpy"`` or ``"dense"``).

``engine`` (default ``"auto"``): ``"compiled"`` (numba; toy, toy-beta0.1 and synthetic presets), ``"numpy"``,
``"dense"`` (exact reference, slow) or ``"auto"`` (compiled where it applies, else numpy); all take
the same decisions. A fallback is announced by an ``EngineFallbackWarning``.

Every parameter of :class:`~recogym_eco.worlds.content_competition.ContentCompetitionConfig` can be
passed as a keyword (``preset`` picks the defaults). See ``envs.md`` (section ContentCompetition-v0).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.components.pictures import scatter_picture
from recogym_eco.envs.faces import RENDER_MODES, check_render_mode
from recogym_eco.worlds.content_competition import ContentCompetitionConfig, ContentCompetitionWorld, resolve_config

ENV_ID = "recogym_eco/ContentCompetition-v0"

__all__ = ["ENV_ID", "ContentCompetitionEnv", "observation_layout"]


def observation_layout(num_groups: int) -> dict[str, slice]:
    """Where each block sits in the platform observation (shared with recogym_eco.agents.reweight)."""
    L = num_groups
    return {
        "group_utility": slice(0, L),
        "weights": slice(L, 2 * L),
        "group_share": slice(2 * L, 3 * L),
        "progress": slice(3 * L, 3 * L + 1),
    }


def render_world(world: ContentCompetitionWorld) -> np.ndarray:
    """The picture both faces render: users and creators' content in the first two dimensions."""
    if world.rng is None:
        return scatter_picture([np.zeros((0, 2))])
    return scatter_picture([world.X, world.S], dot=1)


class ContentCompetitionEnv(gym.Env):
    """The platform's single-agent view of the C3 creator competition (creators follow LBR)."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 4}

    def __init__(
        self,
        preset: str = "synthetic",
        mechanism: str = "none",
        render_mode: str | None = None,
        config: ContentCompetitionConfig | None = None,
        engine: str = "auto",
        **overrides: Any,
    ) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.config = resolve_config(preset, mechanism, config, overrides)
        c = self.config
        L = c.num_groups
        self.world = ContentCompetitionWorld(c, engine=engine)
        self.action_space = spaces.Box(low=np.float32(c.w_min), high=np.float32(c.w_max), shape=(L,), dtype=np.float32)
        high = np.concatenate(
            [np.full(L, c.max_relevance), np.full(L, c.w_max), np.ones(L), np.ones(1)]
        ).astype(np.float32)
        self.observation_space = spaces.Box(low=np.zeros(3 * L + 1, dtype=np.float32), high=high, dtype=np.float32)
        self._epoch = 0
        self._done = True
        self._last_obs_parts: dict[str, np.ndarray] | None = None

    # ------------------------------------------------------------------ API

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Starts an episode; ``seed`` re-seeds the face's generator (Gymnasium's rule)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._epoch = 0
        self._done = False
        pi = self.world.user_utilities()
        from recogym_eco.components.groups import group_means

        gu = group_means(pi, self.world.labels, self.config.num_groups)
        obs = self._obs(gu)
        info = self._info({"welfare": float(pi.mean()), "group_utility": gu, "accept_rate": 0.0})
        return obs, info

    def step(self, action: Any):
        """Plays one step with the given action(s); see the module docstring for its order."""
        if self._done:
            raise RuntimeError("episode has ended (truncated after horizon // epoch_length epochs); call reset()")
        if isinstance(action, (str, bytes)) or action is None:
            raise TypeError(f"action must be an array of {self.config.num_groups} group weights, got {type(action).__name__}")
        w = self.world.check_weights(action)  # raises before any state changes
        self.world.set_weights(w)
        stats = self.world.run_epoch()
        self._epoch += 1
        truncated = self._epoch >= self.config.num_epochs
        self._done = truncated
        obs = self._obs(stats["group_utility"])
        info = self._info(stats)
        return obs, float(stats["welfare"]), False, bool(truncated), info

    def render(self) -> str | np.ndarray | None:
        """``ansi``: epoch, welfare and weights; ``rgb_array``: users (blue) and creators (orange) in
        the first two embedding dimensions."""
        if self.render_mode == "rgb_array":
            return render_world(self.world)
        if self.render_mode != "ansi":
            return None
        if self.world.rng is None:
            return "ContentCompetition (not reset)"
        w = self.world.weights
        return (
            f"epoch {self._epoch}/{self.config.num_epochs} mechanism={self.config.mechanism} "
            f"welfare={self.world.welfare():.4f} weights=[{', '.join(f'{x:.2f}' for x in w)}]"
        )

    def close(self) -> None:
        """Nothing to release."""
        pass

    # ------------------------------------------------------------------ helpers

    def _obs(self, group_utility: np.ndarray) -> np.ndarray:
        c = self.config
        obs = np.concatenate(
            [
                np.clip(group_utility, 0.0, c.max_relevance),
                np.clip(self.world.weights, c.w_min, c.w_max),
                self.world.group_shares,
                [self._epoch / c.num_epochs],
            ]
        ).astype(np.float32)
        return obs

    def _info(self, stats: dict[str, Any]) -> dict[str, Any]:
        m = self.world.metrics()
        return {
            "welfare": float(stats["welfare"]),
            "group_utility": np.asarray(stats["group_utility"], dtype=np.float64).copy(),
            "exposure_gini": m["exposure_gini"],
            "content_diversity": m["content_diversity"],
            "welfare_default_matching": float(self.world.default_matching_user_utilities().mean()),
            "creator_utility_mean": m["creator_utility_mean"],
            "accept_rate": float(stats["accept_rate"]),
            "weights": self.world.weights.copy(),
            "epoch": int(self._epoch),
            "creator_steps": int(self.world.steps_done),
            "engine": self.world.engine,
        }


"""Batched Gymnasium face of ContentCompetition: ``num_envs`` worlds in one ContentCompetitionBatch.

``gymnasium.make_vec("recogym_eco/ContentCompetition-v0", num_envs=N, **kwargs)`` (after
``import recogym_eco``) builds :class:`ContentCompetitionVectorEnv`; ``kwargs`` are those of the
single face (:class:`~recogym_eco.envs.content_competition.ContentCompetitionEnv`), with the
registry's defaults. Spaces, rewards, observations and infos are the single face's, stacked on a
leading world axis.

* **One step** = one epoch of every world: the weights of all worlds are deployed at once and each of
  the ``epoch_length`` creator steps is one call of the batch (one compiled kernel call, or one NumPy
  array program, over all worlds); the metrics of the info are computed for all worlds together
  (:mod:`~recogym_eco.worlds.content_competition.batch_worlds`).
* **Seeds**: ``reset(seed=s)`` seeds world i with ``s + i``, a list seeds world i with its entry (``None``:
  keep drawing from its generator), as ``gymnasium.vector.SyncVectorEnv`` does with copies of the single
  face; world i then reproduces, bit for bit, a single face reset with that seed and given the same
  actions.
* **Autoreset**: ``AutoresetMode.NEXT_STEP``. A world whose episode ended (it truncates after
  ``horizon // epoch_length`` epochs, never terminates) is reset at the next ``step``, whose action for it
  is ignored; it returns its reset observation and info, reward 0 and terminated = truncated = False.
  ``reset(options={"reset_mask": mask})`` resets only the worlds where ``mask`` (bool, (N,)) is True,
  returns every world's observation and the reset worlds' infos, and clears their pending autoreset.
* **Infos**: a dict of arrays, key ``k`` of shape (N, ...) with a boolean mask ``"_k"`` (the layout of
  ``VectorEnv._add_info``), holding the values of the single face's info.

Per world, only bookkeeping stays in Python loops: generators, instance sampling at reset (k-means per
world), the dense matching of users tied at the K-th place and an O(L) entropy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from recogym_eco.components.pictures import scatter_picture
from recogym_eco.envs.faces import RENDER_MODES, check_render_mode, float_actions, reseed_worlds, stack_infos
from recogym_eco.worlds.content_competition import (
    ContentCompetitionBatch,
    ContentCompetitionConfig,
    resolve_config,
)
from recogym_eco.worlds.content_competition.batch_worlds import (
    fresh_worlds,
    run_epoch,
    section9_metrics,
    splice_worlds,
    start_stats,
)
from recogym_eco.worlds.content_competition.config import check_weights

__all__ = ["ContentCompetitionVectorEnv", "face_spaces"]

# the single face's info keys, in its order
INFO_KEYS = ("welfare", "group_utility", "exposure_gini", "content_diversity", "welfare_default_matching",
             "creator_utility_mean", "accept_rate", "weights", "epoch", "creator_steps", "engine")


def face_spaces(config: ContentCompetitionConfig) -> tuple[spaces.Box, spaces.Box]:
    """The single face's (observation, action) spaces: [group utilities, weights, group shares,
    progress] in Box(0, high, (3L + 1,)) and one weight per group in Box(w_min, w_max, (L,))."""
    c = config
    L = c.num_groups
    act = spaces.Box(low=np.float32(c.w_min), high=np.float32(c.w_max), shape=(L,), dtype=np.float32)
    high = np.concatenate([np.full(L, c.max_relevance), np.full(L, c.w_max), np.ones(L), np.ones(1)])
    high = high.astype(np.float32)
    obs = spaces.Box(low=np.zeros(3 * L + 1, dtype=np.float32), high=high, dtype=np.float32)
    return obs, act


def _check_num_envs(num_envs: Any) -> int:
    if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
    return int(num_envs)


class ContentCompetitionVectorEnv(VectorEnv):
    """``num_envs`` platform views of the C3 creator competition, stepped together (see module doc)."""

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": list(RENDER_MODES),
        "render_fps": 4,
    }

    def __init__(
        self,
        num_envs: int,
        render_mode: str | None = None,
        preset: str = "synthetic",
        mechanism: str = "none",
        config: ContentCompetitionConfig | None = None,
        engine: str = "auto",
        **overrides: Any,
    ) -> None:
        self.num_envs = _check_num_envs(num_envs)
        self.render_mode = check_render_mode(render_mode)
        self.config = resolve_config(preset, mechanism, config, overrides)
        self.batch = ContentCompetitionBatch(self.config, self.num_envs, engine)
        self.single_observation_space, self.single_action_space = face_spaces(self.config)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        N = self.num_envs
        self._rngs: list[np.random.Generator | None] = [None] * N
        self._started = np.zeros(N, dtype=bool)
        self._epoch = np.zeros(N, dtype=np.int64)
        self._autoreset = np.zeros(N, dtype=bool)
        self._obs = np.zeros((N, 3 * self.config.num_groups + 1), dtype=np.float32)

    @property
    def engine(self) -> str:
        """The engine evaluating the creators' proposals (``"compiled"``, ``"numpy"`` or ``"dense"``)."""
        return self.batch.engine

    # ------------------------------------------------------------------ API

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Resets every world, or those of ``options["reset_mask"]``; seeds as in the module docstring."""
        mask = reseed_worlds(seed, options, self._started, self._rngs)
        obs, info = self._reset_worlds(mask)
        infos = stack_infos(info, mask, INFO_KEYS)
        self._obs[mask] = obs
        self._started |= mask
        self._autoreset[mask] = False
        return self._obs.copy(), infos

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One epoch of every world (a world ending its episode last step is reset instead)."""
        if not self._started.all():
            raise RuntimeError("call reset() before step()")
        N, c, bt = self.num_envs, self.config, self.batch
        R = self._autoreset.copy()
        S = ~R
        w_new = self._check_actions(actions, S)  # raises before any state changes
        rewards = np.zeros(N)
        truncated = np.zeros(N, dtype=bool)
        if not S.any():
            obs, info = self._reset_worlds(R)
            self._obs[:] = obs
            self._autoreset[:] = False
            return self._obs.copy(), rewards, np.zeros(N, dtype=bool), truncated, stack_infos(info, R, INFO_KEYS)
        W = bt.weights.copy()
        W[S] = w_new
        real = list(bt.rngs)
        for i in np.flatnonzero(R).tolist():  # worlds reset below step too: keep their generators untouched
            bt.rngs[i] = np.random.default_rng(0)
        try:
            bt.set_weights(W)
            welfare, group_utility, accept = run_epoch(bt, c.epoch_length)
        finally:
            bt.rngs[:] = real
        self._epoch[S] += 1
        truncated[S] = self._epoch[S] >= c.num_epochs
        rewards[S] = welfare[S]
        info = self._info(welfare, group_utility, accept)
        obs = self._observations(group_utility)
        if R.any():
            r_obs, r_info = self._reset_worlds(R)
            obs[R] = r_obs
            for key in INFO_KEYS:
                info[key][R] = r_info[key]
        self._obs[:] = obs
        self._autoreset = truncated.copy()
        infos = stack_infos(info, np.ones(N, dtype=bool), INFO_KEYS)
        return self._obs.copy(), rewards, np.zeros(N, dtype=bool), truncated, infos

    def render(self) -> tuple[Any, ...] | None:
        """One frame per world: ``ansi`` epoch, welfare and weights; ``rgb_array`` users and creators in
        the first two embedding dimensions (the single face's pictures)."""
        if self.render_mode is None:
            return None
        bt, c = self.batch, self.config
        if not self._started.all():
            if self.render_mode == "ansi":
                return ("ContentCompetition (not reset)",) * self.num_envs
            return (scatter_picture([np.zeros((0, 2))]),) * self.num_envs
        if self.render_mode == "rgb_array":
            return tuple(scatter_picture([bt.X[b], bt.S[b]], dot=1) for b in range(self.num_envs))
        pi = bt.user_utilities()
        return tuple(
            f"epoch {self._epoch[b]}/{c.num_epochs} mechanism={c.mechanism} "
            f"welfare={float(pi[b].mean()):.4f} "
            f"weights=[{', '.join(f'{x:.2f}' for x in bt.weights[b])}]"
            for b in range(self.num_envs)
        )

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------ helpers

    def _check_actions(self, actions: Any, stepping: np.ndarray) -> np.ndarray:
        """(N, L) weights -> validated float64 rows of the stepping worlds (others' rows are ignored)."""
        N, L = self.num_envs, self.config.num_groups
        a = float_actions(actions, f"({N}, {L}) (one weight per world and user group)")
        if a.shape != (N, L):
            raise ValueError(f"actions must have shape ({N}, {L}) (num_envs, num_groups), got {a.shape}")
        k = int(stepping.sum())
        return check_weights(self.config, a[stepping], k) if k else np.zeros((0, L))

    def _reset_worlds(self, mask: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Resets the worlds of ``mask`` from their generators; returns their observations and infos."""
        bt = self.batch
        idx = np.flatnonzero(mask)
        rngs = [self._rngs[i] for i in idx.tolist()]
        if idx.size == self.num_envs:
            bt.reset(rngs)
            src = bt
        else:
            src = fresh_worlds(bt, rngs)
        welfare, gu = start_stats(src)
        self._epoch[idx] = 0
        info = self._info(welfare, gu, np.zeros(idx.size), src=src, epoch=np.zeros(idx.size, dtype=np.int64))
        obs = self._observations(gu, src=src, epoch=np.zeros(idx.size, dtype=np.int64))
        if src is not bt:
            splice_worlds(bt, idx, src)
        return obs, info

    def _observations(self, group_utility: np.ndarray, src: ContentCompetitionBatch | None = None,
                      epoch: np.ndarray | None = None) -> np.ndarray:
        """[clip(group utility), clip(weights), group shares, epoch / num_epochs] per world, float32."""
        c = self.config
        src = self.batch if src is None else src
        epoch = self._epoch if epoch is None else epoch
        return np.concatenate(
            [
                np.clip(group_utility, 0.0, c.max_relevance),
                np.clip(src.weights, c.w_min, c.w_max),
                src.group_shares,
                (epoch / c.num_epochs)[:, None],
            ],
            axis=1,
        ).astype(np.float32)

    def _info(self, welfare: np.ndarray, group_utility: np.ndarray, accept: np.ndarray,
              src: ContentCompetitionBatch | None = None,
              epoch: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The single face's info fields for every world of ``src``, one array per key."""
        src = self.batch if src is None else src
        epoch = self._epoch if epoch is None else epoch
        met = section9_metrics(src)
        eng = np.empty(src.B, dtype=object)
        eng[:] = src.engine
        return {
            "welfare": np.asarray(welfare, dtype=np.float64),
            "group_utility": np.asarray(group_utility, dtype=np.float64),
            "exposure_gini": met["exposure_gini"],
            "content_diversity": met["content_diversity"],
            "welfare_default_matching": met["welfare_default_matching"],
            "creator_utility_mean": met["creator_utility_mean"],
            "accept_rate": np.asarray(accept, dtype=np.float64),
            "weights": src.weights.copy(),
            "epoch": epoch.astype(np.int64),
            "creator_steps": epoch.astype(np.int64) * self.config.epoch_length,
            "engine": eng,
        }

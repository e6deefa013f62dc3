"""Batched Gymnasium face of TrialOfferMarket: ``num_envs`` markets stepped by one compiled call per step.

``gymnasium.make_vec("recogym_eco/TrialOfferMarket-v0", num_envs=N, **kwargs)`` (after
``import recogym_eco``) builds :class:`TrialOfferMarketVectorEnv`; ``kwargs`` are those of the single
face (:class:`~recogym_eco.envs.trial_offer_market.TrialOfferMarketEnv`), with the registry's
defaults. Spaces, rewards, observations and infos are the single face's, stacked on a leading world
axis (actions ``(N, T * I)``, or ``(N, I)`` with ``shared_ranking``).

* **One step** = one step of every world: the rankings of all worlds are built at once in NumPy (only
  for the worlds whose scores changed), each world draws its ``batch_size`` x 3 uniforms from its own
  generator, and one numba call (:func:`~recogym_eco.worlds.trial_offer_market_kernels.run_arrivals_batch`)
  runs the arrivals of every world, world after world, with the single world's loop; observations and
  infos are computed for all worlds together. ``engine="numpy"`` runs the per-arrival NumPy reference
  world after world instead (slow; same results).
* **Seeds**: ``reset(seed=s)`` seeds world i with ``s + i``, a list seeds world i with its entry
  (``None``: keep drawing from its generator), as ``gymnasium.vector.SyncVectorEnv`` does with copies
  of the single face; world i then reproduces, bit for bit, a single face reset with that seed and
  given the same actions.
* **Autoreset**: ``AutoresetMode.NEXT_STEP``. A world whose episode ended (it truncates after
  ``horizon`` steps, never terminates) is reset at the next ``step``, whose action for it is ignored
  (not even checked); it returns its reset observation and info, reward 0 and terminated = truncated
  = False. ``reset(options={"reset_mask": mask})`` resets only the worlds where ``mask`` (bool, (N,))
  is True, returns every world's observation and the reset worlds' infos, and clears their pending
  autoreset.
* **Infos**: a dict of arrays, key ``k`` of shape (N, ...) with a boolean mask ``"_k"`` (the layout of
  ``VectorEnv._add_info``), holding the values of the single face's info.

Per world, only bookkeeping stays in Python loops: the generators' draws and E(phi) = w . (per-type
expected efficiency), one length-T dot product per world (the single face's summation order).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from recogym_eco.components.pictures import bar_picture
from recogym_eco.components.validation import check_int
from recogym_eco.envs.faces import RENDER_MODES, check_render_mode, float_actions, reseed_worlds, stack_infos
from recogym_eco.worlds.trial_offer_market import (
    TrialOfferMarketConfig,
    TrialOfferMarketWorld,
    _cum_weights,
    market_entropy,
    ranking_tables,
    resolve_config,
    run_arrivals_reference,
)

__all__ = ["TrialOfferMarketVectorEnv"]

INFO_KEYS = ("market_shares", "efficiency", "efficiency_cumulative", "expected_efficiency", "market_entropy",
             "type_efficiency", "type_expected_efficiency", "purchases", "arrivals", "step")


class TrialOfferMarketVectorEnv(VectorEnv):
    """``num_envs`` trial-offer markets ranked and stepped together (see the module docstring)."""

    metadata = {
        "autoreset_mode": AutoresetMode.NEXT_STEP,
        "render_modes": list(RENDER_MODES),
        "render_fps": 4,
    }

    def __init__(self, num_envs: int, preset: str = "synthetic-heterogeneous", render_mode: str | None = None,
                 config: TrialOfferMarketConfig | None = None, **overrides: Any) -> None:
        self.num_envs = check_int(num_envs, "num_envs", low=1)
        config = resolve_config(preset, config, overrides)
        self.render_mode = check_render_mode(render_mode)
        self.config = config
        self.market = TrialOfferMarketWorld(config)
        mk = self.market
        N, T, I, P = self.num_envs, mk.num_types, mk.num_items, mk.num_slots
        self.num_types, self.num_items = T, I
        self.action_shape = mk.action_shape
        n = I if config.shared_ranking else T * I
        self.single_action_space = spaces.Box(low=-1.0, high=1.0, shape=(n,), dtype=np.float32)
        self.single_observation_space = spaces.Box(low=0.0, high=1.0, shape=(I + 1,), dtype=np.float32)
        self.action_space = batch_space(self.single_action_space, N)
        self.observation_space = batch_space(self.single_observation_space, N)
        self._cum_w = _cum_weights(mk.type_weights)
        self._nslots = np.full(T, P, dtype=np.int64)
        self._same_feedback = bool(np.all(mk.feedback == mk.feedback[0]))
        self._rngs: list[np.random.Generator | None] = [None] * N
        self._started = np.zeros(N, dtype=bool)
        self._autoreset = np.zeros(N, dtype=bool)
        self.counts = np.full((N, I), config.initial_purchases, dtype=np.int64)
        self.arrivals = np.zeros(N, dtype=np.int64)
        self.purchases = np.zeros(N, dtype=np.int64)
        self.steps = np.zeros(N, dtype=np.int64)
        self._scores = np.zeros((N, *self.action_shape))
        self._uniforms = np.zeros((N, config.batch_size, 3))
        self._slot_items = np.zeros((N, T, P), dtype=np.int64)
        self._slot_vis = np.zeros((N, T, P))
        self._slot_q = np.zeros((N, T, P))
        self._item_ptr = np.zeros((N, I + 1), dtype=np.int64)
        self._item_entries = np.zeros((N, T * P), dtype=np.int64)
        self._set_tables(np.arange(N), self._scores)

    @property
    def engine(self) -> str:
        """The arrival loop: ``"numba"`` (one compiled call for all worlds) or ``"numpy"`` (the reference)."""
        return self.config.engine

    def market_shares(self) -> np.ndarray:
        """phi of every world, (N, I): d_j / sum_k d_k."""
        return self.counts / self.counts.sum(axis=1, keepdims=True)

    @property
    def visibility(self) -> np.ndarray:
        """(N, T, I) v_ij = v-hat_ij * iota(position of j for type i) under each world's ranking in force."""
        vis = np.zeros((self.num_envs, self.num_types, self.num_items))
        np.put_along_axis(vis, self._slot_items, self._slot_vis, axis=-1)
        return vis

    # ------------------------------------------------------------------ API

    def reset(
        self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Resets every world, or those of ``options["reset_mask"]``; seeds as in the module docstring."""
        mask = reseed_worlds(seed, options, self._started, self._rngs)
        idx = np.flatnonzero(mask)
        self._reset_worlds(idx)
        self._started |= mask
        self._autoreset[mask] = False
        zeros = np.zeros(idx.size, dtype=np.int64)
        ztypes = np.zeros((idx.size, self.num_types), dtype=np.int64)
        info = self._info(idx, zeros, zeros, ztypes, ztypes)
        return self._observations(), stack_infos(info, mask, INFO_KEYS)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One step of every world (a world whose episode ended last step is reset instead)."""
        if not self._started.all():
            raise RuntimeError("call reset() before step()")
        N, T, B = self.num_envs, self.num_types, self.config.batch_size
        R = self._autoreset.copy()
        S = ~R
        scores = self._check_actions(actions, S)  # raises before any state changes
        bought = np.zeros(N, dtype=np.int64)
        ta = np.zeros((N, T), dtype=np.int64)
        tp = np.zeros((N, T), dtype=np.int64)
        stepping = np.flatnonzero(S)
        if stepping.size:
            self._set_ranking(S, scores)
            for i in stepping.tolist():
                self._rngs[i].random(out=self._uniforms[i])
            self._run(S, bought, ta, tp)
            self.arrivals[S] += B
            self.purchases[S] += bought[S]
            self.steps[S] += 1
        if R.any():
            self._reset_worlds(np.flatnonzero(R))
        arrivals = np.where(S, B, 0).astype(np.int64)
        truncated = S & (self.steps >= self.config.horizon)
        self._autoreset = truncated.copy()
        info = self._info(slice(None), bought, arrivals, tp, ta)
        infos = stack_infos(info, np.ones(N, dtype=bool), INFO_KEYS)
        return self._observations(), bought.astype(np.float64), np.zeros(N, dtype=bool), truncated, infos

    def render(self) -> tuple[Any, ...] | None:
        """One frame per world, the single face's: ``ansi`` (arrivals, efficiency, entropy, top-5 shares)
        or ``rgb_array`` (bar chart of the 64 largest shares)."""
        if self.render_mode is None:
            return None
        phi = self.market_shares()
        if self.render_mode == "rgb_array":
            return tuple(bar_picture([np.sort(p)[::-1][:64]], height=64, bar_width=4) for p in phi)
        frames = []
        for b in range(self.num_envs):
            top = np.argsort(-phi[b], kind="stable")[:5]
            eff = int(self.purchases[b]) / max(int(self.arrivals[b]), 1)
            frames.append(f"step {self.steps[b]}/{self.config.horizon} arrivals={self.arrivals[b]} "
                          f"efficiency={eff:.4f} entropy={market_entropy(phi[b]):.3f} top items="
                          + ", ".join(f"{j}:{phi[b, j]:.3f}" for j in top))
        return tuple(frames)

    def close_extras(self, **kwargs: Any) -> None:
        """Nothing to release."""

    # ------------------------------------------------------------------ dynamics

    def _set_tables(self, idx: np.ndarray, scores: np.ndarray) -> None:
        """Stores the :func:`ranking_tables` of ``scores`` (one row per world of ``idx``) at those worlds."""
        mk = self.market
        tables = ranking_tables(scores, mk.appeal, mk.quality, mk.position_factors, mk.num_slots)
        self._slot_items[idx] = tables["items"]
        self._slot_vis[idx] = tables["vis"]
        self._slot_q[idx] = tables["q"]
        self._item_ptr[idx] = tables["ptr"]
        self._item_entries[idx] = tables["entries"]

    def _set_ranking(self, stepping: np.ndarray, scores: np.ndarray) -> None:
        """The rankings of the ``stepping`` worlds from their rows of ``scores``, rebuilt only where they
        changed (the single world skips an unchanged action too)."""
        changed = stepping & np.any(scores != self._scores, axis=tuple(range(1, scores.ndim)))
        if changed.any():
            rows = np.flatnonzero(changed)
            self._scores[rows] = scores[rows]
            self._set_tables(rows, scores[rows])

    def _reset_worlds(self, idx: np.ndarray) -> None:
        """d_j = initial_purchases, tallies and clock zero, ranking by item index (the world's reset)."""
        self.counts[idx] = self.config.initial_purchases
        self.arrivals[idx] = 0
        self.purchases[idx] = 0
        self.steps[idx] = 0
        self._scores[idx] = 0.0
        self._set_tables(idx, self._scores[idx])

    def _run(self, stepping: np.ndarray, bought: np.ndarray, ta: np.ndarray, tp: np.ndarray) -> None:
        """The arrivals of the stepping worlds, tallied into ``bought``, ``ta``, ``tp``."""
        mk = self.market
        if self.engine == "numba":
            from recogym_eco.worlds.trial_offer_market_kernels import run_arrivals_batch

            run_arrivals_batch(stepping, self.counts, self._cum_w, self._slot_items, self._slot_vis,
                               self._nslots, mk.feedback, self._same_feedback, mk.quality, self._item_ptr,
                               self._item_entries, self._uniforms, ta, tp, bought)
            return
        vis = self.visibility
        for i in np.flatnonzero(stepping).tolist():
            bought[i] = run_arrivals_reference(self.counts[i], mk.type_weights, vis[i], mk.quality,
                                               mk.feedback, self._uniforms[i], ta[i], tp[i])

    # ------------------------------------------------------------------ read-outs

    def _observations(self) -> np.ndarray:
        """[phi (I), steps / horizon] per world, float32."""
        progress = self.steps / self.config.horizon
        return np.concatenate([self.market_shares(), progress[:, None]], axis=1).astype(np.float32)

    def _info(self, idx: np.ndarray | slice, purchases: np.ndarray, arrivals: np.ndarray,
              type_purchases: np.ndarray, type_arrivals: np.ndarray) -> dict[str, np.ndarray]:
        """The single face's info fields for worlds ``idx``, one row each, from their tallies of the step
        (``purchases``, ``arrivals``: one entry per selected world; the ``type_*`` tallies: one row)."""
        mk = self.market
        counts = self.counts[idx]
        phi = counts / counts.sum(axis=1, keepdims=True)
        share = np.take_along_axis(phi[:, None, :], self._slot_items[idx], axis=-1)
        a = self._slot_vis[idx] * share ** mk.feedback[:, None]
        tot = a.sum(-1)
        num = (a * self._slot_q[idx]).sum(-1)
        te = np.divide(num, tot, out=np.zeros_like(tot), where=tot > 0)
        tp = type_purchases.astype(np.float64)
        ta = type_arrivals.astype(np.float64)
        total_p, total_a = self.purchases[idx], self.arrivals[idx]
        M = phi.shape[0]
        return {
            "market_shares": phi,
            "efficiency": np.divide(purchases, arrivals, out=np.zeros(M), where=arrivals > 0),
            "efficiency_cumulative": np.divide(total_p, total_a, out=np.zeros(M), where=total_a > 0),
            "expected_efficiency": np.array([float(mk.type_weights @ row) for row in te]),
            "market_entropy": -(phi * np.log(phi)).sum(axis=1),
            "type_efficiency": np.divide(tp, ta, out=np.zeros_like(tp), where=ta > 0),
            "type_expected_efficiency": te,
            "purchases": purchases.astype(np.int64),
            "arrivals": arrivals.astype(np.int64),
            "step": self.steps[idx].copy(),
        }

    # ------------------------------------------------------------------ checks

    def _check_actions(self, actions: Any, stepping: np.ndarray) -> np.ndarray:
        """(N, n) scores -> float64 (N, *action_shape); the stepping worlds' rows must be finite."""
        N = self.num_envs
        n = self.single_action_space.shape[0]
        a = float_actions(actions, f"({N}, {n}) (one score list per world)")
        if a.ndim < 1 or a.shape[0] != N or a.size != N * n:
            per_world = "num_items" if self.config.shared_ranking else "num_types * num_items"
            raise ValueError(f"actions must have shape ({N}, {n}) (num_envs, {per_world}), got {a.shape}")
        a = a.reshape(N, *self.action_shape)
        if not np.all(np.isfinite(a[stepping])):
            raise ValueError("actions must be finite (only their order per type matters)")
        return a

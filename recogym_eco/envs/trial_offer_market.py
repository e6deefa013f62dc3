"""Gymnasium face of TrialOfferMarket: the platform ranks items for each user type every step.

``gymnasium.make("recogym_eco/TrialOfferMarket-v0", preset="synthetic-heterogeneous")`` (after
``import recogym_eco``). Presets: ``synthetic-homogeneous``, ``synthetic-heterogeneous``,
``movielens`` (needs MovieLens-100K, see :func:`recogym_eco.data.movielens.find_movielens`) and
``custom`` (explicit ``appeal``, ``quality``, ``type_weights``).

* **Action**: ``Box(-1, 1, (T * I,), float32)``, a score per (type, item), row-major by type; with
  ``shared_ranking=True`` ``Box(-1, 1, (I,))``, one score per item for every type. Only the order
  matters: items are ranked by descending score (ties: lower index first), the top
  ``num_positions`` positions get the position factors iota_k, the rest are invisible.
* **One step**: apply the ranking, then ``batch_size`` arrivals one after the other (type ~ w, trial by
  Eq. 1 of seed 004, purchase with probability q_ij, shares updated after every purchase).
* **Observation**: ``Box(0, 1, (I + 1,), float32)`` = [market shares phi (I), fraction of the horizon
  elapsed (1)].
* **Reward**: purchases in the step (python float). Truncates after ``horizon`` steps; never terminates.
* **info** (same keys at reset and step): ``market_shares`` (float64), ``efficiency`` (purchases per
  arrival in the step), ``efficiency_cumulative`` (since reset), ``expected_efficiency`` (E(phi) of
  Definition 2.4 under the ranking in force), ``market_entropy`` (Eq. 5), ``type_efficiency``
  (purchases per arrival of each type in the step, 0 where a type had no arrival),
  ``type_expected_efficiency``, ``purchases``, ``arrivals``, ``step``.

``env.unwrapped.equilibrium_shares()`` is Eq. (4) for a homogeneous market at the current positions
(Eq. 6's fixed point for several types); ``env.unwrapped.visibility`` (v-hat times the position
factors of the ranking in force) and ``env.unwrapped.quality`` are public arrays. See envs.md.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from recogym_eco.components.pictures import bar_picture
from recogym_eco.envs.faces import RENDER_MODES, check_render_mode
from recogym_eco.worlds.trial_offer_market import (
    TrialOfferMarketConfig,
    TrialOfferMarketWorld,
    market_entropy,
    resolve_config,
)

ENV_ID = "recogym_eco/TrialOfferMarket-v0"

__all__ = ["ENV_ID", "TrialOfferMarketEnv"]


class TrialOfferMarketEnv(gym.Env):
    """The platform's view of a trial-offer market: rank items per user type, earn purchases."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 4}

    def __init__(self, preset: str = "synthetic-heterogeneous", render_mode: str | None = None,
                 config: TrialOfferMarketConfig | None = None, **overrides: Any) -> None:
        config = resolve_config(preset, config, overrides)
        self.render_mode = check_render_mode(render_mode)
        self.config = config
        self.world = TrialOfferMarketWorld(config)
        T, I = self.world.num_types, self.world.num_items
        n = I if config.shared_ranking else T * I
        self.action_space = spaces.Box(low=-1.0, high=1.0, shape=(n,), dtype=np.float32)
        self.observation_space = spaces.Box(low=0.0, high=1.0, shape=(I + 1,), dtype=np.float32)
        self._step = 0
        self._done = True

    # ------------------------------------------------------------------ public arrays

    @property
    def visibility(self) -> np.ndarray:
        """v_ij = v-hat_ij * iota(position of j for type i) under the ranking in force, (T, I)."""
        return self.world.visibility

    @property
    def quality(self) -> np.ndarray:
        """q_ij, the purchase probability after a trial, (T, I)."""
        return self.world.quality

    @property
    def appeal(self) -> np.ndarray:
        """v-hat_ij, visibility before the ranking, (T, I)."""
        return self.world.appeal

    @property
    def type_weights(self) -> np.ndarray:
        """w_i, the share of arrivals of each type, (T,)."""
        return self.world.type_weights

    def equilibrium_shares(self, action: Any = None) -> np.ndarray:
        """TOME phi* with positions fixed at the current ranking (or the ranking ``action`` would set).

        Homogeneous market: Eq. (4), phi*_j ∝ (v_j q_j)^{1/(1-r)} (seed 004, Section 2.2). Several types:
        the fixed point of Eq. (6) (Lemma 2.5).
        """
        return self.world.equilibrium_shares(action)

    # ------------------------------------------------------------------ API

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Starts an episode; ``seed`` re-seeds the face's generator (Gymnasium's rule)."""
        super().reset(seed=seed)
        self.world.reset(self.np_random)
        self._step = 0
        self._done = False
        zeros = np.zeros(self.world.num_types)
        return self._obs(), self._info(0, 0, zeros, zeros)

    def step(self, action: Any):
        """Plays one step with the given action(s); see the module docstring for its order."""
        if self._done:
            raise RuntimeError("episode has ended (truncated after horizon steps); call reset()")
        self.world.set_ranking(action)
        stats = self.world.run(self.config.batch_size)
        self._step += 1
        truncated = self._step >= self.config.horizon
        self._done = truncated
        info = self._info(stats["purchases"], stats["arrivals"], stats["type_purchases"], stats["type_arrivals"])
        return self._obs(), float(stats["purchases"]), False, bool(truncated), info

    def render(self) -> Any:
        """The picture of the current state in ``render_mode`` (``ansi`` text or an ``rgb_array`` image)."""
        if self.render_mode is None:
            return None
        phi = self.world.market_shares()
        if self.render_mode == "ansi":
            top = np.argsort(-phi, kind="stable")[:5]
            eff = self.world.purchases / max(self.world.arrivals, 1)
            return (f"step {self._step}/{self.config.horizon} arrivals={self.world.arrivals} "
                    f"efficiency={eff:.4f} entropy={market_entropy(phi):.3f} top items="
                    + ", ".join(f"{j}:{phi[j]:.3f}" for j in top))
        return bar_picture([np.sort(phi)[::-1][:64]], height=64, bar_width=4)

    def close(self) -> None:
        """Nothing to release."""
        pass

    # ------------------------------------------------------------------ helpers

    def _obs(self) -> np.ndarray:
        phi = self.world.market_shares()
        return np.append(phi, self._step / self.config.horizon).astype(np.float32)

    def _info(self, purchases: int, arrivals: int, type_purchases: np.ndarray,
              type_arrivals: np.ndarray) -> dict[str, Any]:
        w = self.world
        tp = np.asarray(type_purchases, dtype=np.float64)
        ta = np.asarray(type_arrivals, dtype=np.float64)
        phi = w.market_shares()
        te = w.type_expected_efficiency()
        return {
            "market_shares": phi,
            "efficiency": purchases / arrivals if arrivals else 0.0,
            "efficiency_cumulative": w.purchases / w.arrivals if w.arrivals else 0.0,
            "expected_efficiency": float(w.type_weights @ te),
            "market_entropy": market_entropy(phi),
            "type_efficiency": np.divide(tp, ta, out=np.zeros_like(tp), where=ta > 0),
            "type_expected_efficiency": te,
            "purchases": int(purchases),
            "arrivals": int(arrivals),
            "step": int(self._step),
        }

"""Adaptive user-group reweighting (seed 000, Algorithm 1), usable with any env that reports group utilities.

Each epoch the platform observes the mean utility pi_l of every user group l and updates

    w_l <- w_l * exp(-alpha * pi_l);   w <- L * w / sum(w)  (mean 1);   w <- clip(w, w_min, w_max)

with alpha = alpha[0] during the first half of the horizon and alpha[1] afterwards. Under-served groups
gain weight; the weights are deployed through UIR (creator reward weights), SMT (matching temperature
beta * w) or HMT (truncation ceil(K * w)) by the environment.

The core (:meth:`Reweight.reset`, :meth:`Reweight.update`) knows nothing about any environment.
:meth:`Reweight.predict` is SB3-shaped and reads the ContentCompetition platform observation
``[group utility (L), weights (L), group shares (L), progress (1)]`` (any observation whose first 2L
entries are utilities then weights and whose last entry is the fraction of the horizon elapsed works).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Reweight"]


class Reweight:
    """Multiplicative-weights reweighting of user groups (Yao et al., Algorithm 1).

    Args:
        num_groups: L, the number of user groups (weights are an (L,) vector).
        horizon_epochs: E, epochs in an episode; alpha switches from ``alpha[0]`` to ``alpha[1]``
            once half of them are done.
        alpha: (first-half, second-half) learning rates.
        clip: (w_min, w_max) applied after normalising the weights to mean 1.
    """

    def __init__(
        self,
        num_groups: int,
        horizon_epochs: int,
        alpha: tuple[float, float] = (0.5, 0.1),
        clip: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or num_groups < 1:
            raise ValueError(f"num_groups must be a positive int, got {num_groups!r}")
        if isinstance(horizon_epochs, bool) or not isinstance(horizon_epochs, (int, np.integer)) or horizon_epochs < 1:
            raise ValueError(f"horizon_epochs must be a positive int, got {horizon_epochs!r}")
        a = tuple(float(x) for x in alpha)
        if len(a) != 2 or not all(np.isfinite(a)) or min(a) < 0:
            raise ValueError(f"alpha must be two finite numbers >= 0, got {alpha!r}")
        lo, hi = (float(x) for x in clip)
        if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo <= 1.0 <= hi):
            raise ValueError(f"clip must be (w_min, w_max) with 0 <= w_min <= 1 <= w_max, got {clip!r}")
        self.num_groups = int(num_groups)
        self.horizon_epochs = int(horizon_epochs)
        self.alpha = a
        self.clip = (lo, hi)
        self.reset()

    # ---------------------------------------------------------------- core

    def reset(self) -> np.ndarray:
        """Back to w = 1 and epoch 0; returns the initial weights."""
        self.weights = np.ones(self.num_groups)
        self.epoch = 0
        return self.weights.copy()

    def alpha_at(self, epoch: int) -> float:
        """Learning rate used for the update that follows epoch ``epoch`` (0-based)."""
        return self.alpha[0] if epoch < self.horizon_epochs / 2 else self.alpha[1]

    def step_weights(self, weights: np.ndarray, group_utility: np.ndarray, alpha: float) -> np.ndarray:
        """One multiplicative update of ``weights`` (pure function of its arguments)."""
        u = np.asarray(group_utility, dtype=np.float64)
        if u.shape != (self.num_groups,):
            raise ValueError(f"group_utility must have shape ({self.num_groups},), got {u.shape}")
        if not np.all(np.isfinite(u)):
            raise ValueError("group_utility must be finite")
        w = np.asarray(weights, dtype=np.float64) * np.exp(-alpha * u)
        w = self.num_groups * w / w.sum()
        return np.clip(w, *self.clip)

    def update(self, group_utility: np.ndarray) -> np.ndarray:
        """Feed the utilities measured over the epoch just played; return the next epoch's weights."""
        self.weights = self.step_weights(self.weights, group_utility, self.alpha_at(self.epoch))
        self.epoch += 1
        return self.weights.copy()

    # ---------------------------------------------------------------- SB3-style

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """Weights for the next epoch from a platform observation (batched or not).

        At progress 0 (the reset observation) the weights in the observation are returned unchanged
        (Algorithm 1 deploys w^(0) first); afterwards the observed group utilities update the observed
        weights, with alpha chosen from the progress. Stateless: ``state`` is passed through.
        """
        obs = np.asarray(observation, dtype=np.float64)
        single = obs.ndim == 1
        obs2 = obs[None, :] if single else obs
        L = self.num_groups
        if obs2.ndim != 2 or obs2.shape[1] < 2 * L + 1:
            raise ValueError(f"observation must have at least {2 * L + 1} entries per row, got shape {obs.shape}")
        out = np.empty((obs2.shape[0], L), dtype=np.float32)
        for r, row in enumerate(obs2):
            util, w, progress = row[:L], row[L : 2 * L], float(row[-1])
            done = int(round(progress * self.horizon_epochs))
            if done <= 0:
                out[r] = np.clip(w, *self.clip)
            else:
                out[r] = self.step_weights(w, util, self.alpha_at(done - 1))
        return (out[0] if single else out), state

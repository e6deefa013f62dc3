"""A demand-aware suggestion heuristic: steer creators toward under-supplied demand they can serve.

``DemandAware`` reads only the platform's logs in the observation (``observation="log"`` with
``log_units="counts"``, the default of CreatorSuggestion-v1: per creator uploads and clicks per genre,
platform-wide recent clicks and items per genre). Each round, for every creator c and genre g:

1. platform yield y_g = (D_g + 1) / (S_g + 1): recent clicks per recent item of genre g (demand the
   supply did not yet absorb shows as a high yield);
2. the creator's expected reward per item e_cg = (clicks_cg + m y_g) / (made_cg + m): its own click
   rate in g, shrunk toward the platform's yield with a prior of ``prior_items`` = m items;
3. its best own genre b_c = argmax over genres it has made of e_cg, and the best genre overall g*_c;
4. suggest g*_c when e_cg* >= (1 + ``margin``) e_cb (a move must promise ``margin`` more than staying,
   since a new genre starts at lower skill and a suggestion that pays less costs trust), at most
   ``max_moves`` creators per target genre per round, the largest gains first (so creators do not
   all rush into one genre); otherwise suggest b_c (practise what pays: skill grows, and a tie
   costs no trust).

The genre count comes from the action space; everything is array operations over creators and genres.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.agents.heuristics import SuggestionPolicy, register_policy

__all__ = ["DemandAware"]


class DemandAware(SuggestionPolicy):
    """See the module docstring. ``max_moves=None``: ceil(C / G) per genre and round."""

    needs_log = True

    def __init__(self, env: Any = None, seed: int | None = None, num_genres: int | None = None,
                 prior_items: float = 2.0, margin: float = 0.2, max_moves: int | None = None) -> None:
        super().__init__(env, seed, num_genres)
        if not prior_items > 0 or not margin >= 0:
            raise ValueError(f"need prior_items > 0 and margin >= 0; got {prior_items!r}, {margin!r}")
        if max_moves is not None and (not isinstance(max_moves, int) or max_moves < 1):
            raise ValueError(f"max_moves must be None or a positive integer; got {max_moves!r}")
        self.prior_items, self.margin, self.max_moves = float(prior_items), float(margin), max_moves

    def expected_reward(self, observation: np.ndarray) -> np.ndarray:
        """e[c, g] of step 2 (C, G) from a counts-layout observation."""
        G = self._genres(observation)
        if observation.shape[-1] != 5 * G + 2:
            raise ValueError(f"DemandAware reads absolute counts: make the env with observation='log' and "
                             f"log_units='counts' (rows of width {5 * G + 2}); got width {observation.shape[-1]}")
        made = observation[:, G + 2 : 2 * G + 2].astype(np.float64)
        clicks = observation[:, 2 * G + 2 : 3 * G + 2].astype(np.float64)
        demand = observation[0, 3 * G + 2 : 4 * G + 2].astype(np.float64)
        supply = observation[0, 4 * G + 2 :].astype(np.float64)
        yield_ = (demand + 1.0) / (supply + 1.0)
        return (clicks + self.prior_items * yield_) / (made + self.prior_items)

    def suggest(self, observation: np.ndarray) -> np.ndarray:
        """Suggestions (C,) by steps 3–4 of the module docstring."""
        G = self._genres(observation)
        C = observation.shape[0]
        made = observation[:, G + 2 : 2 * G + 2] > 0
        e = self.expected_reward(observation)
        own = np.where(made, e, -np.inf)
        best_own = np.argmax(own, axis=1)
        own_value = own[np.arange(C), best_own]
        target = np.argmax(e, axis=1)
        gain = e[np.arange(C), target] - own_value
        mover = (e[np.arange(C), target] >= (1.0 + self.margin) * own_value) & (target != best_own)
        cap = self.max_moves if self.max_moves is not None else int(np.ceil(C / G))
        order = np.lexsort((-gain, ~mover, target))
        sorted_target = target[order]
        rank = np.empty(C, dtype=np.int64)
        rank[order] = np.arange(C) - np.searchsorted(sorted_target, sorted_target)
        move = mover & (rank < cap)
        return np.where(move, target, best_own).astype(np.int64) + 1


register_policy("DemandAware", DemandAware)

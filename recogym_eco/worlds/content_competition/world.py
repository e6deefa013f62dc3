"""One ContentCompetition world: the simulation core shared by the Gymnasium and PettingZoo faces.

Seed 000 (Yao et al., Sections 3-5): a single-world view of :class:`~.batch.ContentCompetitionBatch`
(see that module for the dynamics and the engines).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recogym_eco.components.groups import group_means

from .batch import ContentCompetitionBatch
from .config import ContentCompetitionConfig, check_weights
from .instance import Instance

__all__ = ["ContentCompetitionWorld"]


class ContentCompetitionWorld:
    """One world: the simulation core shared by the Gymnasium and PettingZoo faces.

    A thin single-world view of :class:`ContentCompetitionBatch`. Typical use: ``reset(rng)``,
    ``set_weights(w)`` (one weight per user group, applied through the configured mechanism), then
    ``creator_step()`` repeatedly (or ``run_epoch()``). ``engine`` picks how proposals are evaluated
    (``"auto"``, ``"compiled"``, ``"numpy"`` or the dense reference ``"dense"``; see
    :mod:`~recogym_eco.worlds.content_competition.batch`); :attr:`engine` is the one in force.
    """

    def __init__(self, config: ContentCompetitionConfig, engine: str = "auto") -> None:
        self.config = config
        self.batch = ContentCompetitionBatch(config, 1, engine)
        self.rng: np.random.Generator | None = None
        self.instance: Instance | None = None

    def reset(self, rng: np.random.Generator, instance: Instance | None = None) -> None:
        """Sample a new population from ``rng`` (or use ``instance``); strategies and weights reset."""
        self.rng = rng
        self.batch.reset([rng], None if instance is None else [instance])
        bt = self.batch
        self.instance = bt.instances[0]
        self.m, self.n, self.d, self.L = bt.m, bt.n, bt.d, bt.L

    # views of the batch's arrays are properties, not attributes, so that copies and pickles stay linked

    @property
    def X(self) -> np.ndarray:  # noqa: N802 - matrix name
        """(m, d) user embeddings."""
        return self.batch.X[0]

    @property
    def S(self) -> np.ndarray:  # noqa: N802 - matrix name
        """(n, d) current strategies (a view: read only; use :attr:`strategies` for a copy)."""
        return self.batch.S[0]

    @property
    def labels(self) -> np.ndarray:
        """(m,) user group of every user."""
        return self.batch.labels[0]

    @property
    def group_counts(self) -> np.ndarray:
        """(L,) users per group."""
        return self.batch.group_counts[0]

    @property
    def group_shares(self) -> np.ndarray:
        """(L,) share of users per group."""
        return self.batch.group_shares[0]

    @property
    def engine(self) -> str:
        """The engine resolved at construction: ``"compiled"``, ``"numpy"`` or ``"dense"``."""
        return self.batch.engine

    @property
    def last_engine(self) -> str:
        """The engine that ran the latest creator step (``"numpy"`` for a step with caller-driven moves)."""
        return self.batch.last_engine

    @property
    def item(self) -> np.ndarray | None:
        return None if self.batch.item is None else self.batch.item[0]

    @property
    def SigT(self) -> np.ndarray:  # noqa: N802 - matrix name
        """(n, m) relevance of every creator for every user."""
        return self.batch.SigT[0]

    @property
    def weights(self) -> np.ndarray:
        return self.batch.weights[0]

    @property
    def steps_done(self) -> int:
        return self.batch.steps_done

    @property
    def last_accept_rate(self) -> float:
        return float(self.batch.last_accept_rate[0])

    def check_weights(self, weights: Any) -> np.ndarray:
        """Validate group weights: shape (L,), finite, within [w_min, w_max]; return float64 copy."""
        return check_weights(self.config, weights)

    def set_weights(self, weights: Any) -> None:
        """Deploy group weights through the mechanism (no effect under ``"none"``)."""
        self.batch.set_weights(self.check_weights(weights))

    def deployed(self) -> dict[str, np.ndarray]:
        """Per-user reward weight w(x), temperature beta(x) and truncation K(x) now in force."""
        rw, invb, k = self.batch.deployed_world(0)
        return {"w": rw.copy(), "beta": 1.0 / invb, "k": k.copy()}

    def creator_step(self, moves: dict[int, np.ndarray] | None = None) -> float:
        """One creator step (see :meth:`ContentCompetitionBatch.creator_step`); returns acceptance rate."""
        if self.rng is None:
            raise RuntimeError("call reset() before creator_step()")
        return float(self.batch.creator_step(moves)[0])

    def run_epoch(self, num_steps: int | None = None, record: bool = False) -> dict[str, Any]:
        """``num_steps`` (default: epoch_length) creator steps under the current weights.

        Returns mean welfare and mean group utility over the steps (each measured after a step),
        mean acceptance rate and, with ``record``, the strategies after every step.
        """
        M = self.config.epoch_length if num_steps is None else int(num_steps)
        wel = np.empty(M)
        grp = np.zeros(self.L)
        acc = np.empty(M)
        traj = []
        for t in range(M):
            acc[t] = self.creator_step()
            pi = self.user_utilities()
            wel[t] = pi.mean()
            grp += group_means(pi, self.labels, self.L)
            if record:
                traj.append(self.S.copy())
        out = {"welfare": float(wel.mean()), "group_utility": grp / M, "accept_rate": float(acc.mean())}
        if record:
            out["trajectory"] = np.stack(traj)
        return out

    def user_utilities(self) -> np.ndarray:
        """Realised utility pi(x) of every user under the deployed matching (beta(x), K(x))."""
        return self.batch.user_utilities()[0]

    def welfare(self) -> float:
        """Mean realised user utility W."""
        return float(self.user_utilities().mean())

    def default_matching_user_utilities(self) -> np.ndarray:
        """pi(x) if the platform matched with the default (beta, K) - the content-only effect."""
        return self.batch.default_matching_user_utilities(0)

    def match_probabilities(self) -> np.ndarray:
        """(m, n) matching probabilities under the deployed matching (exact, dense)."""
        return self.batch.match_probabilities(0)

    def creator_utilities_exact(self) -> np.ndarray:
        """u_i for every creator (dense exact reference)."""
        rw, _, _ = self.batch.deployed_world(0)
        P = self.match_probabilities()
        return (P * self.SigT.T * rw[:, None]).sum(0) / self.m

    def creator_stats(self) -> dict[str, np.ndarray]:
        """Exposure (n,), utility (n,) and exposure by user group (n, L) under the deployed matching."""
        return self.batch.creator_stats(0)

    def metrics(self) -> dict[str, Any]:
        """Section-9 metrics of the current state (one snapshot)."""
        return self.batch.metrics(0)

    @property
    def strategies(self) -> np.ndarray:
        """Copy of the creators' current strategies (n, d)."""
        return self.S.copy()

    def check_consistency(self) -> float:
        """Max abs difference between the incremental caches and a full rebuild (for tests)."""
        return self.batch.check_consistency()

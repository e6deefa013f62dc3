"""B ContentCompetition worlds side by side (:class:`ContentCompetitionBatch`): dynamics and engine choice.

Seed 000 (Yao et al., Sections 3-5): n creators with strategies s_i compete for m users under the
top-K softmax matching (Eq. (1)); the platform deploys one weight per user group through a
mechanism (``UIR``: reward weight w(x); ``SMT``: beta(x) = beta w; ``HMT``: K(x) = ceil(K w)); creators
move by Local Better Response (Algorithm 2): every creator step, each creator in random order
proposes s_i + eta g (g uniform on the sphere) and keeps it, projected onto S_i, when its utility
does not drop (u_new >= u_old - 1e-12).

``engine`` chooses how proposals are evaluated (:data:`ENGINES`); all take the same decisions:

* ``"compiled"``: the numba creator loop (:mod:`.engine_compiled`); ball strategy sets with distance
  relevance only (toy, synthetic);
* ``"numpy"``: the incremental NumPy engine (:mod:`.engine_numpy`); every preset;
* ``"dense"``: the exact dense reference (:mod:`.engine_dense`), one world, O(m n log n) per proposal;
* ``"auto"`` (default): ``"compiled"`` where it applies, else ``"numpy"``.

Asking for ``"compiled"`` where it cannot apply, or numba missing, falls back to ``"numpy"`` with an
:class:`EngineFallbackWarning` naming the reason. A creator step with caller-driven moves (the
PettingZoo face's creator actions) always runs on the NumPy engine: :attr:`last_engine` says which
engine ran the latest step.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from recogym_eco.components.engines import EngineFallbackWarning
from recogym_eco.components.groups import group_means
from recogym_eco.components.metrics import gini, shannon_entropy
from recogym_eco.components.validation import check_choice

from .config import ACCEPT_TOL, ContentCompetitionConfig, check_weights, hmt_truncation
from .engine_compiled import CompiledEngine, load_kernels
from .engine_dense import dense_creator_stats, dense_proposal_utilities, dense_user_utilities
from .engine_numpy import LIST_SLACK, NumpyEngine
from .instance import Instance, sample_instance, unit_sphere
from .matching import match_probabilities, topk_user_utilities
from .relevance import distance_from_parts, dot_from_inner

__all__ = ["ENGINES", "ContentCompetitionBatch", "ContentCompetitionWorld", "EngineFallbackWarning", "resolve_engine"]

ENGINES: tuple[str, ...] = ("auto", "compiled", "numpy", "dense")


def resolve_engine(engine: str, config: ContentCompetitionConfig, num_worlds: int = 1) -> str:
    """The engine that will run: ``engine`` itself, or the fallback (with a warning naming the reason).

    ``"auto"`` is ``"compiled"`` for ball strategy sets with distance relevance when numba imports,
    else ``"numpy"`` (silently only when the configuration rules the compiled engine out).
    """
    check_choice(engine, "engine", ENGINES)
    if engine == "dense":
        if num_worlds != 1:
            raise ValueError(f"the dense reference engine runs one world at a time, got num_worlds={num_worlds}")
        return engine
    if engine == "numpy":
        return engine
    if config.finite_strategies or config.relevance != "distance":
        if engine == "compiled":
            warnings.warn(
                "engine='compiled' needs ball strategy sets and distance relevance (presets 'toy' and "
                f"'synthetic'); preset {config.preset!r} with relevance {config.relevance!r} runs on the "
                "'numpy' engine instead", EngineFallbackWarning, stacklevel=3)
        return "numpy"
    kernels, reason = load_kernels()
    if kernels is None:
        warnings.warn(f"engine={engine!r}: the compiled engine is unavailable because {reason}; using the "
                      "'numpy' engine (same decisions, slower)", EngineFallbackWarning, stacklevel=3)
        return "numpy"
    return "compiled"


class ContentCompetitionBatch(NumpyEngine, CompiledEngine):
    """B independent worlds of one config, simulated side by side.

    Each world has its own ``np.random.Generator`` (instance sampling and LBR draws), so a world's
    trajectory does not depend on how many worlds run beside it. Per-user arrays are flat over
    (world, user): row ``r = b * m + x``. ``engine`` as in the module docstring; ``engine`` (the
    attribute) is the one resolved at construction.
    """

    def __init__(self, config: ContentCompetitionConfig, num_worlds: int = 1, engine: str = "auto") -> None:
        if isinstance(num_worlds, bool) or not isinstance(num_worlds, (int, np.integer)) or num_worlds < 1:
            raise ValueError(f"num_worlds must be a positive int, got {num_worlds!r}")
        self.config = config
        self.B = int(num_worlds)
        self.engine = resolve_engine(engine, config, self.B)
        self.incremental = self.engine != "dense"
        self.last_engine = self.engine
        self.rngs: list[np.random.Generator] | None = None
        self.steps_done = 0

    # ---------------------------------------------------------------- setup

    def reset(self, rngs: list[np.random.Generator], instances: list[Instance] | None = None) -> None:
        """Sample each world's population from its generator (or use ``instances``); weights to 1."""
        c = self.config
        if len(rngs) != self.B:
            raise ValueError(f"need {self.B} generators, got {len(rngs)}")
        self.rngs = list(rngs)
        insts = list(instances) if instances is not None else [sample_instance(c, r) for r in self.rngs]
        self.instances = insts
        X = np.stack([np.asarray(inst.X, dtype=np.float64) for inst in insts])
        self.B, self.m, self.d = X.shape
        self.X = X
        self.Xf = X.reshape(self.B * self.m, self.d)
        self.n = c.num_creators
        self.L = c.num_groups
        self.labels = np.stack([np.asarray(inst.labels, dtype=np.int64) for inst in insts])
        counts = np.stack([np.bincount(lab, minlength=self.L) for lab in self.labels])
        if counts.shape[1] != self.L or np.any(counts == 0):
            raise ValueError("every user group must be non-empty")
        self.group_counts = counts
        self.group_shares = counts / self.m
        self.S = np.stack([np.asarray(inst.S0, dtype=np.float64) for inst in insts])
        self.finite = c.finite_strategies
        self.item = np.stack([inst.item0 for inst in insts]) if self.finite else None
        self.xxf = (self.Xf * self.Xf).sum(1)
        self.steps_done = 0
        self.last_engine = self.engine
        self.last_accept_rate = np.zeros(self.B)
        self._K = min(c.top_k, self.n)
        self.weights = np.ones((self.B, self.L))
        BM = self.B * self.m
        self._rw_m = np.full(BM, 1.0 / self.m)
        self._invb = np.full(BM, 1.0 / c.beta)
        self._k = np.full(BM, self._K, dtype=np.int64)
        self._ar = np.arange(self.B)
        self.SigT = np.stack([self._columns_world(b, self.S[b], self.item[b] if self.finite else None) for b in range(self.B)])
        self._peak = float(c.max_relevance)
        if c.mechanism == "HMT":
            k_top = self.n if c.top_k >= self.n else math.ceil(c.top_k * c.w_max)  # the largest K(x), or more
            self._cap = int(min(k_top + 1 + LIST_SLACK, self.n))
        else:
            self._cap = int(min(self._K + 1 + LIST_SLACK, self.n))
        self._c_valid = False  # compiled-engine state (sorted per-user rows) in sync with the world
        self._lists_valid = False  # NumPy-engine lists in sync with the world
        if self.incremental:
            self._rebuild_lists()

    def _use_c(self) -> bool:
        return self.engine == "compiled"

    # ---------------------------------------------------------------- relevance and projection

    def _columns_world(self, b: int, S: np.ndarray, items: np.ndarray | None) -> np.ndarray:
        """sigma of strategies S (r, d) (or items) for every user of world b: (r, m)."""
        c = self.config
        if items is not None:
            return self.instances[b].item_relevance[np.asarray(items)]
        X = self.X[b]
        if c.relevance == "distance":
            return distance_from_parts((X * X).sum(1)[None, :], S @ X.T, (S * S).sum(1)[:, None],
                                       c.relevance_peak, c.relevance_scale)
        lo, hi = self.instances[b].dot_range
        return dot_from_inner(S @ X.T, lo, hi)

    def _columns(self, W: np.ndarray, S: np.ndarray, items: np.ndarray | None) -> np.ndarray:
        """sigma for one strategy per world in W: S (|W|, d) -> (|W|, m)."""
        c = self.config
        if items is not None:
            return np.stack([self.instances[b].item_relevance[it] for b, it in zip(W.tolist(), items.tolist())])
        X = self.X[W]
        if c.relevance == "distance":
            return distance_from_parts(self.xxf.reshape(self.B, self.m)[W], np.einsum("wmd,wd->wm", X, S),
                                       (S * S).sum(1)[:, None], c.relevance_peak, c.relevance_scale)
        lo = np.array([self.instances[b].dot_range[0] for b in W.tolist()])[:, None]
        hi = np.array([self.instances[b].dot_range[1] for b in W.tolist()])[:, None]
        return dot_from_inner(np.einsum("wmd,wd->wm", X, S), lo, hi)

    def _rows_relevance(self, R: np.ndarray, wR: np.ndarray, pts: np.ndarray, items: np.ndarray | None) -> np.ndarray:
        """sigma of world w's point pts[w] (or item) for the flat rows R."""
        c = self.config
        xR = R % self.m
        if items is not None:
            out = np.empty(R.size)
            for b in np.unique(wR).tolist():
                sel = wR == b
                out[sel] = self.instances[b].item_relevance[items[b], xR[sel]]
            return out
        P = pts[wR]
        if c.relevance == "distance":
            return distance_from_parts(self.xxf[R], np.einsum("rd,rd->r", self.Xf[R], P), np.einsum("rd,rd->r", P, P),
                                       c.relevance_peak, c.relevance_scale)
        lo = np.array([inst.dot_range[0] for inst in self.instances])[wR]
        hi = np.array([inst.dot_range[1] for inst in self.instances])[wR]
        return dot_from_inner(np.einsum("rd,rd->r", self.Xf[R], P), lo, hi)

    def _project_ball(self, T: np.ndarray) -> np.ndarray:
        """LBR's projection onto the ball: t * min(1, r / ||t||), with ||t|| = sqrt(sum t^2) (the
        recorded trajectories' rounding; :func:`~.instance.project_ball` serves instance sampling)."""
        nrm = np.sqrt((T * T).sum(1, keepdims=True))
        r = self.config.strategy_radius
        return T * np.minimum(1.0, r / np.maximum(nrm, 1e-300))

    def _project_items(self, b: int, i: int, s: np.ndarray, exclude_current: bool) -> int:
        inst = self.instances[b]
        members = inst.members[i]
        dist = ((inst.items[members] - s) ** 2).sum(1)
        if exclude_current:
            dist[members == self.item[b, i]] = np.inf
        return int(members[int(np.argmin(dist))])

    # ---------------------------------------------------------------- platform lever

    def check_weights(self, weights: Any) -> np.ndarray:
        """Validate weights: (L,) or (B, L), finite, within [w_min, w_max]; return a (B, L) float64 copy."""
        return check_weights(self.config, weights, self.B)

    def set_weights(self, weights: Any) -> None:
        """Deploy group weights ((L,) for all worlds or (B, L)) through the mechanism."""
        c = self.config
        w = self.check_weights(weights)
        self.weights = w.copy()
        mech = c.mechanism
        if mech == "none":
            return
        wx = np.take_along_axis(w, self.labels, axis=1).ravel()
        # the compiled kernel's state is updated in place when it is current; the NumPy lists otherwise
        cmode = self.incremental and self._c_valid and self._use_c()
        if self.incremental and not cmode:
            self._ensure_lists()
        if mech == "UIR":
            self._rw_m = wx / self.m
            if self.incremental:
                self._sync_pack()
        elif mech == "SMT":
            self._invb = 1.0 / (c.beta * wx)
            if self.incremental:
                self._sync_pack()
                if cmode:  # the kernel keeps exp weights for its sorted slots only; ET is rebuilt on demand
                    self._c_refresh(1)
                    self._lists_valid = False
                else:
                    self.ET = np.exp((self.SigT - self._peak) * self._invb.reshape(self.B, 1, self.m))
                    self._refresh_sums()
                    self._c_valid = False
        elif mech == "HMT":
            k = hmt_truncation(c.top_k, wx, self.n)
            changed = np.flatnonzero(k != self._k)
            self._k = k
            if self.incremental and changed.size:
                self._sync_pack()
                if cmode:
                    self._c_refresh(0, np.isin(np.arange(self.B), changed // self.m))
                    self._lists_valid = False
                else:
                    self._fill_rows(changed)
                    self._c_valid = False


    def creator_step(self, moves: dict[int, np.ndarray] | None = None) -> np.ndarray:
        """One creator step in every world; returns each world's LBR acceptance rate (B,).

        Every creator, in an order drawn by its world's generator, proposes s_i + eta g_i (g uniform on
        the sphere, drawn up front for all creators) and keeps the (projected) proposal if its utility
        does not drop. ``moves`` (one world only) maps creator -> displacement applied at its turn
        instead of an LBR proposal.
        """
        if self.rngs is None:
            raise RuntimeError("call reset() before creator_step()")
        if moves and self.B != 1:
            raise ValueError("moves are supported for a single world only")
        c = self.config
        B, n, d = self.B, self.n, self.d
        orders = np.empty((B, n), dtype=np.int64)
        G = np.empty((B, n, d))
        for b, rng in enumerate(self.rngs):
            orders[b] = rng.permutation(n)
            G[b] = unit_sphere(rng, n, d)
        moves = moves or {}
        if not moves and self._use_c():
            self._c_creator_step(orders, G)
            self.last_engine = "compiled"
            return self.last_accept_rate.copy()
        self.last_engine = self.engine if self.engine == "dense" else "numpy"
        self._ensure_lists()
        raw = (not self.finite) and c.lbr_evaluate == "raw"
        ar = self._ar
        accepted = np.zeros(B)
        proposals = np.zeros(B)
        for t in range(n):
            ib = orders[:, t]
            if moves and int(ib[0]) in moves:
                i = int(ib[0])
                target = self.S[0, i] + np.asarray(moves[i], dtype=np.float64)
                self._set_strategy(np.array([0]), ib[:1], target[None, :], exclude_current=False)
                continue
            proposals += 1
            target = self.S[ar, ib] + c.eta * G[ar, ib]
            if self.finite:
                new_items = np.array([self._project_items(b, int(ib[b]), target[b], True) for b in range(B)])
                s_new = np.stack([self.instances[b].items[new_items[b]] for b in range(B)])
                pts = s_new
            else:
                new_items = None
                s_new = self._project_ball(target)
                pts = target if raw else s_new
            if self.incremental:
                o = self.SigT[ar, ib]  # (B, m)
                Rl = np.flatnonzero(o > self._thr.reshape(B, self.m))
                if Rl.size:
                    wR = Rl // self.m
                    R = Rl  # flat rows coincide with flat (world, user) indices
                    iR = ib[wR]
                    vR = self._rows_relevance(R, wR, pts, new_items)
                    invbR = self._invb[R]
                    cols = np.stack([o.ravel()[Rl], vR])
                    ecols = np.stack([self.ET[ar, ib].ravel()[Rl], np.exp((vR - self._peak) * invbR)])
                    u = self._utilities_rows(R, wR, iR, cols, ecols)
                    acc = u[1] >= u[0] - ACCEPT_TOL
                else:
                    acc = np.ones(B, dtype=bool)
            else:
                i = int(ib[0])
                v = self._columns(ar, pts, new_items)[0]
                u_old, u_new = dense_proposal_utilities(self.SigT[0], i, np.stack([self.SigT[0, i], v]), self._invb,
                                                        self._k, self._rw_m)
                acc = np.array([u_new >= u_old - ACCEPT_TOL])
            if acc.any():
                A = np.flatnonzero(acc)
                accepted[A] += 1
                self.S[A, ib[A]] = s_new[A]
                if self.finite:
                    self.item[A, ib[A]] = new_items[A]
                v = self._columns(A, s_new[A], None if new_items is None else new_items[A])
                self._apply_columns(A, ib[A], v)
        self.steps_done += 1
        self.last_accept_rate = np.where(proposals > 0, accepted / np.maximum(proposals, 1), 0.0)
        return self.last_accept_rate.copy()

    def _set_strategy(self, W: np.ndarray, C: np.ndarray, target: np.ndarray, exclude_current: bool) -> None:
        """Move creator C[w] of world w to the projection of target[w] (caller-driven moves)."""
        if self.finite:
            items = np.array([self._project_items(int(b), int(i), t, exclude_current) for b, i, t in zip(W, C, target)])
            s_new = np.stack([self.instances[int(b)].items[it] for b, it in zip(W, items)])
            self.item[W, C] = items
        else:
            items = None
            s_new = self._project_ball(target)
        self.S[W, C] = s_new
        self._apply_columns(W, C, self._columns(W, s_new, items))

    # ---------------------------------------------------------------- read-outs

    def user_utilities(self) -> np.ndarray:
        """Realised utility pi(x) of every user, (B, m), under the deployed matching."""
        if not self.incremental:
            return dense_user_utilities(self.SigT[0], self._invb, self._k)[None, :]
        return (self._num / self._s_in).reshape(self.B, self.m)

    def group_utilities(self) -> np.ndarray:
        """(B, L) mean realised utility per user group."""
        pi = self.user_utilities()
        return np.stack([group_means(pi[b], self.labels[b], self.L) for b in range(self.B)])

    def deployed_world(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World b's per-user levers in force: reward weight w(x), 1 / beta(x) and K(x) (views)."""
        sl = slice(b * self.m, (b + 1) * self.m)
        return self._rw_m[sl] * self.m, self._invb[sl], self._k[sl]

    def match_probabilities(self, b: int = 0) -> np.ndarray:
        """(m, n) matching probabilities of world b under the deployed matching (exact, dense)."""
        _, invb, k = self.deployed_world(b)
        return match_probabilities(self.SigT[b].T, invb, k)

    def creator_stats(self, b: int = 0) -> dict[str, np.ndarray]:
        """Exposure (n,), utility (n,) and exposure by user group (n, L) of world b."""
        rw, invb, k = self.deployed_world(b)
        labels = self.labels[b]
        if not self.incremental:
            return dense_creator_stats(self.SigT[b], rw, invb, k, labels, self.L)
        return self._lists_creator_stats(b, rw, invb, k, labels)

    def default_matching_user_utilities(self, b: int = 0) -> np.ndarray:
        """pi(x) of world b if the platform matched with the default (beta, K): the content-only effect."""
        c = self.config
        if not self.incremental:
            return dense_user_utilities(self.SigT[b], 1.0 / c.beta, self._K)
        return topk_user_utilities(self.SigT[b].T, 1.0 / c.beta, self._K)

    def metrics(self, b: int = 0) -> dict[str, Any]:
        """Section-9 metrics of world b's current state (one snapshot)."""
        pi = self.user_utilities()[b]
        cs = self.creator_stats(b)
        target = np.argmax(cs["exposure_by_group"], axis=1)
        return {
            "welfare": float(pi.mean()),
            "group_utility": group_means(pi, self.labels[b], self.L),
            "exposure_gini": gini(cs["exposure"]),
            "content_diversity": shannon_entropy(np.bincount(target, minlength=self.L).astype(np.float64)),
            "creator_utility_mean": float(cs["utility"].mean()),
        }

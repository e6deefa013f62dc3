# FROZEN COPY - used only by benchmarks/bench_cc_engines.py as the baseline to compare against.
# This is recogym_eco/worlds/content_competition.py as it was before issue 7 (C kernel in a string,
# compiled with the system cc and loaded with ctypes). It is NOT part of the package, is not imported
# by it, and must not be edited or used by anything else; the package's engines live in
# recogym_eco/worlds/content_competition/.

"""ContentCompetition world: the C3 creator-competition game with Local-Better-Response creators.

Model (Yao et al., "User Welfare Optimization in Recommender Systems with Competing Content Creators",
Sections 3-5 and Appendices A-B; ``../shared/seeds/000_*``):

* m users x_j in R^d, split into L groups (k-means, or one group per user for the toy);
* n creators with strategies s_i in a strategy set S_i: a ball of radius r, or a finite set of item
  embeddings (projection = nearest member);
* relevance sigma(s, x) in [0, peak]: ``"distance"`` max(peak - ||s - x|| / scale, 0) or ``"dot"`` the
  min-max normalised inner product clip((<s, x> - lo) / (hi - lo), 0, 1);
* matching: user x draws one of its top-K(x) creators by sigma with softmax probabilities
  proportional to exp(sigma / beta(x)). Ties at the K-th place are broken uniformly at random, so the
  probabilities below are expectations over that draw (tied creators share the remaining slots);
* user utility pi(x) = sum_i P_i(x) sigma_i(x); welfare W = mean_x pi(x); group utility = group mean;
* creator utility u_i = mean_x w(x) * sigma_i(x) * P_i(x; beta(x), K(x)) (reward R = sigma);
* levers (mechanism): ``"none"``; ``"UIR"`` w(x) = group weight; ``"SMT"`` beta(x) = beta * w;
  ``"HMT"`` K(x) = ceil(K * w) (clamped to [1, n]);
* creators move by Local Better Response (Algorithm 2): each creator step, every creator in random
  order proposes s_i + eta * g (g uniform on the unit sphere) and keeps it - projected onto S_i - when
  its utility does not drop (``u_new >= u_old - 1e-12``).

Speed. A proposal changes one column of the (m, n) relevance matrix. Evaluating it needs, per user,
only the K(x)-th and (K(x)+1)-th relevance and the softmax sums of the top K(x) (cached), so it costs
O(m) (plus O(n) for the rare users where the proposal ties the K-th value exactly), restricted to the
users it can reach (|delta sigma| <= eta / scale). Two engines keep those caches exact:

* a compiled creator loop (C, built once with the system compiler on first use and loaded with
  ctypes; ``RECOGYM_ECO_NO_C=1`` disables it): per user, all n creators in one row whose first
  L = min(K(x) + 1 + slack, n) slots are sorted (the rest unsorted), so an accepted move is an
  insertion step in that user's row; the tests check that it takes the NumPy path's and the dense
  reference's accept decisions bit for bit (it uses the C library's exp, so utilities may differ
  from the NumPy path's in the last bits);
* the NumPy path (no compiler, finite strategy sets, dot relevance, caller-driven moves): per user, the
  top-(K(x)+1) creators plus a few spare slots, with case-by-case vectorised updates.

Whichever engine ran last owns the state; the other's structures are rebuilt on demand.
``incremental=False`` switches to the exact dense reference (O(m n log n) per proposal) that the tests
compare both against.
"""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import math
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recogym_eco.components.groups import group_means, kmeans_groups
from recogym_eco.components.metrics import gini, shannon_entropy

__all__ = [
    "MECHANISMS",
    "PRESETS",
    "RELEVANCES",
    "ContentCompetitionBatch",
    "ContentCompetitionConfig",
    "ContentCompetitionWorld",
    "check_weights",
    "make_config",
    "match_probabilities",
    "relevance_matrix",
    "resolve_config",
]

MECHANISMS: tuple[str, ...] = ("none", "UIR", "SMT", "HMT")
RELEVANCES: tuple[str, ...] = ("distance", "dot")
PRESETS: tuple[str, ...] = ("toy", "synthetic", "movielens")
LBR_EVALUATE: tuple[str, ...] = ("raw", "projected")
ACCEPT_TOL = 1e-12
_NEG = -1e300  # "no creator" value in the sorted lists (finite so that 0 * _NEG == 0)
_LIST_SLACK = 4  # spare list slots per user beyond K(x) + 1
_C_SLACK = 4  # sorted slots beyond K(x) + 1 in the compiled kernel (fewer scans of the unsorted rest)

SYNTHETIC_CLUSTER_SIZES: tuple[int, ...] = tuple(10 * c for c in (100, 50, 20, 10, 10, 5, 2, 1, 1, 1))
TOY_USERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


@dataclass(frozen=True)
class ContentCompetitionConfig:
    """Every parameter of a ContentCompetition world; validated once, in ``__post_init__``.

    Build one with :func:`make_config` (preset defaults + overrides). ``horizon`` counts creator
    steps (one step = every creator makes one LBR proposal); the Gymnasium face runs
    ``horizon // epoch_length`` epochs.
    """

    preset: str = "synthetic"
    mechanism: str = "none"
    num_creators: int = 200
    dim: int = 5
    cluster_sizes: tuple[int, ...] = SYNTHETIC_CLUSTER_SIZES
    cluster_std: float = 0.5
    init_std: float = 0.1
    relevance: str = "distance"
    relevance_peak: float = 1.0
    relevance_scale: float = 3.0
    beta: float = 0.1
    top_k: int = 20
    eta: float = 0.2
    epoch_length: int = 5
    horizon: int = 3000
    num_groups: int = 20
    w_min: float = 0.2
    w_max: float = 5.0
    strategy_radius: float = 1.0
    lbr_evaluate: str = "raw"
    # movielens preset
    movielens_path: str | None = None
    num_common_items: int = 700
    num_private_items: int = 300
    min_user_ratings: int = 201
    mf_dim: int = 32
    mf_cache: str | None = None

    def __post_init__(self) -> None:
        def _int(name: str, lo: int, hi: int | None = None) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"{name} must be an int, got {type(v).__name__}")
            if v < lo or (hi is not None and v > hi):
                rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
                raise ValueError(f"{name} must be {rng}, got {v}")
            object.__setattr__(self, name, int(v))

        def _pos(name: str, allow_zero: bool = False) -> None:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"{name} must be a real number, got {type(v).__name__}")
            v = float(v)
            if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
                raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {v}")
            object.__setattr__(self, name, v)

        def _choice(name: str, allowed: tuple[str, ...]) -> None:
            v = getattr(self, name)
            if v not in allowed:
                raise ValueError(f"unknown {name} {v!r}; allowed: {', '.join(map(repr, allowed))}")

        _choice("preset", PRESETS)
        _choice("mechanism", MECHANISMS)
        _choice("relevance", RELEVANCES)
        _choice("lbr_evaluate", LBR_EVALUATE)
        _int("num_creators", 1)
        _int("dim", 1)
        _int("top_k", 1)
        _int("epoch_length", 1)
        _int("horizon", 1)
        _int("num_groups", 1)
        _int("num_common_items", 0)
        _int("num_private_items", 0)
        _int("min_user_ratings", 1)
        _int("mf_dim", 1)
        for name in ("beta", "eta", "relevance_peak", "relevance_scale", "strategy_radius", "w_max"):
            _pos(name)
        for name in ("cluster_std", "init_std", "w_min"):
            _pos(name, allow_zero=True)
        if self.w_min > self.w_max:
            raise ValueError(f"w_min must be <= w_max, got w_min={self.w_min}, w_max={self.w_max}")
        if not (self.w_min <= 1.0 <= self.w_max):
            raise ValueError(f"[w_min, w_max] must contain 1 (the neutral weight), got [{self.w_min}, {self.w_max}]")
        if self.w_min == 0 and self.mechanism in ("SMT", "HMT"):
            raise ValueError("w_min must be > 0 for SMT and HMT (beta(x) and K(x) must stay positive)")
        if self.horizon < self.epoch_length:
            raise ValueError(
                f"horizon must be >= epoch_length, got horizon={self.horizon}, epoch_length={self.epoch_length}"
            )
        sizes = tuple(int(s) for s in self.cluster_sizes)
        if len(sizes) == 0 or any(s < 1 for s in sizes):
            raise ValueError(f"cluster_sizes must be a non-empty tuple of positive ints, got {self.cluster_sizes}")
        object.__setattr__(self, "cluster_sizes", sizes)
        peak = self.relevance_peak if self.relevance == "distance" else 1.0
        smallest_beta = self.beta * (self.w_min if self.mechanism == "SMT" else 1.0)
        if peak / smallest_beta > 600.0:
            raise ValueError(
                f"beta too small for the relevance range: relevance range / smallest beta(x) = "
                f"{peak / smallest_beta:.3g} must be <= 600 (exp overflow); raise beta or w_min"
            )
        if self.preset == "toy":
            if self.dim != 2:
                raise ValueError(f"dim must be 2 for the toy preset, got {self.dim}")
            if self.num_groups != len(TOY_USERS):
                raise ValueError(f"num_groups must be 5 for the toy preset (one group per user), got {self.num_groups}")
            if self.relevance != "distance":
                raise ValueError("relevance must be 'distance' for the toy preset")
        if self.preset == "synthetic":
            if self.relevance != "distance":
                raise ValueError("relevance must be 'distance' for the synthetic preset")
            if self.num_groups > self.num_users:
                raise ValueError(f"num_groups must be <= num_users={self.num_users}, got {self.num_groups}")
        if self.preset == "movielens":
            if self.relevance != "dot":
                raise ValueError("relevance must be 'dot' for the movielens preset")
            if self.num_common_items + self.num_private_items < 1:
                raise ValueError("num_common_items + num_private_items must be >= 1")

    @property
    def num_users(self) -> int:
        """Users of the toy and synthetic presets (movielens: known after loading the data)."""
        if self.preset == "toy":
            return len(TOY_USERS)
        return int(sum(self.cluster_sizes))

    @property
    def num_epochs(self) -> int:
        """Platform decisions per episode: ``horizon // epoch_length``."""
        return self.horizon // self.epoch_length

    @property
    def max_relevance(self) -> float:
        """Upper bound of sigma: ``relevance_peak`` for distance, 1 for dot."""
        return self.relevance_peak if self.relevance == "distance" else 1.0

    @property
    def finite_strategies(self) -> bool:
        """Whether creators choose among item embeddings (movielens) rather than a ball."""
        return self.preset == "movielens"


_PRESET_DEFAULTS: dict[str, dict[str, Any]] = {
    "synthetic": {},
    "toy": dict(
        preset="toy", num_creators=5, dim=2, relevance="distance", relevance_peak=2.0, relevance_scale=1.0,
        beta=10.0, top_k=3, eta=0.05, epoch_length=1, horizon=1000, num_groups=5, strategy_radius=3.0,
        init_std=0.1,
    ),
    "movielens": dict(
        preset="movielens", num_creators=20, relevance="dot", beta=0.1, top_k=20, eta=0.2, epoch_length=5,
        horizon=3000, num_groups=15, dim=33, mf_dim=32,
    ),
}


def make_config(preset: str = "synthetic", **overrides: Any) -> ContentCompetitionConfig:
    """The preset's defaults with ``overrides`` applied (unknown names raise TypeError)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; allowed: {', '.join(map(repr, PRESETS))}")
    names = {f.name for f in dataclasses.fields(ContentCompetitionConfig)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise TypeError(f"unknown ContentCompetition parameter(s) {bad}; allowed: {sorted(names)}")
    kw = dict(_PRESET_DEFAULTS[preset])
    kw["preset"] = preset
    kw.update(overrides)
    if preset == "movielens":
        # embeddings are [factors, 1] for users and [factors, item bias] for movies (see data.mf)
        kw["dim"] = int(kw.get("mf_dim", 32)) + 1
    return ContentCompetitionConfig(**kw)


# ----------------------------------------------------------------------------------------------
# pure functions: relevance, exact matching, metrics
# ----------------------------------------------------------------------------------------------


def resolve_config(preset: str, mechanism: str, config: ContentCompetitionConfig | None,
                   overrides: dict[str, Any]) -> ContentCompetitionConfig:
    """The configuration an env face was asked for: ``config`` as given, or the preset with overrides."""
    if config is None:
        return make_config(preset, mechanism=mechanism, **overrides)
    if overrides:
        raise TypeError("pass either config or keyword overrides, not both")
    return config


def relevance_matrix(
    S: np.ndarray, X: np.ndarray, kind: str, peak: float = 1.0, scale: float = 1.0,
    lo: float = 0.0, hi: float = 1.0,
) -> np.ndarray:
    """sigma(s_i, x_j) for every user j and creator i: an (m, n) array (rows = users)."""
    S = np.atleast_2d(np.asarray(S, dtype=np.float64))
    X = np.asarray(X, dtype=np.float64)
    if kind == "distance":
        d2 = (X * X).sum(1)[:, None] - 2.0 * X @ S.T + (S * S).sum(1)[None, :]
        return np.maximum(peak - np.sqrt(np.maximum(d2, 0.0)) / scale, 0.0)
    if kind == "dot":
        return np.clip((X @ S.T - lo) / (hi - lo), 0.0, 1.0)
    raise ValueError(f"unknown relevance {kind!r}; allowed: {', '.join(map(repr, RELEVANCES))}")


def match_probabilities(sig: np.ndarray, inv_beta: np.ndarray | float, k: np.ndarray | int) -> np.ndarray:
    """Exact top-K softmax matching, (m, n) -> (m, n) probabilities; every row sums to 1.

    Row x keeps its K(x) most relevant creators and matches them with probabilities proportional to
    exp(sigma / beta(x)). Creators tied with the K-th value share the remaining slots: each is kept
    with probability (slots left) / (number tied), which is the expectation of a uniformly random
    tie-break. This dense O(m n log n) version is the reference for the incremental world.
    """
    sig = np.asarray(sig, dtype=np.float64)
    m, n = sig.shape
    inv_beta = np.broadcast_to(np.asarray(inv_beta, dtype=np.float64), (m,))
    kx = np.minimum(np.broadcast_to(np.asarray(k, dtype=np.int64), (m,)), n)
    rows = np.arange(m)
    if np.all(kx == kx[0]):
        kk = int(kx[0])
        tau = -np.partition(-sig, kk - 1, axis=1)[:, kk - 1]
        top = sig.max(1)
    else:
        srt = -np.sort(-sig, axis=1)
        tau = srt[rows, kx - 1]
        top = srt[:, 0]
    above = sig > tau[:, None]
    tied = sig == tau[:, None]
    a = above.sum(1)
    t = tied.sum(1)
    r = kx - a
    e = np.exp((sig - top[:, None]) * inv_beta[:, None])
    e_tau = np.exp((tau - top) * inv_beta)
    Z = (e * above).sum(1) + r * e_tau
    return np.where(above, e / Z[:, None], np.where(tied, (r / t * e_tau / Z)[:, None], 0.0))


def _topk_user_utilities(sig: np.ndarray, inv_beta: float, k: int) -> np.ndarray:
    """pi(x) = sum_i P_i(x) sigma_i(x) under one (beta, K) for all users, from a partition (no (m, n) P).

    Same matching as :func:`match_probabilities` (tied creators at the K-th place share the remaining
    slots, so together they contribute (slots left) * e_tau * tau / Z), equal to it up to rounding.
    """
    m, n = sig.shape
    k = min(int(k), n)
    part = np.partition(sig, n - k, axis=1)
    tau = part[:, n - k]
    top = part[:, n - k :]
    peak = top.max(1)
    above = top > tau[:, None]
    r = k - above.sum(1)
    e = np.where(above, np.exp((top - peak[:, None]) * inv_beta), 0.0)
    e_tau = np.exp((tau - peak) * inv_beta)
    return ((e * top).sum(1) + r * e_tau * tau) / (e.sum(1) + r * e_tau)


# ----------------------------------------------------------------------------------------------
# the world
# ----------------------------------------------------------------------------------------------


@dataclass
class Instance:
    """One sampled population: users, groups, strategy sets, initial strategies."""

    X: np.ndarray  # (m, d) users
    labels: np.ndarray  # (m,) group of each user
    S0: np.ndarray  # (n, d) initial strategies
    items: np.ndarray | None = None  # (N, d) item embeddings (finite strategy sets)
    members: np.ndarray | None = None  # (n, |S_i|) item ids of each creator's strategy set
    item0: np.ndarray | None = None  # (n,) initial item of each creator
    item_relevance: np.ndarray | None = None  # (N, m) sigma of every item for every user
    dot_range: tuple[float, float] = (0.0, 1.0)
    extra: dict = field(default_factory=dict)


def _unit_sphere(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    g = rng.standard_normal((n, d))
    norms = np.linalg.norm(g, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return g / norms


def sample_instance(config: ContentCompetitionConfig, rng: np.random.Generator) -> Instance:
    """Draw users, groups and initial strategies for ``config`` from ``rng``."""
    c = config
    if c.preset == "toy":
        X = TOY_USERS.copy()
        labels = np.arange(len(X), dtype=np.int64)
        # creators start "between x1 = (0, 0) and x2 = (1, 0)": uniform along the segment, small offset
        S0 = np.column_stack([rng.uniform(0.0, 1.0, c.num_creators), rng.uniform(-c.init_std, c.init_std, c.num_creators)])
        return Instance(X=X, labels=labels, S0=_project_ball(S0, c.strategy_radius))
    if c.preset == "synthetic":
        centres = _unit_sphere(rng, len(c.cluster_sizes), c.dim)
        truth = np.repeat(np.arange(len(c.cluster_sizes)), c.cluster_sizes)
        X = centres[truth] + c.cluster_std * rng.standard_normal((truth.size, c.dim))
        biggest = int(np.argmax(c.cluster_sizes))
        S0 = centres[biggest] + c.init_std * rng.standard_normal((c.num_creators, c.dim))
        S0 = _project_ball(S0, c.strategy_radius)
        labels = kmeans_groups(X, c.num_groups, rng)
        return Instance(X=X, labels=labels, S0=S0, extra={"true_cluster": truth, "centres": centres})
    if c.preset == "movielens":
        from recogym_eco.data.mf import movielens_instance_data

        data = movielens_instance_data(c)
        X = data["users"]
        items = data["items"]
        common = data["popular"][: c.num_common_items]
        others = np.setdiff1d(np.arange(items.shape[0]), common)
        k_priv = min(c.num_private_items, others.size)
        members = np.stack(
            [np.concatenate([common, rng.choice(others, size=k_priv, replace=False)]) for _ in range(c.num_creators)]
        ).astype(np.int64)
        best = int(data["best_item"])
        # every creator starts at the movie with the highest mean rating among the users; if that movie
        # is not in a creator's set (it is among the common ones by construction) use its nearest member
        item0 = np.empty(c.num_creators, dtype=np.int64)
        for i in range(c.num_creators):
            if np.any(members[i] == best):
                item0[i] = best
            else:
                item0[i] = members[i][np.argmin(((items[members[i]] - items[best]) ** 2).sum(1))]
        raw = X @ items.T
        lo, hi = float(raw.min()), float(raw.max())
        item_rel = np.clip((raw - lo) / (hi - lo), 0.0, 1.0).T.copy()  # (N, m)
        labels = kmeans_groups(X, c.num_groups, rng)
        return Instance(
            X=X, labels=labels, S0=items[item0].copy(), items=items, members=members, item0=item0,
            item_relevance=item_rel, dot_range=(lo, hi), extra={"rmse": data.get("rmse")},
        )
    raise ValueError(f"unknown preset {c.preset!r}")


def _project_ball(S: np.ndarray, radius: float) -> np.ndarray:
    norms = np.linalg.norm(S, axis=-1, keepdims=True)
    return S * np.minimum(1.0, radius / np.maximum(norms, 1e-300))


def check_weights(config: ContentCompetitionConfig, weights: Any, num_worlds: int | None = None) -> np.ndarray:
    """Validate group weights for ``config``: finite, within [w_min, w_max], shape (L,) or (B, L).

    Returns a float64 copy, shape (L,) when ``num_worlds`` is None, else (num_worlds, L). Raises
    TypeError for non-numeric input and ValueError naming the allowed range or shape.
    """
    c = config
    if isinstance(weights, (str, bytes)) or weights is None:
        raise TypeError(f"weights must be an array of {c.num_groups} numbers, got {type(weights).__name__}")
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"weights must be an array of {c.num_groups} numbers: {exc}") from None
    if num_worlds is not None and w.shape == (c.num_groups,):
        w = np.broadcast_to(w, (num_worlds, c.num_groups))
    want = (c.num_groups,) if num_worlds is None else (num_worlds, c.num_groups)
    if w.shape != want:
        raise ValueError(f"weights must have shape ({c.num_groups},) (one per user group), got {np.shape(weights)}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite")
    tol = 1e-6 * max(1.0, c.w_max)
    if np.any(w < c.w_min - tol) or np.any(w > c.w_max + tol):
        raise ValueError(
            f"weights must lie in [w_min, w_max] = [{c.w_min}, {c.w_max}], got min {w.min():.6g}, max {w.max():.6g}"
        )
    return np.clip(w, c.w_min, c.w_max)



# ----------------------------------------------------------------------------------------------
# compiled LBR kernel (optional): the creator loop of one creator step in C, loaded with ctypes
# ----------------------------------------------------------------------------------------------

_C_SOURCE = r"""
#include <math.h>
#include <stdint.h>
#define NEG (-1e300)

/* per-user state: a row of all n creators whose first L slots hold the L most relevant in descending
   order (L >= K(x) + 1, or L = n) and whose other slots (the "bag") hold the rest, unsorted; values oV,
   weights oE = exp((v - peak) / beta(x)), creator ids oI, positions pos (B, n, m: slot of creator j for user x); caches in
   pack (8 per user):
   0 tau_in, 1 tau_out, 2 s_in, 3 s_out, 4 w(x)/m, 5 K(x), 6 1/beta(x), 7 tau_in - reach; num = sum of
   e * sigma over the top K(x). */

static void refresh_row(int64_t r, int n, const double *V, const double *E, double *pack, double *num,
                        double reach, double *thr) {
    double *pk = pack + r * 8;
    int k = (int)pk[5];
    /* four independent partial sums (a fixed order; breaks the add latency chain) */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, n0 = 0.0, n1 = 0.0, n2 = 0.0, n3 = 0.0;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
        s0 += E[p]; s1 += E[p + 1]; s2 += E[p + 2]; s3 += E[p + 3];
        n0 += E[p] * V[p]; n1 += E[p + 1] * V[p + 1]; n2 += E[p + 2] * V[p + 2]; n3 += E[p + 3] * V[p + 3];
    }
    for (; p < k; p++) { s0 += E[p]; n0 += E[p] * V[p]; }
    double s = (s0 + s1) + (s2 + s3), nu = (n0 + n1) + (n2 + n3);
    pk[0] = k < n ? V[k] : NEG;
    pk[1] = V[k - 1];
    pk[2] = s;
    pk[3] = s - E[k - 1];
    pk[7] = pk[0] - reach;
    thr[r] = pk[7];
    num[r] = nu;
}

/* mode 0: K(x) changed (re-size the sorted parts); 1: beta(x) changed (new weights); 2: initialise from
   a full sort in oI */
static int bag_argmax(const double *V, int L, int n) {
    /* slot of the largest value in V[L..n-1]: maximum by four independent chains, then its first slot */
    double a0 = V[L], a1 = V[L], a2 = V[L], a3 = V[L];
    int s = L + 1;
    for (; s + 4 <= n; s += 4) {
        a0 = V[s] > a0 ? V[s] : a0; a1 = V[s + 1] > a1 ? V[s + 1] : a1;
        a2 = V[s + 2] > a2 ? V[s + 2] : a2; a3 = V[s + 3] > a3 ? V[s + 3] : a3;
    }
    for (; s < n; s++) a0 = V[s] > a0 ? V[s] : a0;
    double M = a0 > a1 ? a0 : a1, M2 = a2 > a3 ? a2 : a3;
    M = M > M2 ? M : M2;
    for (s = L; s < n; s++) if (V[s] == M) return s;
    return L;
}

void cc_refresh(int64_t BM, int n, int m, int slack, int mode, const double *SigT, double peak,
                double *oV, double *oE, int32_t *oI, int32_t *pos, double *pack, double *num,
                double reach, double *thr, int32_t *Lr) {
    for (int64_t r = 0; r < BM; r++) {
        int64_t b = r / m, x = r % m;
        double *V = oV + r * n, *E = oE + r * n;
        int32_t *I = oI + r * n;
        int32_t *P = pos + (int64_t)b * n * m + x;
        double invb = pack[r * 8 + 6];
        int k = (int)pack[r * 8 + 5];
        int L = k + 1 + slack < n ? k + 1 + slack : n;
        if (mode == 2) {
            Lr[r] = L;
            for (int p = 0; p < n; p++) {
                int64_t j = I[p];
                V[p] = SigT[(b * n + j) * m + x];
                P[j * m] = p;
            }
        }
        if (mode >= 1) {
            for (int p = 0; p < Lr[r]; p++) E[p] = exp((V[p] - peak) * invb);
        } else {
            /* extend the sorted part by selection from the bag, or shrink it (a sorted prefix stays valid) */
            for (int p = Lr[r]; p < L; p++) {
                int q = p;
                for (int s = p + 1; s < n; s++) if (V[s] > V[q]) q = s;
                if (q != p) {
                    double tv = V[p]; int32_t ti = I[p];
                    V[p] = V[q]; I[p] = I[q]; V[q] = tv; I[q] = ti;
                    P[(int64_t)I[q] * m] = q;
                    P[(int64_t)I[p] * m] = p;
                }
                E[p] = exp((V[p] - peak) * invb);
            }
            Lr[r] = L;
        }
        refresh_row(r, n, V, E, pack, num, reach, thr);
    }
}

void cc_step(int B, int n, int m, int d, const int64_t *orders, const double *T, const double *Sn,
             int raw, double *S, double *SigT, const double *X, const double *xx,
             double *pack, double *num, double *oV, double *oE, int32_t *oI, int32_t *pos,
             double peak, double scale, double reach, double tol, double *accepted, double *vbuf,
             const int32_t *Lr, double *thr) {
    for (int b = 0; b < B; b++) {
        for (int t = 0; t < n; t++) {
            int64_t i = orders[(int64_t)b * n + t];
            const double *Pt = (raw ? T : Sn) + ((int64_t)b * n + i) * d;
            double *sig_i = SigT + ((int64_t)b * n + i) * m;
            double pp = 0.0;
            for (int q = 0; q < d; q++) pp += Pt[q] * Pt[q];
            double u0 = 0.0, u1 = 0.0;
            for (int64_t x = 0; x < m; x++) {
                int64_t r = (int64_t)b * m + x;
                double o = sig_i[x];
                if (!(o > thr[r])) continue;
                const double *pk = pack + r * 8;
                const double *xr = X + r * d;
                double dot = 0.0;
                for (int q = 0; q < d; q++) dot += xr[q] * Pt[q];
                double d2 = xx[r] - 2.0 * dot + pp;
                double v = peak - sqrt(d2 > 0.0 ? d2 : 0.0) / scale;
                if (!(v > 0.0)) v = 0.0;
                int k = (int)pk[5];
                double invb = pk[6], rw = pk[4], s_in = pk[2];
                int pi = pos[((int64_t)b * n + i) * m + x];
                int in_top = pi < k;
                double tau = in_top ? pk[0] : pk[1];
                double eo = in_top ? oE[r * n + pi] : 0.0;
                double A = in_top ? s_in - eo : pk[3];
                if (in_top && A <= 1e-9 * s_in) {
                    const double *E = oE + r * n;
                    const int32_t *I = oI + r * n;
                    A = 0.0;
                    for (int p = 0; p < k; p++) if (I[p] != i) A += E[p];
                }
                for (int c = 0; c < 2; c++) {
                    double col = c ? v : o;
                    if (col < tau) continue;
                    double ec = c ? exp((v - peak) * invb) : (in_top ? eo : exp((o - peak) * invb));
                    double P = col > tau ? ec / (A + ec) : 0.0;
                    if (col == tau && col > 0.0) {
                        int64_t a = 0, tt = 0;
                        for (int64_t j = 0; j < n; j++) {
                            if (j == i) continue;
                            double sj = SigT[((int64_t)b * n + j) * m + x];
                            a += sj > col;
                            tt += sj == col;
                        }
                        P = ec / (A + ec) * (double)(k - a) / (double)(tt + 1);
                    }
                    double contrib = P * col * rw;
                    if (c) u1 += contrib; else u0 += contrib;
                }
            }
            if (!(u1 >= u0 - tol)) continue;
            accepted[b] += 1.0;
            const double *Ps = Sn + ((int64_t)b * n + i) * d;
            double ps = 0.0;
            for (int q = 0; q < d; q++) { S[((int64_t)b * n + i) * d + q] = Ps[q]; ps += Ps[q] * Ps[q]; }
            for (int64_t x = 0; x < m; x++) {
                int64_t r = (int64_t)b * m + x;
                const double *xr = X + r * d;
                double dot = 0.0;
                for (int q = 0; q < d; q++) dot += xr[q] * Ps[q];
                double d2 = xx[r] - 2.0 * dot + ps;
                double v = peak - sqrt(d2 > 0.0 ? d2 : 0.0) / scale;
                if (!(v > 0.0)) v = 0.0;
                vbuf[x] = v;
            }
            for (int64_t x = 0; x < m; x++) {
                int64_t r = (int64_t)b * m + x;
                double o = sig_i[x], v = vbuf[x];
                if (v == o) continue;
                double *pk = pack + r * 8;
                sig_i[x] = v;
                double *V = oV + r * n, *E = oE + r * n;
                int32_t *I = oI + r * n, *P = pos + (int64_t)b * n * m + x;  /* P[j * m]: slot of creator j */
                int L = Lr[r];
                int p0 = P[i * m], p = p0, lo;
                if (p < L) {
                    double ev = exp((v - peak) * pk[6]);
                    if (v > o) {
                        while (p > 0 && V[p - 1] < v) {
                            V[p] = V[p - 1]; E[p] = E[p - 1]; I[p] = I[p - 1]; P[(int64_t)I[p] * m] = p; p--;
                        }
                    } else {
                        while (p < L - 1 && V[p + 1] > v) {
                            V[p] = V[p + 1]; E[p] = E[p + 1]; I[p] = I[p + 1]; P[(int64_t)I[p] * m] = p; p++;
                        }
                    }
                    V[p] = v; E[p] = ev; I[p] = (int32_t)i; P[i * m] = p;
                    lo = p0 < p ? p0 : p;
                    if (p == L - 1 && v < o && L < n) {
                        /* the mover is last of the sorted part: the best of the bag may overtake it */
                        int q = bag_argmax(V, L, n);
                        double M = V[q];
                        if (M > v) {
                            V[p] = M; E[p] = exp((M - peak) * pk[6]); I[p] = I[q]; P[(int64_t)I[p] * m] = p;
                            V[q] = v; E[q] = ev; I[q] = (int32_t)i; P[i * m] = q;
                        }
                    }
                } else {
                    V[p] = v; E[p] = 0.0;  /* weights are kept for the sorted part only */
                    lo = n;
                    if (v > V[L - 1]) {
                        double ev = exp((v - peak) * pk[6]);
                        /* enters the sorted part: its last member drops to the bag */
                        int j = I[L - 1];
                        V[p] = V[L - 1]; E[p] = E[L - 1]; I[p] = j; P[(int64_t)j * m] = p;
                        p = L - 1;
                        while (p > 0 && V[p - 1] < v) {
                            V[p] = V[p - 1]; E[p] = E[p - 1]; I[p] = I[p - 1]; P[(int64_t)I[p] * m] = p; p--;
                        }
                        V[p] = v; E[p] = ev; I[p] = (int32_t)i; P[i * m] = p;
                        lo = p;
                    }
                }
                int k = (int)pk[5];
                if (lo <= k) refresh_row(r, n, V, E, pack, num, reach, thr);
            }
        }
    }
}
"""

_C_LIB: Any = None  # None: not tried yet; False: unavailable


def _c_kernel() -> Any:
    """The compiled kernel (ctypes library), or False where it cannot be built (NumPy path then).

    Built once per source version with the system C compiler into ``$RECOGYM_ECO_CACHE`` (default
    ``~/.cache/recogym_eco``). ``RECOGYM_ECO_NO_C=1`` disables it.
    """
    global _C_LIB
    if _C_LIB is not None:
        return _C_LIB
    _C_LIB = False
    if os.environ.get("RECOGYM_ECO_NO_C", "") not in ("", "0"):
        return _C_LIB
    try:
        tag = hashlib.sha1(_C_SOURCE.encode()).hexdigest()[:16]
        folder = Path(os.environ.get("RECOGYM_ECO_CACHE", Path.home() / ".cache" / "recogym_eco"))
        folder.mkdir(parents=True, exist_ok=True)
        lib_path = folder / f"cc_kernel_{tag}.so"
        if not lib_path.exists():
            cc = os.environ.get("CC", "cc")
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                src = Path(tmp) / "cc_kernel.c"
                src.write_text(_C_SOURCE)
                out = Path(tmp) / "cc_kernel.so"
                subprocess.run([cc, "-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-o", str(out),
                                str(src), "-lm"], check=True, capture_output=True, timeout=120)
                os.replace(out, lib_path)  # atomic: concurrent processes may build at once
        lib = ctypes.CDLL(str(lib_path))
        P, I, D, L = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_int64
        lib.cc_refresh.argtypes = [L, I, I, I, I, P, D, P, P, P, P, P, P, D, P, P]
        lib.cc_refresh.restype = None
        lib.cc_step.argtypes = [I, I, I, I, P, P, P, I, P, P, P, P, P, P, P, P, P, P, D, D, D, D, P, P, P, P]
        lib.cc_step.restype = None
        _C_LIB = lib
    except Exception:  # noqa: BLE001 - no compiler, no cache folder, ...: fall back to NumPy
        _C_LIB = False
    return _C_LIB


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


class ContentCompetitionBatch:
    """B independent worlds of one config, simulated side by side (the incremental engine).

    Each world has its own ``np.random.Generator`` (instance sampling and LBR draws), so a world's
    trajectory does not depend on how many worlds run beside it. Vectorising across worlds amortises
    NumPy's per-call overhead over the inherently sequential creator loop. Per-user arrays are flat
    over (world, user): row ``r = b * m + x``.

    ``incremental=False`` (one world only) evaluates every proposal with the dense exact reference
    :func:`match_probabilities` instead of the incremental lists; tests compare the two.
    """

    def __init__(self, config: ContentCompetitionConfig, num_worlds: int = 1, incremental: bool = True) -> None:
        if isinstance(num_worlds, bool) or not isinstance(num_worlds, (int, np.integer)) or num_worlds < 1:
            raise ValueError(f"num_worlds must be a positive int, got {num_worlds!r}")
        if not incremental and num_worlds != 1:
            raise ValueError("the exact reference (incremental=False) runs one world at a time")
        self.config = config
        self.B = int(num_worlds)
        self.incremental = bool(incremental)
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
            self._cap = int(min(math.ceil(c.top_k * c.w_max) + 1 + _LIST_SLACK, self.n))
        else:
            self._cap = int(min(self._K + 1 + _LIST_SLACK, self.n))
        self._c_valid = False  # compiled-kernel state (sorted per-user lists) in sync with the world
        self._lists_valid = False
        if self.incremental:
            self._rebuild_lists()

    # ---------------------------------------------------------------- compiled kernel

    def _use_c(self) -> bool:
        c = self.config
        return bool(self.incremental and not self.finite and c.relevance == "distance" and _c_kernel())

    def _ensure_lists(self) -> None:
        """Rebuild the NumPy candidate lists if the compiled kernel has moved the world since."""
        if self.incremental and not self._lists_valid:
            self._rebuild_lists()

    def _c_init(self) -> None:
        """Build the kernel's per-user state: every creator sorted by relevance, plus the caches."""
        B, n, m = self.B, self.n, self.m
        rows = self.SigT.transpose(0, 2, 1).reshape(B * m, n)
        self._oI = np.ascontiguousarray(np.argsort(-rows, axis=1, kind="stable").astype(np.int32))
        self._oV = np.empty((B * m, n))
        self._oE = np.empty((B * m, n))
        self._opos = np.empty((B, n, m), dtype=np.int32)
        self._othr = np.empty(B * m)  # contiguous copy of the row filter tau_in - reach
        self._oL = np.empty(B * m, dtype=np.int32)  # sorted slots per user: min(K(x) + 1 + slack, n)
        self._c_refresh(2)
        self._c_valid = True

    def _c_refresh(self, mode: int) -> None:
        """Kernel caches after a lever change: 0 K(x) changed, 1 beta(x) changed, 2 initialise."""
        _c_kernel().cc_refresh(
            self.B * self.m, self.n, self.m, _C_SLACK, int(mode), _ptr(self.SigT), float(self._peak),
            _ptr(self._oV), _ptr(self._oE), _ptr(self._oI), _ptr(self._opos), _ptr(self._pack), _ptr(self._num),
            float(self._reach), _ptr(self._othr), _ptr(self._oL),
        )

    def _c_creator_step(self, orders: np.ndarray, G: np.ndarray) -> None:
        """One creator step of every world in the compiled kernel (same decisions as the NumPy path)."""
        c = self.config
        B, n, m, d = self.B, self.n, self.m, self.d
        if not self._c_valid:
            self._c_init()
        T = self.S + c.eta * G
        Sn = self._project_ball(T.reshape(B * n, d)).reshape(B, n, d)
        accepted = np.zeros(B)
        vbuf = np.empty(m)
        raw = int(c.lbr_evaluate == "raw")
        for a in (self.S, self.SigT, self.X, self.xxf, self._pack, self._num):
            assert a.flags.c_contiguous and a.dtype == np.float64
        _c_kernel().cc_step(
            B, n, m, d, _ptr(orders), _ptr(T), _ptr(Sn), raw, _ptr(self.S), _ptr(self.SigT),
            _ptr(self.X), _ptr(self.xxf), _ptr(self._pack), _ptr(self._num), _ptr(self._oV), _ptr(self._oE),
            _ptr(self._oI), _ptr(self._opos), float(self._peak), float(c.relevance_scale), float(self._reach),
            float(ACCEPT_TOL), _ptr(accepted), _ptr(vbuf), _ptr(self._oL),
            _ptr(self._othr),
        )
        self._lists_valid = False
        self.steps_done += 1
        self.last_accept_rate = accepted / n

    # ---------------------------------------------------------------- relevance and projection

    def _columns_world(self, b: int, S: np.ndarray, items: np.ndarray | None) -> np.ndarray:
        """sigma of strategies S (r, d) (or items) for every user of world b: (r, m)."""
        c = self.config
        if items is not None:
            return self.instances[b].item_relevance[np.asarray(items)]
        X = self.X[b]
        if c.relevance == "distance":
            d2 = (X * X).sum(1)[None, :] - 2.0 * S @ X.T + (S * S).sum(1)[:, None]
            return np.maximum(c.relevance_peak - np.sqrt(np.maximum(d2, 0.0)) / c.relevance_scale, 0.0)
        lo, hi = self.instances[b].dot_range
        return np.clip((S @ X.T - lo) / (hi - lo), 0.0, 1.0)

    def _columns(self, W: np.ndarray, S: np.ndarray, items: np.ndarray | None) -> np.ndarray:
        """sigma for one strategy per world in W: S (|W|, d) -> (|W|, m)."""
        c = self.config
        if items is not None:
            return np.stack([self.instances[b].item_relevance[it] for b, it in zip(W.tolist(), items.tolist())])
        X = self.X[W]
        if c.relevance == "distance":
            d2 = self.xxf.reshape(self.B, self.m)[W] - 2.0 * np.einsum("wmd,wd->wm", X, S) + (S * S).sum(1)[:, None]
            return np.maximum(c.relevance_peak - np.sqrt(np.maximum(d2, 0.0)) / c.relevance_scale, 0.0)
        lo = np.array([self.instances[b].dot_range[0] for b in W.tolist()])[:, None]
        hi = np.array([self.instances[b].dot_range[1] for b in W.tolist()])[:, None]
        return np.clip((np.einsum("wmd,wd->wm", X, S) - lo) / (hi - lo), 0.0, 1.0)

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
            d2 = self.xxf[R] - 2.0 * np.einsum("rd,rd->r", self.Xf[R], P) + np.einsum("rd,rd->r", P, P)
            return np.maximum(c.relevance_peak - np.sqrt(np.maximum(d2, 0.0)) / c.relevance_scale, 0.0)
        lo = np.array([inst.dot_range[0] for inst in self.instances])[wR]
        hi = np.array([inst.dot_range[1] for inst in self.instances])[wR]
        return np.clip((np.einsum("rd,rd->r", self.Xf[R], P) - lo) / (hi - lo), 0.0, 1.0)

    def _project_ball(self, T: np.ndarray) -> np.ndarray:
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
            k = np.clip(np.ceil(c.top_k * wx - 1e-9).astype(np.int64), 1, self.n)
            changed = np.flatnonzero(k != self._k)
            self._k = k
            if self.incremental and changed.size:
                self._sync_pack()
                if cmode:
                    self._c_refresh(0)
                    self._lists_valid = False
                else:
                    self._fill_rows(changed)
                    self._c_valid = False

    # ---------------------------------------------------------------- lists

    def _rebuild_lists(self) -> None:
        """(Re)build every user's candidate list and the per-user caches from the relevance matrix.

        Row r of the list holds the exact top-len(r) creators of that user (K(x) + 1 <= len <= cap, or
        all n): positions 0..K(x)-1 are the top-K(x) set (unsorted), positions K(x)..len-1 the
        "buffer" (unsorted). Cached per user: tau_out = min of the top part (the K-th value) at
        ``_tpos``, tau_in = max of the buffer (the (K+1)-th value) at ``_bpos``, ``_obound`` >= every
        creator outside the list, s_in = sum of exp((sigma - peak) / beta(x)) over the top part, s_out
        = s_in minus the K-th term, and the realised-utility numerator. An accepted move updates in
        O(1) the users where the mover stays inside its part and rescans one part (O(cap)) where it
        crosses a boundary; a user whose list runs short is refilled from its full row (O(n)).
        """
        c = self.config
        BM, n, cap = self.B * self.m, self.n, self._cap
        # largest change of sigma a single LBR proposal can cause (Lipschitz bound of the distance
        # relevance; radial projection onto the ball is non-expansive). inf: no row filtering.
        self._reach = c.eta / c.relevance_scale if (c.relevance == "distance" and not self.finite) else np.inf
        self._Vt = np.full((BM, cap), _NEG)
        self._It = np.full((BM, cap), -1, dtype=np.int64)
        self._len = np.zeros(BM, dtype=np.int64)
        self._tpos = np.zeros(BM, dtype=np.int64)
        self._bpos = np.zeros(BM, dtype=np.int64)
        self._obound = np.full(BM, _NEG)
        self._posT = np.full((self.B, n + 1, self.m), cap, dtype=np.int64)
        # per-user caches packed in one (BM, 8) array so that a proposal gathers them in one call:
        # 0 tau_in, 1 tau_out, 2 s_in, 3 s_out, 4 reward weight / m, 5 K(x), 6 1/beta(x), 7 tau_in - reach
        self._pack = np.zeros((BM, 8))
        self._tau_in, self._tau_out = self._pack[:, 0], self._pack[:, 1]
        self._s_in, self._s_out = self._pack[:, 2], self._pack[:, 3]
        self._thr = self._pack[:, 7]
        self._sync_pack()
        self._num = np.zeros(BM)
        self.ET = np.exp((self.SigT - self._peak) * self._invb.reshape(self.B, 1, self.m))
        self._J = np.arange(cap)[None, :]
        self._fill_rows(np.arange(BM))
        self._lists_valid = True

    def _sync_pack(self) -> None:
        self._pack[:, 4] = self._rw_m
        self._pack[:, 5] = self._k
        self._pack[:, 6] = self._invb

    def _wx(self, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return R // self.m, R % self.m

    def _fill_rows(self, rows: np.ndarray) -> None:
        """Recompute lists and caches of flat ``rows`` from the relevance matrix."""
        n, cap = self.n, self._cap
        w, x = self._wx(rows)
        sig = self.SigT[w, :, x]  # (r, n)
        r = rows.size
        if cap < n:
            part = np.argpartition(-sig, cap, axis=1)[:, : cap + 1]
            pv = np.take_along_axis(sig, part, axis=1)
            ob = pv[:, cap]
            part, pv = part[:, :cap], pv[:, :cap]
        else:
            part = np.broadcast_to(np.arange(n), (r, n))
            pv = sig
            ob = np.full(r, _NEG)
        order = np.argsort(-pv, axis=1, kind="stable")
        V = np.take_along_axis(pv, order, axis=1)
        Ix = np.take_along_axis(part, order, axis=1)
        old = self._It[rows]
        self._posT[w[:, None], np.where(old < 0, n, old), x[:, None]] = cap
        self._Vt[rows] = V
        self._It[rows] = Ix
        self._posT[w[:, None], Ix, x[:, None]] = self._J
        kx = self._k[rows]
        self._len[rows] = cap
        self._obound[rows] = ob
        self._tpos[rows] = kx - 1
        has_buf = kx < cap
        self._bpos[rows] = np.where(has_buf, kx, 0)
        rr = np.arange(r)
        self._tau_out[rows] = V[rr, kx - 1]
        self._tau_in[rows] = np.where(has_buf, V[rr, np.minimum(kx, cap - 1)], _NEG)
        self._refresh_sums(rows)

    def _refresh_sums(self, rows: np.ndarray | None = None) -> None:
        """Exact softmax sums and numerators of ``rows`` (all if None) from their top parts."""
        if rows is None:
            V, kx, invb = self._Vt, self._k, self._invb
            sl: Any = slice(None)
        else:
            V, kx, invb = self._Vt[rows], self._k[rows], self._invb[rows]
            sl = rows
        e = np.exp((V - self._peak) * invb[:, None])
        e_in = np.where(self._J < kx[:, None], e, 0.0)
        s_in = e_in.sum(1)
        self._s_in[sl] = s_in
        self._num[sl] = (e_in * V).sum(1)
        self._s_out[sl] = s_in - np.exp((self._tau_out[sl] - self._peak) * invb)
        self._thr[sl] = self._tau_in[sl] - self._reach

    def _rescan_top(self, R: np.ndarray) -> None:
        V = self._Vt[R]
        masked = np.where(self._J < self._k[R, None], V, np.inf)
        pos = masked.argmin(1)
        self._tpos[R] = pos
        self._tau_out[R] = V[np.arange(R.size), pos]

    def _rescan_buf(self, R: np.ndarray) -> None:
        V = self._Vt[R]
        inbuf = (self._J >= self._k[R, None]) & (self._J < self._len[R, None])
        masked = np.where(inbuf, V, -np.inf)
        pos = masked.argmax(1)
        val = masked[np.arange(R.size), pos]
        self._bpos[R] = pos
        self._tau_in[R] = np.where(np.isfinite(val), val, _NEG)

    def _buf_min(self, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        V = self._Vt[R]
        inbuf = (self._J >= self._k[R, None]) & (self._J < self._len[R, None])
        masked = np.where(inbuf, V, np.inf)
        pos = masked.argmin(1)
        return pos, masked[np.arange(R.size), pos]

    def _remove_slots(self, R: np.ndarray, slot: np.ndarray) -> None:
        """Delete list entry ``slot`` of rows ``R`` (its creator must already be marked outside)."""
        last = self._len[R] - 1
        mv = slot != last
        if mv.any():
            Rm, sm, lm = R[mv], slot[mv], last[mv]
            moved = self._It[Rm, lm]
            self._Vt[Rm, sm] = self._Vt[Rm, lm]
            self._It[Rm, sm] = moved
            self._posT[Rm // self.m, moved, Rm % self.m] = sm
        self._Vt[R, last] = _NEG
        self._It[R, last] = -1
        self._len[R] = last

    def _take_top_min(self, R: np.ndarray, v: np.ndarray, ids: np.ndarray, worlds: np.ndarray,
                      users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Puts creator ``ids`` (relevance ``v``) into the top part's minimum slot of rows ``R``;
        returns that slot and the creator it held, for the caller to move elsewhere."""
        t = self._tpos[R]
        displaced = self._It[R, t]
        self._Vt[R, t] = v
        self._It[R, t] = ids
        self._posT[worlds, ids, users] = t
        return t, displaced

    def _apply_columns(self, W: np.ndarray, C: np.ndarray, v: np.ndarray, ev: np.ndarray | None = None) -> None:
        """In worlds W, creator C[w]'s relevance column becomes v[w]: update matrix, lists, caches."""
        if not self.incremental:
            self.SigT[W, C] = v
            return
        self._ensure_lists()
        self._c_valid = False
        if ev is None:
            ev = np.exp((v - self._peak) * self._invb.reshape(self.B, self.m)[W])
        m, cap = self.m, self._cap
        p = self._posT[W, C]  # (|W|, m)
        obw = self._obound.reshape(self.B, m)[W]
        loc = np.flatnonzero((p < cap) | (v > obw))
        lw, x = loc // m, loc % m
        wU = W[lw]
        U = wU * m + x
        iU = C[lw]
        o_all, eo_all = self.SigT[W, C], self.ET[W, C]
        oU, eoU = o_all.ravel()[loc], eo_all.ravel()[loc]
        self.SigT[W, C] = v
        self.ET[W, C] = ev
        if U.size == 0:
            return
        pU, kU, vU, evU = p.ravel()[loc], self._k[U], v.ravel()[loc], ev.ravel()[loc]
        tin, tout, ob = self._tau_in[U], self._tau_out[U], self._obound[U]
        top = pU < kU
        buf = (pU >= kU) & (pU < cap)
        out = ~(top | buf)
        c1 = top & (vU >= tin)
        c2 = top & ~c1
        up = vU > tout
        c3 = buf & up
        c5 = buf & ~up & (vU < ob)
        c4 = buf & ~up & ~c5
        c6 = out & up
        c7 = out & ~up
        ds = np.zeros(U.size)
        dn = np.zeros(U.size)
        peak, invb = self._peak, self._invb
        rescan_top: list[np.ndarray] = []
        rescan_buf: list[np.ndarray] = []
        Vt, It, posT = self._Vt, self._It, self._posT
        if c1.any():  # stays in the top part
            R, pp, vv = U[c1], pU[c1], vU[c1]
            Vt[R, pp] = vv
            ds[c1] = evU[c1] - eoU[c1]
            dn[c1] = evU[c1] * vv - eoU[c1] * oU[c1]
            newmin = vv < tout[c1]
            if newmin.any():
                self._tau_out[R[newmin]] = vv[newmin]
                self._tpos[R[newmin]] = pp[newmin]
            was_min = ~newmin & (pp == self._tpos[R]) & (vv > oU[c1])
            if was_min.any():
                rescan_top.append(R[was_min])
        if c2.any():  # leaves the top part: the buffer's best takes its slot
            R, pp, vv, ti, ii = U[c2], pU[c2], vU[c2], tin[c2], iU[c2]
            wr, xr = wU[c2], x[c2]
            b = self._bpos[R]
            j = It[R, b]
            Vt[R, pp] = ti
            It[R, pp] = j
            posT[wr, j, xr] = pp
            e_t = np.exp((ti - peak) * invb[R])
            ds[c2] = e_t - eoU[c2]
            dn[c2] = e_t * ti - eoU[c2] * oU[c2]
            self._tau_out[R] = ti
            self._tpos[R] = pp
            keep = vv >= ob[c2]
            if keep.any():
                Rk, bk = R[keep], b[keep]
                Vt[Rk, bk] = vv[keep]
                It[Rk, bk] = ii[keep]
                posT[wr[keep], ii[keep], xr[keep]] = bk
            if (~keep).any():
                d = ~keep
                posT[wr[d], ii[d], xr[d]] = cap
                self._remove_slots(R[d], b[d])
            rescan_buf.append(R)
        if c3.any():  # enters the top part from the buffer: swaps with the top's minimum
            R, pp, vv, to, ii = U[c3], pU[c3], vU[c3], tout[c3], iU[c3]
            wr, xr = wU[c3], x[c3]
            t, j = self._take_top_min(R, vv, ii, wr, xr)
            Vt[R, pp] = to
            It[R, pp] = j
            posT[wr, j, xr] = pp
            e_t = np.exp((to - peak) * invb[R])
            ds[c3] = evU[c3] - e_t
            dn[c3] = evU[c3] * vv - e_t * to
            self._tau_in[R] = to
            self._bpos[R] = pp
            rescan_top.append(R)
        if c4.any():  # stays in the buffer
            R, pp, vv = U[c4], pU[c4], vU[c4]
            Vt[R, pp] = vv
            newmax = vv > tin[c4]
            if newmax.any():
                self._tau_in[R[newmax]] = vv[newmax]
                self._bpos[R[newmax]] = pp[newmax]
            was_max = ~newmax & (pp == self._bpos[R]) & (vv < oU[c4])
            if was_max.any():
                rescan_buf.append(R[was_max])
        if c5.any():  # leaves the list from the buffer
            R = U[c5]
            posT[wU[c5], iU[c5], x[c5]] = cap
            self._remove_slots(R, pU[c5])
            rescan_buf.append(R)
        if c6.any() or c7.any():
            full = self._len[U] >= cap
        if c6.any():  # outsider jumps into the top part; the top's minimum drops to the buffer
            R, vv, to, ii = U[c6], vU[c6], tout[c6], iU[c6]
            wr, xr = wU[c6], x[c6]
            t, j = self._take_top_min(R, vv, ii, wr, xr)
            e_t = np.exp((to - peak) * invb[R])
            ds[c6] = evU[c6] - e_t
            dn[c6] = evU[c6] * vv - e_t * to
            slot = self._len[R].copy()
            f = full[c6]
            if f.any():
                Rf = R[f]
                sl, val = self._buf_min(Rf)
                posT[wr[f], It[Rf, sl], xr[f]] = cap
                self._obound[Rf] = np.maximum(self._obound[Rf], val)
                slot[f] = sl
            self._len[R[~f]] += 1
            Vt[R, slot] = to
            It[R, slot] = j
            posT[wr, j, xr] = slot
            self._tau_in[R] = to
            self._bpos[R] = slot
            rescan_top.append(R)
        if c7.any():  # outsider enters the buffer (evicting the buffer's minimum if full)
            R, vv, ii = U[c7], vU[c7], iU[c7]
            wr, xr = wU[c7], x[c7]
            slot = self._len[R].copy()
            place = np.ones(R.size, dtype=bool)
            f = full[c7]
            if f.any():
                fi = np.flatnonzero(f)
                Rf = R[fi]
                sl, val = self._buf_min(Rf)
                better = vv[fi] > val
                eb = fi[better]
                posT[wr[eb], It[R[eb], sl[better]], xr[eb]] = cap
                self._obound[R[eb]] = np.maximum(self._obound[R[eb]], val[better])
                slot[eb] = sl[better]
                so = fi[~better]
                place[so] = False
                self._obound[R[so]] = np.maximum(self._obound[R[so]], vv[so])
            self._len[R[place & ~f]] += 1
            Rp, sp, vp = R[place], slot[place], vv[place]
            Vt[Rp, sp] = vp
            It[Rp, sp] = ii[place]
            posT[wr[place], ii[place], xr[place]] = sp
            newmax = vp > self._tau_in[Rp]
            self._tau_in[Rp[newmax]] = vp[newmax]
            self._bpos[Rp[newmax]] = sp[newmax]
        self._s_in[U] += ds
        self._num[U] += dn
        if rescan_top:
            self._rescan_top(np.concatenate(rescan_top))
        if rescan_buf:
            self._rescan_buf(np.concatenate(rescan_buf))
        short = U[(self._len[U] < np.minimum(self._k[U] + 1, self.n))]
        if short.size:
            self._fill_rows(short)
        self._s_out[U] = self._s_in[U] - np.exp((self._tau_out[U] - peak) * invb[U])
        self._thr[U] = self._tau_in[U] - self._reach

    # ---------------------------------------------------------------- utilities

    def _utilities_rows(self, R: np.ndarray, wR: np.ndarray, iR: np.ndarray, cols: np.ndarray, ecols: np.ndarray) -> np.ndarray:
        """Per-world u_i (2, B) for old/new columns ``cols`` (2, |R|) on flat rows R (others add 0)."""
        self._ensure_lists()
        xR = R % self.m
        Cp = self._pack[R]
        tau_in, tau_out, s_in, s_out, rw_m, k = Cp[:, 0], Cp[:, 1], Cp[:, 2], Cp[:, 3], Cp[:, 4], Cp[:, 5]
        in_top = self._posT[wR, iR, xR] < k
        tau = np.where(in_top, tau_in, tau_out)
        A = np.where(in_top, s_in - ecols[0], s_out)
        bad = in_top & (A <= 1e-9 * s_in)
        if bad.any():
            # cancellation guard: creator i dominates these users; sum the others directly
            rb = R[bad]
            e = np.exp((self._Vt[rb] - self._peak) * self._invb[rb, None])
            keep = (self._J < self._k[rb, None]) & (self._It[rb] != iR[bad][:, None])
            A[bad] = np.where(keep, e, 0.0).sum(1)
        P = np.where(cols > tau, ecols / (A + ecols), 0.0)
        ties = (cols == tau) & (cols > 0)
        if ties.any():
            # the column ties the K-th value of the others: tied creators share the remaining slots
            ci, xl = np.nonzero(ties)
            others = self.SigT[wR[xl], :, xR[xl]].copy()  # (T, n)
            others[np.arange(xl.size), iR[xl]] = -np.inf
            val = cols[ci, xl]
            a = (others > val[:, None]).sum(1)
            t = (others == val[:, None]).sum(1)
            P[ci, xl] = ecols[ci, xl] / (A[xl] + ecols[ci, xl]) * (self._k[R[xl]] - a) / (t + 1)
        contrib = P * cols * rw_m
        return np.stack([np.bincount(wR, weights=contrib[0], minlength=self.B),
                         np.bincount(wR, weights=contrib[1], minlength=self.B)])

    def _utilities_exact(self, i: int, cols: np.ndarray) -> np.ndarray:
        out = np.empty(cols.shape[0])
        sig = self.SigT[0].T.copy()
        for c_idx in range(cols.shape[0]):
            sig[:, i] = cols[c_idx]
            P = match_probabilities(sig, self._invb, self._k)
            out[c_idx] = (P[:, i] * cols[c_idx]) @ self._rw_m
        return out

    # ---------------------------------------------------------------- dynamics

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
            G[b] = _unit_sphere(rng, n, d)
        moves = moves or {}
        if not moves and self._use_c():
            self._c_creator_step(orders, G)
            return self.last_accept_rate.copy()
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
                u_old, u_new = self._utilities_exact(i, np.stack([self.SigT[0, i], v]))
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
            P = match_probabilities(self.SigT[0].T, self._invb, self._k)
            return (P * self.SigT[0].T).sum(1)[None, :]
        return (self._num / self._s_in).reshape(self.B, self.m)

    def group_utilities(self) -> np.ndarray:
        """(B, L) mean realised utility per user group."""
        pi = self.user_utilities()
        return np.stack([group_means(pi[b], self.labels[b], self.L) for b in range(self.B)])

    def deployed_world(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        sl = slice(b * self.m, (b + 1) * self.m)
        return self._rw_m[sl] * self.m, self._invb[sl], self._k[sl]

    def match_probabilities(self, b: int = 0) -> np.ndarray:
        """(m, n) matching probabilities of world b under the deployed matching (exact, dense)."""
        _, invb, k = self.deployed_world(b)
        return match_probabilities(self.SigT[b].T, invb, k)

    def creator_stats(self, b: int = 0) -> dict[str, np.ndarray]:
        """Exposure (n,), utility (n,) and exposure by user group (n, L) of world b."""
        n, m, L = self.n, self.m, self.L
        rw, invb, k = self.deployed_world(b)
        labels = self.labels[b]
        if not self.incremental:
            P = self.match_probabilities(b)
            expo = P.sum(0) / m
            util = (P * self.SigT[b].T * rw[:, None]).sum(0) / m
            by_group = np.stack([np.bincount(labels, weights=P[:, j], minlength=L) for j in range(n)]) / m
            return {"exposure": expo, "utility": util, "exposure_by_group": by_group}
        self._ensure_lists()
        sl = slice(b * m, (b + 1) * m)
        V, Ix = self._Vt[sl], self._It[sl]
        inside = self._J < k[:, None]
        e = np.exp((V - self._peak) * invb[:, None])
        P = np.where(inside, e / self._s_in[sl, None], 0.0)
        tie = (k < n) & (self._tau_out[sl] == self._tau_in[sl])
        w_rows = np.where(tie[:, None], 0.0, P)
        idx = np.where(inside, Ix, 0)
        expo = np.bincount(idx.ravel(), weights=w_rows.ravel(), minlength=n)
        util = np.bincount(idx.ravel(), weights=(w_rows * np.where(inside, V, 0.0) * rw[:, None]).ravel(), minlength=n)
        grp = (idx * L + labels[:, None]).ravel()
        by_group = np.bincount(grp, weights=w_rows.ravel(), minlength=n * L).reshape(n, L)
        T = np.flatnonzero(tie)
        if T.size:
            Pt = match_probabilities(self.SigT[b][:, T].T, invb[T], k[T])
            expo += Pt.sum(0)
            util += (Pt * self.SigT[b][:, T].T * rw[T, None]).sum(0)
            for j in range(n):
                by_group[j] += np.bincount(labels[T], weights=Pt[:, j], minlength=L)
        return {"exposure": expo / m, "utility": util / m, "exposure_by_group": by_group / m}

    def default_matching_user_utilities(self, b: int = 0) -> np.ndarray:
        """pi(x) of world b if the platform matched with the default (beta, K): the content-only effect."""
        c = self.config
        if not self.incremental:
            P = match_probabilities(self.SigT[b].T, 1.0 / c.beta, self._K)
            return (P * self.SigT[b].T).sum(1)
        return _topk_user_utilities(self.SigT[b].T, 1.0 / c.beta, self._K)

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

    def check_consistency(self) -> float:
        """Max abs difference between the incremental caches and a full rebuild (for tests)."""
        if not self.incremental:
            return 0.0
        pi = self.user_utilities().copy()
        names = ("_tau_in", "_tau_out", "_s_in", "_s_out")
        c_mode = not self._lists_valid  # the compiled kernel does not keep ET (rebuilt with the lists)
        old = [getattr(self, a).copy() for a in names] + [None if c_mode else self.ET.copy()]
        k = self._k
        kmax = int(k.max())
        if not self._lists_valid:
            # the compiled kernel is current: check its sorted lists against the relevance matrix
            BM, n = self.B * self.m, self.n
            Jn = np.arange(n)[None, :]
            top_old = np.sort(np.where(Jn < k[:, None], self._oV, np.inf), axis=1)[:, :kmax]
            rows = self.SigT.transpose(0, 2, 1).reshape(BM, n)
            ok_pos = bool(
                np.array_equal(np.take_along_axis(self._opos.transpose(0, 2, 1).reshape(BM, n), self._oI.astype(np.int64), axis=1),
                               np.broadcast_to(Jn, (BM, n)))
                and np.array_equal(np.take_along_axis(rows, self._oI.astype(np.int64), axis=1), self._oV)
            )
            Lr = self._oL.astype(np.int64)
            srt = Jn < Lr[:, None]
            last = self._oV[np.arange(BM), Lr - 1]
            ok_pos = ok_pos and bool(
                np.all(np.where(srt[:, 1:], np.diff(self._oV, axis=1), 0.0) <= 0)  # sorted part descending
                and np.all(np.where(srt, -np.inf, self._oV) <= last[:, None])  # ... and above the rest
                and np.all((Lr >= k + 1) | (Lr == n))
            )
        else:
            top_old = np.sort(np.where(self._J < k[:, None], self._Vt, np.inf), axis=1)[:, :kmax]
            ok_pos = all(
                self._posT[r // self.m, self._It[r, j], r % self.m] == j
                for r in range(self.B * self.m) for j in range(self._len[r])
            )
        self._rebuild_lists()
        top_new = np.sort(np.where(self._J < k[:, None], self._Vt, np.inf), axis=1)[:, :kmax]
        diffs = [np.abs(self.user_utilities() - pi).max(), 0.0 if ok_pos else np.inf]
        fin = np.isfinite(top_old)
        same = np.array_equal(fin, np.isfinite(top_new))
        diffs.append(np.abs(top_old[fin] - top_new[fin]).max() if same else np.inf)
        for a, o in zip(list(names) + ["ET"], old):
            if o is None:
                continue
            diffs.append(np.abs(o - getattr(self, a)).max())
        return float(max(diffs))


class ContentCompetitionWorld:
    """One world: the simulation core shared by the Gymnasium and PettingZoo faces.

    A thin single-world view of :class:`ContentCompetitionBatch`. Typical use: ``reset(rng)``,
    ``set_weights(w)`` (one weight per user group, applied through the configured mechanism), then
    ``creator_step()`` repeatedly (or ``run_epoch()``). ``incremental=False`` is the dense exact
    reference used by the tests.
    """

    def __init__(self, config: ContentCompetitionConfig, incremental: bool = True) -> None:
        self.config = config
        self.incremental = bool(incremental)
        self.batch = ContentCompetitionBatch(config, 1, incremental)
        self.rng: np.random.Generator | None = None
        self.instance: Instance | None = None

    def reset(self, rng: np.random.Generator, instance: Instance | None = None) -> None:
        """Sample a new population from ``rng`` (or use ``instance``); strategies and weights reset."""
        self.rng = rng
        self.batch.reset([rng], None if instance is None else [instance])
        bt = self.batch
        self.instance = bt.instances[0]
        self.X, self.labels, self.S = bt.X[0], bt.labels[0], bt.S[0]
        self.m, self.n, self.d, self.L = bt.m, bt.n, bt.d, bt.L
        self.group_counts, self.group_shares = bt.group_counts[0], bt.group_shares[0]

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

"""ContentCompetition configuration: every parameter in one validated dataclass, and the presets.

Presets follow seed 000 (Yao et al., "User Welfare Optimization in Recommender Systems with Competing
Content Creators"): ``toy`` is the 2-D five-user example of Section 4.1 as printed (beta = 10, K = 3),
``toy-beta0.1`` the same example with beta = 0.1 (the printed "beta = 10" read as the inverse
temperature in exp(sigma / beta); only under this reading is s_i = x_i welfare-optimal and an
equilibrium, as the paper states), ``synthetic`` the
clustered population of Section 5.1.2 (2000 users, 200 creators, K = 20), ``movielens`` the
MovieLens-1m instance of Section 5.2.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from recogym_eco.components.validation import check_choice, check_int, check_real, is_collection, is_int, require

__all__ = [
    "ACCEPT_TOL",
    "FLOAT32_MAX",
    "LBR_EVALUATE",
    "MECHANISMS",
    "PRESETS",
    "RELEVANCES",
    "SYNTHETIC_CLUSTER_SIZES",
    "TOY_PRESETS",
    "TOY_USERS",
    "ContentCompetitionConfig",
    "check_weights",
    "hmt_truncation",
    "make_config",
    "resolve_config",
]

MECHANISMS: tuple[str, ...] = ("none", "UIR", "SMT", "HMT")
RELEVANCES: tuple[str, ...] = ("distance", "dot")
PRESETS: tuple[str, ...] = ("toy", "toy-beta0.1", "synthetic", "movielens")
TOY_PRESETS: tuple[str, ...] = ("toy", "toy-beta0.1")  # the five-user example: same users, groups and checks
LBR_EVALUATE: tuple[str, ...] = ("raw", "projected")
ACCEPT_TOL = 1e-12  # LBR keeps a proposal when u_new >= u_old - ACCEPT_TOL
FLOAT32_MAX = float(np.finfo(np.float32).max)  # the faces' spaces are float32: their bounds must stay finite

SYNTHETIC_CLUSTER_SIZES: tuple[int, ...] = tuple(10 * c for c in (100, 50, 20, 10, 10, 5, 2, 1, 1, 1))
TOY_USERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


@dataclass(frozen=True)
class ContentCompetitionConfig:
    """Every parameter of a ContentCompetition world; validated once, in ``__post_init__``.

    Build one with :func:`make_config` (preset defaults + overrides). ``horizon`` counts creator
    steps (one step = every creator makes one LBR proposal); the Gymnasium face runs
    ``horizon // epoch_length`` epochs. Any invalid value raises ``ValueError`` naming the parameter
    and what is allowed.
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
        for name, allowed in (("preset", PRESETS), ("mechanism", MECHANISMS), ("relevance", RELEVANCES),
                              ("lbr_evaluate", LBR_EVALUATE)):
            check_choice(getattr(self, name), name, allowed)
        for name, lo in (("num_creators", 1), ("dim", 1), ("top_k", 1), ("epoch_length", 1), ("horizon", 1),
                         ("num_groups", 1), ("num_common_items", 0), ("num_private_items", 0),
                         ("min_user_ratings", 1), ("mf_dim", 1)):
            object.__setattr__(self, name, check_int(getattr(self, name), name, low=lo))
        for name in ("beta", "eta", "relevance_scale"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=0, low_open=True))
        # these become float32 bounds of the faces' spaces (weights, relevance, strategies)
        for name in ("relevance_peak", "strategy_radius", "w_max"):
            value = check_real(getattr(self, name), name, low=0, high=FLOAT32_MAX, low_open=True)
            object.__setattr__(self, name, value)
        for name in ("cluster_std", "init_std"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=0))
        object.__setattr__(self, "w_min", check_real(self.w_min, "w_min", low=0, high=FLOAT32_MAX))
        for name in ("movielens_path", "mf_cache"):
            v = getattr(self, name)
            require(v is None or isinstance(v, str), name, "a path string or None", v)
        if self.w_min > self.w_max:
            raise ValueError(f"w_min must be <= w_max, got w_min={self.w_min}, w_max={self.w_max}")
        if not (self.w_min <= 1.0 <= self.w_max):
            raise ValueError(f"[w_min, w_max] must contain 1 (the neutral weight), got [{self.w_min}, {self.w_max}]")
        if self.w_min == 0 and self.mechanism in ("SMT", "HMT"):
            raise ValueError("w_min must be > 0 for SMT and HMT (beta(x) and K(x) must stay positive)")
        if self.max_relevance * self.w_max > FLOAT32_MAX:
            raise ValueError(
                f"w_max must be <= {FLOAT32_MAX:.8g} / max relevance (a creator's utility, up to max "
                f"relevance * w_max, bounds a float32 observation), got w_max={self.w_max}, "
                f"max relevance={self.max_relevance}"
            )
        if self.horizon < self.epoch_length:
            raise ValueError(
                f"horizon must be >= epoch_length, got horizon={self.horizon}, epoch_length={self.epoch_length}"
            )
        sizes = self.cluster_sizes
        require(is_collection(sizes) and len(sizes) > 0 and all(is_int(s) and s >= 1 for s in sizes),
                "cluster_sizes", "a non-empty tuple of positive ints", sizes)
        object.__setattr__(self, "cluster_sizes", tuple(int(s) for s in sizes))
        peak = self.relevance_peak if self.relevance == "distance" else 1.0
        smallest_beta = self.beta * (self.w_min if self.mechanism == "SMT" else 1.0)
        if peak / smallest_beta > 600.0:
            raise ValueError(
                f"beta too small for the relevance range: relevance range / smallest beta(x) = "
                f"{peak / smallest_beta:.3g} must be <= 600 (exp overflow); raise beta or w_min"
            )
        if self.preset in TOY_PRESETS:
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
        if self.preset in TOY_PRESETS:
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
    "toy-beta0.1": dict(
        preset="toy-beta0.1", num_creators=5, dim=2, relevance="distance", relevance_peak=2.0,
        relevance_scale=1.0, beta=0.1, top_k=3, eta=0.05, epoch_length=1, horizon=1000, num_groups=5, strategy_radius=3.0,
        init_std=0.1,
    ),
    "movielens": dict(
        preset="movielens", num_creators=20, relevance="dot", beta=0.1, top_k=20, eta=0.2, epoch_length=5,
        horizon=3000, num_groups=15, dim=33, mf_dim=32,
    ),
}


def make_config(preset: str = "synthetic", **overrides: Any) -> ContentCompetitionConfig:
    """The preset's defaults with ``overrides`` applied.

    An unknown preset or any invalid value raises ``ValueError``; an unknown parameter name raises
    ``TypeError`` (as a function call with an unexpected keyword would).
    """
    check_choice(preset, "preset", PRESETS)
    names = {f.name for f in dataclasses.fields(ContentCompetitionConfig)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise TypeError(f"unknown ContentCompetition parameter(s) {bad}; allowed: {sorted(names)}")
    kw = dict(_PRESET_DEFAULTS[preset])
    kw["preset"] = preset
    kw.update(overrides)
    if preset == "movielens":
        # embeddings are [factors, 1] for users and [factors, item bias] for movies (see data.mf)
        kw["dim"] = check_int(kw.get("mf_dim", 32), "mf_dim", low=1) + 1
    return ContentCompetitionConfig(**kw)


def resolve_config(preset: str, mechanism: str, config: ContentCompetitionConfig | None,
                   overrides: dict[str, Any]) -> ContentCompetitionConfig:
    """The configuration an env face was asked for: ``config`` as given, or the preset with overrides."""
    if config is None:
        return make_config(preset, mechanism=mechanism, **overrides)
    if overrides:
        raise TypeError("pass either config or keyword overrides, not both")
    return config


def hmt_truncation(top_k: int, w: np.ndarray, n: int) -> np.ndarray:
    """HMT's per-user truncation K(x) = ceil(K w(x)) clamped to [1, n] (seed 000, Section 4), as int64.

    Exact for any int ``top_k``: the product is clamped to n while still a float (no int64 overflow);
    a K too large for a float is multiplied exactly, once per distinct weight. The 1e-9 keeps a
    rounded K w = 3.0000000000000004 at 3.
    """
    w = np.asarray(w, dtype=np.float64)
    try:
        kf = float(top_k)
    except OverflowError:
        distinct, inverse = np.unique(w, return_inverse=True)
        k = [min(n, max(1, math.ceil(top_k * Fraction(float(v))))) for v in distinct]
        return np.asarray(k, dtype=np.int64)[inverse].reshape(w.shape)
    kw = np.minimum(kf * w - 1e-9, float(n))
    return np.clip(np.ceil(kw).astype(np.int64), 1, n)


def check_weights(config: ContentCompetitionConfig, weights: Any, num_worlds: int | None = None) -> np.ndarray:
    """Validate the platform's group weights w for ``config`` (seed 000, Section 4: one w per user group).

    Finite, within [w_min, w_max], shape (L,) or, for ``num_worlds`` worlds, (L,) or (B, L). Returns a
    float64 copy of shape (L,) when ``num_worlds`` is None, else (num_worlds, L). Raises TypeError for
    non-numeric input and ValueError naming the allowed range or shape.
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

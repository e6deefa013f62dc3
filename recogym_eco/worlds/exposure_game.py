"""ExposureGame world: producers place content on the sphere to maximise softmax exposure.

Model (Krauth, "The Dynamics of Recommender Systems", Chapter 5; ``../shared/seeds/002_*``):

* demand: m user embeddings c_j (:mod:`recogym_eco.worlds.exposure_demand`: Gaussian clusters on the
  sphere, MovieLens-100K PMF/NMF embeddings, or a given array), each of weight 1/m;
* n producers with strategies s_i on the unit sphere S^{d-1} (Definition 1), or on its intersection
  with the non-negative orthant (``strategy_set="orthant"``, for NMF-style embeddings, Definition 2);
* the platform's temperature tau >= 0, one per user group (k-means groups of the users; one group by
  default); exposure p_i(c) = softmax_i(<c, s_i>/tau(c)), the hardmax when tau = 0 (Section 5.1);
* producer utility u_i = mean_c p_i(c) (the exposure share);
* dynamics (Section 5.3): ``"gradient"`` - the thesis's reparametrised gradient ascent,
  s_i = theta_i/|theta_i|, theta_i += alpha grad_{theta_i} u_i with the exact gradient
  grad_{theta_i} u_i = (I - s_i s_i^T) grad_{s_i} u_i / |theta_i| (the chain rule of the
  reparametrisation; the thesis prints |theta_i|^2, which only rescales the step), all producers
  simultaneously; on the orthant theta is clipped to theta >= 0 after the step. ``"best_move"`` - for
  the hardmax, whose utility has no useful gradient: each producer draws ``num_probes`` random
  tangent directions, evaluates the exact utility of the geodesic steps of length ``probe_radius``
  against the current others, and moves to the best if it gains (simultaneously).

Equilibrium diagnostics (Sections 5.2, 5.7): the largest Riemannian gradient norm (first-order test,
tolerance 1e-5 sqrt(d) in the thesis), the eigenvalues of the Riemannian Hessian on each tangent
space (second-order test: none positive), and the largest gain any producer gets from a small
deterministic probe move (an empirical epsilon of an epsilon-local NE). Mathematics:
:mod:`recogym_eco.worlds.exposure_game_math`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from recogym_eco.components.metrics import shannon_entropy
from recogym_eco.components.pictures import scatter_picture
from recogym_eco.components.validation import as_float_array, check_choice, check_int, check_real, require
from recogym_eco.worlds import exposure_game_math as xm
from recogym_eco.worlds.exposure_demand import DEMANDS, sample_demand
from recogym_eco.worlds.exposure_game_kernels import gradient_weights

__all__ = [
    "DYNAMICS",
    "STRATEGY_SETS",
    "ExposureGameConfig",
    "ExposureGameWorld",
    "demand_norm_bound",
    "draw_profile",
    "gradient_ascent_step",
    "make_config",
]

DYNAMICS: tuple[str, ...] = ("gradient", "best_move")
ENGINES: tuple[str, ...] = ("auto", "numba", "numpy")
STRATEGY_SETS: tuple[str, ...] = ("sphere", "orthant")
FACTORISATIONS: tuple[str, ...] = ("pmf", "nmf")
DEFAULT_SYNTHETIC_USERS = 200
DEFAULT_DIM = 3


@dataclass(frozen=True)
class ExposureGameConfig:
    """Every parameter of an ExposureGame world and its faces; validated once, in ``__post_init__``.

    World: num_producers, num_users (synthetic default 200; movielens: all rated users, or a random
    subset), dim (default 3; custom: the array's), demand, num_clusters / cluster_spread (synthetic),
    factorisation / movielens_path / mf_reg / normalize_users (movielens), users (custom), demand_seed
    (fixes the demand; None: drawn from the reset seed), strategy_set, temperature (initial tau of
    every group; 0 = hardmax), num_groups, dynamics, step_size (alpha), probe_radius / num_probes
    (best_move dynamics and the probe residual), cluster_tol (cosine distance under which producers
    count as one piece of content). Faces: tau_min / tau_max (the platform's action range),
    epoch_length (producer updates per platform step), num_epochs (platform steps per episode),
    welfare_weight / diversity_weight (reward = w * user welfare + v * (1 - mean similarity)),
    max_move (largest per-coordinate displacement of a PettingZoo producer action), engine (gradient
    weights: "auto" = compiled when numba is available, "numba", "numpy").
    """

    num_producers: int = 10
    num_users: int | None = None
    dim: int | None = None
    demand: str = "synthetic"
    num_clusters: int = 4
    cluster_spread: float = 0.3
    factorisation: str = "pmf"
    movielens_path: str | None = None
    mf_reg: float = 0.1
    normalize_users: bool = False
    users: Any = field(default=None, compare=False, repr=False)
    demand_seed: int | None = None
    strategy_set: str = "sphere"
    temperature: float = 0.1
    num_groups: int = 1
    dynamics: str = "gradient"
    step_size: float = 0.1
    probe_radius: float = 0.05
    num_probes: int = 16
    cluster_tol: float = 1e-3
    tau_min: float = 0.01
    tau_max: float = 1.0
    epoch_length: int = 10
    num_epochs: int = 20
    welfare_weight: float = 1.0
    diversity_weight: float = 0.0
    max_move: float = 0.2
    engine: str = "auto"

    def __post_init__(self) -> None:
        for name, allowed in (("demand", DEMANDS), ("factorisation", FACTORISATIONS),
                              ("strategy_set", STRATEGY_SETS), ("dynamics", DYNAMICS), ("engine", ENGINES)):
            check_choice(getattr(self, name), name, allowed)
        for name, lo, optional in (("num_producers", 1, False), ("num_users", 1, True), ("dim", 1, True),
                                   ("num_clusters", 1, False), ("demand_seed", 0, True),
                                   ("num_groups", 1, False), ("num_probes", 1, False),
                                   ("epoch_length", 1, False), ("num_epochs", 1, False)):
            object.__setattr__(self, name, check_int(getattr(self, name), name, low=lo, optional=optional))
        for name in ("cluster_spread", "welfare_weight", "diversity_weight", "mf_reg", "temperature", "tau_min"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=0))
        for name in ("step_size", "probe_radius", "cluster_tol", "tau_max", "max_move"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, low=0, low_open=True))
        require(isinstance(self.normalize_users, (bool, np.bool_)), "normalize_users", "a bool",
                self.normalize_users)
        path = self.movielens_path
        require(path is None or isinstance(path, (str, bytes)) or hasattr(path, "__fspath__"),
                "movielens_path", "a path or None", path)
        if self.probe_radius > math.pi / 2:
            raise ValueError(f"probe_radius must be <= pi/2 (a small move on the sphere), got {self.probe_radius}")
        if self.tau_min > self.tau_max:
            raise ValueError(f"tau_min must be <= tau_max, got tau_min={self.tau_min}, tau_max={self.tau_max}")
        if not self.tau_min <= self.temperature <= self.tau_max:
            raise ValueError(f"temperature must lie in [tau_min, tau_max] = [{self.tau_min}, {self.tau_max}], "
                             f"got {self.temperature} (widen tau_min/tau_max to use it)")
        if self.dynamics == "gradient" and self.tau_min == 0:
            raise ValueError("temperature 0 (hardmax) has no useful gradient: with tau_min = 0 (or temperature = 0) "
                             "use dynamics='best_move'")
        if self.demand == "custom":
            if self.users is None:
                raise ValueError("demand='custom' needs users=<(m, d) array of user embeddings>")
            U = as_float_array(self.users, "users", "a non-empty 2-D array (m, d) of numbers", copy=True)
            if U.ndim != 2 or U.shape[0] == 0 or U.shape[1] == 0:
                raise ValueError(f"users must be a non-empty 2-D array (m, d), got shape {U.shape}")
            if not np.all(np.isfinite(U)):
                raise ValueError("users must be finite")
            if self.strategy_set == "orthant" and np.any(U < 0):
                raise ValueError("strategy_set='orthant' (non-negative game) needs non-negative users")
            for name, val in (("num_users", U.shape[0]), ("dim", U.shape[1])):
                if getattr(self, name) not in (None, val):
                    raise ValueError(f"{name}={getattr(self, name)} does not match users of shape {U.shape}")
            U.setflags(write=False)
            object.__setattr__(self, "users", U)
            object.__setattr__(self, "num_users", U.shape[0])
            object.__setattr__(self, "dim", U.shape[1])
        elif self.users is not None:
            raise ValueError(f"users is only used with demand='custom', got demand={self.demand!r}")
        if self.dim is None:
            object.__setattr__(self, "dim", DEFAULT_DIM)
        if self.demand == "synthetic" and self.num_users is None:
            object.__setattr__(self, "num_users", DEFAULT_SYNTHETIC_USERS)
        if self.demand == "movielens" and self.strategy_set == "orthant" and self.factorisation != "nmf":
            raise ValueError("strategy_set='orthant' with MovieLens demand needs factorisation='nmf' "
                             "(PMF embeddings are not non-negative)")
        if self.num_users is not None and self.num_groups > self.num_users:
            raise ValueError(f"num_groups must be <= num_users={self.num_users}, got {self.num_groups}")

    @property
    def num_users_resolved(self) -> int:
        """num_users of synthetic and custom demand (movielens: known after loading)."""
        if self.num_users is None:
            raise ValueError("num_users is only known after loading the MovieLens data")
        return int(self.num_users)

    @property
    def orthant(self) -> bool:
        """Whether strategies are confined to the non-negative orthant."""
        return self.strategy_set == "orthant"


def make_config(config: ExposureGameConfig | None = None, **overrides: Any) -> ExposureGameConfig:
    """``config`` (or the defaults) with ``overrides`` applied; unknown names raise TypeError."""
    names = {f.name for f in fields(ExposureGameConfig)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise TypeError(f"unknown ExposureGame parameter(s) {bad}; allowed: {sorted(names)}")
    if config is None:
        return ExposureGameConfig(**overrides)
    if not isinstance(config, ExposureGameConfig):
        raise TypeError(f"config must be an ExposureGameConfig, got {type(config).__name__}")
    kw = {f.name: getattr(config, f.name) for f in fields(ExposureGameConfig)}
    kw.update(overrides)
    return ExposureGameConfig(**kw)


def gradient_ascent_step(C: np.ndarray, theta: np.ndarray, tau: np.ndarray, step_size: float,
                         orthant: bool = False, engine: str = "auto") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One simultaneous reparametrised gradient-ascent step (seed 002, Section 5.3).

    theta_i <- theta_i + alpha (I - s_i s_i^T) grad_{s_i} u_i / |theta_i| with s_i = theta_i/|theta_i|
    and grad_{s_i} u_i = mean_c p_i (1 - p_i) c / tau(c) (clipped to theta >= 0 on the orthant).
    theta is (..., n, d), tau (m,) (0 = hardmax user, no gradient). ``engine`` picks the compiled or
    the NumPy weights (:mod:`recogym_eco.worlds.exposure_game_kernels`). Returns (new theta, new s,
    l2 change of theta per world (...,)).
    """
    norm = np.linalg.norm(theta, axis=-1, keepdims=True)
    S = theta / norm
    tau = np.asarray(tau, dtype=np.float64)
    inv = np.where(tau > 0, 1.0 / np.where(tau > 0, tau, 1.0), 0.0)
    W = gradient_weights(xm.scores(C, S), inv, engine)
    G = np.swapaxes(W, -1, -2) @ C / C.shape[-2]
    R = xm.riemannian_gradient(S, G, orthant)
    new = theta + step_size * R / norm
    if orthant:
        new = np.maximum(new, 0.0)
        dead = np.linalg.norm(new, axis=-1, keepdims=True) == 0
        new = np.where(dead, theta, new)
    change = np.sqrt(np.sum((new - theta) ** 2, axis=(-1, -2)))
    return new, new / np.linalg.norm(new, axis=-1, keepdims=True), change


class ExposureGameWorld:
    """One exposure game: the simulation core shared by the Gymnasium and PettingZoo faces.

    ``reset(rng)`` samples the demand (unless ``demand_seed`` fixes it), the user groups and the
    initial strategies (uniform on the sphere, or its non-negative part); ``set_temperature(tau)``
    deploys one temperature per group; ``step()`` runs one producer update (``moves`` override the
    dynamics of chosen producers); ``metrics()`` reports exposure, utilities, welfare, similarity,
    diversity and the equilibrium residuals.
    """

    def __init__(self, config: ExposureGameConfig) -> None:
        if not isinstance(config, ExposureGameConfig):
            raise TypeError(f"config must be an ExposureGameConfig, got {type(config).__name__}")
        self.config = config
        self.rng: np.random.Generator | None = None
        self._parts: xm.ExposureParts | None = None
        self._parts_others = False

    # ------------------------------------------------------------------ state

    def reset(self, rng: np.random.Generator) -> None:
        """New demand sample (from ``rng`` unless ``demand_seed`` is set), groups and initial strategies."""
        from recogym_eco.components.groups import kmeans_groups

        c = self.config
        self.rng = rng
        C = sample_demand(c, rng)
        if c.num_groups > C.shape[0]:
            raise ValueError(f"num_groups must be <= the number of users ({C.shape[0]}), got {c.num_groups}")
        if c.strategy_set == "orthant" and np.any(C < 0):
            raise ValueError("strategy_set='orthant' (non-negative game) needs non-negative users")
        C.setflags(write=False)
        self.C = C
        self.m, self.d = C.shape
        self.n = c.num_producers
        self.labels = kmeans_groups(C, c.num_groups, rng) if c.num_groups > 1 else np.zeros(self.m, dtype=np.int64)
        self.group_counts = np.bincount(self.labels, minlength=c.num_groups)
        self.group_tau = np.full(c.num_groups, c.temperature)
        T = rng.standard_normal((self.n, self.d))
        if c.orthant:
            T = np.abs(T)
        self.theta = xm.project_strategies(T, c.orthant)
        self.S = self.theta.copy()
        self.steps = 0
        self.last_change = float("inf")
        self._parts = None

    @property
    def user_tau(self) -> np.ndarray:
        """Temperature of each user, (m,): the temperature of its group."""
        return self.group_tau[self.labels]

    def _need_reset(self) -> None:
        if self.rng is None:
            raise RuntimeError("the world has not been reset; call reset(rng) first")

    def check_temperature(self, tau: Any) -> np.ndarray:
        """Validated temperatures (num_groups,) from a number or a sequence; raises, never clips."""
        c = self.config
        if isinstance(tau, (str, bytes)) or tau is None:
            raise TypeError(f"temperature must be a number or {c.num_groups} numbers, got {type(tau).__name__}")
        a = np.asarray(tau, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(c.num_groups, float(a))
        a = a.reshape(-1)
        if a.shape != (c.num_groups,):
            raise ValueError(f"temperature must be a number or have shape ({c.num_groups},), got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError("temperature must be finite")
        tol = 1e-6 * max(c.tau_max, 1.0)
        if np.any(a < c.tau_min - tol) or np.any(a > c.tau_max + tol):
            raise ValueError(f"temperature must lie in [tau_min, tau_max] = [{c.tau_min}, {c.tau_max}], got {a}")
        return np.clip(a, c.tau_min, c.tau_max)  # only float32 rounding of an in-range action is absorbed

    def set_temperature(self, tau: Any) -> None:
        """Deploy one temperature per user group (a number applies to every group)."""
        self.group_tau = self.check_temperature(tau)
        self._parts = None

    def set_strategies(self, S: np.ndarray) -> None:
        """Place every producer at the rows of ``S`` (n, d), projected on the strategy set (theta = s)."""
        self._need_reset()
        S = np.asarray(S, dtype=np.float64)
        if S.shape != (self.n, self.d) or not np.all(np.isfinite(S)):
            raise ValueError(f"strategies must be a finite ({self.n}, {self.d}) array, got shape {S.shape}")
        self.S = xm.project_strategies(S, self.config.orthant)
        self.theta = self.S.copy()
        self._parts = None

    def parts(self, need_others: bool = False) -> xm.ExposureParts:
        """Exposure quantities at the current profile and temperatures (cached until the next change)."""
        self._need_reset()
        if self._parts is None or (need_others and not self._parts_others):
            self._parts = xm.exposure_parts(self.C, self.S, self.user_tau, need_others=need_others)
            self._parts_others = need_others
        return self._parts

    # ------------------------------------------------------------------ dynamics

    def check_moves(self, moves: dict[int, Any]) -> dict[int, np.ndarray]:
        """Validate caller-driven moves {producer: displacement (d,)} and return their projected targets."""
        self._need_reset()
        c = self.config
        out: dict[int, np.ndarray] = {}
        for i, a in moves.items():
            if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < self.n:
                raise ValueError(f"producer index must be an int in [0, {self.n}), got {i!r}")
            if isinstance(a, (str, bytes)) or a is None:
                raise TypeError(f"move of producer {i} must be an array of {self.d} numbers")
            v = np.asarray(a, dtype=np.float64)
            if v.shape != (self.d,):
                raise ValueError(f"move of producer {i} must have shape ({self.d},), got {v.shape}")
            if not np.all(np.isfinite(v)):
                raise ValueError(f"move of producer {i} must be finite")
            if np.any(np.abs(v) > c.max_move * (1 + 1e-6)):
                raise ValueError(f"move of producer {i} must lie in [-max_move, max_move] = [-{c.max_move}, {c.max_move}]")
            t = self.S[i] + v
            if c.orthant:
                t = np.maximum(t, 0.0)
            if np.linalg.norm(t) == 0:
                raise ValueError(f"move of producer {i} leads to the zero vector (nothing to project on the sphere)")
            out[int(i)] = t / np.linalg.norm(t)
        return out

    def step(self, moves: dict[int, Any] | None = None) -> float:
        """One simultaneous producer update; returns the l2 change of theta.

        Producers in ``moves`` (index -> displacement) go to the projection of s_i + move (theta_i = s_i);
        all others follow the configured dynamics computed at the current profile.
        """
        self._need_reset()
        targets = self.check_moves(moves or {})
        c = self.config
        if c.dynamics == "gradient":
            theta, S, _ = gradient_ascent_step(self.C, self.theta, self.user_tau, c.step_size, c.orthant, c.engine)
        else:
            theta = S = self._best_move_update()
        for i, t in targets.items():
            theta[i] = t
            S[i] = t
        change = float(np.sqrt(np.sum((theta - self.theta) ** 2)))
        self.theta, self.S = theta, S
        self.steps += 1
        self.last_change = change
        self._parts = None
        return change

    def _best_move_update(self) -> np.ndarray:
        c = self.config
        parts = self.parts(need_others=True)
        A = self.rng.standard_normal((self.n, c.num_probes, self.d))
        A -= np.sum(A * self.S[:, None, :], -1, keepdims=True) * self.S[:, None, :]
        A /= np.maximum(np.linalg.norm(A, axis=-1, keepdims=True), 1e-300)
        V = xm.geodesic_moves(self.S, A, c.probe_radius, c.orthant)
        U = xm.candidate_utilities(self.C, parts, V)
        best = U.argmax(-1)
        gain = U[np.arange(self.n), best] - parts.P.mean(0)
        S = np.where((gain > 1e-12)[:, None], V[np.arange(self.n), best], self.S)
        return S.copy()

    def run(self, num_steps: int, tol: float | None = None) -> int:
        """Up to ``num_steps`` updates; with ``tol``, stops once the change drops below tol * sqrt(d)
        (the thesis's early-stopping rule, Section 5.3). Returns the number of steps taken."""
        for k in range(num_steps):
            change = self.step()
            if tol is not None and change < tol * math.sqrt(self.d):
                return k + 1
        return num_steps

    # ------------------------------------------------------------------ diagnostics

    def exposure(self) -> np.ndarray:
        """Exposure matrix p_i(c_j), (m, n)."""
        return self.parts().P.copy()

    def utilities(self) -> np.ndarray:
        """Producer utilities u_i = mean_c p_i(c), (n,)."""
        return self.parts().P.mean(0)

    def riemannian_gradient(self) -> np.ndarray:
        """Riemannian gradient of each producer's utility (tangent-cone projected on the orthant), (n, d)."""
        parts = self.parts()
        return xm.riemannian_gradient(self.S, xm.euclidean_gradient(self.C, parts), self.config.orthant)

    def equilibrium_residual(self) -> float:
        """Largest Riemannian gradient norm over producers (first-order equilibrium condition)."""
        return float(np.linalg.norm(self.riemannian_gradient(), axis=-1).max())

    def best_move_gains(self) -> np.ndarray:
        """Each producer's largest utility gain from a deterministic probe move of length probe_radius."""
        parts = self.parts(need_others=True)
        return xm.best_move_gain(self.C, self.S, parts, self.riemannian_gradient(), self.config.probe_radius,
                                 self.config.orthant)

    def second_order_test(self) -> dict[str, Any]:
        """Definition 3 / Section 5.7: gradient norms below 1e-5 sqrt(d) and no positive eigenvalue of
        the Riemannian Hessian on any tangent space ("confirmed" also needs all of them < 0)."""
        parts = self.parts()
        G = xm.euclidean_gradient(self.C, parts)
        R = xm.riemannian_gradient(self.S, G, self.config.orthant)
        ev = xm.riemannian_hessian_eigenvalues(self.S, G, xm.euclidean_hessian(self.C, parts), self.config.orthant)
        gmax = float(np.linalg.norm(R, axis=-1).max())
        top = float(ev.max()) if np.isfinite(ev).any() else -np.inf
        first = gmax <= 1e-5 * math.sqrt(self.d)
        scale = max(float(np.abs(ev[np.isfinite(ev)]).max()) if np.isfinite(ev).any() else 0.0, 1e-300)
        return {
            "grad_norm": gmax, "first_order": first, "max_eigenvalue": top,
            "second_order": first and top <= 1e-9 * scale, "confirmed": first and top < -1e-9 * scale,
        }

    def clusters(self) -> np.ndarray:
        """Collapsed-content groups: producers within cosine distance ``cluster_tol`` (labels, (n,))."""
        self._need_reset()
        return xm.cluster_labels(self.S, self.config.cluster_tol)

    def metrics(self, probe: bool = True) -> dict[str, Any]:
        """Exposure, utilities, welfare, similarity, diversity and equilibrium residuals (info of both faces)."""
        from recogym_eco.components.groups import group_means

        parts = self.parts(need_others=probe)
        welfare_u = xm.user_welfare(parts)
        labels = self.clusters()
        sizes = np.bincount(labels)
        return {
            "exposure": parts.P.copy(),
            "producer_utility": parts.P.mean(0),
            "user_welfare": float(welfare_u.mean()),
            "group_welfare": group_means(welfare_u, self.labels, self.config.num_groups),
            "mean_similarity": float(xm.mean_similarity(self.S)),
            "content_diversity": shannon_entropy(sizes),
            "num_clusters": int(sizes.size),
            "equilibrium_residual": self.equilibrium_residual(),
            "best_move_gain": float(self.best_move_gains().max()) if probe else float("nan"),
            "temperature": self.group_tau.copy(),
        }

    def platform_reward(self, metrics: dict[str, Any]) -> float:
        """welfare_weight * user welfare + diversity_weight * (1 - mean pairwise similarity)."""
        c = self.config
        return float(c.welfare_weight * metrics["user_welfare"] + c.diversity_weight * (1.0 - metrics["mean_similarity"]))


def demand_norm_bound(config: ExposureGameConfig) -> float:
    """Largest user-embedding norm the demand of ``config`` can have (bounds |<c, s>| and welfare).

    Synthetic users are unit vectors; custom and MovieLens demand are read (MovieLens fits are memoised).
    """
    if config.demand == "synthetic" or config.normalize_users:
        return 1.0
    if config.demand == "custom":
        return float(np.linalg.norm(config.users, axis=1).max())
    from recogym_eco.data.factorisation import movielens_user_embeddings

    seed = 0 if config.demand_seed is None else config.demand_seed
    U = movielens_user_embeddings(config.movielens_path, config.factorisation, config.dim, seed=seed,
                                  reg=config.mf_reg)["users"]
    return float(np.linalg.norm(U, axis=1).max())


def draw_profile(world: ExposureGameWorld, size: int = 96) -> np.ndarray:
    """A (size, size, 3) uint8 picture: users (blue) and producers (orange) projected on the demand's
    two principal axes."""
    C = world.C
    _, _, Vt = np.linalg.svd(C - C.mean(0), full_matrices=False)
    axes = np.zeros((2, world.d))
    axes[: min(2, Vt.shape[0])] = Vt[:2]
    return scatter_picture([C @ axes.T, world.S @ axes.T], size=size)

"""TrialOfferMarket world: a personalised cultural market with social feedback and a ranking lever.

Model (Zhu, Cheung & Xie, "Stability and Efficiency of Personalised Cultural Markets", Sections 2
and 5; ``../shared/seeds/004_*``):

* user types i = 1..T with shares w_i; items j = 1..I; every item starts with ``initial_purchases``
  purchases d_j^0 (the paper needs d_j^0 >= 1); market shares phi_j = d_j / sum_k d_k;
* the platform ranks the items for each type (or one ranking for all); an item at position k (0-based)
  of type i's list has visibility v_ij = v-hat_ij * iota_k, with iota_k > 0 for the top
  ``num_positions`` positions and 0 after (Eq. 20);
* an arriving user is of type i with probability w_i, tries item j with probability
  v_ij phi_j^{r_i} / sum_k v_ik phi_k^{r_i} (Eq. 1; nothing if the denominator is 0) and buys it with
  probability q_ij; a purchase adds one to d_j, so the next arrival sees the new shares;
* one step of the world runs a batch of arrivals under the current ranking, sequentially and exactly
  (compiled loop in :mod:`recogym_eco.worlds.trial_offer_market_kernels`; ``engine="numpy"`` runs
  the per-arrival NumPy reference :func:`run_arrivals_reference` instead).

Metrics: efficiency = purchases per arrival (the paper's empirical efficiency); the expected
efficiency E(phi) = sum_j y_j(phi) (Definition 2.4, Eq. 2); market entropy H(phi) (Eq. 5).
Equilibrium: for one type with fixed positions and 0 < r < 1, phi*_j ∝ (v_j q_j)^{1/(1-r)} (Eq. 4);
:func:`deterministic_dynamic` iterates the deterministic dynamic of Eq. (6).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from recogym_eco.components.validation import as_float_array, check_choice, check_int, require
from recogym_eco.worlds.trial_offer_market_data import (
    POSITION_FACTORS,
    MarketInstance,
    movielens_instance,
    pooled_instance,
    synthetic_instance,
)

__all__ = [
    "ENGINES",
    "PRESETS",
    "TrialOfferMarketConfig",
    "TrialOfferMarketWorld",
    "deterministic_dynamic",
    "deterministic_step",
    "homogeneous_equilibrium",
    "make_config",
    "market_efficiency",
    "market_entropy",
    "next_purchase_probabilities",
    "purchase_rates",
    "ranking_tables",
    "resolve_config",
    "run_arrivals_reference",
    "top_slots",
    "trial_probabilities",
]

PRESETS: tuple[str, ...] = ("synthetic-homogeneous", "synthetic-heterogeneous", "movielens", "custom")
ENGINES: tuple[str, ...] = ("numba", "numpy")
MAX_FEEDBACK = 10.0

_PRESET_DEFAULTS: dict[str, dict[str, Any]] = {
    "synthetic-homogeneous": dict(num_items=200, num_types=10, batch_size=100, horizon=100),
    "synthetic-heterogeneous": dict(num_items=200, num_types=10, batch_size=100, horizon=100),
    "movielens": dict(num_types=100, batch_size=1000, horizon=300),
    "custom": dict(batch_size=100, horizon=100),
}


@dataclass
class TrialOfferMarketConfig:
    """Every parameter of TrialOfferMarket; validated once in ``__post_init__`` (see envs.md).

    preset: ``"synthetic-homogeneous"``, ``"synthetic-heterogeneous"``, ``"movielens"`` or ``"custom"``
    (explicit ``appeal``/``quality``/``type_weights``). num_items / num_types: synthetic sizes (the
    homogeneous preset pools ``num_types`` latent types into one); for movielens num_types is the
    number of k-means types (1 = homogeneous) and the items are the 1,682 movies. feedback: r (one
    number, or one per type), >= 0. batch_size: arrivals per step; horizon: steps per episode.
    num_positions / position_factors: iota (default: the paper's 50 MusicLab factors).
    shared_ranking: the action is one ranking for all types. initial_purchases: d_j^0.
    instance_seed: seeds the synthetic instance and the k-means clustering. engine: ``"numba"`` or the
    ``"numpy"`` reference. movielens_path / unseen_only / mf_dim / mf_cache: the movielens preset.
    """

    preset: str = "synthetic-heterogeneous"
    num_items: int = 200
    num_types: int = 10
    feedback: Any = 0.5
    batch_size: int = 100
    horizon: int = 100
    num_positions: int = 50
    position_factors: Any = None
    shared_ranking: bool = False
    initial_purchases: int = 1
    instance_seed: int = 0
    engine: str = "numba"
    movielens_path: str | None = None
    unseen_only: bool = False
    mf_dim: int = 32
    mf_cache: str | None = None
    type_weights: Any = None
    appeal: Any = None
    quality: Any = None

    def __post_init__(self) -> None:
        check_choice(self.preset, "preset", PRESETS)
        check_choice(self.engine, "engine", ENGINES)
        for name, lo in (("num_items", 1), ("num_types", 1), ("batch_size", 1), ("horizon", 1),
                         ("num_positions", 1), ("initial_purchases", 1), ("instance_seed", 0), ("mf_dim", 1)):
            check_int(getattr(self, name), name, low=lo)
        for name in ("shared_ranking", "unseen_only"):
            require(isinstance(getattr(self, name), (bool, np.bool_)), name, "a bool", getattr(self, name))
        if self.position_factors is None:
            if self.num_positions > len(POSITION_FACTORS):
                raise ValueError(f"num_positions must be <= {len(POSITION_FACTORS)} when position_factors is None "
                                 f"(the paper's factors), got {self.num_positions}")
        else:
            pf = as_float_array(self.position_factors, "position_factors", "a 1-D sequence of numbers > 0")
            if pf.ndim != 1 or pf.size != self.num_positions:
                raise ValueError(f"position_factors must be a 1-D sequence of num_positions={self.num_positions} "
                                 f"values, got shape {pf.shape}")
            if not np.all(np.isfinite(pf)) or np.any(pf <= 0):
                raise ValueError("position_factors must be finite and > 0 (positions after them have factor 0)")
        explicit = [x is not None for x in (self.appeal, self.quality)]
        if self.preset == "custom":
            if not all(explicit):
                raise ValueError("preset 'custom' needs appeal and quality arrays (type_weights optional)")
            self._check_arrays()
        elif any(explicit) or self.type_weights is not None:
            raise ValueError(f"appeal, quality and type_weights are only accepted with preset='custom', "
                             f"got preset={self.preset!r}")
        allowed = "a number or a 1-D sequence (one per type)"
        require(not isinstance(self.feedback, (str, bytes)), "feedback", allowed, self.feedback)
        r = as_float_array(self.feedback, "feedback", allowed)
        require(r.ndim <= 1, "feedback", allowed, self.feedback)
        if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r > MAX_FEEDBACK):
            raise ValueError(f"feedback (r) must be in [0, {MAX_FEEDBACK}] (d_j^r must stay a finite float), "
                             f"got {self.feedback!r}")
        if r.ndim == 1:
            T = self.effective_num_types()
            if r.size != T:
                raise ValueError(f"feedback must have one value per user type ({T}), got {r.size}")

    def _check_arrays(self) -> None:
        v = as_float_array(self.appeal, "appeal", "a 2-D (types, items) array of numbers >= 0")
        q = as_float_array(self.quality, "quality", "a (types, items) array of probabilities")
        if v.ndim != 2 or v.shape[0] < 1 or v.shape[1] < 1:
            raise ValueError(f"appeal must be a 2-D (types, items) array, got shape {v.shape}")
        if q.shape != v.shape:
            raise ValueError(f"quality must have the shape of appeal {v.shape}, got {q.shape}")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError("appeal (v-hat) must be finite and >= 0")
        if not np.all(np.isfinite(q)) or np.any(q < 0) or np.any(q > 1):
            raise ValueError("quality (q) must be probabilities in [0, 1]")
        if self.type_weights is not None:
            w = as_float_array(self.type_weights, "type_weights", "one weight >= 0 per type, summing to 1")
            if w.shape != (v.shape[0],):
                raise ValueError(f"type_weights must have one value per type ({v.shape[0]}), got shape {w.shape}")
            if not np.all(np.isfinite(w)) or np.any(w < 0) or abs(w.sum() - 1.0) > 1e-9:
                raise ValueError("type_weights must be >= 0 and sum to 1")

    def effective_num_types(self) -> int:
        """Number of user types T of the market this configuration describes (1 for synthetic-homogeneous)."""
        if self.preset == "custom":
            return int(np.asarray(self.appeal).shape[0])
        if self.preset == "synthetic-homogeneous":
            return 1
        return self.num_types


def make_config(preset: str = "synthetic-heterogeneous", **overrides: Any) -> TrialOfferMarketConfig:
    """The preset's defaults with ``overrides`` applied (unknown names raise TypeError)."""
    check_choice(preset, "preset", PRESETS)
    names = {f.name for f in dataclasses.fields(TrialOfferMarketConfig)}
    bad = sorted(set(overrides) - names)
    if bad:
        raise TypeError(f"unknown TrialOfferMarket parameter(s) {bad}; allowed: {sorted(names)}")
    kw = dict(_PRESET_DEFAULTS[preset])
    kw.update(overrides)
    kw["preset"] = preset
    return TrialOfferMarketConfig(**kw)


def resolve_config(preset: str, config: TrialOfferMarketConfig | None,
                   overrides: dict[str, Any]) -> TrialOfferMarketConfig:
    """What a face is given: ``config`` as it is, or :func:`make_config` of ``preset`` and ``overrides``
    (``TypeError`` for both at once)."""
    if config is None:
        return make_config(preset, **overrides)
    if overrides:
        raise TypeError("pass either config or keyword overrides, not both")
    return config


def build_instance(c: TrialOfferMarketConfig) -> MarketInstance:
    """The fixed market (w, v-hat, q) of a configuration (see :mod:`.trial_offer_market_data`)."""
    if c.preset == "custom":
        v = np.asarray(c.appeal, dtype=np.float64).copy()
        q = np.asarray(c.quality, dtype=np.float64).copy()
        w = (np.full(v.shape[0], 1.0 / v.shape[0]) if c.type_weights is None
             else np.asarray(c.type_weights, dtype=np.float64).copy())
        return MarketInstance(type_weights=w, appeal=v, quality=q)
    if c.preset == "movielens":
        return movielens_instance(c.movielens_path, c.num_types, c.unseen_only, c.mf_dim, c.instance_seed, c.mf_cache)
    inst = synthetic_instance(c.num_types, c.num_items, c.instance_seed)
    return pooled_instance(inst) if c.preset == "synthetic-homogeneous" else inst


# ----------------------------------------------------------------------------------------------
# closed forms and the deterministic dynamic (pure functions)
# ----------------------------------------------------------------------------------------------


def trial_probabilities(shares: np.ndarray, visibility: np.ndarray, feedback: np.ndarray) -> np.ndarray:
    """Eq. (1): (T, I) probability that a type-i arrival tries item j; a row is 0 if its denominator is 0."""
    phi = np.asarray(shares, dtype=np.float64)
    r = np.broadcast_to(np.asarray(feedback, dtype=np.float64), (visibility.shape[0],))
    weights = visibility * phi[None, :] ** r[:, None]
    tot = weights.sum(1, keepdims=True)
    return np.divide(weights, tot, out=np.zeros_like(weights), where=tot > 0)


def purchase_rates(shares: np.ndarray, type_weights: np.ndarray, visibility: np.ndarray, quality: np.ndarray,
                   feedback: np.ndarray) -> np.ndarray:
    """Eq. (2): y_j(phi) = sum_i w_i q_ij (trial probability of j for type i), shape (I,)."""
    return (type_weights[:, None] * quality * trial_probabilities(shares, visibility, feedback)).sum(0)


def next_purchase_probabilities(shares: np.ndarray, type_weights: np.ndarray, visibility: np.ndarray,
                                quality: np.ndarray, feedback: np.ndarray) -> np.ndarray:
    """Lemma 2.1: p_j(phi) = y_j / sum_k y_k, the item of the next purchase (zeros if no purchase is possible)."""
    y = purchase_rates(shares, type_weights, visibility, quality, feedback)
    s = y.sum()
    return y / s if s > 0 else np.zeros_like(y)


def market_efficiency(shares: np.ndarray, type_weights: np.ndarray, visibility: np.ndarray, quality: np.ndarray,
                      feedback: np.ndarray) -> float:
    """Definition 2.4: E(phi) = sum_j y_j(phi), the probability that an arrival purchases."""
    return float(purchase_rates(shares, type_weights, visibility, quality, feedback).sum())


def market_entropy(shares: np.ndarray) -> float:
    """Eq. (5): H(phi) = -sum_j phi_j log phi_j (natural log; 0 log 0 = 0)."""
    p = np.asarray(shares, dtype=np.float64)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def homogeneous_equilibrium(visibility: np.ndarray, quality: np.ndarray, feedback: float) -> np.ndarray:
    """Eq. (4): phi*_j = (v_j q_j)^{1/(1-r)} / sum_k (v_k q_k)^{1/(1-r)} for one type and 0 <= r < 1."""
    v = np.asarray(visibility, dtype=np.float64).reshape(-1)
    q = np.asarray(quality, dtype=np.float64).reshape(-1)
    r = float(feedback)
    if not 0.0 <= r < 1.0:
        raise ValueError(f"the closed form (Eq. 4) needs 0 <= r < 1, got r={r}")
    vq = v * q
    if not np.any(vq > 0):
        raise ValueError("the closed form (Eq. 4) needs v_j q_j > 0 for some item")
    logs = np.where(vq > 0, np.log(np.where(vq > 0, vq, 1.0)), -np.inf) / (1.0 - r)
    x = np.exp(logs - logs.max())
    return x / x.sum()


def deterministic_step(b: np.ndarray, type_weights: np.ndarray, visibility: np.ndarray, quality: np.ndarray,
                       feedback: np.ndarray) -> np.ndarray:
    """Eq. (6): b_ij^t = w_i q_ij v_ij (b_j^{t-1})^{r_i} / sum_k v_ik (b_k^{t-1})^{r_i}, with b_j = sum_i b_ij."""
    bj = np.asarray(b, dtype=np.float64).sum(0)
    return type_weights[:, None] * quality * trial_probabilities(bj / bj.sum(), visibility, feedback)


def deterministic_dynamic(type_weights: np.ndarray, visibility: np.ndarray, quality: np.ndarray,
                          feedback: np.ndarray, steps: int, b0: np.ndarray | None = None) -> np.ndarray:
    """Iterate Eq. (6) ``steps`` times from ``b0`` (default: uniform spending); returns the (T, I) spendings.

    Market shares are phi_j = b_j / sum_k b_k (Section 2.4); by Lemma 2.5 a fixed point is a TOME.
    """
    T, I = visibility.shape
    b = np.full((T, I), 1.0 / (T * I)) if b0 is None else np.asarray(b0, dtype=np.float64)
    for _ in range(int(steps)):
        b = deterministic_step(b, type_weights, visibility, quality, feedback)
    return b


def run_arrivals_reference(counts: np.ndarray, type_weights: np.ndarray, visibility: np.ndarray,
                           quality: np.ndarray, feedback: np.ndarray, uniforms: np.ndarray,
                           type_arrivals: np.ndarray, type_purchases: np.ndarray) -> int:
    """NumPy reference of the compiled arrival loop: one arrival at a time, Eq. (1) over all items.

    Same use of the uniforms as :func:`~.trial_offer_market_kernels.run_arrivals_kernel`; updates
    ``counts`` and the tallies in place and returns the number of purchases.
    """
    cum_w = _cum_weights(type_weights)
    T = visibility.shape[0]
    r = np.broadcast_to(np.asarray(feedback, dtype=np.float64), (T,))
    total = 0
    for u0, u1, u2 in uniforms:
        i = min(int(np.searchsorted(cum_w, u0, side="right")), T - 1)
        type_arrivals[i] += 1
        phi = counts / counts.sum()
        weights = visibility[i] * phi ** r[i]
        cs = np.cumsum(weights)
        if cs[-1] <= 0:
            continue
        j = int(np.searchsorted(cs, u1 * cs[-1], side="right"))
        if j >= cs.size:
            j = int(np.flatnonzero(weights > 0)[-1])
        if u2 < quality[i, j]:
            counts[j] += 1
            type_purchases[i] += 1
            total += 1
    return total


def top_slots(scores: np.ndarray, num_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """The P = ``num_slots`` best items of each row of ``scores`` (..., I) and their positions.

    Ranking by descending score, ties by lower index (the single world's stable argsort), without
    sorting whole rows: the P-th best score v by partition, then the items above v and the first
    ones (by index) at v. Returns ``items`` (..., P) in ascending index order and ``positions``
    (..., P), the 0-based rank of each.
    """
    P, I = num_slots, scores.shape[-1]
    neg = -scores
    v = np.partition(neg, P - 1, axis=-1)[..., P - 1:P]
    above, tied = neg < v, neg == v
    chosen = above | tied
    over = chosen.sum(-1) > P
    if over.any():
        room = P - above[over].sum(-1, keepdims=True)
        chosen[over] = above[over] | (tied[over] & (np.cumsum(tied[over], axis=-1) <= room))
    items = (np.flatnonzero(chosen) % I).reshape(*scores.shape[:-1], P)
    by_rank = np.argsort(np.take_along_axis(neg, items, axis=-1), axis=-1, kind="stable")
    positions = np.empty_like(by_rank)
    np.put_along_axis(positions, by_rank, np.broadcast_to(np.arange(P), by_rank.shape), axis=-1)
    return items, positions


def ranking_tables(scores: np.ndarray, appeal: np.ndarray, quality: np.ndarray, position_factors: np.ndarray,
                   num_slots: int) -> dict[str, np.ndarray]:
    """The visible-slot tables of the world's ranking
    (:meth:`TrialOfferMarketWorld.set_ranking`) for M worlds at once.

    ``scores``: (M, T, I), or (M, I) for one list shared by every type. The top P = ``num_slots`` of
    each list (:func:`top_slots`), sorted by item index, give ``items`` (M, T, P), ``vis`` = v-hat *
    iota(position) and ``q`` (M, T, P), and the CSR index item -> entries i * P + k: ``ptr``
    (M, I + 1), ``entries`` (M, T * P).
    """
    M = scores.shape[0]
    T, I = appeal.shape
    P = num_slots
    items, slot_pos = top_slots(scores, P)
    if scores.ndim == 2:
        items = np.broadcast_to(items[:, None, :], (M, T, P))
        slot_pos = np.broadcast_to(slot_pos[:, None, :], (M, T, P))
        entries = np.broadcast_to((np.arange(P)[:, None] + P * np.arange(T)[None, :]).ravel(), (M, T * P))
    else:
        entries = np.argsort(items.reshape(M, T * P), axis=1, kind="stable")
    rows = np.arange(T)[:, None]
    flat = (items.reshape(M, T * P) + I * np.arange(M)[:, None]).ravel()
    ptr = np.zeros((M, I + 1), dtype=np.int64)
    np.cumsum(np.bincount(flat, minlength=M * I).reshape(M, I), axis=1, out=ptr[:, 1:])
    return {
        "items": items,
        "vis": appeal[rows, items] * position_factors[slot_pos],
        "q": quality[rows, items],
        "ptr": ptr,
        "entries": entries,
    }


def _cum_weights(w: np.ndarray) -> np.ndarray:
    c = np.cumsum(np.asarray(w, dtype=np.float64))
    c[-1] = 1.0
    return c


# ----------------------------------------------------------------------------------------------
# the world
# ----------------------------------------------------------------------------------------------


class TrialOfferMarketWorld:
    """State and dynamics of one market; the Gymnasium face drives it (one ``step`` = one batch).

    Public arrays: ``appeal`` (v-hat, T x I), ``quality`` (q), ``type_weights`` (w), ``feedback`` (r per
    type), ``position_factors`` (iota over all I positions, zero after the top ones), ``counts`` (d),
    ``positions`` (T x I, 0-based rank of item j in type i's list) and ``visibility`` (v = v-hat * iota).
    """

    def __init__(self, config: TrialOfferMarketConfig) -> None:
        self.config = config
        inst = build_instance(config)
        self.type_weights = np.asarray(inst.type_weights, dtype=np.float64)
        self.appeal = np.asarray(inst.appeal, dtype=np.float64)
        self.quality = np.asarray(inst.quality, dtype=np.float64)
        T, I = self.appeal.shape
        self.num_types, self.num_items = T, I
        r = np.asarray(config.feedback, dtype=np.float64)
        if r.ndim == 1 and r.size != T:
            raise ValueError(f"feedback must have one value per user type ({T}), got {r.size}")
        self.feedback = np.broadcast_to(r, (T,)).astype(np.float64).copy()
        pf = np.asarray(POSITION_FACTORS[: config.num_positions] if config.position_factors is None
                        else config.position_factors, dtype=np.float64)
        self.num_slots = min(pf.size, I)
        self.position_factors = np.zeros(I)
        self.position_factors[: self.num_slots] = pf[: self.num_slots]
        self._cum_w = _cum_weights(self.type_weights)
        self.rng: np.random.Generator | None = None
        self.counts = np.full(I, config.initial_purchases, dtype=np.int64)
        self.arrivals = 0
        self.purchases = 0
        self.type_arrivals_total = np.zeros(T, dtype=np.int64)
        self.type_purchases_total = np.zeros(T, dtype=np.int64)
        self._scores: np.ndarray | None = None
        self.set_ranking(np.zeros(I if config.shared_ranking else (T, I)))

    # -------------------------------------------------------------- state

    def reset(self, rng: np.random.Generator) -> None:
        """Start a market: d_j = initial_purchases, tallies zero, ranking by item index."""
        self.rng = rng
        self.counts = np.full(self.num_items, self.config.initial_purchases, dtype=np.int64)
        self.arrivals = 0
        self.purchases = 0
        self.type_arrivals_total = np.zeros(self.num_types, dtype=np.int64)
        self.type_purchases_total = np.zeros(self.num_types, dtype=np.int64)
        self._scores = None
        self.set_ranking(np.zeros(self.action_shape))

    @property
    def action_shape(self) -> tuple[int, ...]:
        """(I,) with ``shared_ranking``, else (T, I)."""
        return (self.num_items,) if self.config.shared_ranking else (self.num_types, self.num_items)

    def check_scores(self, scores: Any) -> np.ndarray:
        """Validated float64 scores of shape :attr:`action_shape` (a flat T*I vector is reshaped)."""
        if isinstance(scores, (str, bytes)) or scores is None:
            raise TypeError(f"scores must be a numeric array of shape {self.action_shape}, got {type(scores).__name__}")
        s = np.asarray(scores, dtype=np.float64)
        if s.size != math.prod(self.action_shape):
            raise ValueError(f"scores must have shape {self.action_shape} (or be its flattening), got {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("scores must be finite (only their order per type matters)")
        return s.reshape(self.action_shape)

    def set_ranking(self, scores: Any) -> None:
        """Rank items by descending score (ties: lower item index first) and rebuild the visibility tables.

        Only the top ``num_positions`` items of each list are visible (iota = 0 after), so the tables
        hold T x P slots; the dense ``positions`` and ``visibility`` arrays are derived on demand.
        """
        s = self.check_scores(scores)
        if self._scores is not None and np.array_equal(s, self._scores):
            return
        self._scores = s.copy()
        self._order = np.argsort(-s, axis=-1, kind="stable")
        self._positions = None
        self._visibility = None
        tables = ranking_tables(s[None], self.appeal, self.quality, self.position_factors, self.num_slots)
        self._slot_items = np.ascontiguousarray(tables["items"][0], dtype=np.int64)
        self._slot_vis = np.ascontiguousarray(tables["vis"][0])
        self._slot_q = tables["q"][0]
        self._nslots = np.full(self.num_types, self.num_slots, dtype=np.int64)
        self._item_entries = np.ascontiguousarray(tables["entries"][0], dtype=np.int64)
        self._item_ptr = tables["ptr"][0]

    @property
    def positions(self) -> np.ndarray:
        """(T, I) 0-based position of item j in type i's list under the ranking in force."""
        if self._positions is None:
            T, I = self.num_types, self.num_items
            order = np.broadcast_to(self._order, (T, I))
            pos = np.empty((T, I), dtype=np.int64)
            np.put_along_axis(pos, order, np.broadcast_to(np.arange(I), (T, I)), axis=1)
            self._positions = pos
        return self._positions

    @property
    def visibility(self) -> np.ndarray:
        """(T, I) v_ij = v-hat_ij * iota(position of j for type i), Eq. (20)."""
        if self._visibility is None:
            self._visibility = self.appeal * self.position_factors[self.positions]
        return self._visibility

    # -------------------------------------------------------------- dynamics

    def run(self, num_arrivals: int) -> dict[str, Any]:
        """Process ``num_arrivals`` arrivals in order under the current ranking (Section 2.1)."""
        if self.rng is None:
            raise RuntimeError("call reset(rng) before run()")
        uniforms = self.rng.random((int(num_arrivals), 3))
        ta = np.zeros(self.num_types, dtype=np.int64)
        tp = np.zeros(self.num_types, dtype=np.int64)
        if self.config.engine == "numba":
            from recogym_eco.worlds.trial_offer_market_kernels import run_arrivals_kernel

            same = bool(np.all(self.feedback == self.feedback[0]))
            bought = run_arrivals_kernel(self.counts, self._cum_w, self._slot_items, self._slot_vis, self._nslots,
                                         self.feedback, same, self.quality, self._item_ptr, self._item_entries,
                                         uniforms, ta, tp)
        else:
            bought = run_arrivals_reference(self.counts, self.type_weights, self.visibility, self.quality,
                                            self.feedback, uniforms, ta, tp)
        self.arrivals += int(num_arrivals)
        self.purchases += int(bought)
        self.type_arrivals_total += ta
        self.type_purchases_total += tp
        return {"purchases": int(bought), "arrivals": int(num_arrivals), "type_arrivals": ta, "type_purchases": tp}

    # -------------------------------------------------------------- read-outs

    def market_shares(self) -> np.ndarray:
        """phi_j = d_j / sum_k d_k (Section 2.1)."""
        return self.counts / self.counts.sum()

    def trial_probabilities(self) -> np.ndarray:
        """Eq. (1) at the current shares and ranking, (T, I)."""
        return trial_probabilities(self.market_shares(), self.visibility, self.feedback)

    def expected_efficiency(self) -> float:
        """E(phi) of Definition 2.4 at the current shares and ranking (= w . type_expected_efficiency)."""
        return float(self.type_weights @ self.type_expected_efficiency())

    def type_expected_efficiency(self) -> np.ndarray:
        """Per type: sum_j q_ij (Eq. 1 trial probability of j), the chance that a type-i arrival purchases.

        Computed over the visible slots only (the other items have v_ij = 0).
        """
        a = self._slot_vis * self.market_shares()[self._slot_items] ** self.feedback[:, None]
        tot = a.sum(1)
        num = (a * self._slot_q).sum(1)
        return np.divide(num, tot, out=np.zeros_like(tot), where=tot > 0)

    def equilibrium_shares(self, scores: Any = None, tol: float = 1e-13, max_steps: int = 100_000) -> np.ndarray:
        """TOME phi* for fixed positions (the current ranking, or the one ``scores`` would set).

        One type: the closed form of Eq. (4) (needs 0 <= r < 1). Several types: the fixed point of the
        deterministic dynamic (Eq. 6) from uniform spending, iterated until the shares move less than
        ``tol`` (Lemma 2.5; unique and reached under the conditions of Theorem 3.7).
        """
        if scores is None:
            vis = self.visibility
        else:
            s = self.check_scores(scores)
            order = np.argsort(-s, axis=-1, kind="stable")
            order = np.broadcast_to(order, (self.num_types, self.num_items))
            pos = np.empty_like(order)
            np.put_along_axis(pos, order, np.arange(self.num_items)[None, :].repeat(self.num_types, 0), axis=1)
            vis = self.appeal * self.position_factors[pos]
        if self.num_types == 1:
            return homogeneous_equilibrium(vis[0], self.quality[0], self.feedback[0])
        b = np.full((self.num_types, self.num_items), 1.0 / (self.num_types * self.num_items))
        phi = b.sum(0) / b.sum()
        for _ in range(max_steps):
            b = deterministic_step(b, self.type_weights, vis, self.quality, self.feedback)
            new = b.sum(0) / b.sum()
            if np.max(np.abs(new - phi)) < tol:
                return new
            phi = new
        raise RuntimeError(f"the deterministic dynamic (Eq. 6) did not converge within {max_steps} steps")

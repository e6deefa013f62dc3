"""Per-world operations on a running :class:`~.batch.ContentCompetitionBatch`, for the batched face.

Seed 000 (Yao et al.), Sections 3-5 (dynamics) and 9 (metrics). Helpers:

* :func:`fresh_worlds` and :func:`splice_worlds` reset some worlds of a batch while every other world
  keeps every bit of its state (Gymnasium's ``reset_mask``, and autoresets of worlds out of phase);
* :func:`run_epoch`, :func:`start_stats` and :func:`section9_metrics` are the read-outs of
  :meth:`~.world.ContentCompetitionWorld.run_epoch`, the Gymnasium face's reset statistics and
  :meth:`~.world.ContentCompetitionWorld.metrics` plus ``welfare_default_matching`` for all B worlds in
  one pass. They perform the same floating-point operations as one world, on arrays of the same memory
  layout, with reductions along rows (whose results do not depend on how many rows there are) or
  ``np.bincount`` over world-offset bins (which adds in the same order), so world b's numbers equal a
  single world's bit for bit. Two parts stay per world: the dense matching of users whose K-th and
  (K+1)-th relevance tie (only worlds that have such users) and the entropy of O(L) counts.

They read and write the batch's private state (the arrays named in :data:`WORLD_ARRAYS`,
:data:`ROW_ARRAYS` and the engines' lists below); ``tests/envs/test_content_competition_vector.py``
compares the batched face with single worlds bit for bit, so a change of that state shows up there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recogym_eco.components.metrics import shannon_entropy

from .batch import ContentCompetitionBatch
from .matching import match_probabilities, topk_user_utilities

__all__ = [
    "fresh_worlds", "group_means_rows", "run_epoch", "section9_metrics", "splice_worlds",
    "start_stats",
]

# leading axis B (one entry per world)
WORLD_ARRAYS = ("X", "labels", "group_counts", "group_shares", "S", "weights", "SigT", "last_accept_rate")
# leading axis B * m (one entry per (world, user) row)
ROW_ARRAYS = ("xxf", "_rw_m", "_invb", "_k")
# the NumPy engine's lists and caches (valid when ``_lists_valid``)
LIST_WORLD_ARRAYS = ("ET", "_posT")
LIST_ROW_ARRAYS = ("_Vt", "_It", "_len", "_tpos", "_bpos", "_obound", "_pack", "_num", "_serr")
# the compiled engine's sorted rows (valid when ``_c_valid``); ``_pack`` / ``_num`` are shared
C_WORLD_ARRAYS = ("_opos", "_oXT")
C_ROW_ARRAYS = ("_oI", "_oV", "_oE", "_othr", "_oL", "_olast", "_pack", "_num")


def fresh_worlds(batch: ContentCompetitionBatch,
                 rngs: Sequence[np.random.Generator]) -> ContentCompetitionBatch:
    """A new batch of ``len(rngs)`` worlds of ``batch``'s config and engine, reset from ``rngs``.

    World j equals a single world reset from ``rngs[j]``. Read its reset statistics, then move it into
    ``batch`` with :func:`splice_worlds`.
    """
    sub = ContentCompetitionBatch(batch.config, len(rngs), batch.engine)
    sub.reset(list(rngs))
    return sub


def splice_worlds(batch: ContentCompetitionBatch, worlds: np.ndarray, fresh: ContentCompetitionBatch) -> None:
    """World ``worlds[j]`` of ``batch`` becomes world j of ``fresh`` (just reset); the others are untouched.

    The engine state of the new worlds is brought to what a single world would hold at its next step:
    the NumPy lists as built at reset; where ``batch``'s compiled state is live, ``fresh``'s compiled
    state initialised from the same relevance matrix (a single world builds it at its first step from
    the same matrix and levers; a lever change afterwards re-sorts or re-weights it in both). The
    proposal filter ``reach`` (a bound over every world's users) is recomputed for the whole batch; it
    only decides which users are examined, never a decision or a value.
    """
    if not batch.incremental:
        raise ValueError("splice_worlds needs an incremental engine ('compiled' or 'numpy')")
    W = np.asarray(worlds, dtype=np.int64)
    if W.ndim != 1 or W.size != fresh.B or np.unique(W).size != W.size or W.min() < 0 or W.max() >= batch.B:
        raise ValueError(f"worlds must be {fresh.B} distinct indices in [0, {batch.B}), got {worlds!r}")
    if (fresh.m, fresh.d, fresh.n) != (batch.m, batch.d, batch.n):
        raise ValueError("fresh worlds must have the batch's numbers of users, dimensions and creators")
    m = batch.m
    rows = (W[:, None] * m + np.arange(m)).ravel()
    if batch._c_valid:
        fresh._c_init()
    names_w = list(WORLD_ARRAYS) + (["item"] if batch.finite else []) + list(LIST_WORLD_ARRAYS)
    names_r = list(ROW_ARRAYS) + list(LIST_ROW_ARRAYS)
    if batch._c_valid:
        names_w += C_WORLD_ARRAYS
        names_r += [a for a in C_ROW_ARRAYS if a not in names_r]
    for name in names_w:
        getattr(batch, name)[W] = getattr(fresh, name)  # in place: views such as Xf stay linked
    for name in names_r:
        getattr(batch, name)[rows] = getattr(fresh, name)
    for j, b in enumerate(W.tolist()):
        batch.instances[b] = fresh.instances[j]
        batch.rngs[b] = fresh.rngs[j]
    batch._reach = batch._proposal_reach()
    batch._thr[:] = batch._tau_in - batch._reach
    if batch._c_valid:
        batch._othr[:] = batch._thr


def group_means_rows(pi: np.ndarray, batch: ContentCompetitionBatch) -> np.ndarray:
    """Mean of ``pi`` (B, m) within each user group of each world, (B, L): one ``np.bincount`` over
    (world, group) bins, adding each world's users in the order
    :func:`~recogym_eco.components.groups.group_means` does."""
    B, L = pi.shape[0], batch.L
    keys = (batch.labels + L * np.arange(B)[:, None]).ravel()
    sums = np.bincount(keys, weights=pi.ravel(), minlength=B * L).reshape(B, L)
    return sums / np.maximum(batch.group_counts.astype(np.float64), 1.0)


def start_stats(batch: ContentCompetitionBatch) -> tuple[np.ndarray, np.ndarray]:
    """Welfare W = mean_x pi(x) (B,) and mean pi per group (B, L) of the current state."""
    pi = batch.user_utilities()
    return pi.mean(axis=1), group_means_rows(pi, batch)


def run_epoch(batch: ContentCompetitionBatch, num_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``num_steps`` creator steps of every world under the weights in force (one kernel call each).

    Returns, per world, the welfare and group utilities averaged over the steps (each measured after a
    step) and the mean LBR acceptance rate: (B,), (B, L), (B,), as
    :meth:`~.world.ContentCompetitionWorld.run_epoch`.
    """
    B, M = batch.B, int(num_steps)
    wel = np.empty((B, M))
    acc = np.empty((B, M))
    grp = np.zeros((B, batch.L))
    for t in range(M):
        acc[:, t] = batch.creator_step()
        pi = batch.user_utilities()
        wel[:, t] = pi.mean(axis=1)
        grp += group_means_rows(pi, batch)
    return wel.mean(axis=1), grp / M, acc.mean(axis=1)


def _creator_stats_rows(batch: ContentCompetitionBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exposure (B, n), utility (B, n) and exposure by group (B, n, L) of every world, from the lists
    (the batched form of ``NumpyEngine._lists_creator_stats``: P_i(x) = e_i / S_IN in the top K(x), the
    dense matching for users whose K-th value ties the (K+1)-th)."""
    B, n, m, L = batch.B, batch.n, batch.m, batch.L
    batch._ensure_lists()
    k, invb = batch._k, batch._invb
    rw = batch._rw_m * m
    V, Ix = batch._Vt, batch._It
    inside = batch._J < k[:, None]
    e = np.exp((V - batch._peak) * invb[:, None])
    P = np.where(inside, e / batch._s_in[:, None], 0.0)
    tie = (k < n) & (batch._tau_out == batch._tau_in)
    w_rows = np.where(tie[:, None], 0.0, P)
    idx = np.where(inside, Ix, 0) + (np.arange(B * m) // m * n)[:, None]
    expo = np.bincount(idx.ravel(), weights=w_rows.ravel(), minlength=B * n).reshape(B, n)
    util = np.bincount(idx.ravel(), weights=(w_rows * np.where(inside, V, 0.0) * rw[:, None]).ravel(),
                       minlength=B * n).reshape(B, n)
    grp = (idx * L + batch.labels.reshape(-1, 1)).ravel()
    by_group = np.bincount(grp, weights=w_rows.ravel(), minlength=B * n * L).reshape(B, n, L)
    T = np.flatnonzero(tie)
    if T.size:
        jL = np.arange(n)[None, :] * L
        for b in np.unique(T // m).tolist():
            Tb = T[T // m == b] - b * m
            sl = slice(b * m, (b + 1) * m)
            cols = batch.SigT[b][:, Tb].T
            Pt = match_probabilities(cols, invb[sl][Tb], k[sl][Tb])
            expo[b] += Pt.sum(0)
            util[b] += (Pt * batch.SigT[b][:, Tb].T * rw[sl][Tb, None]).sum(0)
            lab = batch.labels[b][Tb]
            tied = np.bincount((jL + lab[:, None]).ravel(), weights=Pt.ravel(), minlength=n * L)
            by_group[b] += tied.reshape(n, L)
    return expo / m, util / m, by_group / m


def _gini_rows(values: np.ndarray) -> np.ndarray:
    """Gini coefficient of every row (as :func:`~recogym_eco.components.metrics.gini`):
    G = sum_i (2i - n - 1) x_(i) / (n sum x), 0 for a row summing to <= 0."""
    x = np.sort(values, axis=1)
    n = x.shape[1]
    tot = x.sum(1)
    i = np.arange(1, n + 1)
    num = ((2 * i - n - 1) * x).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = num / (n * tot)
    return np.where(tot <= 0, 0.0, g)


def _default_matching_welfare(batch: ContentCompetitionBatch) -> np.ndarray:
    """Welfare of every world if the platform matched with the default (beta, K), (B,)."""
    c = batch.config
    B, n, m = batch.B, batch.n, batch.m
    if m == 1:  # a one-row matrix is reduced in another order than a many-row one: per world
        return np.array([batch.default_matching_user_utilities(b).mean() for b in range(B)])
    # (B m, n) with users contiguous, as SigT[b].T is for one world
    sig = batch.SigT.transpose(1, 0, 2).reshape(n, B * m).T
    return topk_user_utilities(sig, 1.0 / c.beta, batch._K).reshape(B, m).mean(axis=1)


def section9_metrics(batch: ContentCompetitionBatch) -> dict[str, np.ndarray]:
    """Per world (B,): ``exposure_gini``, ``content_diversity``, ``creator_utility_mean`` (Section 9)
    and ``welfare_default_matching``, equal to one world's ``metrics()`` and
    ``default_matching_user_utilities().mean()``."""
    B, L = batch.B, batch.L
    if not batch.incremental:
        rows = [batch.metrics(b) for b in range(B)]
        return {
            "exposure_gini": np.array([r["exposure_gini"] for r in rows]),
            "content_diversity": np.array([r["content_diversity"] for r in rows]),
            "creator_utility_mean": np.array([r["creator_utility_mean"] for r in rows]),
            "welfare_default_matching": np.array(
                [batch.default_matching_user_utilities(b).mean() for b in range(B)]
            ),
        }
    expo, util, by_group = _creator_stats_rows(batch)
    target = np.argmax(by_group, axis=2)
    counts = np.bincount((target + L * np.arange(B)[:, None]).ravel(), minlength=B * L).reshape(B, L)
    counts = counts.astype(np.float64)
    return {
        "exposure_gini": _gini_rows(expo),
        "content_diversity": np.array([shannon_entropy(counts[b]) for b in range(B)]),
        "creator_utility_mean": util.mean(axis=1),
        "welfare_default_matching": _default_matching_welfare(batch),
    }

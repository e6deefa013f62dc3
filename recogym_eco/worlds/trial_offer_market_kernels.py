"""Compiled arrival loop of TrialOfferMarket (numba ``@njit(cache=True)``).

One call processes a batch of arrivals *sequentially and exactly*: every purchase changes the market
shares before the next arrival tries an item (seed 004, Section 2.1, Eq. 1). Its NumPy reference is
:func:`recogym_eco.worlds.trial_offer_market.run_arrivals_reference`; given the same uniforms both
make the same choices (the tests compare them). :func:`run_arrivals_batch` runs the same loop for
every world of a batch (:mod:`recogym_eco.envs.trial_offer_market_vector`) in one call.

Data layout (built by the world whenever the ranking changes):

* for each type i the ``nslots[i]`` items with a positive position factor (the top positions of its
  ranking) sorted by item index: ``slot_items[i, k]`` and ``slot_vis[i, k] = v-hat_ik * iota_pos``;
* an item -> (type, slot) index in CSR form (``item_ptr``, ``item_entries`` = i * P + k), so that a
  purchase of item j updates only the trial weights that mention j.

Trial weight of slot k of type i: a_ik = slot_vis[i, k] * d_j^{r_i}, with d_j the purchase count of
its item. The common factor (sum_k d_k)^{-r_i} of phi_j^{r_i} cancels in Eq. (1), so the weights never
need the total. S_i = sum_k a_ik is kept up to date by adding the change of the one weight a purchase
touches, and recomputed from scratch at the start of every batch.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["run_arrivals_batch", "run_arrivals_kernel"]


@njit(cache=True)
def run_arrivals_kernel(counts: np.ndarray, cum_w: np.ndarray, slot_items: np.ndarray, slot_vis: np.ndarray,
                        nslots: np.ndarray, feedback: np.ndarray, same_feedback: bool, quality: np.ndarray,
                        item_ptr: np.ndarray, item_entries: np.ndarray, uniforms: np.ndarray,
                        type_arrivals: np.ndarray, type_purchases: np.ndarray) -> int:  # pragma: no cover
    """One world's batch of arrivals (:func:`_arrivals`, the loop the batched kernel shares)."""
    return _arrivals(counts, cum_w, slot_items, slot_vis, nslots, feedback, same_feedback, quality, item_ptr,
                     item_entries, uniforms, type_arrivals, type_purchases)


@njit(cache=True)
def run_arrivals_batch(stepping: np.ndarray, counts: np.ndarray, cum_w: np.ndarray, slot_items: np.ndarray,
                       slot_vis: np.ndarray, nslots: np.ndarray, feedback: np.ndarray, same_feedback: bool,
                       quality: np.ndarray, item_ptr: np.ndarray, item_entries: np.ndarray,
                       uniforms: np.ndarray, type_arrivals: np.ndarray, type_purchases: np.ndarray,
                       purchases: np.ndarray) -> None:  # pragma: no cover
    """The arrivals of every world ``n`` with ``stepping[n]``, one world after the other, in one call.

    The per-world arrays carry a leading world axis (``counts`` (N, I), ``slot_items`` / ``slot_vis``
    (N, T, P), ``item_ptr`` (N, I + 1), ``item_entries`` (N, T * P), ``uniforms`` (N, B, 3), the
    tallies (N, T)); the market (``cum_w``, ``nslots``, ``feedback``, ``quality``) is shared. World n
    runs exactly :func:`run_arrivals_kernel` on its rows; its purchases go to ``purchases[n]``.
    """
    for n in range(counts.shape[0]):
        if stepping[n]:
            purchases[n] = _arrivals(counts[n], cum_w, slot_items[n], slot_vis[n], nslots, feedback,
                                     same_feedback, quality, item_ptr[n], item_entries[n], uniforms[n],
                                     type_arrivals[n], type_purchases[n])


@njit(cache=True)
def _arrivals(counts: np.ndarray, cum_w: np.ndarray, slot_items: np.ndarray, slot_vis: np.ndarray,
              nslots: np.ndarray, feedback: np.ndarray, same_feedback: bool, quality: np.ndarray,
              item_ptr: np.ndarray, item_entries: np.ndarray, uniforms: np.ndarray,
              type_arrivals: np.ndarray, type_purchases: np.ndarray) -> int:  # pragma: no cover
    """Process ``uniforms.shape[0]`` arrivals in order; update counts and per-type tallies in place.

    Each arrival uses three uniforms: (type: first i with cum_w[i] > u0), (trial: first slot, in item
    order, whose running weight sum exceeds u1 * S_i; Eq. 1), (purchase: u2 < q_ij). A type whose
    visible weights are all zero tries nothing (the paper's convention for a zero denominator).
    Returns the number of purchases.
    """
    T, P = slot_vis.shape
    a = np.zeros((T, P))
    S = np.zeros(T)
    for i in range(T):
        r = feedback[i]
        s = 0.0
        for k in range(nslots[i]):
            w = slot_vis[i, k] * counts[slot_items[i, k]] ** r
            a[i, k] = w
            s += w
        S[i] = s
    r0 = feedback[0]
    total = 0
    B = uniforms.shape[0]
    for b in range(B):
        u0 = uniforms[b, 0]
        lo = 0
        hi = T - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum_w[mid] > u0:
                hi = mid
            else:
                lo = mid + 1
        i = lo
        type_arrivals[i] += 1
        if S[i] <= 0.0:
            continue
        target = uniforms[b, 1] * S[i]
        acc = 0.0
        chosen = -1
        n = nslots[i]
        for k in range(n):
            acc += a[i, k]
            if acc > target:
                chosen = k
                break
        if chosen < 0:
            for k in range(n - 1, -1, -1):
                if a[i, k] > 0.0:
                    chosen = k
                    break
            if chosen < 0:
                continue
        j = slot_items[i, chosen]
        if uniforms[b, 2] < quality[i, j]:
            counts[j] += 1
            type_purchases[i] += 1
            total += 1
            dj = float(counts[j])
            if same_feedback:
                pw = dj ** r0
                for e in range(item_ptr[j], item_ptr[j + 1]):
                    ent = item_entries[e]
                    ii = ent // P
                    kk = ent - ii * P
                    new = slot_vis[ii, kk] * pw
                    S[ii] += new - a[ii, kk]
                    a[ii, kk] = new
            else:
                for e in range(item_ptr[j], item_ptr[j + 1]):
                    ent = item_entries[e]
                    ii = ent // P
                    kk = ent - ii * P
                    new = slot_vis[ii, kk] * dj ** feedback[ii]
                    S[ii] += new - a[ii, kk]
                    a[ii, kk] = new
    return total

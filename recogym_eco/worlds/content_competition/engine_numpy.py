"""The incremental NumPy engine: per-user candidate lists that make one LBR proposal cost O(m).

Seed 000 (Yao et al.), Algorithm 2 (Local Better Response): a proposal of creator i changes one
column of the (m, n) relevance matrix. Under the top-K softmax matching (Eq. (1)) its utility
u_i = mean_x w(x) sigma_i(x) P_i(x) needs, per user, only the K(x)-th and (K(x)+1)-th relevance and
the softmax sums of the top K(x). Each user keeps the exact top-len creators (K(x) + 1 <= len <= cap,
or all n): slots 0..K(x)-1 the top-K(x) set (unsorted), slots K(x)..len-1 the buffer (unsorted).
The per-user caches shared with the compiled engine live in one (rows, 8) array whose columns are
:class:`Pack`.

:class:`NumpyEngine` is a mixin of :class:`~.batch.ContentCompetitionBatch`: it reads the batch's
relevance matrix ``SigT`` (B, n, m), the deployed levers ``_k``, ``_invb``, ``_rw_m`` (flat rows
r = b * m + x) and ``_peak``, and owns the list arrays (``_Vt``, ``_It``, ``_posT``, ...) and ``ET``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np

from .matching import match_probabilities

__all__ = ["DOMINANCE_GUARD", "LIST_SLACK", "NEG", "NumpyEngine", "Pack", "SUM_REL_TOL"]

NEG = -1e300  # "no creator" value in the lists (finite so that 0 * NEG == 0)
LIST_SLACK = 4  # spare list slots per user beyond K(x) + 1
# A user's softmax sum S_IN is updated by adding differences of its terms; each update may round by
# one ulp of the larger of the sum and the terms involved. ``_serr`` bounds the accumulated rounding;
# when it exceeds SUM_REL_TOL * S_IN (the sum shrank far below its past size: small beta(x), one
# creator leaving a user it dominated), the row's sums are recomputed from its list.
SUM_REL_TOL = 1e-12
_ULP2 = 2.0**-52  # two units of rounding: one for the difference, one for the addition
# S_IN minus the mover's own term cancels when the mover holds all but DOMINANCE_GUARD of the sum: then
# the other terms are summed directly (both engines); otherwise the rest keeps a relative error of at
# most (rounding in S_IN) / DOMINANCE_GUARD (1e-8 here; the 1e-9 guard used before allowed 2e-7).
DOMINANCE_GUARD = 1e-4


class Pack(IntEnum):
    """Columns of the per-user cache array ``_pack`` (one row per (world, user)), shared by both engines."""

    TAU_IN = 0  # (K(x)+1)-th relevance: the best creator outside the top K(x) (NEG if none)
    TAU_OUT = 1  # K(x)-th relevance: the weakest creator inside the top K(x)
    S_IN = 2  # softmax sum over the top K(x): sum exp((sigma - peak) / beta(x))
    S_OUT = 3  # S_IN without the K(x)-th term
    REWARD_W = 4  # w(x) / m: the user's weight in a creator's utility
    K = 5  # K(x) (stored as float)
    INV_BETA = 6  # 1 / beta(x)
    THRESHOLD = 7  # TAU_IN - reach: a proposal can change this user's matching only above it


class NumpyEngine:
    """Incremental lists and caches in NumPy, with vectorised case-by-case updates (see module doc)."""

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
        ``_serr`` bounds the rounding accumulated in s_in since its last exact sum; a user whose bound
        passes SUM_REL_TOL * s_in is summed again from its list, so the sums stay exact to 1e-12 at
        every temperature the configuration accepts.
        """
        c = self.config
        BM, n, cap = self.B * self.m, self.n, self._cap
        self._reach = self._proposal_reach()
        self._Vt = np.full((BM, cap), NEG)
        self._It = np.full((BM, cap), -1, dtype=np.int64)
        self._len = np.zeros(BM, dtype=np.int64)
        self._tpos = np.zeros(BM, dtype=np.int64)
        self._bpos = np.zeros(BM, dtype=np.int64)
        self._obound = np.full(BM, NEG)
        self._posT = np.full((self.B, n + 1, self.m), cap, dtype=np.int64)
        # per-user caches packed in one (BM, len(Pack)) array so that a proposal gathers them in one call
        self._pack = np.zeros((BM, len(Pack)))
        self._link_pack()
        self._sync_pack()
        self._num = np.zeros(BM)
        self._serr = np.zeros(BM)  # bound on the rounding accumulated in S_IN (and, times peak, in num)
        self.ET = np.exp((self.SigT - self._peak) * self._invb.reshape(self.B, 1, self.m))
        self._J = np.arange(cap)[None, :]
        self._fill_rows(np.arange(BM))
        self._lists_valid = True

    def _proposal_reach(self) -> float:
        """Largest change of a computed sigma that one LBR proposal can cause; inf: no row filtering.

        The distance relevance is (1 / scale)-Lipschitz and radial projection onto the ball is
        non-expansive, so a move by eta changes sigma by at most eta / scale (seed 000, Section 5.1).
        Computed sigmas also carry the rounding of sqrt(xx - 2 xs + ss): an absolute error of up to
        eps (|x| + |s|)^2 in the square gives up to sqrt(eps) (|x| + |s|) in the distance. The bound
        adds that for both values (and a little for the subtraction), so that a proposal that ties
        or overtakes a user's K-th creator is never filtered out.
        """
        c = self.config
        if c.relevance != "distance" or self.finite:
            return np.inf
        span = float(np.sqrt(self.xxf.max(initial=0.0))) + c.strategy_radius + c.eta
        rounding = 4.0 * np.sqrt(2.0**-52) * span / c.relevance_scale + 2.0**-48 * c.relevance_peak
        return c.eta / c.relevance_scale + rounding

    def _link_pack(self) -> None:
        """Named column views of ``_pack`` (written through by both engines)."""
        self._tau_in, self._tau_out = self._pack[:, Pack.TAU_IN], self._pack[:, Pack.TAU_OUT]
        self._s_in, self._s_out = self._pack[:, Pack.S_IN], self._pack[:, Pack.S_OUT]
        self._thr = self._pack[:, Pack.THRESHOLD]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """After a copy or unpickling the column views are separate arrays: link them to ``_pack`` again."""
        self.__dict__.update(state)
        if "_pack" in state:
            self._link_pack()

    def _sync_pack(self) -> None:
        self._pack[:, Pack.REWARD_W] = self._rw_m
        self._pack[:, Pack.K] = self._k
        self._pack[:, Pack.INV_BETA] = self._invb

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
            ob = np.full(r, NEG)
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
        self._tau_in[rows] = np.where(has_buf, V[rr, np.minimum(kx, cap - 1)], NEG)
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
        self._serr[sl] = 0.0

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
        self._tau_in[R] = np.where(np.isfinite(val), val, NEG)

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
        self._Vt[R, last] = NEG
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
        dm = np.zeros(U.size)  # entering + leaving terms of S_IN: the size of this update's rounding
        peak, invb = self._peak, self._invb
        rescan_top: list[np.ndarray] = []
        rescan_buf: list[np.ndarray] = []
        Vt, It, posT = self._Vt, self._It, self._posT
        if c1.any():  # stays in the top part
            R, pp, vv = U[c1], pU[c1], vU[c1]
            Vt[R, pp] = vv
            ds[c1] = evU[c1] - eoU[c1]
            dm[c1] = evU[c1] + eoU[c1]
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
            dm[c2] = e_t + eoU[c2]
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
            dm[c3] = evU[c3] + e_t
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
            dm[c6] = evU[c6] + e_t
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
        s_new = self._s_in[U] + ds
        self._s_in[U] = s_new
        self._num[U] += dn
        err = self._serr[U] + _ULP2 * (dm + s_new)
        self._serr[U] = err
        if rescan_top:
            self._rescan_top(np.concatenate(rescan_top))
        if rescan_buf:
            self._rescan_buf(np.concatenate(rescan_buf))
        short = U[(self._len[U] < np.minimum(self._k[U] + 1, self.n))]
        if short.size:
            self._fill_rows(short)
        stale = U[~(err <= SUM_REL_TOL * s_new)]
        if stale.size:
            self._refresh_sums(stale)
        self._s_out[U] = self._s_in[U] - np.exp((self._tau_out[U] - peak) * invb[U])
        self._thr[U] = self._tau_in[U] - self._reach

    # ---------------------------------------------------------------- utilities

    def _utilities_rows(self, R: np.ndarray, wR: np.ndarray, iR: np.ndarray, cols: np.ndarray, ecols: np.ndarray) -> np.ndarray:
        """Per-world u_i (2, B) for old/new columns ``cols`` (2, |R|) on flat rows R (others add 0)."""
        self._ensure_lists()
        xR = R % self.m
        Cp = self._pack[R]
        tau_in, tau_out, s_in, s_out = Cp[:, Pack.TAU_IN], Cp[:, Pack.TAU_OUT], Cp[:, Pack.S_IN], Cp[:, Pack.S_OUT]
        rw_m, k = Cp[:, Pack.REWARD_W], Cp[:, Pack.K]
        in_top = self._posT[wR, iR, xR] < k
        tau = np.where(in_top, tau_in, tau_out)
        A = np.where(in_top, s_in - ecols[0], s_out)
        bad = in_top & (A <= DOMINANCE_GUARD * s_in)
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

    # ---------------------------------------------------------------- read-outs and checks

    def _ensure_lists(self) -> None:
        """Rebuild the lists if the compiled engine has moved the world since they were last valid."""
        if self.incremental and not self._lists_valid:
            self._rebuild_lists()

    def _lists_creator_stats(self, b: int, rw: np.ndarray, invb: np.ndarray, k: np.ndarray,
                             labels: np.ndarray) -> dict[str, np.ndarray]:
        """Exposure, utility and exposure by group of world b from the top parts of its lists.

        Users whose K-th value ties the (K+1)-th fall back to the dense :func:`match_probabilities`
        (shared slots); the others read P_i(x) = e_i / S_IN from the lists.
        """
        n, m, L = self.n, self.m, self.L
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

    def check_consistency(self) -> float:
        """Max abs difference between the incremental caches and a full rebuild (for tests).

        Checks whichever engine owns the state: the NumPy lists, or the compiled engine's sorted rows
        (:meth:`~.engine_compiled.CompiledEngine._compiled_lists_check`); 0.0 for the dense engine.
        """
        if not self.incremental:
            return 0.0
        pi = self.user_utilities().copy()
        names = ("_tau_in", "_tau_out", "_s_in", "_s_out")
        c_mode = not self._lists_valid  # the compiled engine does not keep ET (rebuilt with the lists)
        old = [getattr(self, a).copy() for a in names] + [None if c_mode else self.ET.copy()]
        k = self._k
        kmax = int(k.max())
        if c_mode:
            top_old, ok_pos = self._compiled_lists_check()
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

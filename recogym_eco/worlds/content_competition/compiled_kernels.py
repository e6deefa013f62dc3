"""numba kernels of the compiled engine: one whole creator step of every world in one call.

Seed 000 (Yao et al.), Algorithm 2 (Local Better Response) under the top-K softmax matching of
Eq. (1). Imported only when the compiled engine is used (``import recogym_eco`` stays free of numba);
``@njit(cache=True)`` keeps numba's own on-disk cache of the machine code, nothing else is written.

Per-user state (row r = b * m + x of the flat (world, user) arrays): all n creators in one row whose
first L = min(K(x) + 1 + slack, n) slots hold the L most relevant in descending order and whose
other slots (the "bag") hold the rest, unsorted: creator ids ``oI``, values ``oV``, weights
``oE`` = exp((v - peak) / beta(x)) (kept, and read, for the sorted slots only), ``last`` = oV[L - 1]
per row (so that a move inside the bag touches one slot of the row), and ``pos`` (B, n, m), the slot
of creator j for user x. The caches are the columns of :class:`~.engine_numpy.Pack`;
``num`` is sum e * sigma over the top K(x). Every array is passed flat (C order) and indexed as the
row-major layout it came from.

The floating-point operations are those of the C kernel this engine replaced, in the same order (each
inner product summed over coordinates in order, four independent partial sums in
:func:`refresh_row`, libm ``exp``, IEEE division: ``error_model="numpy"``), so both take the same
decisions and give the same utilities bit for bit. What differs is memory traffic, and one guard: a
creator that holds all but ``DOMINANCE_GUARD`` (1e-4; the C kernel: 1e-9) of a user's softmax sum has
the others' sum added up directly, which keeps proposals exact at small beta. The inner products of
all users are accumulated in loops over users that vectorise, the rows' last sorted values are
cached, and the loops over users prefetch the row slots they will touch a few users ahead. The
relevance of a proposal is :func:`distance_scalar`, the scalar transcription of
:func:`~.relevance.distance_from_parts` (the tests compare the two).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from .engine_numpy import DOMINANCE_GUARD, NEG, Pack

__all__ = [
    "bag_argmax", "cc_refresh", "cc_step", "count_above_and_tied", "distance_scalar", "move_creator",
    "proposal_utilities",
]

_TAU_IN = int(Pack.TAU_IN)
_TAU_OUT = int(Pack.TAU_OUT)
_S_IN = int(Pack.S_IN)
_S_OUT = int(Pack.S_OUT)
_REWARD_W = int(Pack.REWARD_W)
_K = int(Pack.K)
_INV_BETA = int(Pack.INV_BETA)
_THRESHOLD = int(Pack.THRESHOLD)
_NP = len(Pack)
# Indices are converted to unsigned before indexing: numba then skips its negative-index wraparound
# (every index here is >= 0), which otherwise costs about a third of the kernel's time.
_ix = np.uint64


_AHEAD = 8  # users ahead whose random-access slots the loops prefetch


@intrinsic
def prefetch(typingctx, arr, idx):
    """Hint the CPU to fetch ``arr[idx]`` into cache (``llvm.prefetch``); no effect on any value."""
    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        i8p = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i8p, ir.IntType(32), ir.IntType(32), ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        i32 = ir.IntType(32)
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), i8p)
        builder.call(fn, [ptr, ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


@njit(cache=True, error_model="numpy", inline="always")
def distance_scalar(xx: float, dot: float, pp: float, peak: float, scale: float) -> float:
    """Distance relevance of one (user, strategy) pair: max(peak - sqrt(max(xx - 2 dot + pp, 0)) / scale, 0).

    ``xx`` = <x, x>, ``dot`` = <x, s>, ``pp`` = <s, s>; seed 000, Section 5.1. Same operations as
    :func:`~.relevance.distance_from_parts`.
    """
    d2 = xx - 2.0 * dot + pp
    v = peak - math.sqrt(d2 if d2 > 0.0 else 0.0) / scale
    if not (v > 0.0):
        v = 0.0
    return v


@njit(cache=True, error_model="numpy", inline="always")
def refresh_row(r, n, V, E, base, pack, num, reach, thr):
    """Caches of row r (TAU_IN, TAU_OUT, S_IN, S_OUT, THRESHOLD, num) from its sorted top K(x)."""
    pk = r * _NP
    k = int(pack[_ix(pk + _K)])
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    n0 = 0.0
    n1 = 0.0
    n2 = 0.0
    n3 = 0.0
    p = 0
    while p + 4 <= k:
        q = base + p
        s0 += E[_ix(q)]
        s1 += E[_ix(q + 1)]
        s2 += E[_ix(q + 2)]
        s3 += E[_ix(q + 3)]
        n0 += E[_ix(q)] * V[_ix(q)]
        n1 += E[_ix(q + 1)] * V[_ix(q + 1)]
        n2 += E[_ix(q + 2)] * V[_ix(q + 2)]
        n3 += E[_ix(q + 3)] * V[_ix(q + 3)]
        p += 4
    while p < k:
        s0 += E[_ix(base + p)]
        n0 += E[_ix(base + p)] * V[_ix(base + p)]
        p += 1
    s = (s0 + s1) + (s2 + s3)
    nu = (n0 + n1) + (n2 + n3)
    pack[_ix(pk + _TAU_IN)] = V[_ix(base + k)] if k < n else NEG
    pack[_ix(pk + _TAU_OUT)] = V[_ix(base + k - 1)]
    pack[_ix(pk + _S_IN)] = s
    pack[_ix(pk + _S_OUT)] = s - E[_ix(base + k - 1)]
    pack[_ix(pk + _THRESHOLD)] = pack[_ix(pk + _TAU_IN)] - reach
    thr[_ix(r)] = pack[_ix(pk + _THRESHOLD)]
    num[_ix(r)] = nu


@njit(cache=True, error_model="numpy", inline="always")
def bag_argmax(V, base, L, n):
    """Slot (relative to the row) of the largest value in the bag V[_ix(base + L .. base + n - 1)]."""
    a0 = V[_ix(base + L)]
    a1 = a0
    a2 = a0
    a3 = a0
    s = L + 1
    while s + 4 <= n:
        q = base + s
        a0 = V[_ix(q)] if V[_ix(q)] > a0 else a0
        a1 = V[_ix(q + 1)] if V[_ix(q + 1)] > a1 else a1
        a2 = V[_ix(q + 2)] if V[_ix(q + 2)] > a2 else a2
        a3 = V[_ix(q + 3)] if V[_ix(q + 3)] > a3 else a3
        s += 4
    while s < n:
        a0 = V[_ix(base + s)] if V[_ix(base + s)] > a0 else a0
        s += 1
    M = a0 if a0 > a1 else a1
    M2 = a2 if a2 > a3 else a3
    M = M if M > M2 else M2
    for s in range(L, n):
        if V[_ix(base + s)] == M:
            return s
    return L


@njit(cache=True, error_model="numpy")
def cc_refresh(BM, n, m, slack, mode, SigT, peak, oV, oE, oI, pos, pack, num, reach, thr, Lr, last):
    """Per-user state after a lever change: mode 0 K(x) changed (re-size the sorted parts), 1 beta(x)
    changed (new weights), 2 initialise from a full descending sort already in ``oI``."""
    for r in range(BM):
        b = r // m
        x = r - b * m
        base = r * n
        pb = b * n * m + x  # pos[pb + j * m]: slot of creator j for this user
        invb = pack[_ix(r * _NP + _INV_BETA)]
        k = int(pack[_ix(r * _NP + _K)])
        L = k + 1 + slack if k + 1 + slack < n else n
        if mode == 2:
            Lr[_ix(r)] = L
            for p in range(n):
                j = oI[_ix(base + p)]
                oV[_ix(base + p)] = SigT[_ix((b * n + j) * m + x)]
                pos[_ix(pb + j * m)] = p
        if mode >= 1:
            for p in range(Lr[_ix(r)]):
                oE[_ix(base + p)] = math.exp((oV[_ix(base + p)] - peak) * invb)
        else:
            # extend the sorted part by selection from the bag, or shrink it (a sorted prefix stays valid)
            for p in range(Lr[_ix(r)], L):
                q = p
                for s in range(p + 1, n):
                    if oV[_ix(base + s)] > oV[_ix(base + q)]:
                        q = s
                if q != p:
                    tv = oV[_ix(base + p)]
                    ti = oI[_ix(base + p)]
                    oV[_ix(base + p)] = oV[_ix(base + q)]
                    oI[_ix(base + p)] = oI[_ix(base + q)]
                    oV[_ix(base + q)] = tv
                    oI[_ix(base + q)] = ti
                    pos[_ix(pb + oI[_ix(base + q)] * m)] = q
                    pos[_ix(pb + oI[_ix(base + p)] * m)] = p
                oE[_ix(base + p)] = math.exp((oV[_ix(base + p)] - peak) * invb)
            Lr[_ix(r)] = L
        last[_ix(r)] = oV[_ix(base + Lr[_ix(r)] - 1)]
        refresh_row(r, n, oV, oE, base, pack, num, reach, thr)


@njit(cache=True, error_model="numpy")
def count_above_and_tied(SigT, b, n, m, x, i, value):
    """How many creators other than i have relevance above ``value`` for user x of world b, and how
    many equal to it (the rare tie case; kept out of line so the hot loop stays small)."""
    a = 0
    tt = 0
    for j in range(n):
        if j == i:
            continue
        sj = SigT[_ix((b * n + j) * m + x)]
        if sj > value:
            a += 1
        if sj == value:
            tt += 1
    return a, tt


@njit(cache=True, error_model="numpy")
def proposal_utilities(b, i, n, m, d, P, pt, SigT, XT, xx, pack, oE, oI, pos, peak, scale, thr, reached, dots):
    """(u_old, u_new) of creator i of world b for its current column and the proposal P[pt:pt + d],
    summed over the users it can reach (the others contribute equally to both); ``reached`` and
    ``dots`` (m,) are scratch space (see :func:`move_creator` for ``XT``)."""
    col_i = (b * n + i) * m
    pp = 0.0
    for q in range(d):
        pp += P[_ix(pt + q)] * P[_ix(pt + q)]
    for x in range(m):
        dots[_ix(x)] = 0.0
    for q in range(d):
        pq = P[_ix(pt + q)]
        xo = (b * d + q) * m
        for x in range(m):
            dots[_ix(x)] += XT[_ix(xo + x)] * pq
    # first the users this proposal can reach (a tight loop), then the work on them, in user order
    count = 0
    for x in range(m):
        if SigT[_ix(col_i + x)] > thr[_ix(b * m + x)]:
            reached[_ix(count)] = x
            count += 1
    u0 = 0.0
    u1 = 0.0
    for h in range(count):
        if h + _AHEAD < count:
            xa = reached[_ix(h + _AHEAD)]
            prefetch(oE, _ix((b * m + xa) * n + pos[_ix(col_i + xa)]))
            prefetch(pack, _ix((b * m + xa) * _NP))
        x = reached[_ix(h)]
        r = b * m + x
        o = SigT[_ix(col_i + x)]
        pk = r * _NP
        v = distance_scalar(xx[_ix(r)], dots[_ix(x)], pp, peak, scale)
        k = int(pack[_ix(pk + _K)])
        invb = pack[_ix(pk + _INV_BETA)]
        rw = pack[_ix(pk + _REWARD_W)]
        s_in = pack[_ix(pk + _S_IN)]
        pi = pos[_ix(col_i + x)]
        in_top = pi < k
        tau = pack[_ix(pk + _TAU_IN)] if in_top else pack[_ix(pk + _TAU_OUT)]
        eo = oE[_ix(r * n + pi)] if in_top else 0.0
        A = s_in - eo if in_top else pack[_ix(pk + _S_OUT)]
        if in_top and A <= DOMINANCE_GUARD * s_in:
            # cancellation guard: creator i dominates this user; sum the others directly
            A = 0.0
            for p in range(k):
                if oI[_ix(r * n + p)] != i:
                    A += oE[_ix(r * n + p)]
        for c in range(2):
            col = v if c else o
            if col < tau:
                continue
            if c:
                ec = math.exp((v - peak) * invb)
            elif in_top:
                ec = eo
            else:
                ec = math.exp((o - peak) * invb)
            Pm = ec / (A + ec) if col > tau else 0.0
            if col == tau and col > 0.0:
                # the column ties the K-th value of the others: tied creators share the slots left
                a, tt = count_above_and_tied(SigT, b, n, m, x, i, col)
                Pm = ec / (A + ec) * float(k - a) / float(tt + 1)
            contrib = Pm * col * rw
            if c:
                u1 += contrib
            else:
                u0 += contrib
    return u0, u1


@njit(cache=True, error_model="numpy")
def move_creator(b, i, n, m, d, Sn, pt, S, SigT, XT, xx, pack, num, oV, oE, oI, pos, peak, scale, reach, vbuf,
                 Lr, last, thr):
    """Creator i of world b moves to Sn[pt:pt + d]: its relevance column, every user's row (an
    insertion step in the sorted part, or an exchange with the bag) and the caches of the rows whose
    top K(x) changed.

    ``last`` (rows,) holds each row's last sorted value oV[L - 1], so that a creator moving inside the
    bag touches one slot of the row only. ``XT`` is the users' embeddings transposed, (B, d, m): the
    inner products <x, s> accumulate over coordinates q = 0..d-1 in order for every user (the same
    sums as a loop over q per user) in loops over users that vectorise.
    """
    col_i = (b * n + i) * m
    ps = 0.0
    for q in range(d):
        S[_ix(pt + q)] = Sn[_ix(pt + q)]
        ps += Sn[_ix(pt + q)] * Sn[_ix(pt + q)]
    for x in range(m):
        vbuf[_ix(x)] = 0.0
    for q in range(d):
        sq = Sn[_ix(pt + q)]
        xo = (b * d + q) * m
        for x in range(m):
            vbuf[_ix(x)] += XT[_ix(xo + x)] * sq
    for x in range(m):
        vbuf[_ix(x)] = distance_scalar(xx[_ix(b * m + x)], vbuf[_ix(x)], ps, peak, scale)
    for x in range(m):
        r = b * m + x
        if x + _AHEAD < m:
            prefetch(oV, _ix((r + _AHEAD) * n + pos[_ix(b * n * m + x + _AHEAD + i * m)]))
        o = SigT[_ix(col_i + x)]
        v = vbuf[_ix(x)]
        if v == o:
            continue
        pk = r * _NP
        SigT[_ix(col_i + x)] = v
        base = r * n
        pb = b * n * m + x  # pos[pb + j * m]: slot of creator j for this user
        L = Lr[_ix(r)]
        p0 = pos[_ix(pb + i * m)]
        p = p0
        if p < L:
            ev = math.exp((v - peak) * pack[_ix(pk + _INV_BETA)])
            if v > o:
                while p > 0 and oV[_ix(base + p - 1)] < v:
                    oV[_ix(base + p)] = oV[_ix(base + p - 1)]
                    oE[_ix(base + p)] = oE[_ix(base + p - 1)]
                    oI[_ix(base + p)] = oI[_ix(base + p - 1)]
                    pos[_ix(pb + oI[_ix(base + p)] * m)] = p
                    p -= 1
            else:
                while p < L - 1 and oV[_ix(base + p + 1)] > v:
                    oV[_ix(base + p)] = oV[_ix(base + p + 1)]
                    oE[_ix(base + p)] = oE[_ix(base + p + 1)]
                    oI[_ix(base + p)] = oI[_ix(base + p + 1)]
                    pos[_ix(pb + oI[_ix(base + p)] * m)] = p
                    p += 1
            oV[_ix(base + p)] = v
            oE[_ix(base + p)] = ev
            oI[_ix(base + p)] = i
            pos[_ix(pb + i * m)] = p
            lo = p0 if p0 < p else p
            if p == L - 1 and v < o and L < n:
                # the mover is last of the sorted part: the best of the bag may overtake it
                q = bag_argmax(oV, base, L, n)
                M = oV[_ix(base + q)]
                if M > v:
                    oV[_ix(base + p)] = M
                    oE[_ix(base + p)] = math.exp((M - peak) * pack[_ix(pk + _INV_BETA)])
                    oI[_ix(base + p)] = oI[_ix(base + q)]
                    pos[_ix(pb + oI[_ix(base + p)] * m)] = p
                    oV[_ix(base + q)] = v
                    oI[_ix(base + q)] = i
                    pos[_ix(pb + i * m)] = q
            last[_ix(r)] = oV[_ix(base + L - 1)]
        else:
            oV[_ix(base + p)] = v
            lo = n
            if v > last[_ix(r)]:
                ev = math.exp((v - peak) * pack[_ix(pk + _INV_BETA)])
                # enters the sorted part: its last member drops to the bag
                j = oI[_ix(base + L - 1)]
                oV[_ix(base + p)] = oV[_ix(base + L - 1)]
                oI[_ix(base + p)] = j
                pos[_ix(pb + j * m)] = p
                p = L - 1
                while p > 0 and oV[_ix(base + p - 1)] < v:
                    oV[_ix(base + p)] = oV[_ix(base + p - 1)]
                    oE[_ix(base + p)] = oE[_ix(base + p - 1)]
                    oI[_ix(base + p)] = oI[_ix(base + p - 1)]
                    pos[_ix(pb + oI[_ix(base + p)] * m)] = p
                    p -= 1
                oV[_ix(base + p)] = v
                oE[_ix(base + p)] = ev
                oI[_ix(base + p)] = i
                pos[_ix(pb + i * m)] = p
                lo = p
                last[_ix(r)] = oV[_ix(base + L - 1)]
        if lo <= int(pack[_ix(pk + _K)]):
            refresh_row(r, n, oV, oE, base, pack, num, reach, thr)


@njit(cache=True, error_model="numpy")
def cc_step(B, n, m, d, orders, T, Sn, raw, S, SigT, XT, xx, pack, num, oV, oE, oI, pos,
            peak, scale, reach, tol, accepted, vbuf, Lr, last, thr, reached):
    """One creator step of every world: each creator, in ``orders``, evaluates its proposal (T if
    ``raw`` else the projected Sn) and, if u_new >= u_old - tol (Algorithm 2), moves to Sn."""
    P = T if raw else Sn
    for b in range(B):
        for t in range(n):
            i = orders[_ix(b * n + t)]
            pt = (b * n + i) * d  # offset of the proposal in T / Sn
            u0, u1 = proposal_utilities(b, i, n, m, d, P, pt, SigT, XT, xx, pack, oE, oI, pos, peak, scale, thr,
                                        reached, vbuf)
            if not (u1 >= u0 - tol):
                continue
            accepted[_ix(b)] += 1.0
            move_creator(b, i, n, m, d, Sn, pt, S, SigT, XT, xx, pack, num, oV, oE, oI, pos, peak, scale, reach,
                         vbuf, Lr, last, thr)

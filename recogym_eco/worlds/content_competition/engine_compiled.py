"""The compiled engine: the creator loop of a whole creator step in numba (see ``compiled_kernels``).

Seed 000 (Yao et al.), Algorithm 2 (Local Better Response) under the top-K softmax matching of
Eq. (1). It applies to ball strategy sets with distance relevance (the toy and synthetic presets);
per user, all n creators in one row whose first L = min(K(x) + 1 + slack, n) slots are sorted (the
rest unsorted), so an accepted move is an insertion step in that user's row. It takes the same
accept decisions as the NumPy engine and the dense reference (the tests check it).

:class:`CompiledEngine` is a mixin of :class:`~.batch.ContentCompetitionBatch`; it shares the
per-user caches ``_pack`` / ``_num`` with :class:`~.engine_numpy.NumpyEngine`. Whichever engine ran
last owns the state (``_c_valid`` / ``_lists_valid``); the other's structures are rebuilt on demand.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np

from .config import ACCEPT_TOL

__all__ = ["COMPILED_SLACK", "CompiledEngine", "load_kernels"]

COMPILED_SLACK = 4  # sorted slots beyond K(x) + 1 per user (fewer scans of the unsorted rest)


def load_kernels() -> tuple[ModuleType | None, str]:
    """The numba kernel module, or (None, reason) where numba cannot be imported."""
    try:
        return importlib.import_module(f"{__package__}.compiled_kernels"), ""
    except ImportError as exc:
        return None, f"numba is not importable ({exc})"


def _flat(a: np.ndarray) -> np.ndarray:
    """A flat view of ``a`` (the kernels write through it); refuses anything that would be a copy."""
    if not a.flags.c_contiguous:
        raise RuntimeError("compiled engine: state arrays must be C-contiguous")
    return a.reshape(-1)


class CompiledEngine:
    """Glue between the batch's state and the numba kernels."""

    def _c_init(self) -> None:
        """Build the kernel's per-user state: every creator sorted by relevance, plus the caches."""
        B, n, m = self.B, self.n, self.m
        rows = self.SigT.transpose(0, 2, 1).reshape(B * m, n)
        self._oI = np.ascontiguousarray(np.argsort(-rows, axis=1, kind="stable").astype(np.int32))
        self._oV = np.empty((B * m, n))
        self._oE = np.empty((B * m, n))
        self._opos = np.empty((B, n, m), dtype=np.int32)
        self._othr = np.empty(B * m)  # contiguous copy of the row filter Pack.THRESHOLD
        self._oL = np.empty(B * m, dtype=np.int32)  # sorted slots per user: min(K(x) + 1 + slack, n)
        self._olast = np.empty(B * m)  # last sorted value of each row: oV[r, L(r) - 1]
        self._oXT = np.ascontiguousarray(self.X.transpose(0, 2, 1))  # (B, d, m): coordinate q of every user
        self._c_refresh(2)
        self._c_valid = True

    def _c_refresh(self, mode: int, worlds: np.ndarray | None = None) -> None:
        """Kernel caches after a lever change: 0 K(x) changed, 1 beta(x) changed, 2 initialise; for
        every world, or only those of the boolean mask ``worlds`` (one kernel call per run of
        consecutive ones), so a world's caches change only when its own lever did, as when alone."""
        if worlds is None:
            worlds = np.ones(self.B, dtype=bool)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(worlds, dtype=np.int8), [0]])))
        m = self.m
        for b0, b1 in zip(edges[0::2].tolist(), edges[1::2].tolist()):
            rows = slice(b0 * m, b1 * m)
            self._kernels.cc_refresh(
                (b1 - b0) * m, self.n, m, COMPILED_SLACK, int(mode), _flat(self.SigT[b0:b1]), float(self._peak),
                _flat(self._oV[rows]), _flat(self._oE[rows]), _flat(self._oI[rows]), _flat(self._opos[b0:b1]),
                _flat(self._pack[rows]), _flat(self._num[rows]), float(self._reach), self._othr[rows],
                self._oL[rows], self._olast[rows],
            )

    def _c_creator_step(self, orders: np.ndarray, G: np.ndarray) -> None:
        """One creator step of every world in the kernel (same decisions as the NumPy engine)."""
        c = self.config
        B, n, m, d = self.B, self.n, self.m, self.d
        if not self._c_valid:
            self._c_init()
        T = self.S + c.eta * G
        Sn = self._project_ball(T.reshape(B * n, d)).reshape(B, n, d)
        accepted = np.zeros(B)
        vbuf = np.empty(m)
        raw = int(c.lbr_evaluate == "raw")
        self._kernels.cc_step(
            B, n, m, d, _flat(np.ascontiguousarray(orders, dtype=np.int64)), _flat(T), _flat(Sn), raw,
            _flat(self.S), _flat(self.SigT), _flat(self._oXT), self.xxf, _flat(self._pack), self._num,
            _flat(self._oV), _flat(self._oE), _flat(self._oI), _flat(self._opos), float(self._peak),
            float(c.relevance_scale), float(self._reach), float(ACCEPT_TOL), accepted, vbuf, self._oL, self._olast,
            self._othr, np.empty(m, dtype=np.int64),
        )
        self._lists_valid = False
        self.steps_done += 1
        self.last_accept_rate = accepted / n

    @property
    def _kernels(self) -> ModuleType:
        kernels, reason = load_kernels()
        if kernels is None:
            raise RuntimeError(f"compiled engine unavailable: {reason}")
        return kernels

    def _compiled_lists_check(self) -> tuple[np.ndarray, bool]:
        """The kernel's top-K(x) values (sorted ascending, K-wide) and whether its rows are consistent:
        positions invert ids, values (and ``last``) equal the relevance matrix, the sorted part is
        descending and above the bag, and spans at least K(x) + 1 slots (or all n)."""
        k = self._k
        kmax = int(k.max())
        BM, n = self.B * self.m, self.n
        Jn = np.arange(n)[None, :]
        top_old = np.sort(np.where(Jn < k[:, None], self._oV, np.inf), axis=1)[:, :kmax]
        rows = self.SigT.transpose(0, 2, 1).reshape(BM, n)
        V = np.take_along_axis(rows, self._oI.astype(np.int64), axis=1)  # every slot's value
        Lr = self._oL.astype(np.int64)
        srt = Jn < Lr[:, None]
        last = V[np.arange(BM), Lr - 1]
        slots = np.take_along_axis(self._opos.transpose(0, 2, 1).reshape(BM, n), self._oI.astype(np.int64), axis=1)
        return top_old, bool(
            np.array_equal(slots, np.broadcast_to(Jn, (BM, n)))
            and np.array_equal(self._oV, V)
            and np.array_equal(self._olast, last)
            and np.all(np.where(srt[:, 1:], np.diff(V, axis=1), 0.0) <= 0)
            and np.all(np.where(srt, -np.inf, V) <= last[:, None])
            and np.all((Lr >= k + 1) | (Lr == n))
        )

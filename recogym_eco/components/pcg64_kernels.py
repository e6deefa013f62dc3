"""PCG64 draws inside numba kernels (see :mod:`recogym_eco.components.pcg64` for the state words)."""

from __future__ import annotations

import numpy as np
from numba import njit

_MULT_HI = np.uint64(2549297995355413924)
_MULT_LO = np.uint64(4865540595714422341)
_MASK32 = np.uint64(0xFFFFFFFF)
_U32 = np.uint64(32)
_U11 = np.uint64(11)
_U58 = np.uint64(58)
_U63 = np.uint64(63)
_U64 = np.uint64(64)
_ONE = np.uint64(1)
_TO_DOUBLE = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def _mul_hi(a: np.uint64, b: np.uint64) -> np.uint64:
    """High 64 bits of the 128-bit product a * b."""
    a_lo, a_hi = a & _MASK32, a >> _U32
    b_lo, b_hi = b & _MASK32, b >> _U32
    lo_lo = a_lo * b_lo
    hi_lo = a_hi * b_lo
    lo_hi = a_lo * b_hi
    hi_hi = a_hi * b_hi
    cross = (lo_lo >> _U32) + (hi_lo & _MASK32) + lo_hi
    return hi_hi + (hi_lo >> _U32) + (cross >> _U32)


@njit(cache=True)
def next_double(words: np.ndarray) -> float:
    """Advances one PCG64 state (a view of four uint64 words) and returns its next double in [0, 1)."""
    hi, lo, inc_hi, inc_lo = words[0], words[1], words[2], words[3]
    new_lo = lo * _MULT_LO
    carry_hi = _mul_hi(lo, _MULT_LO) + hi * _MULT_LO + lo * _MULT_HI
    out_lo = new_lo + inc_lo
    carry = _ONE if out_lo < new_lo else np.uint64(0)
    out_hi = carry_hi + inc_hi + carry
    words[0] = out_hi
    words[1] = out_lo
    xored = out_hi ^ out_lo
    rot = out_hi >> _U58
    value = (xored >> rot) | (xored << ((_U64 - rot) & _U63))
    return np.float64(value >> _U11) * _TO_DOUBLE


@njit(cache=True)
def fill_doubles(words: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = rng.random(out.size)`` for the generator whose state ``words`` holds."""
    for i in range(out.size):
        out[i] = next_double(words)

"""PCG64 draws inside numba kernels (see :mod:`recogym_eco.components.pcg64` for the state words)."""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_MULT_HI = np.uint64(2549297995355413924)
_MULT_LO = np.uint64(4865540595714422341)
_U11 = np.uint64(11)
_U58 = np.uint64(58)
_U63 = np.uint64(63)
_U64 = np.uint64(64)
_ONE = np.uint64(1)
_TO_DOUBLE = 1.0 / 9007199254740992.0


@intrinsic
def _mul_hi(typingctx, a, b):
    """High 64 bits of the 128-bit product a * b of two uint64 (one widening multiply instruction)."""
    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return types.uint64(types.uint64, types.uint64), codegen


@njit(cache=True, inline="always")
def _advance(hi, lo, inc_hi, inc_lo):
    """The next 128-bit state (hi, lo) = state * multiplier + increment (mod 2^128)."""
    new_lo = lo * _MULT_LO
    carry_hi = _mul_hi(lo, _MULT_LO) + hi * _MULT_LO + lo * _MULT_HI
    out_lo = new_lo + inc_lo
    carry = _ONE if out_lo < new_lo else np.uint64(0)
    return carry_hi + inc_hi + carry, out_lo


@njit(cache=True, inline="always")
def _to_double(hi, lo):
    """PCG64's output (XSL-RR of the state) as a double in [0, 1): its top 53 bits / 2^53."""
    xored = hi ^ lo
    rot = hi >> _U58
    value = (xored >> rot) | (xored << ((_U64 - rot) & _U63))
    return np.float64(value >> _U11) * _TO_DOUBLE


@njit(cache=True)
def next_double(words: np.ndarray) -> float:
    """Advances one PCG64 state (a view of four uint64 words) and returns its next double in [0, 1)."""
    hi, lo = _advance(words[0], words[1], words[2], words[3])
    words[0] = hi
    words[1] = lo
    return _to_double(hi, lo)


@njit(cache=True)
def fill_doubles(words: np.ndarray, out: np.ndarray) -> None:
    """``out[:] = rng.random(out.size)`` for the generator whose state ``words`` holds (the state kept
    in registers for the whole run)."""
    hi, lo, inc_hi, inc_lo = words[0], words[1], words[2], words[3]
    for i in range(out.size):
        hi, lo = _advance(hi, lo, inc_hi, inc_lo)
        out[i] = _to_double(hi, lo)
    words[0] = hi
    words[1] = lo

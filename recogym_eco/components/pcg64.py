"""NumPy's PCG64 stream inside numba kernels: the same uniform doubles as ``Generator.random``.

A compiled kernel that steps many worlds cannot call each world's ``np.random.Generator``. Instead
it carries each generator's 128-bit PCG64 state as four ``uint64`` words (state high, state low,
increment high, increment low) and advances it exactly as NumPy does (O'Neill's PCG-XSL-RR 128/64,
``numpy/random/src/pcg64``):

    state <- state * M + inc  (mod 2^128),   out = rotr64(hi(state) ^ lo(state), hi(state) >> 58),
    u = (out >> 11) * 2^-53,

so draw for draw the kernel reproduces ``rng.random()`` of the world's own generator, and writing the
words back leaves the generator where NumPy would have left it. Only 64-bit draws are made, so the
generator's buffered 32-bit half (``has_uint32``) is untouched.
"""

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
_WORD = (1 << 64) - 1


def is_pcg64(rng: np.random.Generator) -> bool:
    """Whether ``rng`` runs on PCG64 (the bit generator these kernels emulate)."""
    return type(rng.bit_generator).__name__ == "PCG64"


def get_words(rng: np.random.Generator) -> np.ndarray:
    """The generator's state as four uint64 words (state hi, state lo, inc hi, inc lo)."""
    st = rng.bit_generator.state["state"]
    s, inc = st["state"], st["inc"]
    return np.array([s >> 64, s & _WORD, inc >> 64, inc & _WORD], dtype=np.uint64)


def set_words(rng: np.random.Generator, words: np.ndarray) -> None:
    """Writes four uint64 words back into the generator (its 32-bit buffer kept)."""
    state = rng.bit_generator.state
    hi, lo, inc_hi, inc_lo = (int(w) for w in words)
    state["state"] = {"state": (hi << 64) | lo, "inc": (inc_hi << 64) | inc_lo}
    rng.bit_generator.state = state


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

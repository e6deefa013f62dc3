"""NumPy's PCG64 stream inside numba kernels: the same uniform doubles as ``Generator.random``.

A compiled kernel that steps many worlds cannot call each world's ``np.random.Generator``. Instead
it carries each generator's 128-bit PCG64 state as four ``uint64`` words (state high, state low,
increment high, increment low) and advances it exactly as NumPy does (O'Neill's PCG-XSL-RR 128/64,
``numpy/random/src/pcg64``):

    state <- state * M + inc  (mod 2^128),   out = rotr64(hi(state) ^ lo(state), hi(state) >> 58),
    u = (out >> 11) * 2^-53,

so draw for draw the kernels of :mod:`recogym_eco.components.pcg64_kernels` reproduce ``rng.random()`` of the world's own generator, and writing the
words back leaves the generator where NumPy would have left it. Only 64-bit draws are made, so the
generator's buffered 32-bit half (``has_uint32``) is untouched. This module holds the numba-free
half (reading and writing the words), so importing it does not load numba.
"""

from __future__ import annotations

import numpy as np

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



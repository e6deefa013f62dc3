"""Configuration checks shared by the worlds: one place, one exception style.

Every helper raises ``ValueError`` whose message names the parameter, says what is allowed and shows
the value that was given (``"<name> must be <allowed>, got <value>"``; a choice among names reads
``"unknown <name> <value>; allowed: ..."``). The type predicates are strict: ``bool`` is not an
integer nor a real number here, NumPy scalars are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np

__all__ = [
    "as_float_array",
    "check_choice",
    "check_int",
    "check_pair",
    "check_probabilities",
    "check_real",
    "is_collection",
    "is_finite_real",
    "is_int",
    "is_real",
    "require",
]


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or NumPy integer (``bool`` and ``np.bool_`` excluded)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value: Any) -> bool:
    """Whether ``value`` is a Python or NumPy integer or float (``bool`` and ``np.bool_`` excluded)."""
    return isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_))


def is_finite_real(value: Any) -> bool:
    """Whether ``value`` is a real number (:func:`is_real`) whose float is finite."""
    v = _as_float(value)
    return v is not None and math.isfinite(v)


def is_collection(value: Any) -> bool:
    """Whether ``value`` has a length and is not a string or bytes (a 0-d array has none)."""
    if isinstance(value, (str, bytes)):
        return False
    try:
        len(value)
    except TypeError:
        return False
    return True


def require(condition: Any, name: str, allowed: str, value: Any) -> None:
    """Raise ``ValueError("<name> must be <allowed>, got <value!r>")`` unless ``condition`` holds."""
    if not condition:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def _int_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


@overload
def check_int(value: Any, name: str, low: int | None = None, high: int | None = None,
              optional: Literal[False] = False) -> int: ...


@overload
def check_int(value: Any, name: str, low: int | None = None, high: int | None = None, *,
              optional: bool) -> int | None: ...


def check_int(value: Any, name: str, low: int | None = None, high: int | None = None,
              optional: bool = False) -> int | None:
    """``value`` as a Python ``int`` if it is an integer in [``low``, ``high``] (a bound of None: open).

    With ``optional=True``, ``None`` is accepted and returned. Anything else raises ``ValueError``
    naming ``name``.
    """
    if optional and value is None:
        return None
    ok = is_int(value) and (low is None or value >= low) and (high is None or value <= high)
    require(ok, name, f"an int{_int_range(low, high)}{' or None' if optional else ''}", value)
    return int(value)


def _as_float(value: Any) -> float | None:
    """``float(value)`` of a real number, None when it is not one or does not fit a float."""
    if not is_real(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def check_real(value: Any, name: str, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a Python ``float`` if it is a real number within the bounds.

    ``low`` / ``high`` (None: unbounded) are inclusive unless ``low_open`` / ``high_open``; with
    ``finite`` (the default) NaN and infinities are refused, without it NaN is. Anything else, and
    integers too large for a float, raise ``ValueError`` naming ``name``.
    """
    v = _as_float(value)
    ok = v is not None and not math.isnan(v) and (not finite or math.isfinite(v))
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if low is not None and high is not None:
        where = f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    elif low is not None:
        where = f" {'>' if low_open else '>='} {low}"
    elif high is not None:
        where = f" {'<' if high_open else '<='} {high}"
    else:
        where = ""
    require(ok, name, f"a{' finite' if finite else ''} number{where}", value)
    return v  # type: ignore[return-value]


def check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``allowed``.

    Anything else (a non-string included) raises ``ValueError("unknown <name> <value>; allowed: ...")``.
    """
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}")
    return value


def check_pair(value: Any, name: str, allowed: str) -> tuple[Any, Any]:
    """``value`` as a 2-tuple if it is a sized non-string of length 2; else ``ValueError`` naming ``name``.

    Only the shape is checked; ``allowed`` describes the whole pair for the message.
    """
    require(is_collection(value) and len(value) == 2, name, allowed, value)
    return tuple(value)  # type: ignore[return-value]


def as_float_array(value: Any, name: str, allowed: str, copy: bool = False) -> np.ndarray:
    """``value`` as a float64 array (``np.asarray``, or a fresh ``np.array`` with ``copy=True``).

    Input NumPy cannot read as numbers (a ragged or non-numeric sequence, an int too large for a float) raises
    ``ValueError`` naming ``name`` and what is ``allowed``; the shape and values are the caller's to check.
    """
    try:
        return np.array(value, dtype=np.float64) if copy else np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None


def check_probabilities(value: Any, name: str, size: int) -> float | np.ndarray:
    """A probability in [0, 1] (returned as ``float``) or an array of shape (``size``,) of them (float64).

    Strings, bytes, dicts, None, non-numeric sequences, another shape or any entry outside [0, 1]
    (NaN included) raise ``ValueError`` naming ``name``.
    """
    if is_real(value):
        require(0.0 <= value <= 1.0, name, "a probability in [0, 1] or an array of them", value)
        return float(value)
    allowed = f"a probability in [0, 1] or an array of shape ({size},) of them"
    require(value is not None and not isinstance(value, (str, bytes, dict)), name, allowed, value)
    arr = as_float_array(value, name, allowed)
    require(arr.shape == (size,), name, f"a probability or an array of shape ({size},)", f"shape {arr.shape}")
    require(bool(np.all((arr >= 0) & (arr <= 1))), name, "probabilities in [0, 1]", "values outside [0, 1]")
    return arr

"""The shared configuration checks: good values pass (converted where documented), bad ones raise
``ValueError`` naming the parameter, what is allowed and the value."""

from __future__ import annotations

import numpy as np
import pytest

from recogym_eco.components import validation as val


class _Weird:
    pass


def test_type_predicates():
    for v in (0, -3, np.int64(2), np.uint8(1)):
        assert val.is_int(v) and val.is_real(v)
    for v in (True, np.bool_(False), 1.0, "1", None, np.array(1)):
        assert not val.is_int(v)
    for v in (0.5, np.float32(0.5), float("nan"), float("inf")):
        assert val.is_real(v) and not val.is_int(v)
    for v in (True, np.bool_(True), "1", None, 1j, [1.0]):
        assert not val.is_real(v)
    assert val.is_finite_real(2**70) and val.is_finite_real(np.float64(-1.0))
    for v in (10**400, float("nan"), float("inf"), "1", True):
        assert not val.is_finite_real(v)
    assert val.is_collection([]) and val.is_collection((1, 2)) and val.is_collection(np.ones(2))
    for v in ("ab", b"ab", 3, np.array(0.5), None):
        assert not val.is_collection(v)


def test_require_message():
    val.require(True, "alpha", "anything", 1)
    with pytest.raises(ValueError, match=r"^alpha must be > 0, got -1$"):
        val.require(False, "alpha", "> 0", -1)


@pytest.mark.parametrize("value,kw", [(1, dict(low=1)), (np.int64(5), dict(low=0, high=5)), (-7, {}),
                                      (0, dict(high=0))])
def test_check_int_accepts(value, kw):
    out = val.check_int(value, "n", **kw)
    assert out == value and type(out) is int


@pytest.mark.parametrize("value,kw", [(0, dict(low=1)), (6, dict(low=0, high=5)), (2.0, {}), (True, {}),
                                      (np.bool_(True), {}), ("3", {}), (None, {}), ([1], {}), (1.5, dict(low=1))])
def test_check_int_rejects(value, kw):
    with pytest.raises(ValueError, match=r"num_things must be an int.*got"):
        val.check_int(value, "num_things", **kw)


def test_check_int_optional_and_message():
    assert val.check_int(None, "seed", low=0, optional=True) is None
    with pytest.raises(ValueError, match=r"seed must be an int >= 0 or None, got -1"):
        val.check_int(-1, "seed", low=0, optional=True)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 3\], got 4"):
        val.check_int(4, "k", low=1, high=3)


@pytest.mark.parametrize("value,kw", [(0.0, dict(low=0)), (1, dict(low=0, high=1)), (np.float32(0.5), {}),
                                      (1e-12, dict(low=0, low_open=True)), (-5, dict(high=0)), (2**70, {}),
                                      (float("inf"), dict(finite=False))])
def test_check_real_accepts(value, kw):
    out = val.check_real(value, "x", **kw)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value,kw", [(0.0, dict(low=0, low_open=True)), (-0.1, dict(low=0)),
                                      (1.5, dict(low=0, high=1)), (1.0, dict(high=1, high_open=True)),
                                      (float("nan"), {}), (float("inf"), {}), (-float("inf"), {}),
                                      (float("nan"), dict(finite=False)), (True, {}), ("0.5", {}), (None, {}),
                                      ([0.5], {}), (1j, {}), (10**400, {}), (np.array(0.5), {})])
def test_check_real_rejects(value, kw):
    with pytest.raises(ValueError, match=r"step_size must be a .*number.*got"):
        val.check_real(value, "step_size", **kw)


def test_check_real_messages():
    with pytest.raises(ValueError, match=r"beta must be a finite number > 0, got 0"):
        val.check_real(0, "beta", low=0, low_open=True)
    with pytest.raises(ValueError, match=r"p must be a finite number in \[0, 1\], got 2"):
        val.check_real(2, "p", low=0, high=1)
    with pytest.raises(ValueError, match=r"q must be a finite number in \(0, 1\), got 1"):
        val.check_real(1, "q", low=0, high=1, low_open=True, high_open=True)


def test_check_choice():
    assert val.check_choice("b", "mode", ("a", "b")) == "b"
    assert val.check_choice(np.str_("a"), "mode", ("a", "b")) == "a"
    for bad in ("c", "", None, 1, b"a", ["a"], np.array("a"), _Weird()):
        with pytest.raises(ValueError, match=r"unknown mode .*; allowed: 'a', 'b'"):
            val.check_choice(bad, "mode", ("a", "b"))


def test_check_pair():
    assert val.check_pair([1, 2], "range", "a pair") == (1, 2)
    assert val.check_pair(np.array([0.5, 1.0]), "range", "a pair") == (0.5, 1.0)
    for bad in ((1, 2, 3), (1,), "ab", b"ab", 3, None, np.array(0.5), {"a": 1}):
        with pytest.raises(ValueError, match=r"range must be a pair \(low, high\), got"):
            val.check_pair(bad, "range", "a pair (low, high)")


def test_as_float_array():
    a = np.ones(3)
    assert val.as_float_array(a, "w", "numbers") is a
    b = val.as_float_array(a, "w", "numbers", copy=True)
    assert b is not a and np.array_equal(a, b)
    assert val.as_float_array([1, 2], "w", "numbers").dtype == np.float64
    for bad in ("abc", [[1, 2], [3]], {"a": 1}, _Weird(), 10**400):
        with pytest.raises(ValueError, match=r"weights must be numbers, got"):
            val.as_float_array(bad, "weights", "numbers")


def test_check_probabilities():
    assert val.check_probabilities(1, "activity", 3) == 1.0 and isinstance(val.check_probabilities(1, "activity", 3), float)
    out = val.check_probabilities([0.0, 0.5, 1.0], "activity", 3)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    for bad in (1.5, -0.1, float("nan"), None, "0.5", b"x", {"a": 0.5}, [0.5, 0.5], [0.5, 0.5, 1.5],
                [0.5, np.nan, 0.5], ["a", "b", "c"], [[0.5]] * 3, True):
        with pytest.raises(ValueError, match="activity"):
            val.check_probabilities(bad, "activity", 3)

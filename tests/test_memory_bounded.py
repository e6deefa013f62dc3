"""Long CreatorSuggestion runs stay bounded in memory (issue 13, item 6), at small scale.

The long run (10^3 vs 10^5 rounds at 1,000 creators) is ``benchmarks/memory_growth.py``; here a
20-creator, 50-user world plays 10x more rounds after its first checkpoint (100 -> 1,000; 50 -> 500
under tracemalloc, which slows stepping several times; 200 -> 2,000 in the slow tests) and every
measure of its memory must stay within 10%. The measuring helper is checked against a hand count
and against a deliberately leaking wrapper, so the bound can fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "memory_growth.py"
_SPEC = importlib.util.spec_from_file_location("memory_growth", _PATH)
mg = sys.modules.setdefault("memory_growth", importlib.util.module_from_spec(_SPEC))
_SPEC.loader.exec_module(mg)

SMALL = dict(num_creators=20, num_users=50)
BOUND = 1.10


def _bounded(points: list) -> dict[str, float]:
    ratios = mg.growth_ratios(points)
    assert all(r <= BOUND for r in ratios.values()), ratios
    return ratios


class _Holder:
    __slots__ = ("array", "extra")

    def __init__(self, array: np.ndarray, extra: Any) -> None:
        self.array, self.extra = array, extra


def test_reachable_bytes_matches_a_hand_count():
    base = np.zeros(100)
    other = np.ones((3, 4), dtype=np.int32)
    root = {"a": base, "view": base[10:20], "nested": [base[::2], (other, other.T)],
            "slots": _Holder(other, None)}
    numpy_bytes, object_bytes = mg.reachable_bytes(root)
    assert numpy_bytes == 100 * 8 + 12 * 4
    assert object_bytes > 0
    grown, _ = mg.reachable_bytes({**root, "new": np.empty(7, dtype=np.int16)})
    assert grown == numpy_bytes + 14


@pytest.mark.parametrize("face", mg.FACES)
@pytest.mark.parametrize("env_id", mg.IDS)
def test_reachable_memory_bounded(env_id, face):
    points = mg.measure_growth(env_id, (100, 1000), face=face, trace=False, **SMALL)
    assert [n for n, _, _ in points] == [100, 1000]
    ratios = _bounded(points)
    assert set(ratios) == {"numpy", "objects"}


@pytest.mark.parametrize("env_id", mg.IDS)
def test_traced_memory_bounded(env_id):
    ratios = _bounded(mg.measure_growth(env_id, (50, 500), face="gym", trace=True, **SMALL))
    assert set(ratios) == {"numpy", "objects", "traced"}


@pytest.mark.slow
@pytest.mark.parametrize("face", mg.FACES)
@pytest.mark.parametrize("env_id", mg.IDS)
def test_traced_memory_bounded_long(env_id, face):
    _bounded(mg.measure_growth(env_id, (200, 2000), face=face, trace=True, **SMALL))


class _Leaky:
    """Keeps every round's platform-side record: the growth the bound must catch."""

    def __init__(self, env: Any, step: Any) -> None:
        self.env, self._step, self.history = env, step, []

    def step(self) -> None:
        self._step()
        self.history.append({"round": len(self.history), "made": self.env.unwrapped.world.made.copy()})


def _leaky(env: Any, step: Any) -> tuple[Any, Any]:
    leaky = _Leaky(env, step)
    return leaky, leaky.step


def test_growing_history_is_caught():
    points = mg.measure_growth(mg.IDS[0], (20, 200), face="gym", trace=True, wrap=_leaky, **SMALL)
    ratios = mg.growth_ratios(points)
    assert set(ratios) == {"numpy", "objects", "traced"}
    assert all(r > BOUND for r in ratios.values()), ratios
    with pytest.raises(AssertionError):
        _bounded(points)

"""Does a long CreatorSuggestion run stay bounded in memory? (issue 13, item 6)

Plays one world (v0 and v1, Gymnasium face by default, ``--face pettingzoo`` for the parallel game)
with random suggestions, a horizon and churn patience beyond the run so the episode never ends, and
measures the world's memory after each checkpoint round count:

* ``NumPy``: bytes of every NumPy buffer reachable from the env object (a recursive walk through
  attributes, slots, dicts, lists, tuples and sets; views count their base buffer once);
* ``objects``: ``sys.getsizeof`` of every other object that walk reaches (a growing list, dict or
  Python-level history shows here);
* ``traced``: Python's ``tracemalloc`` size minus its size just before the env was built, i.e. every
  live allocation made since, NumPy's data buffers included (tracing makes stepping several times
  slower; ``--no-trace`` skips it);
* ``RSS``: the process's resident set (``/proc/self/statm`` or psutil), reported, never compared,
  since the allocator keeps freed pages.

The ratio columns are each checkpoint / the first; the bound asked for is within 10% (ratio <= 1.10).
Random suggestions are drawn from ``np.random.default_rng(seed)``. A tiny world of the same id plays a
few rounds before measuring starts, so one-off allocations (lazy imports, numba compilation) are not
counted as the world's.

    python benchmarks/memory_growth.py [--creators 1000] [--users 1000] [--users-v1 100] \
        [--rounds 1000 100000] [--face gym|pettingzoo] [--no-trace] [--out docs/pending/memory.md]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
import tracemalloc
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401
from recogym_eco.envs import creator_suggestion_v0, creator_suggestion_v1

IDS = ("recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1")
FACES = ("gym", "pettingzoo")


@dataclass(frozen=True)
class Footprint:
    """Memory of an object graph at one moment.

    ``numpy_bytes``: distinct NumPy buffers reachable from it; ``object_bytes``: ``sys.getsizeof`` of
    every other object reachable from it (containers, instances, numbers, strings); ``traced_bytes``:
    live ``tracemalloc`` allocations made since the measurement began (None when not tracing);
    ``rss_bytes``: the process's resident set (None when unknown).
    """

    numpy_bytes: int
    object_bytes: int
    traced_bytes: int | None
    rss_bytes: int | None


def _children(obj: Any) -> Iterable[Any]:
    """The objects ``obj`` refers to that can hold state: items of containers, instance attributes."""
    if isinstance(obj, dict):
        yield from obj.keys()
        yield from obj.values()
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        yield from obj
        return
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict):
        yield attrs
    for klass in type(obj).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if isinstance(name, str) and hasattr(obj, name):
                yield getattr(obj, name)


_OPAQUE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)


def reachable_bytes(root: Any) -> tuple[int, int]:
    """(NumPy bytes, other object bytes) of everything reachable from ``root``.

    Depth-first walk over :func:`_children`, each object visited once (by ``id``): an array counts
    the ``nbytes`` of its ultimate base array once, however many views point into it (an object
    array's elements are walked too); every other object counts ``sys.getsizeof``. Modules,
    functions, methods and classes are not entered, so the walk stays inside the env's own state.
    """
    seen: set[int] = set()
    buffers: dict[int, int] = {}
    objects = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _OPAQUE):
            continue
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            base = obj
            while isinstance(base.base, np.ndarray):
                base = base.base
            buffers[id(base)] = base.nbytes
            if obj.dtype == object:
                stack.extend(obj.ravel().tolist())
            continue
        objects += sys.getsizeof(obj, 0)
        stack.extend(_children(obj))
    return int(sum(buffers.values())), objects


def rss_bytes() -> int | None:
    """The process's current resident set size in bytes (``/proc/self/statm``, else psutil), or None."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.Process().memory_info().rss)


def footprint(root: Any, traced_baseline: int = 0) -> Footprint:
    """:class:`Footprint` of ``root`` after a full garbage collection; ``traced_bytes`` is the
    tracemalloc size minus ``traced_baseline`` (taken before ``root`` was built)."""
    gc.collect()
    numpy_bytes, object_bytes = reachable_bytes(root)
    traced = tracemalloc.get_traced_memory()[0] - traced_baseline if tracemalloc.is_tracing() else None
    return Footprint(numpy_bytes, object_bytes, traced, rss_bytes())


def make_stepper(env_id: str, face: str, seed: int, **kwargs: Any) -> tuple[Any, Callable[[], None]]:
    """The env of ``env_id`` (Gymnasium or PettingZoo parallel ``face``), reset with ``seed``, and a
    function that plays one round with random suggestions (creators follow their behaviour model)."""
    if face not in FACES:
        raise ValueError(f"face must be one of {FACES}; got {face!r}")
    rng = np.random.default_rng(seed)
    if face == "gym":
        env = gym.make(env_id, **kwargs)
        env.reset(seed=seed)
        config = env.unwrapped.config
    else:
        module = creator_suggestion_v1 if env_id.endswith("-v1") else creator_suggestion_v0
        env = module.parallel_env(**kwargs)
        env.reset(seed=seed)
        config = env.config
    C, G = config.num_creators, config.num_genres

    def step() -> None:
        action = rng.integers(0, G + 1, size=C)
        if face == "gym":
            env.step(action)
        else:
            env.step({"platform": action})

    return env, step


Stepper = Callable[[], None]


def _warm_up(env_id: str, face: str, seed: int, kwargs: dict[str, Any]) -> None:
    """Plays a few rounds of a tiny world of the same id and options, so that one-off allocations
    (lazy imports, numba compilation and its caches) happen before the measurement starts."""
    tiny = {**kwargs, "num_creators": 3, "num_users": 4, "user_preferences": "synthetic", "horizon": 10,
            "churn_patience": 10}
    for key in ("creator_activity", "user_activity"):
        if np.ndim(tiny.get(key, 0.0)):
            tiny.pop(key)
    _, step = make_stepper(env_id, face, seed, **tiny)
    for _ in range(3):
        step()


def measure_growth(env_id: str, rounds: tuple[int, ...], face: str = "gym", seed: int = 0, trace: bool = True,
                   wrap: Callable[[Any, Stepper], tuple[Any, Stepper]] | None = None,
                   progress: Callable[[int, Footprint, float], None] | None = None,
                   **kwargs: Any) -> list[tuple[int, Footprint, float]]:
    """(rounds played, footprint, steps per second since the previous checkpoint) at each checkpoint of
    ``rounds`` (increasing counts; a first checkpoint of 0 measures the freshly reset world).

    ``kwargs`` go to the env (``horizon`` and ``churn_patience`` default to more than the run);
    ``trace``: run under tracemalloc (several times slower; without it ``traced_bytes`` is None);
    ``wrap(env, step)`` may return a replacement ``(root, step)`` before the run (the tests add a
    deliberately leaking one to check that growth is seen); ``progress`` is called with each
    checkpoint as it is measured.
    """
    if not rounds or any(b <= a for a, b in zip(rounds, rounds[1:])) or rounds[0] < 0:
        raise ValueError(f"rounds must be increasing non-negative counts; got {rounds}")
    kwargs.setdefault("horizon", rounds[-1] + 1)
    kwargs.setdefault("churn_patience", rounds[-1] + 1)
    _warm_up(env_id, face, seed, kwargs)
    started = trace and not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
        env, step = make_stepper(env_id, face, seed, **kwargs)
        if wrap is not None:
            env, step = wrap(env, step)
        out, played = [], 0
        for target in rounds:
            start = time.perf_counter()
            for _ in range(target - played):
                step()
            seconds = time.perf_counter() - start
            speed = (target - played) / seconds if seconds > 0 else 0.0
            out.append((target, footprint(env, baseline), speed))
            if progress is not None:
                progress(*out[-1])
            played = target
        return out
    finally:
        if started:
            tracemalloc.stop()


def growth_ratios(points: list[tuple[int, Footprint, float]]) -> dict[str, float]:
    """Last checkpoint / first checkpoint for each measured quantity (``numpy``, ``objects``, and
    ``traced`` when traced); bounded memory means every ratio <= 1.10."""
    first, last = points[0][1], points[-1][1]
    ratios = {"numpy": last.numpy_bytes / first.numpy_bytes,
              "objects": last.object_bytes / first.object_bytes}
    if first.traced_bytes and last.traced_bytes is not None:
        ratios["traced"] = last.traced_bytes / first.traced_bytes
    return ratios


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.3f}"


def _ratio(value: int | None, first: int | None) -> str:
    return "n/a" if value is None or not first else f"{value / first:.4f}"


HEADER = ("env", "creators", "users", "rounds", "NumPy MiB", "objects MiB", "traced MiB", "RSS MiB",
          "NumPy ratio", "objects ratio", "traced ratio", "steps/s since last row")


def table(rows: list[tuple[str, int, int, list[tuple[int, Footprint, float]]]]) -> str:
    """Markdown table: one line per (id, checkpoint) with MiB and ratios to the first checkpoint."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for env_id, C, U, points in rows:
        first = points[0][1]
        for played, fp, steps_per_second in points:
            cells = (env_id.rsplit("/", 1)[1], C, U, f"{played:,}", _mib(fp.numpy_bytes),
                     _mib(fp.object_bytes), _mib(fp.traced_bytes), _mib(fp.rss_bytes),
                     _ratio(fp.numpy_bytes, first.numpy_bytes), _ratio(fp.object_bytes, first.object_bytes),
                     _ratio(fp.traced_bytes, first.traced_bytes),
                     f"{steps_per_second:.0f}" if steps_per_second > 0 else "n/a")
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def _report(rounds: int, fp: Footprint, steps_per_second: float) -> None:
    print(f"after {rounds:,} rounds: {fp}, {steps_per_second:.0f} steps/s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ids", nargs="+", default=list(IDS))
    parser.add_argument("--creators", type=int, default=1000)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--users-v1", type=int, default=None,
                        help="users for the -v1 id (its dense MF scoring costs far more per user than v0); "
                             "default --users")
    parser.add_argument("--rounds", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--face", choices=FACES, default="gym")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-trace", action="store_true", help="skip tracemalloc (several times faster)")
    parser.add_argument("--out", default=None, help="also append the table to this Markdown file")
    args = parser.parse_args(argv)
    rows = []
    for env_id in args.ids:
        users = args.users_v1 if env_id.endswith("-v1") and args.users_v1 else args.users
        points = measure_growth(env_id, tuple(args.rounds), face=args.face, seed=args.seed,
                                trace=not args.no_trace, num_creators=args.creators, num_users=users,
                                progress=_report)
        rows.append((env_id, args.creators, users, points))
        print(table(rows[-1:]), flush=True)
    text = (f"face: {args.face}, seed {args.seed}, python {platform.python_version()}, "
            f"numpy {np.__version__}, "
            f"{os.cpu_count()} cores (shared: steps/s are lower bounds on speed), tracemalloc "
            f"{'off' if args.no_trace else 'on'}\n\n{table(rows)}\n")
    print(text)
    if args.out:
        with open(args.out, "a") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())

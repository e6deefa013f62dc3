"""The compiled CreatorSuggestion rounds are safe to cache: one signature per function, threads only in
entry points.

Two numba caching hazards, both checked in fresh processes sharing one fresh cache directory:

* numba numbers a function's cached signatures in the order a process compiles them; two processes
  compiling *different* signatures of one function at the same time (two evaluation workers, one
  stepping a batch serially and one on threads) can leave an index entry that names the other
  signature's machine code. Signatures drift in two ways: ``prange``'s loop index is unsigned (uint64
  where ``range`` gives int64) and a constant argument is typed as a literal; the kernels cast instead.
* numba caches a serial function compiled against a cached callee that holds a parallel loop
  incorrectly: the next process that loads it crashes (seen here: a threaded batch, then a serial one,
  then the serial one again segfaulted). Threads therefore live only in entry points
  (``step_world_threads``, ``step_worlds_parallel``), never in a function another one calls.

Process 1 plays every threaded path and every single-world path, process 2 the serial batches
(compiled against the cached round), process 3 the serial batches again (loaded from the cache).
Each reports the signatures of the functions it compiled (a function loaded from the cache inside its
caller's code never reaches its own dispatcher, hence fresh caches).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numba
import numpy as np
from numba.core.registry import CPUDispatcher

import recogym_eco  # noqa: F401
from recogym_eco.components import pcg64_kernels
from recogym_eco.envs.creator_suggestion_v1 import V1_DEFAULTS
from recogym_eco.worlds import creator_suggestion_fast_kernel, creator_suggestion_kernel
from recogym_eco.worlds.creator_suggestion import CreatorSuggestionConfig, CreatorSuggestionWorld

SMALL = dict(num_creators=6, num_users=20, num_genres=4, horizon=5)
ENGINES = (("compiled", {}, "recogym_eco/CreatorSuggestion-v0"),
           ("fast", V1_DEFAULTS, "recogym_eco/CreatorSuggestion-v1"))


def play(world: CreatorSuggestionWorld, rounds: int) -> None:
    rng = np.random.default_rng(0)
    world.reset(np.random.default_rng(1))
    for _ in range(rounds):
        world.step(rng.integers(0, world.config.num_genres + 1, world.config.num_creators))


def play_batches(num_envs: int) -> None:
    """A few steps of a v0 and a fast v1 batch of ``num_envs`` worlds (on threads from 8 worlds)."""
    for engine, _, env_id in ENGINES:
        venv = gym.make_vec(env_id, num_envs=num_envs, **SMALL, engine=engine)
        venv.reset(seed=0)
        for _ in range(3):
            venv.step(np.zeros((num_envs, SMALL["num_creators"]), dtype=np.int64))


def count_signatures(stage: str) -> dict[str, int]:
    """Plays the stage's paths and returns the number of signatures of each compiled function used."""
    numba.get_num_threads = lambda: 2
    if stage == "threads_and_single":
        for engine, defaults, _ in ENGINES:
            for users in (SMALL["num_users"], 2100):
                play(CreatorSuggestionWorld(CreatorSuggestionConfig(**{**defaults, **SMALL, "engine": engine,
                                                                       "num_users": users})), 2)
        play_batches(9)
    else:
        play_batches(2)
    return {f"{module.__name__}.{name}": len(obj.signatures)
            for module in (creator_suggestion_kernel, creator_suggestion_fast_kernel, pcg64_kernels)
            for name, obj in vars(module).items() if isinstance(obj, CPUDispatcher) and obj.signatures}


def test_kernels_cache_safely(tmp_path):
    code = f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); " \
           "from test_kernel_signatures import count_signatures; print(json.dumps(count_signatures(sys.argv[1])))"
    counts: dict[str, int] = {}
    for stage in ("threads_and_single", "serial_batches", "serial_batches"):
        out = subprocess.run([sys.executable, "-c", code, stage], capture_output=True, text=True, timeout=600,
                             env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
        assert out.returncode == 0, (stage, out.returncode, out.stderr[-2000:])
        for name, n in json.loads(out.stdout.strip().splitlines()[-1]).items():
            counts[name] = max(n, counts.get(name, 0))
    for name in ("creator_suggestion_kernel.step_world", "creator_suggestion_kernel.step_world_threads",
                 "creator_suggestion_kernel.step_worlds", "creator_suggestion_kernel.step_worlds_parallel",
                 "creator_suggestion_fast_kernel.step_world_threads", "creator_suggestion_fast_kernel.step_worlds",
                 "creator_suggestion_fast_kernel.step_worlds_parallel", "creator_suggestion_kernel._rank_user"):
        assert f"recogym_eco.worlds.{name}" in counts
    assert {name: n for name, n in counts.items() if n != 1} == {}

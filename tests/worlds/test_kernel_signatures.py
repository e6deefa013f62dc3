"""Every compiled function of the CreatorSuggestion rounds has one signature.

numba's on-disk cache numbers a function's signatures in the order a process compiles them; two
processes compiling *different* signatures of one function at the same time (e.g. two evaluation
workers, one stepping a batch serially and one on threads) can leave an index entry that names the
other signature's machine code, and a later process that loads it crashes. With one signature per
function, concurrent compilations write the same entry. Signatures drift in two ways: ``prange``'s
loop index is unsigned (uint64 where ``range`` gives int64) and a constant argument is typed as a
literal; both kernels cast instead. This test runs every path (one world, one world with users on
threads, a serial and a threaded batch, both rounds) in a fresh process with an empty cache (a
function loaded from the cache inside its caller's machine code never reaches its own dispatcher)
and counts the signatures.
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


def play(world: CreatorSuggestionWorld, rounds: int) -> None:
    rng = np.random.default_rng(0)
    world.reset(np.random.default_rng(1))
    for _ in range(rounds):
        world.step(rng.integers(0, world.config.num_genres + 1, world.config.num_creators))


def count_signatures() -> dict[str, int]:
    """Plays every path and returns the number of signatures of each compiled function used."""
    numba.get_num_threads = lambda: 2
    for engine, defaults, env_id in (("compiled", {}, "recogym_eco/CreatorSuggestion-v0"),
                                     ("fast", V1_DEFAULTS, "recogym_eco/CreatorSuggestion-v1")):
        play(CreatorSuggestionWorld(CreatorSuggestionConfig(**{**defaults, **SMALL, "engine": engine})), 3)
        play(CreatorSuggestionWorld(CreatorSuggestionConfig(**{**defaults, **SMALL, "engine": engine,
                                                               "num_users": 2100})), 2)
        for n in (2, 9):
            venv = gym.make_vec(env_id, num_envs=n, **SMALL, engine=engine)
            venv.reset(seed=0)
            for _ in range(3):
                venv.step(np.zeros((n, SMALL["num_creators"]), dtype=np.int64))
    counts = {f"{module.__name__}.{name}": len(obj.signatures)
              for module in (creator_suggestion_kernel, creator_suggestion_fast_kernel, pcg64_kernels)
              for name, obj in vars(module).items() if isinstance(obj, CPUDispatcher) and obj.signatures}
    return counts


def test_each_kernel_function_has_one_signature(tmp_path):
    code = f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); " \
           "from test_kernel_signatures import count_signatures; print(json.dumps(count_signatures()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-2000:]
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    for name in ("creator_suggestion_kernel.step_worlds_parallel", "creator_suggestion_kernel._rank_users_parallel",
                 "creator_suggestion_fast_kernel.step_worlds_parallel",
                 "creator_suggestion_fast_kernel._rank_rows_parallel"):
        assert f"recogym_eco.worlds.{name}" in counts
    assert {name: n for name, n in counts.items() if n != 1} == {}

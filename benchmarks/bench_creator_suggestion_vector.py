"""World-steps per second of batched paper-scale CreatorSuggestion worlds against Gymnasium's sync vector env.

For each ``num_envs`` N: ``gymnasium.make_vec(id, num_envs=N)`` (the batched face: one compiled call per
step, worlds on numba's threads from 8 worlds) and ``SyncVectorEnv([lambda: gym.make(id)] * N)``, both at
the registry's defaults (50 creators, 100 users, 14 genres, horizon 150), reset with the same seed, one
untimed step, then ``--steps`` steps of random suggestions. The default 300 steps span two episodes,
so every world's reset (Python, ~180 µs) is timed too, in the share a long run pays. World-steps per
second = N * steps / wall time; the median and range of ``--reps`` interleaved runs are printed as a
Markdown table (the scaling report's batched sweep times 3 x 50 steps instead).

    python benchmarks/bench_creator_suggestion_vector.py --nums 1 16 64 --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numba
import numpy as np

import recogym_eco  # noqa: F401


def world_steps_per_second(make, env_id: str, n: int, steps: int, seed: int) -> float:
    """N * steps / seconds of ``steps`` steps (after a reset and one warm-up step, not timed)."""
    env = make(env_id, n)
    creators, genres = env.single_action_space.shape[0], int(env.single_action_space.nvec[0])
    actions = np.random.default_rng(seed).integers(0, genres, size=(steps + 1, n, creators))
    env.reset(seed=seed)
    env.step(actions[0])
    t0 = time.perf_counter()
    for t in range(steps):
        env.step(actions[t + 1])
    dt = time.perf_counter() - t0
    env.close()
    return n * steps / dt


def batched(env_id: str, n: int) -> gym.vector.VectorEnv:
    """The batched face (the registry's ``vector_entry_point``)."""
    return gym.make_vec(env_id, num_envs=n)


def sync(env_id: str, n: int) -> gym.vector.VectorEnv:
    """Gymnasium's sync vector env over ``n`` single faces."""
    return gym.vector.SyncVectorEnv([lambda: gym.make(env_id)] * n)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--env-id", default="recogym_eco/CreatorSuggestion-v0")
    ap.add_argument("--nums", type=int, nargs="+", default=[1, 16, 64])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=300, help="timed steps per run")
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: numba's, one per core)")
    args = ap.parse_args(argv)
    if args.threads is not None:
        numba.set_num_threads(args.threads)
    print(f"{args.env_id}, numba threads {numba.get_num_threads()}, {args.steps} steps per run, {args.reps} runs\n")
    print("| num_envs | batched (world-steps/s, median) | min–max | SyncVectorEnv (median) | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.nums:
        v, s = [], []
        for r in range(args.reps):  # interleaved, so that load on the machine hits both alike
            v.append(world_steps_per_second(batched, args.env_id, n, args.steps, r))
            s.append(world_steps_per_second(sync, args.env_id, n, args.steps, r))
        mv, ms = statistics.median(v), statistics.median(s)
        print(f"| {n} | {mv:,.0f} | {min(v):,.0f}–{max(v):,.0f} | {ms:,.0f} | {mv / ms:.1f}x |", flush=True)


if __name__ == "__main__":
    main()

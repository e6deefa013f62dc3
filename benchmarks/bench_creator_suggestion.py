"""Speed of CreatorSuggestion-v0: env steps per second and served slate positions per second.

Random suggestions; the world runs the default oracle recommender with the exact fast top-k, on the
compiled round (``engine="compiled"``, the default) and on NumPy (``engine="numpy"``), interleaved.
Prints the median over repeats for (creators, users) = (50, 100), (1000, 10000), (1000, 100000).

    python benchmarks/bench_creator_suggestion.py [--repeats 5] [--steps 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401

SIZES = [(50, 100), (1000, 10_000), (1000, 100_000)]


def run_once(num_creators: int, num_users: int, steps: int, seed: int, engine: str = "auto",
             env_id: str = "recogym_eco/CreatorSuggestion-v0") -> tuple[float, float]:
    """Steps per second and served slate positions per second over ``steps`` rounds."""
    env = gym.make(env_id, num_creators=num_creators, num_users=num_users, horizon=steps + 1,
                   churn_patience=10**6, engine=engine)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    served = 0
    start = time.perf_counter()
    for action in actions:
        _, _, _, _, info = env.step(action)
        served += int(info["exposure"].sum())
    elapsed = time.perf_counter() - start
    return steps / elapsed, served / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=200, help="rounds per repeat at the smallest size")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"load average {os.getloadavg()}")
    run_once(5, 10, 3, 0, "compiled")  # compiles (or loads) the kernel before timing
    print(f"{'creators':>9} {'users':>8} {'engine':>9} {'steps/s':>10} {'positions/s':>13}   (median of {args.repeats})")
    for num_creators, num_users in SIZES:
        steps = max(10, args.steps * 100 // max(num_users, 100))
        runs = {engine: [] for engine in ("compiled", "numpy")}
        for seed in range(args.repeats):
            for engine in runs:
                runs[engine].append(run_once(num_creators, num_users, steps, seed, engine))
        for engine, values in runs.items():
            sps, pps = np.median(np.array(values), axis=0)
            print(f"{num_creators:>9} {num_users:>8} {engine:>9} {sps:>10.1f} {pps:>13.3e}", flush=True)


if __name__ == "__main__":
    main()

"""World-steps per second of the batched TrialOfferMarket face against Gymnasium's sync vector env.

For each ``num_envs`` N: ``gymnasium.make_vec(id, num_envs=N)`` (the batched face) and
``SyncVectorEnv([lambda: gym.make(id)] * N)``, both at the registry's defaults (synthetic-heterogeneous:
10 types x 200 items, 50 positions, 100 arrivals per step, horizon 100), reset with the same seed,
then ``--steps`` steps. World-steps per second = N * steps / wall time; the median of ``--reps``
interleaved runs is printed as a Markdown table. Two action streams:

* ``new scores``: fresh random scores every step (every world re-ranks every step);
* ``fixed scores``: one random score array held for the whole run (rankings built once, as under the
  quality ranker).

    python benchmarks/bench_trial_offer_market_vector.py --nums 1 8 64 --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401

ID = "recogym_eco/TrialOfferMarket-v0"


def world_steps_per_second(make, n: int, steps: int, seed: int, fixed: bool) -> float:
    """N * steps / seconds of ``steps`` steps (after a reset and one warm-up step, not timed)."""
    env = make(n)
    space = env.single_action_space
    rng = np.random.default_rng(seed)
    count = 1 if fixed else steps + 1
    actions = rng.uniform(space.low, space.high, size=(count, n, *space.shape)).astype(np.float32)
    env.reset(seed=seed)
    env.step(actions[0])
    t0 = time.perf_counter()
    for t in range(steps):
        env.step(actions[0 if fixed else t + 1])
    dt = time.perf_counter() - t0
    env.close()
    return n * steps / dt


def batched(n: int) -> gym.vector.VectorEnv:
    """The batched face (the registry's ``vector_entry_point``)."""
    return gym.make_vec(ID, num_envs=n)


def sync(n: int) -> gym.vector.VectorEnv:
    """Gymnasium's sync vector env over ``n`` single faces."""
    return gym.vector.SyncVectorEnv([lambda: gym.make(ID)] * n)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nums", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20, help="timed steps per run")
    args = ap.parse_args(argv)
    print("| actions | num_envs | batched (world-steps/s) | SyncVectorEnv (world-steps/s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, fixed in (("new scores", False), ("fixed scores", True)):
        for n in args.nums:
            v, s = [], []
            for r in range(args.reps):  # interleaved, so that load on the machine hits both alike
                v.append(world_steps_per_second(batched, n, args.steps, r, fixed))
                s.append(world_steps_per_second(sync, n, args.steps, r, fixed))
            mv, ms = statistics.median(v), statistics.median(s)
            print(f"| {name} | {n} | {mv:,.0f} | {ms:,.0f} | {mv / ms:.1f}x |", flush=True)


if __name__ == "__main__":
    main()

"""World-steps per second of the batched ContentCompetition face against Gymnasium's sync vector env.

For each ``num_envs`` N: ``gymnasium.make_vec(id, num_envs=N, **kw)`` (the batched face) and
``SyncVectorEnv([lambda: gym.make(id, **kw)] * N)``, both reset with the same seed, then ``--steps``
steps with fixed random actions (autoresets included, as they come). World-steps per second =
N * steps / wall time; the median of ``--reps`` runs is printed as a Markdown table.

Two settings: ``test_kwargs`` (the registry's conformance configuration: 20 users, 6 creators, HMT,
4 epochs per episode, so every fifth step resets the worlds and the k-means of a reset counts) and
``test_kwargs, horizon=3000`` (no reset inside the timed steps: the stepping alone).

    OMP_NUM_THREADS=1 python benchmarks/content_competition_vector.py --nums 1 8 64 --reps 5
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import gymnasium as gym
import numpy as np

import recogym_eco  # noqa: F401
from recogym_eco.registry import entry

ID = "recogym_eco/ContentCompetition-v0"


def world_steps_per_second(make, n: int, steps: int, seed: int) -> float:
    """N * steps / seconds of ``steps`` steps (after a reset and one warm-up step, not timed)."""
    env = make(n)
    space = env.single_action_space
    rng = np.random.default_rng(seed)
    actions = rng.uniform(space.low, space.high, size=(steps, n, *space.shape)).astype(np.float32)
    env.reset(seed=seed)
    env.step(actions[0])
    t0 = time.perf_counter()
    for a in actions:
        env.step(a)
    dt = time.perf_counter() - t0
    env.close()
    return n * steps / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nums", type=int, nargs="+", default=[1, 8, 64])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10,
                    help="timed steps per run (10 = two episodes of test_kwargs)")
    args = ap.parse_args()
    base = dict(entry(ID).test_kwargs)
    settings = {"test_kwargs": base, "test_kwargs, horizon=3000": dict(base, horizon=3000)}
    print("| setting | num_envs | batched (world-steps/s) | SyncVectorEnv (world-steps/s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, kw in settings.items():
        def batched(n: int, kw=kw) -> gym.vector.VectorEnv:
            return gym.make_vec(ID, num_envs=n, **kw)

        def sync(n: int, kw=kw) -> gym.vector.VectorEnv:
            return gym.vector.SyncVectorEnv([lambda: gym.make(ID, **kw)] * n)

        for n in args.nums:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v, s = [], []
                for r in range(args.reps):  # interleaved, so that load on the machine hits both alike
                    v.append(world_steps_per_second(batched, n, args.steps, seed=r))
                    s.append(world_steps_per_second(sync, n, args.steps, seed=r))
            mv, ms = statistics.median(v), statistics.median(s)
            print(f"| {name} | {n} | {mv:,.0f} | {ms:,.0f} | {mv / ms:.1f}x |", flush=True)


if __name__ == "__main__":
    main()

"""Speed of the ContentCompetition core: LBR proposals per second, incremental vs exact, 1 vs B worlds.

    python benchmarks/bench_content_competition.py [--steps 10] [--worlds 1 5] [--mechanisms none HMT]

Prints creator steps per second and LBR proposals per second (one proposal = one creator evaluating
one move) on the paper-scale ``synthetic`` preset (2000 users, 200 creators, K = 20), the estimated
time of a full T = 3000 episode, and the speed of the dense exact reference on a small world. Timings
on a shared 2-core machine vary by 2x with load: run it on an idle machine and report the range.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recogym_eco.worlds.content_competition import (  # noqa: E402
    ContentCompetitionBatch,
    ContentCompetitionWorld,
    make_config,
    sample_instance,
)


def bench_batch(mechanism: str, worlds: int, steps: int) -> dict:
    cfg = make_config("synthetic", mechanism=mechanism)
    insts = [sample_instance(cfg, np.random.default_rng(s)) for s in range(worlds)]
    batch = ContentCompetitionBatch(cfg, worlds)
    batch.reset([np.random.default_rng(s) for s in range(worlds)], insts)
    rng = np.random.default_rng(0)
    batch.creator_step()  # warm-up
    t0 = time.perf_counter()
    acc = []
    for t in range(steps):
        if mechanism != "none" and t % cfg.epoch_length == 0:
            batch.set_weights(rng.uniform(0.5, 2.0, (worlds, cfg.num_groups)))
        acc.append(batch.creator_step())
    dt = time.perf_counter() - t0
    world_steps = worlds * steps
    return {
        "mechanism": mechanism, "worlds": worlds, "seconds": dt,
        "creator_steps_per_s": world_steps / dt,
        "proposals_per_s": world_steps * cfg.num_creators / dt,
        "full_episode_s_per_world": dt / world_steps * cfg.horizon,
        "accept_rate": float(np.mean(acc)),
    }


def bench_exact(steps: int) -> dict:
    cfg = make_config("synthetic", cluster_sizes=(100, 50, 20, 10, 10, 5, 2, 1, 1, 1), num_creators=20, top_k=5,
                      num_groups=5)
    out = {}
    for inc in (True, False):
        w = ContentCompetitionWorld(cfg, incremental=inc)
        w.reset(np.random.default_rng(0))
        t0 = time.perf_counter()
        for _ in range(steps):
            w.creator_step()
        out["incremental" if inc else "exact"] = steps * cfg.num_creators / (time.perf_counter() - t0)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--worlds", type=int, nargs="+", default=[1, 5])
    p.add_argument("--mechanisms", nargs="+", default=["none", "UIR", "SMT", "HMT"])
    args = p.parse_args()
    print(f"synthetic preset (m=2000, n=200, K=20), {args.steps} creator steps after one warm-up step")
    for mech in args.mechanisms:
        for B in args.worlds:
            r = bench_batch(mech, B, args.steps)
            print(f"  {mech:4s} worlds={B}: {r['proposals_per_s']:8.0f} proposals/s, "
                  f"{r['creator_steps_per_s']:6.2f} creator steps/s per process, "
                  f"full T=3000 episode ~{r['full_episode_s_per_world']:.0f} s per world (accept {r['accept_rate']:.2f})")
    e = bench_exact(5)
    print(f"small world (m=200, n=20, K=5): incremental {e['incremental']:.0f} proposals/s, "
          f"dense exact reference {e['exact']:.0f} proposals/s")


if __name__ == "__main__":
    main()

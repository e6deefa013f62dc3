"""Speed of the ContentCompetition core: LBR proposals per second, compiled vs NumPy engine, 1 vs B worlds.

    python benchmarks/bench_content_competition.py [--steps 10] [--warmup 1] [--repeats 3] [--worlds 1 5]
                                                   [--mechanisms none HMT] [--engines compiled numpy]

Prints the median (and range) over ``--repeats`` of LBR proposals per second (one proposal = one
creator evaluating one move) on the paper-scale ``synthetic`` preset (2000 users, 200 creators,
K = 20), wall clock and process CPU time, the estimated time of a full T = 3000 episode, and the
speed of the dense exact reference on a small world. ``--engines``: ``compiled`` = the numba creator
loop (``engine="compiled"``, the default ``"auto"`` on this preset), ``numpy`` = the incremental NumPy
engine (``engine="numpy"``). ``benchmarks/bench_cc_engines.py`` compares them with the C kernel they
replaced. Early creator steps (all creators crowd one cluster, most proposals
accepted) are slower than later ones: ``--warmup`` skips that many steps before timing. Timings on
a shared 2-core machine vary by 2x with load: report ``uptime`` with them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from recogym_eco.worlds.content_competition import (
    ContentCompetitionBatch,
    ContentCompetitionWorld,
    make_config,
    sample_instance,
)


def bench_batch(mechanism: str, worlds: int, steps: int, warmup: int = 1, engine: str = "compiled") -> dict:
    cfg = make_config("synthetic", mechanism=mechanism)
    insts = [sample_instance(cfg, np.random.default_rng(s)) for s in range(worlds)]
    batch = ContentCompetitionBatch(cfg, worlds, engine=engine)
    batch.reset([np.random.default_rng(s) for s in range(worlds)], insts)
    rng = np.random.default_rng(0)
    for _ in range(warmup):
        batch.creator_step()
    t0, c0 = time.perf_counter(), time.process_time()
    acc = []
    for t in range(steps):
        if mechanism != "none" and t % cfg.epoch_length == 0:
            batch.set_weights(rng.uniform(0.5, 2.0, (worlds, cfg.num_groups)))
        acc.append(batch.creator_step())
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    world_steps = worlds * steps
    return {
        "mechanism": mechanism, "worlds": worlds, "engine": batch.engine, "seconds": dt, "cpu_seconds": dc,
        "creator_steps_per_s": world_steps / dt,
        "proposals_per_s": world_steps * cfg.num_creators / dt,
        "proposals_per_cpu_s": world_steps * cfg.num_creators / dc,
        "full_episode_s_per_world": dt / world_steps * cfg.horizon,
        "accept_rate": float(np.mean(acc)),
    }


def bench_exact(steps: int) -> dict:
    cfg = make_config("synthetic", cluster_sizes=(100, 50, 20, 10, 10, 5, 2, 1, 1, 1), num_creators=20, top_k=5,
                      num_groups=5)
    out = {}
    for engine in ("compiled", "numpy", "dense"):
        w = ContentCompetitionWorld(cfg, engine=engine)
        w.reset(np.random.default_rng(0))
        t0 = time.perf_counter()
        for _ in range(steps):
            w.creator_step()
        out[engine] = steps * cfg.num_creators / (time.perf_counter() - t0)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=1, help="creator steps run before timing")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--worlds", type=int, nargs="+", default=[1, 5])
    p.add_argument("--mechanisms", nargs="+", default=["none", "UIR", "SMT", "HMT"])
    p.add_argument("--engines", nargs="+", choices=["compiled", "numpy"], default=["compiled", "numpy"])
    args = p.parse_args()
    print(f"synthetic preset (m=2000, n=200, K=20), {args.steps} creator steps after {args.warmup} warm-up step(s), "
          f"median [min, max] of {args.repeats} repeats")
    for engine in args.engines:
        for mech in args.mechanisms:
            for B in args.worlds:
                rs = [bench_batch(mech, B, args.steps, args.warmup, engine) for _ in range(args.repeats)]
                pps = np.array([r["proposals_per_s"] for r in rs])
                cpu = np.array([r["proposals_per_cpu_s"] for r in rs])
                ep = np.median([r["full_episode_s_per_world"] for r in rs])
                print(f"  {engine:8s} {mech:4s} worlds={B}: {np.median(pps):8.0f} proposals/s [{pps.min():.0f}, {pps.max():.0f}] "
                      f"({np.median(cpu):.0f} per CPU-s), full T=3000 episode ~{ep:.0f} s per world "
                      f"(accept {np.mean([r['accept_rate'] for r in rs]):.2f})", flush=True)
    e = bench_exact(5)
    print(f"small world (m=200, n=20, K=5): compiled {e['compiled']:.0f}, numpy {e['numpy']:.0f}, "
          f"dense exact reference {e['dense']:.0f} proposals/s")


if __name__ == "__main__":
    main()

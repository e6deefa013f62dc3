"""ContentCompetition engines head to head: the old C kernel vs the numba engine vs the NumPy engine.

    python benchmarks/bench_cc_engines.py [--repeats 7] [--steps 10] [--warmup 2] [--sizes default large]
                                          [--mechanisms none HMT]

Measures LBR proposals per second (one proposal = one creator evaluating one move; a creator step is
n proposals) of three engines in the same process, interleaved: every repeat runs each engine once,
in a rotated order, on the same sampled instance and seed, so all three do exactly the same work
(the script checks that they end on the same strategies). Reports the median and range over the
repeats, and the numba / C ratio of the medians.

* ``c``: the C creator loop as it was before issue 7, from the frozen copy
  ``benchmarks/legacy_content_competition_c.py`` (compiled with the system ``cc`` on first use);
* ``compiled``: ``engine="compiled"``, the numba kernels of ``recogym_eco.worlds.content_competition``;
* ``numpy``: ``engine="numpy"``.

Sizes: ``default`` = the paper-scale synthetic preset (m = 2000 users, n = 200 creators, K = 20, d = 5);
``large`` = twice the users and creators (m = 4000, n = 400, K = 20). ``--warmup`` creator steps run
untimed first (numba loads its cache; the early, mostly accepted, steps are the slowest).
Both wall-clock and thread CPU time are reported (the latter is steadier on a shared machine);
``OMP_NUM_THREADS`` defaults to 1 so that scikit-learn's k-means threads (instance sampling) do not
spin beside the timed loop. On a shared machine, quote the load average with the numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from recogym_eco.worlds.content_competition import (  # noqa: E402
    SYNTHETIC_CLUSTER_SIZES,
    ContentCompetitionBatch,
    make_config,
    sample_instance,
)

ENGINES = ("c", "compiled", "numpy")
SIZES = {
    "default": {},
    "large": dict(cluster_sizes=tuple(2 * c for c in SYNTHETIC_CLUSTER_SIZES), num_creators=400),
}


def _legacy():
    """The frozen pre-issue-7 module (C kernel), loaded from its file; raises if no C compiler."""
    path = Path(__file__).resolve().parent / "legacy_content_competition_c.py"
    spec = importlib.util.spec_from_file_location("legacy_content_competition_c", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the file executes
    spec.loader.exec_module(mod)
    if not mod._c_kernel():
        raise RuntimeError("the legacy C kernel could not be built (no C compiler?)")
    return mod


def run_once(engine: str, legacy, size: str, mechanism: str, steps: int,
             warmup: int) -> tuple[float, float, np.ndarray]:
    """Proposals per wall-clock second and per CPU second of ``engine`` over ``steps`` timed creator
    steps, and the final strategies."""
    kw = dict(SIZES[size], mechanism=mechanism)
    cfg = make_config("synthetic", **kw)
    inst = sample_instance(cfg, np.random.default_rng(0))
    if engine == "c":
        lcfg = legacy.make_config("synthetic", **kw)
        batch = legacy.ContentCompetitionBatch(lcfg, 1)
        batch.reset([np.random.default_rng(1)], [legacy.Instance(X=inst.X, labels=inst.labels, S0=inst.S0)])
        assert batch._use_c()
    else:
        batch = ContentCompetitionBatch(cfg, 1, engine=engine)
        batch.reset([np.random.default_rng(1)], [inst])
    rng = np.random.default_rng(2)
    for t in range(warmup + steps):
        if t == warmup:
            t0, c0 = time.perf_counter(), time.thread_time()
        if mechanism != "none" and t % cfg.epoch_length == 0:
            batch.set_weights(rng.uniform(0.5, 2.0, cfg.num_groups))
        batch.creator_step()
    dt, dc = time.perf_counter() - t0, time.thread_time() - c0
    proposals = steps * cfg.num_creators
    return proposals / dt, proposals / dc, batch.S[0].copy()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=["default", "large"])
    p.add_argument("--mechanisms", nargs="+", default=["none", "HMT"])
    p.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    args = p.parse_args(argv)
    legacy = _legacy() if "c" in args.engines else None
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.steps} timed creator steps after "
          f"{args.warmup} warm-up step(s); median [min, max] of {args.repeats} interleaved repeats")
    for size in args.sizes:
        for mech in args.mechanisms:
            pps: dict[str, list[float]] = {e: [] for e in args.engines}
            cpu: dict[str, list[float]] = {e: [] for e in args.engines}
            finals: dict[str, np.ndarray] = {}
            for r in range(args.repeats):
                order = args.engines[r % len(args.engines):] + args.engines[: r % len(args.engines)]
                for e in order:
                    rate, cpu_rate, S = run_once(e, legacy, size, mech, args.steps, args.warmup)
                    pps[e].append(rate)
                    cpu[e].append(cpu_rate)
                    finals[e] = S
            same = all(np.array_equal(finals[e], finals[args.engines[0]]) for e in args.engines)
            for label, rates in (("wall", pps), ("cpu", cpu)):
                med = {e: float(np.median(v)) for e, v in rates.items()}
                line = ", ".join(f"{e} {med[e]:.0f} [{min(rates[e]):.0f}, {max(rates[e]):.0f}]" for e in args.engines)
                ratio = f"; compiled / c = {med['compiled'] / med['c']:.2f}" if {"c", "compiled"} <= set(med) else ""
                print(f"{size:7s} {mech:4s} {label:4s}: proposals/s {line}{ratio}; same final strategies: {same}",
                      flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

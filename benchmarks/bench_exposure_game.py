"""Speed of the ExposureGame gradient step: compiled (numba) weights against the NumPy reference.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_exposure_game.py

For each (users m, producers n, dimension d) it times ``gradient_ascent_step`` with each engine
(median of 5 repeats of ``--steps`` steps, after a warm-up that also compiles the kernel) and a
lower bound of the hardware: the two matrix products and one ``np.exp`` over the (m, n) scores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from recogym_eco.worlds import exposure_game_math as xm
from recogym_eco.worlds.exposure_game import gradient_ascent_step


def _time(f, steps: int) -> float:
    f()
    out = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(steps):
            f()
        out.append((time.perf_counter() - t) / steps)
    return float(np.median(out))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=100)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'m':>6} {'n':>5} {'d':>4} {'numba ms':>9} {'numpy ms':>9} {'bound ms':>9}")
    for m, n, d in [(200, 10, 3), (943, 10, 3), (943, 100, 3), (943, 100, 50), (10000, 1000, 16)]:
        C = rng.standard_normal((m, d))
        theta = xm.project_strategies(rng.standard_normal((n, d)))
        tau = np.full(m, 0.1)
        res = {}
        for engine in ("numba", "numpy"):
            res[engine] = _time(lambda: gradient_ascent_step(C, theta, tau, 0.1, engine=engine), args.steps)

        def bound() -> None:
            W = np.exp(C @ theta.T)
            W.T @ C

        print(f"{m:6d} {n:5d} {d:4d} {1e3 * res['numba']:9.3f} {1e3 * res['numpy']:9.3f} "
              f"{1e3 * _time(bound, args.steps):9.3f}")


if __name__ == "__main__":
    main()

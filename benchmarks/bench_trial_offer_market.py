"""Speed of TrialOfferMarket-v0: arrivals per second at the MovieLens-sized market (100 types x 1682 items).

Uses the ``movielens`` preset when MovieLens-100K is found (``RECOGYM_ECO_MOVIELENS`` or
``--movielens-path``), else a synthetic market of the same size. For each batch size (arrivals per
env step) it times full env steps (``gym.make`` face: ranking, compiled arrival loop, observation,
info) under quality ranking (a fixed per-type action) and popularity ranking (one shared list that
changes every step), plus the NumPy per-arrival reference at 1,000 arrivals per step. One process, so one
core; prints the median of ``--repeats``.

    python benchmarks/bench_trial_offer_market.py [--repeats 3] [--seconds 1.0] [--plot docs/figures/market_benchmark.png]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import gymnasium as gym
import numpy as np
from recogym_eco.agents.market_rankers import PopularityRanker, QualityRanker

import recogym_eco  # noqa: F401

BATCHES = [100, 1_000, 10_000, 100_000]
ID = "recogym_eco/TrialOfferMarket-v0"


def market_kwargs(path: str | None) -> tuple[dict, str]:
    """The MovieLens preset if the data is there, else a synthetic market of the same shape."""
    try:
        from recogym_eco.data.movielens import find_movielens

        find_movielens(path)
        return dict(preset="movielens", num_types=100, movielens_path=path), "movielens (100 types x 1682 items)"
    except FileNotFoundError:
        return dict(preset="synthetic-heterogeneous", num_types=100, num_items=1682), "synthetic 100 x 1682 (no MovieLens found)"


def rate(kw: dict, strategy: str, batch: int, seconds: float, seed: int, engine: str = "numba") -> float:
    """Arrivals per second over whole env steps for about ``seconds``."""
    env = gym.make(ID, **kw, batch_size=batch, horizon=10**9, shared_ranking=strategy == "popularity", engine=engine)
    agent = QualityRanker(env) if strategy == "quality" else PopularityRanker(env)
    obs, _ = env.reset(seed=seed)
    obs, *_ = env.step(agent.predict(obs)[0])
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        obs, *_ = env.step(agent.predict(obs)[0])
        n += batch
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seconds", type=float, default=1.0, help="timing window per measurement")
    p.add_argument("--movielens-path", default=None)
    p.add_argument("--plot", default=None, help="write arrivals/s against batch size to this PNG")
    args = p.parse_args(argv)
    kw, label = market_kwargs(args.movielens_path)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    print(f"market: {label}; one process (one core)")
    print(f"{'batch':>8} {'quality/s':>12} {'popularity/s':>13}   (arrivals per second, median of {args.repeats})")
    results = {}
    for batch in BATCHES:
        row = []
        for strategy in ("quality", "popularity"):
            row.append(float(np.median([rate(kw, strategy, batch, args.seconds, s) for s in range(args.repeats)])))
        results[batch] = row
        print(f"{batch:>8} {row[0]:>12.3e} {row[1]:>13.3e}")
    ref = rate(kw, "quality", BATCHES[1], args.seconds, 0, engine="numpy")
    print(f"NumPy per-arrival reference (batch {BATCHES[1]}, quality): {ref:.3e} arrivals/s "
          f"-> compiled loop is {results[BATCHES[1]][0] / ref:.0f}x faster at that batch")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.4))
        xs = np.array(BATCHES)
        for k, (name, color) in enumerate((("quality ranking (fixed, per type)", "tab:blue"),
                                           ("popularity ranking (shared, re-ranked each step)", "tab:orange"))):
            ax.plot(xs, [results[b][k] for b in BATCHES], "o-", color=color, label=name)
        ax.axhline(1e6, color="gray", ls=":", label="target 1e6 / s")
        ax.axhline(ref, color="tab:red", ls="--", label="NumPy reference")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("arrivals per env step")
        ax.set_ylabel("arrivals per second (1 core)")
        ax.set_title(f"TrialOfferMarket-v0, {label}", fontsize=8)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        plt.close(fig)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()

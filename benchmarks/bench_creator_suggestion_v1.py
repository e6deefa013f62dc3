"""Speed of CreatorSuggestion-v1 (online MF recommender, feedback creators) next to v0 (oracle, fast top-k).

Random suggestions; prints steps per second and served slate positions per second (median over
repeats) for (creators, users) = (50, 100), (200, 1000), (500, 2000). The MF recommender scores
densely (users x candidates), so its cost grows with users x creators x freshness window.

    python benchmarks/bench_creator_suggestion_v1.py [--repeats 3] [--steps 50]
"""

from __future__ import annotations

import argparse

import numpy as np

from bench_creator_suggestion import run_once

SIZES = [(50, 100), (200, 1000), (500, 2000)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    print("| env | creators | users | steps/s | slate positions/s |\n|---|---|---|---|---|")
    for C, U in SIZES:
        for env_id in ("recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1"):
            runs = np.array([run_once(C, U, args.steps, seed, env_id=env_id) for seed in range(args.repeats)])
            sps, pps = np.median(runs, axis=0)
            print(f"| {env_id.rsplit('/', 1)[1]} | {C} | {U} | {sps:.1f} | {pps:.3g} |", flush=True)


if __name__ == "__main__":
    main()

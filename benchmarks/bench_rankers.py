"""Per-round wall time of the rankers in ``recogym_eco.agents.rankers`` (median of 5 rounds).

Usage: ``PYTHONPATH=. python benchmarks/bench_rankers.py [slate_size]`` (default 5, as in CreAgent).
Scores are standard normal; every creator owns at least one candidate item.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from recogym_eco.agents.rankers import PMMF, FairRec, TopK
from recogym_eco.components.ranking import RankingRequest

SIZES = [(100, 250, 50), (1000, 2500, 500)]
REPEATS = 5


def make_request(users: int, items: int, creators: int, k: int, seed: int) -> RankingRequest:
    rng = np.random.default_rng(seed)
    item_creator = np.concatenate([np.arange(creators), rng.integers(0, creators, items - creators)])
    return RankingRequest(
        scores=rng.normal(size=(users, items)),
        item_creator=item_creator,
        item_genre=np.zeros(items, dtype=np.int64),
        num_creators=creators,
        slate_size=k,
        rng=rng,
        round_index=0,
    )


def main() -> None:
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"slate_size={k}, median of {REPEATS} rounds")
    for users, items, creators in SIZES:
        for name, ranker in [("TopK", TopK()), ("PMMF", PMMF()), ("PMMF-original", PMMF(variant="original")),
                             ("FairRec", FairRec())]:
            ranker.reset(creators)
            times = []
            for seed in range(REPEATS):
                request = make_request(users, items, creators, k, seed)
                start = time.perf_counter()
                ranker.rank(request)
                times.append(time.perf_counter() - start)
            print(f"{users:5d} users x {items:5d} candidates x {creators:4d} creators  {name:14s}"
                  f" {1e3 * float(np.median(times)):9.2f} ms/round")


if __name__ == "__main__":
    main()

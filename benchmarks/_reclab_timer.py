"""Helper run by RecLab's own interpreter: seconds per recommendation round of a RecLab topics env.

Never imported by the suite: ``benchmarks/scaling.py`` runs it as a subprocess with the interpreter
of a separate venv and reads the one JSON line it prints::

    {"seconds_per_round": s, "user_slates_per_second": online users / s, "step_seconds": ..., ...}

(medians over ``--repeats`` rounds, after ``--warmup`` untimed ones; seconds are wall-clock,
``cpu_seconds_per_round`` is the process's CPU time, the fairer figure on a shared machine).

A round: every online user (``rating_frequency=1.0``: all ``--users``) gets a slate of ``--slate``
items out of ``--items``, chosen by exact top-k (``np.argpartition`` then a sort of the k) over
scores that are either uniform random (``--scoring random``) or RecLab's own noiseless ratings
(``--scoring oracle``: ``env.dense_ratings``, which RecLab computes with a Python loop over users for
boredom); then ``env.step`` has each user rate it. RecLab 0.1.2's topics users rate only the first
item of a slate (``Topics._rate_items``: "TODO: Add support for slates of size greater than 1"),
though the whole slate enters their memory (boredom); that rating is the round's "click". The
environment is ``topics-dynamic-v1`` (19 topics, noise 0.5, topic drift 0.1, memory 5, boredom
threshold 2, penalty 1; ``--env topics-static-v1`` without dynamics) with our sizes and
``num_init_ratings=0`` (RecLab rates initial ratings one at a time in Python; they are not part of
a round). ``seconds_per_round`` is scoring + top-k + ``env.step``; ``step_seconds`` is the step alone.

Install (Python 3.11, package registry only; RecLab 0.1.2 pins nothing but numpy >= 1.19,
pandas >= 1.0.5, scipy >= 1.4.1; these are the versions checked here)::

    python3.11 -m venv .venv-reclab
    .venv-reclab/bin/pip install reclab==0.1.2 numpy==1.26.4 pandas==2.2.3 scipy==1.13.1

Run::

    .venv-reclab/bin/python benchmarks/_reclab_timer.py [--users 10000] [--items 1000] [--slate 5] \\
        [--scoring random|oracle] [--env topics-dynamic-v1] [--repeats 5] [--warmup 1] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

ENVS = ("topics-dynamic-v1", "topics-static-v1")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--items", type=int, default=1_000)
    p.add_argument("--slate", type=int, default=5)
    p.add_argument("--scoring", choices=("random", "oracle"), default="random")
    p.add_argument("--env", choices=ENVS, default="topics-dynamic-v1")
    p.add_argument("--repeats", type=int, default=5, help="timed rounds")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("users", "items", "slate", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1; got {getattr(args, name)}")
    if args.warmup < 0:
        p.error(f"--warmup must be >= 0; got {args.warmup}")
    if args.slate > args.items:
        p.error(f"--slate must be <= --items; got {args.slate} > {args.items}")
    return args


def top_k(scores, k: int):
    """Each row's k highest-scoring columns, best first: argpartition, then a sort of those k."""
    import numpy as np

    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def main(argv: list[str] | None = None) -> None:
    """Builds the env at the requested sizes, times its rounds, prints the JSON line."""
    args = parse(argv)
    import numpy as np
    import reclab
    from reclab.environments.registry import NAMED_ENV_DICT

    cls, params = NAMED_ENV_DICT[args.env]
    env = cls(**{**params, "num_users": args.users, "num_items": args.items, "rating_frequency": 1.0,
                 "num_init_ratings": 0})
    env.seed(args.seed)
    env.reset()
    rng = np.random.default_rng(args.seed)
    item_ids = np.array(list(env.items.keys()))
    rounds, cpu, steps, rated = [], [], [], []
    for r in range(args.warmup + args.repeats):
        online = np.array(list(env.online_users.keys()))
        start, start_cpu = time.perf_counter(), time.process_time()
        if args.scoring == "random":
            scores = rng.random((online.size, item_ids.size))
        else:
            scores = env.dense_ratings[online]
        slates = item_ids[top_k(scores, args.slate)]
        mid = time.perf_counter()
        _, _, ratings, _ = env.step(slates)
        end, end_cpu = time.perf_counter(), time.process_time()
        if r >= args.warmup:
            rounds.append(end - start)
            cpu.append(end_cpu - start_cpu)
            steps.append(end - mid)
            rated.append(len(ratings))
    per_round = statistics.median(rounds)
    versions = {"reclab": getattr(reclab, "__version__", "0.1.2"), "numpy": np.__version__,
                "python": sys.version.split()[0]}
    print(json.dumps({
        "seconds_per_round": per_round, "user_slates_per_second": args.users / per_round,
        "cpu_seconds_per_round": statistics.median(cpu), "step_seconds": statistics.median(steps),
        "users": args.users, "items": args.items, "slate": args.slate, "rated_per_slate": 1,
        "ratings_per_round": statistics.median(rated), "scoring": args.scoring, "env": args.env,
        "repeats": args.repeats, "round_seconds": rounds, "simulator": f"RecLab {args.env} (Topics)",
        "versions": versions}))

if __name__ == "__main__":
    main()

"""Helper run by RecSim NG's own interpreter: seconds per recommendation round of its ecosystem story.

Never imported by the suite: ``benchmarks/scaling.py`` runs it as a subprocess with the interpreter
of a separate venv and reads the one JSON line it prints::

    {"seconds_per_round": s, "user_slates_per_second": users / s, "users": ..., "items": ..., ...}

(medians over ``--repeats``; each repeat runs ``--steps`` rounds inside one compiled ``tf.function``
after a first, untimed call that traces and compiles it; seconds are wall-clock,
``cpu_seconds_per_round`` is the CPU time of all the process's threads).

The round is RecSim NG's own ecosystem simulation (``recsim_ng.applications.ecosystem_simulation``,
the closest of its stories to CreatorSuggestion: providers publish a fresh corpus every round),
assembled with ``recommendation_simulation.recs_story`` exactly as its
``create_viable_provider_simulation_network`` does, but with our sizes: ``--items`` documents per
round (``ViableCorpus``: each drawn from a provider chosen by a softmax of its discounted clicks,
``--items / 5`` providers as in RecSim NG's config), ``--users`` users
(``ClusteredNormalUserCoreDispersion``), ``MyopicRecommender`` scoring every (user, document) pair
by affinity in ``--topics`` dimensions with its provider boost and taking the top ``--slate``
(exact ``tf.math.top_k``), then each user's multinomial-logit choice of at most one slate item (its
"click") and the user, corpus, recommender and metrics updates. Every user gets a slate every round.

Install (Python 3.11, checked here with the package registry only; 2.15 is the last TensorFlow
with Keras 2, which edward2 0.0.2 needs; scipy < 1.11 because edward2 0.0.2 wraps every
``scipy.stats`` distribution's ``rvs`` at import and scipy 1.11's ``dirichlet_multinomial`` has
none: ``AttributeError: 'dirichlet_multinomial_gen' object has no attribute 'rvs'``)::

    python3.11 -m venv .venv-recsimng
    .venv-recsimng/bin/pip install recsim_ng==0.1.2 tensorflow==2.15.1 tensorflow-probability==0.23.0 \\
        edward2==0.0.2 gin-config==0.5.0 gym==0.26.2 jax==0.4.30 jaxlib==0.4.30 numpy==1.26.4 \\
        scipy==1.10.1 absl-py matplotlib

Run::

    .venv-recsimng/bin/python benchmarks/_recsim_ng_timer.py [--users 10000] [--items 1000] [--slate 5] \\
        [--topics 14] [--steps 10] [--repeats 3] [--threads 0] [--seed 0]

``--threads 0`` leaves TensorFlow's thread pools at their default (all cores).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--items", type=int, default=1_000, help="documents per round (a multiple of 5)")
    p.add_argument("--slate", type=int, default=5)
    p.add_argument("--topics", type=int, default=14)
    p.add_argument("--steps", type=int, default=10, help="rounds per timed repeat")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0,
                   help="TensorFlow intra- and inter-op threads (0: its default)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.items % 5 or args.items <= 0:
        p.error(f"--items must be a positive multiple of 5 (5 documents per provider); got {args.items}")
    for name in ("users", "slate", "topics", "steps", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1; got {getattr(args, name)}")
    if args.slate > args.items:
        p.error(f"--slate must be <= --items; got {args.slate} > {args.items}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Builds the story at the requested sizes, times it, prints the JSON line."""
    args = parse(argv)
    import numpy as np
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import recsim_ng
    from recsim_ng.applications.ecosystem_simulation import corpus, metrics, recommender, user
    from recsim_ng.core import network as network_lib
    from recsim_ng.lib.tensorflow import runtime
    from recsim_ng.stories import recommendation_simulation as simulation

    np.random.seed(args.seed)
    tf.random.set_seed(args.seed)
    num_providers = args.items // 5
    provider_means = user.init_random_provider_clusters(64.0, 2, max(num_providers // 2, 1), args.topics)
    provider_means = provider_means[:num_providers]
    if provider_means.shape[0] < num_providers:
        provider_means = np.vstack([provider_means, provider_means[:num_providers - provider_means.shape[0]]])
    config = {"num_topics": args.topics, "num_users": args.users, "num_docs": args.items,
              "slate_size": args.slate, "num_providers": num_providers, "provider_means": provider_means,
              "provider_boost_cap": 1.2}
    variables = simulation.recs_story(config, user.ClusteredNormalUserCoreDispersion, corpus.ViableCorpus,
                                      recommender.MyopicRecommender, metrics.UtilityAsRewardMetrics)
    network = network_lib.Network(variables=variables)

    @tf.function
    def run() -> tf.Tensor:
        final = runtime.TFRuntime(network=network).execute(num_steps=args.steps)
        _, reward = network_lib.find_unique_field(final, field_name="cumulative_reward")
        return tf.reduce_mean(reward)

    start = time.perf_counter()
    reward = float(run().numpy())
    compile_seconds = time.perf_counter() - start
    seconds, cpu = [], []
    for _ in range(args.repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run().numpy()
        seconds.append((time.perf_counter() - start) / args.steps)
        cpu.append((time.process_time() - start_cpu) / args.steps)
    per_round = statistics.median(seconds)
    versions = {"recsim_ng": getattr(recsim_ng, "__version__", "0.1.2"), "tensorflow": tf.__version__,
                "numpy": np.__version__, "python": sys.version.split()[0]}
    print(json.dumps({
        "seconds_per_round": per_round, "user_slates_per_second": args.users / per_round,
        "cpu_seconds_per_round": statistics.median(cpu), "users": args.users, "items": args.items,
        "slate": args.slate, "topics": args.topics, "steps": args.steps, "repeats": args.repeats,
        "threads": args.threads or "default", "first_call_seconds": compile_seconds,
        "mean_cumulative_utility": reward, "round_seconds": seconds,
        "simulator": "RecSim NG ecosystem_simulation (recs_story, ViableCorpus, MyopicRecommender)",
        "versions": versions}))

if __name__ == "__main__":
    main()

"""A Ray Tune sweep of LoRe's PPO hyperparameters and of CreatorSuggestion settings.

Every trial is one call of the project's own training entry point, ``recogym-eco train``
(:func:`recogym_eco.train.train_lore.main`): it trains LoRe with the trial's PPO keyword arguments
on the trial's env settings, then evaluates the model and NoSignal on the same held-out seeds
(``--eval-seed-base``, far from the training seeds). A trial reports

* ``lore_clicks``: mean cumulative clicks of LoRe over the held-out seeds,
* ``nosignal_clicks``: the same for NoSignal (no suggestions) on the same worlds,
* ``gain``: ``lore_clicks - nosignal_clicks``, the paired difference the sweep ranks by, and
  ``gain_ci95``, the half-width of its 95% Student-t interval over the seeds.

Raw clicks depend on the env settings (a trust mean of 0.8 lets suggestions move more creators than
0.3), so the best trial is the one with the largest gain over NoSignal, not the most clicks.

Search space: the env settings are a grid (``--presets`` x ``--trust-means``); within each grid cell
``--num-samples`` PPO configurations are drawn at random: learning rate ~ log-uniform on
[3e-4, 1e-2], ``n_steps`` in {25, 50, 100}, minibatches per rollout in {1, 2, 4} (``batch_size =
n_steps * n_envs / minibatches``), ``ent_coef`` in {0, 0.01}.

    python examples/ray/tune_lore.py --num-samples 1 --timesteps 2000 --presets default \\
        --trust-means 0.5 --eval-episodes 3                      # smoke run, under 2 minutes
    python examples/ray/tune_lore.py --num-samples 2 --timesteps 20000 --num-cpus 2   # README.md
    python examples/ray/tune_lore.py --address auto ...          # on a running Ray cluster

Outputs: Tune's experiment folder under ``--storage`` (default ``results/ray/tune_lore``), each
trial's training outputs (model, curve, ``eval/rounds.csv``) in ``<trial dir>/lore``, and
``trials.csv`` (the table printed at the end) next to them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import ray
from ray import tune
from scipy import stats

from recogym_eco.train.presets import PRESETS, json_object_arg, positive_int_arg
from recogym_eco.train.train_lore import main as train_lore

#: The small world every trial trains and evaluates on (``--env-kwargs`` adds to it).
BASE_ENV = {"num_creators": 10, "num_users": 50, "num_genres": 6, "horizon": 50}
ENV_IDS = ("recogym_eco/CreatorSuggestion-v0", "recogym_eco/CreatorSuggestion-v1")
METRICS = ("gain", "gain_ci95", "lore_clicks", "nosignal_clicks", "train_seconds")
N_STEPS = (25, 50, 100)
MINIBATCHES = (1, 2, 4)
ENT_COEFS = (0.0, 0.01)


def episode_clicks(rounds_csv: Path) -> dict[str, dict[int, float]]:
    """Cumulative clicks per policy and seed, ``sum_t clicks_t`` over an episode's rounds, from the
    ``eval/rounds.csv`` that ``recogym-eco train`` writes (one row per policy, seed and round)."""
    totals: dict[str, dict[int, float]] = {}
    with open(rounds_csv, newline="") as fh:
        for row in csv.DictReader(fh):
            by_seed = totals.setdefault(row["policy"], {})
            seed = int(row["seed"])
            by_seed[seed] = by_seed.get(seed, 0.0) + float(row["clicks"])
    return totals


def paired_gain(lore: np.ndarray, baseline: np.ndarray) -> tuple[float, float]:
    """Mean paired difference ``d_s = lore_s - baseline_s`` over seeds and the half-width of its 95%
    Student-t interval (:func:`recogym_eco.train.evaluation.mean_ci`; NaN for one seed)."""
    from recogym_eco.train.evaluation import mean_ci

    return mean_ci(np.asarray(lore, dtype=np.float64) - np.asarray(baseline, dtype=np.float64))


def trial_argv(config: dict[str, Any], out: Path) -> list[str]:
    """The ``recogym-eco train`` command line of one trial: ``batch_size = n_steps * n_envs /
    minibatches`` (a whole number by construction of the search space)."""
    n_envs = int(config["n_envs"])
    ppo = {"learning_rate": float(config["learning_rate"]), "n_steps": int(config["n_steps"]),
           "batch_size": int(config["n_steps"]) * n_envs // int(config["minibatches"]),
           "ent_coef": float(config["ent_coef"])}
    env = {**config["base_env"], "trust_mean": float(config["trust_mean"])}
    return ["--env-id", config["env_id"], "--timesteps", str(config["timesteps"]),
            "--seed", str(config["seed"]), "--n-envs", str(n_envs), "--preset", config["preset"],
            "--env-kwargs", json.dumps(env), "--ppo-kwargs", json.dumps(ppo),
            "--eval-episodes", str(config["eval_episodes"]),
            "--eval-seed-base", str(config["eval_seed_base"]),
            "--baselines", "NoSignal", "--checkpoint-every", str(10 ** 9), "--no-progress",
            "--out", str(out)]


def lore_trial(config: dict[str, Any]) -> None:
    """One Tune trial: ``recogym-eco train`` with the trial's settings, then one ``tune.report`` of
    LoRe's and NoSignal's mean cumulative clicks on the held-out seeds and their difference."""
    out = Path(tune.get_context().get_trial_dir()) / "lore"
    t0 = time.time()
    result = train_lore(trial_argv(config, out))
    clicks = episode_clicks(out / "eval" / "rounds.csv")
    seeds = sorted(clicks["LoRe"])
    lore = np.array([clicks["LoRe"][s] for s in seeds])
    nosignal = np.array([clicks["NoSignal"][s] for s in seeds])
    gain, half = paired_gain(lore, nosignal)
    tune.report({"lore_clicks": float(lore.mean()), "nosignal_clicks": float(nosignal.mean()),
                 "gain": gain, "gain_ci95": half, "train_seconds": float(result["train_seconds"]),
                 "trial_seconds": time.time() - t0, "timesteps_run": int(result["timesteps"])})


def search_space(args: argparse.Namespace) -> dict[str, Any]:
    """Grid over the env settings, random draws over PPO's hyperparameters, fixed run settings."""
    return {
        "preset": tune.grid_search(args.presets),
        "trust_mean": tune.grid_search(args.trust_means),
        "learning_rate": tune.loguniform(3e-4, 1e-2),
        "n_steps": tune.choice(list(N_STEPS)),
        "minibatches": tune.choice(list(MINIBATCHES)),
        "ent_coef": tune.choice(list(ENT_COEFS)),
        "base_env": {**BASE_ENV, **args.env_kwargs},
        "env_id": args.env_id, "timesteps": args.timesteps, "n_envs": args.n_envs, "seed": args.seed,
        "eval_episodes": args.eval_episodes, "eval_seed_base": args.eval_seed_base,
    }


def _float_list(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a comma list of numbers in [0, 1]; got {text!r}") \
            from None
    if not values or any(not 0.0 <= v <= 1.0 for v in values):
        raise argparse.ArgumentTypeError(f"must be a comma list of numbers in [0, 1]; got {text!r}")
    return values


def _preset_list(text: str) -> list[str]:
    values = [v for v in text.split(",") if v]
    bad = [v for v in values if v not in PRESETS or "trust_mean" in PRESETS[v]]
    if not values or bad:
        allowed = sorted(p for p in PRESETS if "trust_mean" not in PRESETS[p])
        raise argparse.ArgumentTypeError(f"must be a comma list of presets among {allowed} (the trust "
                                         f"presets set trust_mean, which --trust-means sweeps); got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    """Command line of the sweep; every count and list is checked as it is parsed."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-samples", type=positive_int_arg, default=2,
                   help="random PPO configurations per env grid cell")
    p.add_argument("--timesteps", type=positive_int_arg, default=20_000,
                   help="env steps of training per trial")
    p.add_argument("--presets", type=_preset_list, default=["default", "skewed"], help="comma list (grid)")
    p.add_argument("--trust-means", type=_float_list, default=[0.3, 0.8], help="comma list (grid)")
    p.add_argument("--env-kwargs", type=json_object_arg, default={},
                   help=f"JSON object over the sweep's base world {BASE_ENV}")
    p.add_argument("--env-id", default=ENV_IDS[0], choices=ENV_IDS, help="the CreatorSuggestion version")
    p.add_argument("--n-envs", type=positive_int_arg, default=4)
    p.add_argument("--seed", type=int, default=0, help="training seed of every trial")
    p.add_argument("--eval-episodes", type=positive_int_arg, default=10, help="held-out seeds per trial")
    p.add_argument("--eval-seed-base", type=int, default=1_000_000)
    p.add_argument("--search-seed", type=int, default=0, help="seed of Tune's random draws")
    p.add_argument("--address", default=None,
                   help="Ray cluster address for ray.init (e.g. auto); default: a local Ray")
    p.add_argument("--num-cpus", type=positive_int_arg, default=None,
                   help="CPUs of a local Ray (default: all)")
    p.add_argument("--cpus-per-trial", type=positive_int_arg, default=1)
    p.add_argument("--storage", type=Path, default=Path("results") / "ray" / "tune_lore",
                   help="folder of Tune's experiment")
    p.add_argument("--name", default=None, help="experiment name (default: tune_lore_<time>)")
    return p


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the trials, best gain first."""
    cols = ("preset", "trust_mean", "learning_rate", "n_steps", "minibatches", "ent_coef", *METRICS)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Runs the sweep; prints the best configuration and the table of trials; returns the trials'
    rows (config and metrics), best gain first."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for preset in args.presets:
        for trust_mean in args.trust_means:
            env = {**PRESETS[preset], **BASE_ENV, **args.env_kwargs, "trust_mean": trust_mean}
            try:
                gym.make(args.env_id, **env).close()
            except (TypeError, ValueError) as e:
                parser.error(f"env settings {env} (preset {preset!r}, --env-kwargs, trust mean "
                             f"{trust_mean}): {e}")
    storage = args.storage.resolve()
    storage.mkdir(parents=True, exist_ok=True)
    name = args.name or time.strftime("tune_lore_%Y%m%d_%H%M%S")
    if __name__ != "__main__" and __name__ in sys.modules:
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    started = not ray.is_initialized()
    if started:
        if args.address:
            ray.init(address=args.address, log_to_driver=False)
        else:
            ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    try:
        tuner = tune.Tuner(
            tune.with_resources(lore_trial, {"cpu": args.cpus_per_trial}),
            param_space=search_space(args),
            tune_config=tune.TuneConfig(
                metric="gain", mode="max", num_samples=args.num_samples,
                search_alg=tune.search.BasicVariantGenerator(random_state=args.search_seed),
                trial_dirname_creator=lambda trial: trial.trial_id),
            run_config=tune.RunConfig(name=name, storage_path=str(storage), verbose=1),
        )
        grid = tuner.fit()
    finally:
        if started:
            ray.shutdown()
    errors = [str(r.error) for r in grid if r.error is not None]
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(grid)} trials failed; first: {errors[0]}")
    keys = ("preset", "trust_mean", "learning_rate", "n_steps", "minibatches", "ent_coef")
    rows = [{**{k: r.config[k] for k in keys}, **{m: r.metrics[m] for m in (*METRICS, "timesteps_run")},
             "trial_dir": r.path} for r in grid]
    rows.sort(key=lambda r: -r["gain"])
    with open(storage / name / "trials.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    best = rows[0]
    print(f"\nbest of {len(rows)} trials (largest gain over NoSignal, mean cumulative clicks on "
          f"{args.eval_episodes} held-out seeds): " + ", ".join(f"{k}={best[k]!r}" for k in keys)
          + f"; gain {best['gain']:+.1f} ± {best['gain_ci95']:.1f} (LoRe {best['lore_clicks']:.1f} vs "
            f"NoSignal {best['nosignal_clicks']:.1f})")
    print(table(rows))
    print(f"trials: {storage / name / 'trials.csv'}")
    return rows


if __name__ == "__main__":
    main()

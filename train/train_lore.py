"""Train LoRe (PPO + creator-shared policy) on CreatorSuggestion-v0 and evaluate it against baselines.

    recogym-eco train                                              # defaults, ~15 min
    recogym-eco train --timesteps 50000 --out results/lore/smoke
    recogym-eco train --preset skewed --seed 1
    recogym-eco train --env-kwargs '{"trust_mean": 0.8}' --trust learned

(``recogym-eco train`` is ``python -m recogym_eco.train.train_lore``.)

Outputs under ``--out`` (default ``results/lore/<preset>_s<seed>``):
``model.zip`` with its sidecar ``model.json`` (load with ``recogym_eco.agents.lore.load_lore``, or
``PPO.load`` for files you trust), ``tb/`` (TensorBoard: ``tensorboard --logdir <out>/tb``),
``checkpoints/``, ``monitor/`` (per-episode raw clicks of every training env), ``curve.csv`` (mean
training episode clicks per rollout), ``eval/`` (held-out evaluation by ``train/evaluation.py``:
``summary.md``, ``rounds.csv``, plots), ``config.json``.

PPO collects whole rollouts of ``n_steps x n_envs`` env steps, so it trains ``--timesteps`` rounded up
to a whole number of rollouts; the progress bar and the final report count those steps.
``--subproc`` runs the envs in worker processes, each limited to one torch and BLAS thread.

Evaluation: ``--eval-episodes`` held-out seeds ``--eval-seed-base + i`` (training worlds are seeded from
``--seed``, far below); every policy plays the same seeds; the table gives mean ± 95% CI (Student t)
and paired differences policy − LoRe.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch as th
from stable_baselines3.common.vec_env import SubprocVecEnv

from recogym_eco.train.evaluation import evaluate_and_write as evaluate_policies
from recogym_eco.train.rollouts import ENV_IDS, check_env_kwargs
from recogym_eco.train.presets import PRESETS, json_object_arg, non_negative_int_arg, positive_int_arg
from recogym_eco.train.presets import env_kwargs as env_kwargs_of


def limit_worker_threads() -> None:
    """One torch thread and one BLAS/OpenMP thread in this process: env workers run side by side, and
    each one's default thread pool (one thread per core) oversubscribes the machine."""
    th.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


class SingleThreadEnvFactory:
    """Picklable env factory for a worker process: :func:`limit_worker_threads`, then ``env_fn()``."""

    def __init__(self, env_fn: Callable[[], gym.Env]) -> None:
        self.env_fn = env_fn

    def __call__(self) -> gym.Env:
        limit_worker_threads()
        return self.env_fn()


class SingleThreadSubprocVecEnv(SubprocVecEnv):
    """SB3's ``SubprocVecEnv`` whose workers each use one torch and BLAS thread (``--subproc``)."""

    def __init__(self, env_fns: Sequence[Callable[[], gym.Env]], start_method: str | None = None) -> None:
        super().__init__([SingleThreadEnvFactory(fn) for fn in env_fns], start_method=start_method)


def rollout_timesteps(total: int, n_steps: int, n_envs: int, start: int = 0) -> int:
    """Env steps an on-policy SB3 ``learn(total)`` takes from ``start``: whole rollouts of
    ``n_steps * n_envs`` steps until ``total`` is reached, ``ceil((total - start) / (n_steps n_envs))``
    rollouts."""
    per_rollout = n_steps * n_envs
    return max(0, math.ceil((total - start) / per_rollout)) * per_rollout


def make_progress_callback(total: int | None = None):
    """A tqdm progress bar counting env steps (``num_timesteps`` grows by ``n_envs`` per vector step).

    Its total is what ``learn`` will really run: for an on-policy model the whole rollouts of
    :func:`rollout_timesteps` (read from ``learn``'s own ``total_timesteps``), else ``total``.
    """
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class TqdmCallback(BaseCallback):
        def _on_training_start(self) -> None:
            start = self.model.num_timesteps
            target = int(self.locals.get("total_timesteps", (total or 0) + start))
            n_steps = getattr(self.model, "n_steps", None)
            if n_steps:
                steps = rollout_timesteps(target, n_steps, self.training_env.num_envs, start)
            else:
                steps = target - start
            self.bar = tqdm(total=steps, unit="step", dynamic_ncols=True, mininterval=2.0)
            self._last = start

        def _on_step(self) -> bool:
            self.bar.update(self.model.num_timesteps - self._last)
            self._last = self.model.num_timesteps
            return True

        def _on_rollout_end(self) -> None:
            buf = self.model.ep_info_buffer
            if buf:
                self.bar.set_postfix(ep_clicks=f"{np.mean([e['r'] for e in buf]):.0f}")

        def _on_training_end(self) -> None:
            self.bar.close()

    return TqdmCallback()


def make_curve_callback(path: Path):
    """Writes (timesteps, seconds, mean clicks of the last training episodes) at every rollout end
    (appending, so several ``learn`` calls of one run share the file; the header once)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class CurveCallback(BaseCallback):
        def _on_training_start(self) -> None:
            self.t0 = getattr(self, "t0", time.time())
            new = not path.exists()
            self.f = open(path, "a", newline="")
            self.w = csv.writer(self.f)
            if new:
                self.w.writerow(["timesteps", "seconds", "episodes", "ep_clicks_mean"])

        def _on_step(self) -> bool:
            return True

        def _on_rollout_end(self) -> None:
            buf = self.model.ep_info_buffer
            if buf:
                self.w.writerow([self.model.num_timesteps, round(time.time() - self.t0, 1), len(buf),
                                 round(float(np.mean([e["r"] for e in buf])), 2)])
                self.f.flush()

        def _on_training_end(self) -> None:
            self.f.close()

    return CurveCallback()


def warm_start(model: Any, args: argparse.Namespace, env_kwargs: dict[str, Any]) -> list[float]:
    """Behaviour cloning of ``args.bc_teacher`` into ``model``'s actor (agents/lore/imitation.py) on
    ``args.bc_episodes`` teacher episodes in worlds seeded ``args.seed + 100 + i`` (with the training
    ranker installed); returns the cross-entropy of each epoch."""
    from recogym_eco.agents.lore.imitation import behaviour_clone, collect_teacher_data
    from recogym_eco.agents.rankers import RANKERS, WithRanker
    from recogym_eco.agents import SUGGESTION_POLICIES

    def make_env() -> gym.Env:
        env = gym.make(args.env_id, **{**env_kwargs, "render_mode": None})
        return WithRanker(env, RANKERS.create(args.ranker)) if args.ranker else env

    seeds = [args.seed + 100 + i for i in range(args.bc_episodes)]
    obs, actions = collect_teacher_data(make_env,
                                        lambda env: SUGGESTION_POLICIES.create(args.bc_teacher, env, seed=0),
                                        seeds, explore=args.bc_explore)
    return behaviour_clone(model, obs, actions, epochs=args.bc_epochs, seed=args.seed)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``recogym-eco train``; counts and JSON options are checked as they are parsed."""
    from recogym_eco.agents.lore import LORE_PPO_DEFAULTS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--timesteps", type=positive_int_arg, default=400_000,
                   help="env steps of training (all envs together; rounded up to whole rollouts)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-envs", "--num-envs", dest="n_envs", type=positive_int_arg, default=16,
                   help="worlds stepped together: one batched env (gymnasium.make_vec) unless --subproc, "
                        "--trust learned or --ranker need a wrapper per world (then DummyVecEnv)")
    p.add_argument("--subproc", action="store_true",
                   help="SubprocVecEnv instead (one torch/BLAS thread per worker)")
    p.add_argument("--num-creators", type=positive_int_arg, default=None, help="shortcut for env kwarg num_creators")
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="experiment preset (train/presets.py)")
    p.add_argument("--env-id", default=ENV_IDS[0], choices=ENV_IDS, help="the CreatorSuggestion version")
    p.add_argument("--env-kwargs", type=json_object_arg, default={},
                   help="JSON object of CreatorSuggestion kwargs (over the preset)")
    p.add_argument("--trust", choices=["mle", "learned"], default="mle",
                   help="trust column: the env's Beta-smoothed MLE, or the paper's learned network")
    p.add_argument("--features", choices=["paper", "log"], default=None,
                   help="state (the env's observation option): the paper's (last genre + trust) or plus the "
                        "platform's logs; default: --env-kwargs' observation, else log")
    p.add_argument("--ranker", default=None,
                   help="a registered re-ranker (e.g. PMMF_CreAgent) installed in every training world; LoRe then "
                        "learns suggestions on top of it (seed 001 Table 3) and is evaluated as LoRe+<ranker>")
    p.add_argument("--bc-teacher", default=None,
                   help="warm start: behaviour-clone this registered suggestion policy (e.g. MostHistoryClick) "
                        "before PPO (agents/lore/imitation.py)")
    p.add_argument("--plugin", action="append", default=[], metavar="MODULE_OR_FILE",
                   help="import a module or .py file first (it may register rankers, suggestion policies, "
                        "creator models, recommenders); repeatable")
    p.add_argument("--bc-episodes", type=positive_int_arg, default=16,
                   help="teacher episodes for the warm start (seeds --seed + 100 + i)")
    p.add_argument("--bc-epochs", type=positive_int_arg, default=10)
    p.add_argument("--bc-explore", type=float, default=0.1,
                   help="share of the teacher's suggestions replaced by random ones while collecting")
    p.add_argument("--init-model", type=Path, default=None,
                   help="start from this saved model's policy weights (a .zip with its sidecar; read without "
                        "unpickling) instead of a fresh policy, e.g. to keep training; not with --bc-teacher")
    p.add_argument("--critic-warmup", type=non_negative_int_arg, default=0,
                   help="env steps of PPO with the actor frozen (only the critic learns) before full PPO")
    p.add_argument("--ppo-kwargs", type=json_object_arg, default={},
                   help=f"JSON object over LORE_PPO_DEFAULTS {LORE_PPO_DEFAULTS}")
    p.add_argument("--policy-kwargs", type=json_object_arg, default={}, help="JSON object over LORE_POLICY_KWARGS")
    p.add_argument("--out", type=Path, default=None, help="output folder (default results/lore/<preset>_s<seed>)")
    p.add_argument("--checkpoint-every", type=positive_int_arg, default=100_000, help="env steps between checkpoints")
    p.add_argument("--eval-episodes", type=non_negative_int_arg, default=10,
                   help="held-out evaluation episodes (0: none; 2 or more for a confidence interval)")
    p.add_argument("--eval-seed-base", type=int, default=1_000_000)
    p.add_argument("--baselines", default="NoSignal,Random,MostClick,MostHistoryClick",
                   help="comma list of policy specs of recogym-eco evaluate to compare with")
    p.add_argument("--save-to", type=Path, default=None, help="also copy the final model (and sidecar) here")
    p.add_argument("--threads", type=positive_int_arg, default=1,
                   help="torch threads (1: the policy is small, and 2 threads on a busy 2-core VM thrash)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--verbose", type=int, default=0)
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parsed options of ``recogym-eco train`` (exit code 2 and a one-line message on bad input)."""
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``recogym-eco train``: checks every option (usage error before any work), trains, saves the model
    with its sidecar and evaluates it; returns training seconds, env steps run and the summary."""
    parser = build_parser()
    args = parser.parse_args(argv)
    th.set_num_threads(args.threads)
    from recogym_eco.plugins import load_plugin

    for plugin in args.plugin:
        load_plugin(plugin)
    from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback

    from recogym_eco.agents.lore import LORE_POLICY_KWARGS, LORE_PPO_DEFAULTS, make_lore, make_lore_vec_env, save_lore
    from recogym_eco.train.rollouts import PolicySpec

    env_kwargs = env_kwargs_of(args.preset, args.env_kwargs)
    if args.num_creators is not None:
        env_kwargs["num_creators"] = args.num_creators
    features = args.features or env_kwargs.get("observation", "log")
    if env_kwargs.get("observation", features) != features:
        parser.error(f"--features {features} contradicts --env-kwargs observation={env_kwargs['observation']!r}")
    env_kwargs["observation"] = features
    try:
        check_env_kwargs(env_kwargs, args.env_id)
    except (TypeError, ValueError) as e:
        parser.error(f"env kwargs {env_kwargs} (preset {args.preset!r} + --env-kwargs): {e}")
    from recogym_eco.agents.rankers import RANKERS

    if args.ranker is not None and args.ranker not in RANKERS:
        parser.error(f"argument --ranker: {args.ranker!r} is not a registered ranker; known: {list(RANKERS.names())}")
    from recogym_eco.agents import SUGGESTION_POLICIES

    if args.bc_teacher is not None and args.bc_teacher not in SUGGESTION_POLICIES:
        parser.error(f"argument --bc-teacher: {args.bc_teacher!r} is not a registered suggestion policy; known: "
                     f"{sorted(SUGGESTION_POLICIES.names())}")
    if not 0.0 <= args.bc_explore <= 1.0:
        parser.error(f"argument --bc-explore: must be in [0, 1]; got {args.bc_explore}")
    if args.init_model is not None and (args.bc_teacher is not None or not args.init_model.is_file()):
        parser.error(f"argument --init-model: needs an existing saved model and no --bc-teacher; got {args.init_model}")
    if args.critic_warmup >= args.timesteps:
        parser.error(f"argument --critic-warmup: must be below --timesteps ({args.timesteps}); got {args.critic_warmup}")
    baselines = [b for b in args.baselines.split(",") if b]
    try:
        for spec in baselines:
            PolicySpec.parse(spec)
    except ValueError as e:
        parser.error(f"argument --baselines: {e}")
    ppo_kwargs = {**LORE_PPO_DEFAULTS, **args.ppo_kwargs}
    policy_kwargs = {**LORE_POLICY_KWARGS, **args.policy_kwargs}
    out = args.out or Path("results") / "lore" / f"{args.preset}_s{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    config = dict(vars(args), out=str(out), env_kwargs=env_kwargs, ppo_kwargs=ppo_kwargs,
                  policy_kwargs=policy_kwargs, save_to=str(args.save_to) if args.save_to else None)
    (out / "config.json").write_text(json.dumps(config, indent=2, default=str))

    venv = make_lore_vec_env(n_envs=args.n_envs, seed=args.seed, env_kwargs=env_kwargs, trust=args.trust,
                             env_id=args.env_id,
                             features=features, gamma=ppo_kwargs["gamma"],
                             vec_env_cls=SingleThreadSubprocVecEnv if args.subproc else None,
                             monitor_dir=str(out / "monitor"), ranker=args.ranker,
                             plugins=[str(Path(p).resolve()) if p.endswith(".py") else p for p in args.plugin])
    try:
        model = make_lore(venv, policy_kwargs=policy_kwargs, seed=args.seed, tensorboard_log=str(out / "tb"),
                          verbose=args.verbose, device="cpu", **ppo_kwargs)
    except (TypeError, ValueError) as e:
        venv.close()
        parser.error(f"--ppo-kwargs {args.ppo_kwargs} / --policy-kwargs {args.policy_kwargs}: {e}")
    callbacks = [CheckpointCallback(save_freq=max(1, args.checkpoint_every // args.n_envs),
                                    save_path=str(out / "checkpoints"), name_prefix="lore"),
                 make_curve_callback(out / "curve.csv")]
    if not args.no_progress:
        callbacks.append(make_progress_callback(args.timesteps))
    steps = rollout_timesteps(args.timesteps, model.n_steps, args.n_envs)
    print(f"training LoRe: {steps} steps ({steps // (model.n_steps * args.n_envs)} rollouts of {model.n_steps} x "
          f"{args.n_envs} envs), preset {args.preset}, env kwargs {env_kwargs}, trust {args.trust}, out {out}",
          flush=True)
    t0 = time.time()
    if args.init_model is not None:
        from recogym_eco.agents.lore import load_lore

        model.policy.load_state_dict(load_lore(args.init_model).policy.state_dict())
    if args.bc_teacher is not None:
        result_bc = warm_start(model, args, env_kwargs)
        print(f"warm start: behaviour cloning of {args.bc_teacher}, cross-entropy per epoch "
              f"{[round(x, 3) for x in result_bc]}", flush=True)
    if args.critic_warmup > 0:
        from recogym_eco.agents.lore.imitation import frozen_actor

        with frozen_actor(model):
            model.learn(args.critic_warmup, callback=CallbackList(callbacks), tb_log_name="ppo")
    model.learn(args.timesteps - model.num_timesteps, callback=CallbackList(callbacks), tb_log_name="ppo",
                reset_num_timesteps=False)
    train_s = time.time() - t0
    save_lore(model, out / "model.zip", env_id=args.env_id, env_kwargs=env_kwargs, ranker=args.ranker)
    if args.save_to:
        # the shipped copy leaves out rollout state (last observations, episode buffer): ~3x smaller
        save_lore(model, args.save_to, env_id=args.env_id, env_kwargs=env_kwargs, ship=True, ranker=args.ranker)
    venv.close()
    print(f"trained {model.num_timesteps} steps in {train_s / 60:.1f} min ({model.num_timesteps / train_s:.0f} "
          f"steps/s); model saved to {out / 'model.zip'}", flush=True)

    result: dict[str, Any] = {"train_seconds": train_s, "timesteps": model.num_timesteps}
    if args.eval_episodes > 0:
        seeds = [args.eval_seed_base + i for i in range(args.eval_episodes)]
        lore_spec = f"LoRe={out / 'model.zip'}" + (f"+{args.ranker}" if args.ranker else "")
        policies = [lore_spec, *baselines]
        # without the observation option, each policy gets the one it reads (the model: its sidecar's)
        eval_kwargs = {k: v for k, v in env_kwargs.items() if k != "observation"}
        summary = evaluate_policies(policies, eval_kwargs, seeds, out / "eval", reference="LoRe",
                                    title=f"LoRe vs baselines [{args.preset}]", preset=args.preset,
                                    env_id=args.env_id, plugins=args.plugin)
        print()
        print(summary, flush=True)
        result["summary"] = summary
    return result


if __name__ == "__main__":
    main()

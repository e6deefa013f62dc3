"""Train LoRe (PPO + creator-shared policy) on CreatorSuggestion-v0 and evaluate it against baselines.

    recogym-eco train                                              # defaults, ~15 min
    recogym-eco train --timesteps 50000 --out results/lore/smoke
    recogym-eco train --preset skewed --seed 1
    recogym-eco train --env-kwargs '{"trust_mean": 0.8}' --trust learned

(``recogym-eco train`` is ``python -m recogym_eco.train.train_lore``.)

Outputs under ``--out`` (default ``results/lore/<preset>_s<seed>``):
``model.zip`` (SB3 format, load with ``recogym_eco.agents.lore.load_lore`` or ``PPO.load``), ``tb/`` (TensorBoard:
``tensorboard --logdir <out>/tb``), ``checkpoints/``, ``monitor/`` (per-episode raw clicks of every
training env), ``curve.csv`` (mean training episode clicks per rollout), ``eval/`` (held-out
evaluation by ``train/evaluate.py``: ``summary.md``, ``rounds.csv``, plots), ``config.json``.

Evaluation: ``--eval-episodes`` held-out seeds ``--eval-seed-base + i`` (training worlds are seeded from
``--seed``, far below); every policy plays the same seeds; the table gives mean ± 95% CI (Student t)
and paired differences policy − LoRe.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

from recogym_eco.train.evaluate import evaluate as evaluate_policies
from recogym_eco.train.presets import PRESETS
from recogym_eco.train.presets import env_kwargs as env_kwargs_of

#: Rollout state left out of a shipped model (``PPO.load`` rebuilds it on the next ``learn``).
SHIP_EXCLUDE = ("_last_obs", "_last_original_obs", "_last_episode_starts", "ep_info_buffer", "ep_success_buffer")


def make_progress_callback(total: int):
    """SB3's rich progress bar needs ``rich``; without it, a small tqdm callback."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class TqdmCallback(BaseCallback):
        def _on_training_start(self) -> None:
            self.bar = tqdm(total=total, unit="step", dynamic_ncols=True, mininterval=2.0)
            self._last = self.model.num_timesteps

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
    """Writes (timesteps, seconds, mean clicks of the last training episodes) at every rollout end."""
    from stable_baselines3.common.callbacks import BaseCallback

    class CurveCallback(BaseCallback):
        def _on_training_start(self) -> None:
            self.t0 = time.time()
            self.f = open(path, "w", newline="")
            self.w = csv.writer(self.f)
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from recogym_eco.agents.lore import LORE_PPO_DEFAULTS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--timesteps", type=int, default=400_000, help="env steps of training (all envs together)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-envs", type=int, default=16)
    p.add_argument("--subproc", action="store_true", help="SubprocVecEnv instead of DummyVecEnv")
    p.add_argument("--num-creators", type=int, default=None, help="shortcut for env kwarg num_creators")
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="experiment preset (train/presets.py)")
    p.add_argument("--env-kwargs", default="{}", help="JSON dict of CreatorSuggestion kwargs (over the preset)")
    p.add_argument("--trust", choices=["mle", "learned"], default="mle",
                   help="trust column: the env's Beta-smoothed MLE, or the paper's learned network")
    p.add_argument("--features", choices=["paper", "log"], default="log",
                   help="state: the paper's (last genre + trust) or plus the platform's logs (agents/lore/features.py)")
    p.add_argument("--ppo-kwargs", default="{}", help=f"JSON dict over LORE_PPO_DEFAULTS {LORE_PPO_DEFAULTS}")
    p.add_argument("--policy-kwargs", default="{}", help="JSON dict over LORE_POLICY_KWARGS")
    p.add_argument("--out", type=Path, default=None, help="output folder (default results/lore/<preset>_s<seed>)")
    p.add_argument("--checkpoint-every", type=int, default=100_000, help="env steps between checkpoints")
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--eval-seed-base", type=int, default=1_000_000)
    p.add_argument("--baselines", default="NoSignal,Random,MostClick,MostHistoryClick",
                   help="comma list of policy specs of train/evaluate.py to compare with")
    p.add_argument("--save-to", type=Path, default=None, help="also copy the final model here")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1: the policy is small, and 2 threads on a busy 2-core VM thrash)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--verbose", type=int, default=0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    th.set_num_threads(args.threads)
    from stable_baselines3.common.callbacks import CallbackList, CheckpointCallback
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    from recogym_eco.agents.lore import LORE_POLICY_KWARGS, LORE_PPO_DEFAULTS, make_lore, make_lore_vec_env

    env_kwargs = env_kwargs_of(args.preset, args.env_kwargs)
    if args.num_creators is not None:
        env_kwargs["num_creators"] = args.num_creators
    ppo_kwargs = {**LORE_PPO_DEFAULTS, **json.loads(args.ppo_kwargs)}
    policy_kwargs = {**LORE_POLICY_KWARGS, **json.loads(args.policy_kwargs)}
    out = args.out or Path("results") / "lore" / f"{args.preset}_s{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    config = dict(vars(args), out=str(out), env_kwargs=env_kwargs, ppo_kwargs=ppo_kwargs,
                  policy_kwargs=policy_kwargs, save_to=str(args.save_to) if args.save_to else None)
    (out / "config.json").write_text(json.dumps(config, indent=2, default=str))

    venv = make_lore_vec_env(n_envs=args.n_envs, seed=args.seed, env_kwargs=env_kwargs, trust=args.trust,
                             features=args.features,
                             gamma=ppo_kwargs["gamma"], vec_env_cls=SubprocVecEnv if args.subproc else DummyVecEnv,
                             monitor_dir=str(out / "monitor"))
    model = make_lore(venv, policy_kwargs=policy_kwargs, seed=args.seed, tensorboard_log=str(out / "tb"),
                      verbose=args.verbose, device="cpu", **ppo_kwargs)
    callbacks = [CheckpointCallback(save_freq=max(1, args.checkpoint_every // args.n_envs),
                                    save_path=str(out / "checkpoints"), name_prefix="lore"),
                 make_curve_callback(out / "curve.csv")]
    use_rich = importlib.util.find_spec("rich") is not None
    if not args.no_progress and not use_rich:
        callbacks.append(make_progress_callback(args.timesteps))
    print(f"training LoRe: {args.timesteps} steps, {args.n_envs} envs, preset {args.preset}, env kwargs {env_kwargs}, "
          f"trust {args.trust}, out {out}", flush=True)
    t0 = time.time()
    model.learn(args.timesteps, callback=CallbackList(callbacks), progress_bar=use_rich and not args.no_progress,
                tb_log_name="ppo")
    train_s = time.time() - t0
    model.save(out / "model.zip")
    if args.save_to:
        args.save_to.parent.mkdir(parents=True, exist_ok=True)
        # the shipped copy leaves out rollout state (last observations, episode buffer): ~3x smaller
        model.save(args.save_to, exclude=list(SHIP_EXCLUDE))
    venv.close()
    print(f"trained in {train_s / 60:.1f} min ({args.timesteps / train_s:.0f} steps/s); model saved to "
          f"{out / 'model.zip'}", flush=True)

    result: dict[str, Any] = {"train_seconds": train_s}
    if args.eval_episodes > 0:
        seeds = [args.eval_seed_base + i for i in range(args.eval_episodes)]
        policies = [f"LoRe={out / 'model.zip'}", *[b for b in args.baselines.split(",") if b]]
        summary = evaluate_policies(policies, env_kwargs, seeds, out / "eval", reference="LoRe",
                                    title=f"LoRe vs baselines [{args.preset}]")
        print()
        print(summary, flush=True)
        result["summary"] = summary
    return result


if __name__ == "__main__":
    main()

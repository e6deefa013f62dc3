"""Train LoRe (PPO + creator-shared policy) on CreatorSuggestion-v0 and evaluate it against baselines.

    PYTHONPATH=. .venv/bin/python train/train_lore.py                              # defaults, ~15 min
    PYTHONPATH=. .venv/bin/python train/train_lore.py --timesteps 50000 --out results/lore/smoke
    PYTHONPATH=. .venv/bin/python train/train_lore.py --preset skewed --seed 1
    PYTHONPATH=. .venv/bin/python train/train_lore.py --env-kwargs '{"trust_mean": 0.8}' --trust learned

Outputs under ``--out`` (default ``results/lore/<preset>_s<seed>``):
``model.zip`` (SB3 format, load with ``agents.lore.load_lore`` or ``PPO.load``), ``tb/`` (TensorBoard:
``tensorboard --logdir <out>/tb``), ``checkpoints/``, ``monitor/`` (per-episode raw clicks of every
training env), ``curve.csv`` (mean training episode clicks per rollout), ``eval.json`` and ``eval.md``
(held-out evaluation), ``config.json``.

Evaluation: ``--eval-episodes`` held-out seeds ``--eval-seed-base + i`` (training worlds are seeded from
``--seed``, far below), each policy plays the same seeds; the table gives mean ± 95% CI (Student t) of
episode clicks, and of the paired difference LoRe - baseline.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch as th  # noqa: E402

# Experiment presets: env kwargs of CreatorSuggestion-v0 (paper scale unless stated).
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "balanced": {"preference_skew": 0.0},
    "skewed": {"preference_skew": 2.0},
    "movielens": {"user_preferences": "movielens"},
    "trust0.4": {"trust_mean": 0.4, "trust_dynamics": "clicks"},
    "trust0.6": {"trust_mean": 0.6, "trust_dynamics": "clicks"},
    "trust0.8": {"trust_mean": 0.8, "trust_dynamics": "clicks"},
    "random_history": {"creator_fallback": "random_history"},
    "most_clicked_history": {"creator_fallback": "most_clicked_history"},
    "cfd": {"creator_fallback": "cfd"},
    "simuline": {"creator_fallback": "simuline"},
}


def load_presets() -> dict[str, dict[str, Any]]:
    """The project's shared presets (``train/presets.py``, ``PRESETS``) when present, else the local ones."""
    try:
        from train.presets import PRESETS as shared  # type: ignore[import-not-found]

        return {**PRESETS, **shared}
    except Exception:
        return PRESETS


def t_quantile(n: int) -> float:
    """0.975 quantile of Student's t with n - 1 degrees of freedom."""
    if n < 2:
        return float("nan")
    try:
        from scipy import stats

        return float(stats.t.ppf(0.975, n - 1))
    except Exception:
        return 1.96


def mean_ci(x: np.ndarray) -> tuple[float, float]:
    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return float(x.mean()), float("nan")
    return float(x.mean()), t_quantile(x.size) * float(x.std(ddof=1)) / math.sqrt(x.size)


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


def run_episode(env, policy, seed: int, deterministic: bool) -> dict[str, float]:
    """One episode with an SB3-style ``policy.predict``; returns clicks and retention metrics."""
    obs, _ = env.reset(seed=seed)
    total, rounds, diversity = 0.0, 0, []
    info: dict[str, Any] = {}
    while True:
        action, _ = policy.predict(obs, deterministic=deterministic)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        rounds += 1
        diversity.append(info.get("content_diversity", np.nan))
        if terminated or truncated:
            break
    return {"clicks": total, "rounds": rounds, "present_creators": float(info.get("present_creators", np.nan)),
            "content_diversity": float(np.nanmean(diversity))}


def evaluate(model, env_kwargs: dict[str, Any], seeds: list[int], baselines: list[str], trust: str,
             lore_modes: list[str]) -> dict[str, Any]:
    """Every policy on the same held-out seeds; paired differences against LoRe."""
    import gymnasium as gym

    import recogym_eco  # noqa: F401
    from agents.lore import LearnedTrust

    def make_env():
        env = gym.make("recogym_eco/CreatorSuggestion-v0", **env_kwargs)
        return LearnedTrust(env) if trust == "learned" else env

    try:
        from agents import heuristics
    except Exception:  # heuristics not available: NoSignal inline
        heuristics = None

    class ZeroAction:
        def predict(self, obs, state=None, episode_start=None, deterministic=True):
            return np.zeros(np.asarray(obs).shape[-2], dtype=np.int64), state

    per_policy: dict[str, list[dict[str, float]]] = {}
    for mode in lore_modes:
        name = "LoRe" if mode == "stochastic" else "LoRe (argmax)"
        env = make_env()
        th.manual_seed(12345)
        per_policy[name] = [run_episode(env, model, s, deterministic=(mode == "argmax")) for s in seeds]
    for name in baselines:
        env = make_env()
        if heuristics is not None and name in getattr(heuristics, "HEURISTICS", {}):
            policy = heuristics.HEURISTICS[name](env, seed=0)
        elif name == "NoSignal":
            policy = ZeroAction()
        else:
            print(f"  (skipping unknown baseline {name})")
            continue
        per_policy[name] = [run_episode(env, policy, s, deterministic=True) for s in seeds]

    ref_name = "LoRe" if "LoRe" in per_policy else next(iter(per_policy))
    ref = np.array([r["clicks"] for r in per_policy[ref_name]])
    table = {}
    for name, runs in per_policy.items():
        clicks = np.array([r["clicks"] for r in runs])
        row = {"clicks": mean_ci(clicks), "present_creators": mean_ci([r["present_creators"] for r in runs]),
               "content_diversity": mean_ci([r["content_diversity"] for r in runs]),
               "clicks_per_episode": clicks.tolist()}
        if name != ref_name:
            row[f"{ref_name}_minus"] = mean_ci(ref - clicks)
        table[name] = row
    return {"seeds": seeds, "reference": ref_name, "table": table}


def format_eval(result: dict[str, Any]) -> str:
    ref = result["reference"]
    lines = [f"Held-out seeds {result['seeds'][0]}..{result['seeds'][-1]} ({len(result['seeds'])} episodes); "
             "mean ± 95% CI (Student t)", "",
             f"| policy | episode clicks | {ref} − policy (paired) | creators present at end | content diversity |",
             "|---|---|---|---|---|"]
    for name, row in result["table"].items():
        c, ci = row["clicks"]
        diff = row.get(f"{ref}_minus")
        d = f"{diff[0]:+.1f} ± {diff[1]:.1f}" if diff else "—"
        p, pci = row["present_creators"]
        cd, cdci = row["content_diversity"]
        lines.append(f"| {name} | {c:.1f} ± {ci:.1f} | {d} | {p:.1f} ± {pci:.1f} | {cd:.3f} ± {cdci:.3f} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from agents.lore import LORE_PPO_DEFAULTS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--timesteps", type=int, default=400_000, help="env steps of training (all envs together)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-envs", type=int, default=16)
    p.add_argument("--subproc", action="store_true", help="SubprocVecEnv instead of DummyVecEnv")
    p.add_argument("--num-creators", type=int, default=None, help="shortcut for env kwarg num_creators")
    p.add_argument("--preset", default="default", help=f"one of {sorted(load_presets())}")
    p.add_argument("--env-kwargs", default="{}", help="JSON dict of CreatorSuggestion kwargs (over the preset)")
    p.add_argument("--trust", choices=["mle", "learned"], default="mle",
                   help="trust column: the env's Beta-smoothed MLE, or the paper's learned network")
    p.add_argument("--ppo-kwargs", default="{}", help=f"JSON dict over LORE_PPO_DEFAULTS {LORE_PPO_DEFAULTS}")
    p.add_argument("--policy-kwargs", default="{}", help="JSON dict over LORE_POLICY_KWARGS")
    p.add_argument("--out", type=Path, default=None, help="output folder (default results/lore/<preset>_s<seed>)")
    p.add_argument("--checkpoint-every", type=int, default=100_000, help="env steps between checkpoints")
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--eval-seed-base", type=int, default=1_000_000)
    p.add_argument("--baselines", default="NoSignal,Random,MostClick,MostHistoryClick",
                   help="comma list of agents.heuristics names to compare with (NoSignal inline if absent)")
    p.add_argument("--eval-argmax", action="store_true", help="also evaluate LoRe's deterministic (argmax) policy")
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

    from agents.lore import LORE_POLICY_KWARGS, LORE_PPO_DEFAULTS, make_lore, make_lore_vec_env

    presets = load_presets()
    if args.preset not in presets:
        sys.exit(f"unknown preset {args.preset!r}; choose from {sorted(presets)}")
    env_kwargs = {**presets[args.preset], **json.loads(args.env_kwargs)}
    if args.num_creators is not None:
        env_kwargs["num_creators"] = args.num_creators
    ppo_kwargs = {**LORE_PPO_DEFAULTS, **json.loads(args.ppo_kwargs)}
    policy_kwargs = {**LORE_POLICY_KWARGS, **json.loads(args.policy_kwargs)}
    out = args.out or ROOT / "results" / "lore" / f"{args.preset}_s{args.seed}"
    out.mkdir(parents=True, exist_ok=True)
    config = dict(vars(args), out=str(out), env_kwargs=env_kwargs, ppo_kwargs=ppo_kwargs,
                  policy_kwargs=policy_kwargs, save_to=str(args.save_to) if args.save_to else None)
    (out / "config.json").write_text(json.dumps(config, indent=2, default=str))

    venv = make_lore_vec_env(n_envs=args.n_envs, seed=args.seed, env_kwargs=env_kwargs, trust=args.trust,
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
        model.save(args.save_to)
    venv.close()
    print(f"trained in {train_s / 60:.1f} min ({args.timesteps / train_s:.0f} steps/s); model saved to "
          f"{out / 'model.zip'}", flush=True)

    result: dict[str, Any] = {"train_seconds": train_s}
    if args.eval_episodes > 0:
        seeds = [args.eval_seed_base + i for i in range(args.eval_episodes)]
        baselines = [b for b in args.baselines.split(",") if b]
        modes = ["stochastic"] + (["argmax"] if args.eval_argmax else [])
        result.update(evaluate(model, env_kwargs, seeds, baselines, args.trust, modes))
        text = format_eval(result)
        print()
        print(text, flush=True)
        (out / "eval.md").write_text(text + "\n")
        (out / "eval.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
